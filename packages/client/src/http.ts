import { BASE_PATH, PROBLEM_CONTENT_TYPE, type RouteInput } from '@gureum/contract';
import { ApiError, ConnectionError, parseProblem } from './errors.js';

/** A `fetch` implementation (the global one, or a wrapper that adds logging, retries, …). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Where and how to talk to the server. */
export interface Transport {
  /** The server origin (and optional prefix), without `/api/v1`: `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Reads the current bearer token (it can change after `login`). */
  readonly token: () => string | undefined;
  readonly fetch: FetchLike;
}

/** A request in terms of the route table. */
export interface ApiRequest {
  readonly method: RouteInput['method'];
  /** Path relative to `/api/v1`, parameters already substituted. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: BodyInit;
  /** Needed by Node's fetch for stream bodies. */
  readonly duplex?: 'half';
  readonly signal?: AbortSignal | undefined;
  /** Parse the success body as text instead of JSON. */
  readonly text?: boolean;
}

/** A raw, parsed success response. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  /** The `ETag` header, for `ifMatch`. */
  readonly etag: string | undefined;
}

export type QueryValue = string | number | boolean | readonly (string | number | boolean)[] | undefined;

/** `/vms/:idOrName` + `{ idOrName: 'web 1' }` → `/vms/web%201`. */
export function fillPath(template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const value = params[name];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new TypeError(`missing path parameter "${name}" for ${template}`);
    }
    return encodeURIComponent(String(value));
  });
}

/** Builds the absolute URL of an API path with its query. */
export function apiUrl(
  baseUrl: string,
  path: string,
  query: Readonly<Record<string, QueryValue>> = {},
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const qs = search.toString();
  return `${baseUrl.replace(/\/+$/, '')}${BASE_PATH}${path}${qs ? `?${qs}` : ''}`;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Sends one request. Success bodies are parsed (JSON, or text when asked); problem responses throw `ApiError`;
 * network failures throw `ConnectionError`; an abort rethrows the abort reason.
 */
export async function send(transport: Transport, request: ApiRequest): Promise<ApiResponse> {
  const url = apiUrl(transport.baseUrl, request.path, request.query);
  const headers: Record<string, string> = {
    accept: request.text ? 'text/plain' : `application/json, ${PROBLEM_CONTENT_TYPE}`,
    ...request.headers,
  };
  const token = transport.token();
  if (token) headers['authorization'] = `Bearer ${token}`;
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers };
  if (request.body !== undefined) init.body = request.body;
  if (request.duplex) init.duplex = request.duplex;
  if (request.signal) init.signal = request.signal;
  let response: Response;
  try {
    response = await transport.fetch(url, init);
  } catch (err: unknown) {
    if (request.signal?.aborted) throw request.signal.reason;
    throw new ConnectionError(url, { cause: err });
  }
  if (response.status >= 400) {
    const body = await readBody(response).catch(() => undefined);
    const fallback = typeof body === 'string' ? body.slice(0, 200) : response.statusText;
    throw new ApiError(response.status, parseProblem(body), fallback);
  }
  const body =
    response.status === 204 ? undefined : request.text ? await response.text() : await readBody(response);
  return {
    status: response.status,
    headers: response.headers,
    body,
    etag: response.headers.get('etag') ?? undefined,
  };
}
