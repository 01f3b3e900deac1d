/**
 * Opening an image download: an HTTP(S) GET that follows up to five redirects, each hop checked against the URL
 * policy (scheme, credentials, and every address the host resolves to, at connect time). Answers with the response
 * body and its length; the image service streams it into the image's volume.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AppError } from '../domain/errors.js';
import type { UrlPolicy } from './url-policy.js';

const MAX_REDIRECTS = 5;
/** A source silent this long (no headers, or no bytes) fails the download. */
export const DOWNLOAD_IDLE_MS = 60_000;

export interface OpenedDownload {
  body: IncomingMessage;
  lengthBytes: number;
  /** The URL the bytes come from (after redirects). */
  url: URL;
}

function downloadFailed(message: string, meta: Record<string, unknown> = {}, cause?: unknown): AppError {
  return new AppError('IMAGE_DOWNLOAD_FAILED', 'unavailable', message, meta, { cause });
}

function get(url: URL, policy: UrlPolicy, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, {
      lookup: policy.lookup,
      headers: { 'user-agent': 'gureum-image-download', accept: '*/*' },
      timeout: DOWNLOAD_IDLE_MS,
      ...(signal ? { signal } : {}),
    });
    req.once('response', resolve);
    req.once('timeout', () => req.destroy(downloadFailed(`${url.host} did not answer in time.`)));
    req.once('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof AppError || err.name === 'AbortError') reject(err);
      else if (err.code === 'EADDRNOTALLOWED')
        reject(
          new AppError('VALIDATION_FAILED', 'invalid', `The source URL ${err.message}.`, {}, { cause: err }),
        );
      else reject(downloadFailed(`Could not reach ${url.host}: ${err.message}.`, { code: err.code }, err));
    });
  });
}

/**
 * GETs `start`, following redirects. A non-200 answer, a missing Content-Length or a body over `maxBytes` fails;
 * a redirect to a refused URL is refused like the URL itself would be.
 */
export async function openDownload(
  start: URL,
  policy: UrlPolicy,
  options: { maxBytes: number; signal?: AbortSignal },
): Promise<OpenedDownload> {
  let url = start;
  for (let hop = 0; ; hop++) {
    policy.checkUrl(url.href);
    const res = await get(url, policy, options.signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS)
        throw downloadFailed(`More than ${MAX_REDIRECTS} redirects from ${start.host}.`);
      url = new URL(location, url);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw downloadFailed(`${url.host} answered HTTP ${status}.`, { status });
    }
    const length = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) {
      res.destroy();
      throw downloadFailed(`${url.host} did not say how long the file is (no Content-Length).`);
    }
    if (length > options.maxBytes) {
      res.destroy();
      throw new AppError('IMAGE_TOO_LARGE', 'too_large', `Images may be at most ${options.maxBytes} bytes.`, {
        maxBytes: options.maxBytes,
        lengthBytes: length,
      });
    }
    res.setTimeout(DOWNLOAD_IDLE_MS, () =>
      res.destroy(downloadFailed(`${url.host} stopped sending for ${DOWNLOAD_IDLE_MS / 1000} s.`)),
    );
    return { body: res, lengthBytes: length, url };
  }
}
