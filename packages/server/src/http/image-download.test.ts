import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageVolumeRef } from '../services/image.service.js';
import {
  expectProblem,
  isoBytes,
  qcow2Bytes,
  snapshotState,
  startHarness,
  type Harness,
} from '../testing/app-harness.js';

// Server-side image downloads through app.inject(). Real: the server over in-memory SQLite, its URL policy, its
// HTTP client, and a file server on 127.0.0.1 made here (the only host these tests reach). Fake: the hypervisor's
// volumes (FakeHypervisor keeps the uploaded bytes).

interface ImageJson {
  id: string;
  name: string;
  kind: string;
  status: string;
  format?: string;
  sha256?: string;
  sizeBytes?: number;
  failureReason?: string;
  source?: { url: string };
}
interface TaskJson {
  id: string;
  kind: string;
  status: string;
  progress: number;
  error?: { code: string; detail: string };
}

const ISO = isoBytes();
const DISK = qcow2Bytes({ length: 256 * 1024 });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let files: Server;
let base: string;
/** Requests the file server saw (path), to prove refused URLs were never fetched. */
const seen: string[] = [];
let slowResponse: ServerResponse | undefined;

function route(path: string, res: ServerResponse): void {
  const send = (body: Buffer) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  };
  switch (path) {
    case '/installer.iso':
      send(ISO);
      return;
    case '/disk.qcow2':
      send(DISK);
      return;
    case '/moved':
      res.writeHead(302, { location: '/installer.iso' });
      return void res.end();
    case '/to-ipv6-loopback':
      res.writeHead(302, { location: `http://[::1]:${new URL(base).port}/installer.iso` });
      return void res.end();
    case '/chunked':
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(ISO.subarray(0, 1000));
      return void res.end(ISO.subarray(1000));
    case '/slow':
      res.writeHead(200, { 'content-length': ISO.length * 4 });
      res.write(ISO.subarray(0, 4096));
      slowResponse = res; // never finishes unless the client goes away
      return;
    default:
      res.writeHead(404);
      return void res.end('not found');
  }
}

let h: Harness;
let strict: Harness;
beforeAll(async () => {
  files = createServer((req, res) => {
    seen.push(req.url ?? '');
    route(req.url ?? '/', res);
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  h = await startHarness({
    env: { GUREUM_DOWNLOAD_ALLOW: '127.0.0.1/32', GUREUM_MAX_IMAGE_BYTES: '1048576' },
  });
  strict = await startHarness();
});
afterAll(async () => {
  slowResponse?.destroy();
  await h.close();
  await strict.close();
  await new Promise((resolve) => files.close(resolve));
});

let n = 0;
const name = () => `dl-${++n}`;

async function download(
  url: string,
  extra: Record<string, unknown> = {},
  harness = h,
): Promise<{ image: ImageJson; task: TaskJson }> {
  const res = await harness.request('POST', '/images', {
    body: { name: name(), kind: 'iso', source: { url, ...extra } },
  });
  expect(res.statusCode, res.body).toBe(201);
  const image = res.json<ImageJson>();
  const tasks = await harness.request('GET', '/tasks', { query: { resource: image.id } });
  const [task] = tasks.json<{ items: TaskJson[] }>().items;
  if (!task) throw new Error('no task for the download');
  const done = await harness.request('GET', `/tasks/${task.id}`, {
    query: { wait: 'true', timeoutMs: '20000' },
  });
  return { image, task: done.json<TaskJson>() };
}

const imageOf = async (id: string) => (await h.request('GET', `/images/${id}`)).json<ImageJson>();
const volumeOf = (id: string) =>
  h.hypervisor.volumes.get(`${imageVolumeRef(`${h.config.poolPrefix}-images`, id).pool}/image-${id}.img`);

describe('POST /images with source.url', () => {
  it('downloads the file in an image.import task: ready, with its SHA-256 and format', async () => {
    const { image, task } = await download(`${base}/installer.iso`, { sha256: sha(ISO) });
    expect(image).toMatchObject({
      status: 'uploading',
      kind: 'iso',
      source: { url: `${base}/installer.iso` },
    });
    expect(task).toMatchObject({ kind: 'image.import', status: 'succeeded', progress: 1 });
    expect(await imageOf(image.id)).toMatchObject({
      status: 'ready',
      format: 'iso',
      sha256: sha(ISO),
      sizeBytes: ISO.length,
    });
    expect(volumeOf(image.id)?.bytes?.equals(ISO)).toBe(true);
  });

  it('follows a redirect, and detects a qcow2 disk', async () => {
    const moved = await download(`${base}/moved`);
    expect(moved.task.status).toBe('succeeded');
    const res = await h.request('POST', '/images', {
      body: { name: name(), kind: 'disk', source: { url: `${base}/disk.qcow2` } },
    });
    const id = res.json<ImageJson>().id;
    const [task] = (await h.request('GET', '/tasks', { query: { resource: id } })).json<{
      items: TaskJson[];
    }>().items;
    await h.request('GET', `/tasks/${task?.id ?? ''}`, { query: { wait: 'true' } });
    expect(await imageOf(id)).toMatchObject({ status: 'ready', format: 'qcow2' });
  });

  it('a SHA-256 mismatch fails the image and removes the file', async () => {
    const { image, task } = await download(`${base}/installer.iso`, { sha256: 'a'.repeat(64) });
    expect(task.status).toBe('failed');
    expect(task.error?.code).toBe('IMAGE_CHECKSUM_MISMATCH');
    const after = await imageOf(image.id);
    expect(after.status).toBe('failed');
    expect(after.failureReason).toContain(sha(ISO));
    expect(volumeOf(image.id)).toBeUndefined();
  });

  it.each([
    ['an HTTP 404', '/missing', 'IMAGE_DOWNLOAD_FAILED'],
    ['no Content-Length', '/chunked', 'IMAGE_DOWNLOAD_FAILED'],
    ['a redirect to a refused address', '/to-ipv6-loopback', 'VALIDATION_FAILED'],
  ])('fails on %s, leaving no file', async (_label, path, code) => {
    const { image, task } = await download(`${base}${path}`);
    expect(task.status).toBe('failed');
    expect(task.error?.code).toBe(code);
    expect((await imageOf(image.id)).status).toBe('failed');
    expect(volumeOf(image.id)).toBeUndefined();
  });

  it('refuses a file over the size limit before reading it', async () => {
    const big = Buffer.alloc(2 * 1048576);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': big.length });
      res.end(big);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { task } = await download(`http://127.0.0.1:${(server.address() as AddressInfo).port}/big.iso`);
      expect(task.error?.code).toBe('IMAGE_TOO_LARGE');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('does not download again what a ready image already has (409 IMAGE_DUPLICATE, nothing created)', async () => {
    const first = await download(`${base}/installer.iso`);
    expect(first.task.status).toBe('succeeded');
    const before = await snapshotState(h);
    const again = await h.request('POST', '/images', {
      body: { name: name(), kind: 'iso', source: { url: `${base}/installer.iso`, sha256: sha(ISO) } },
    });
    const problem = expectProblem(again, 409, 'IMAGE_DUPLICATE');
    expect(problem.detail).toContain(sha(ISO));
    expect(await snapshotState(h)).toEqual(before);
  });

  it('cancelling a download aborts it: the task is cancelled, the image failed, no file left', async () => {
    const res = await h.request('POST', '/images', {
      body: { name: name(), kind: 'iso', source: { url: `${base}/slow` } },
    });
    const id = res.json<ImageJson>().id;
    const [task] = (await h.request('GET', '/tasks', { query: { resource: id } })).json<{
      items: TaskJson[];
    }>().items;
    await expect.poll(() => slowResponse !== undefined).toBe(true);
    const cancel = await h.request('POST', `/tasks/${task?.id ?? ''}/actions/cancel`);
    expect(cancel.statusCode, cancel.body).toBeLessThan(300);
    const done = await h.request('GET', `/tasks/${task?.id ?? ''}`, { query: { wait: 'true' } });
    expect(done.json<TaskJson>().status).toBe('cancelled');
    expect((await imageOf(id)).status).toBe('failed');
    expect(volumeOf(id)).toBeUndefined();
  });
});

describe('hostile source URLs: 400, nothing created, nothing fetched', () => {
  it.each([
    ['file:', 'file:///etc/passwd'],
    ['data:', 'data:application/octet-stream;base64,AAAA'],
    ['ftp:', 'ftp://127.0.0.1/x.iso'],
    ['credentials', 'http://user:secret@127.0.0.1/x.iso'],
    ['loopback without the operator allowing it', 'http://127.0.0.1:1/x.iso'],
    ['a name resolving to loopback', 'http://localhost:1/x.iso'],
    ['IPv6 loopback', 'http://[::1]:1/x.iso'],
    ['the metadata address', 'http://169.254.169.254/latest'],
    ['a private address', 'http://10.0.0.1/x.iso'],
  ])('%s', async (_label, url) => {
    const before = await snapshotState(strict);
    const fetched = seen.length;
    const res = await strict.request('POST', '/images', {
      body: { name: name(), kind: 'iso', source: { url } },
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(await snapshotState(strict)).toEqual(before);
    expect((await strict.request('GET', '/tasks')).json<{ items: unknown[] }>().items).toEqual([]);
    expect(seen.length).toBe(fetched);
  });
});
