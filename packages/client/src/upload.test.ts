import { Readable } from 'node:stream';
import type { Image } from '@gureum/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGureumClient, type GureumClient, type UploadProgress } from './index.js';
import { FakeGureumServer, problem } from './test/fake-server.js';

const T0 = '2025-01-01T00:00:00Z';
const image = (sizeBytes: number, status: Image['status'] = 'ready'): Image => ({
  id: 'img_1',
  name: 'tiny',
  kind: 'iso',
  format: 'iso',
  status,
  sizeBytes,
  ownerId: 'usr_1',
  createdAt: T0,
  updatedAt: T0,
});

let server: FakeGureumServer;
let client: GureumClient;

beforeEach(async () => {
  server = new FakeGureumServer();
  client = createGureumClient({ baseUrl: await server.start(), token: 'secret-token' });
  server.on('PUT', '/images/:id/content', (req) => ({ status: 200, body: image(req.body.byteLength) }));
});

afterEach(async () => {
  await server.close();
});

function bytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function lastUpload() {
  const req = server.requests.at(-1);
  if (!req) throw new Error('no upload recorded');
  return req;
}

function expectProgress(progress: UploadProgress[], total: number): void {
  expect(progress.length).toBeGreaterThan(1);
  for (let i = 1; i < progress.length; i++) {
    expect(progress[i]?.loadedBytes).toBeGreaterThan(progress[i - 1]?.loadedBytes ?? -1);
  }
  expect(progress.at(-1)).toEqual({ loadedBytes: total, totalBytes: total });
}

describe('uploadImageContent', () => {
  it('streams bytes with Content-Length and reports progress', async () => {
    const data = bytes(3 * 1024 * 1024 + 5);
    const progress: UploadProgress[] = [];
    const result = await client.uploadImageContent({ id: 'img_1' }, data, {
      onProgress: (p) => progress.push(p),
    });
    expect(result.status).toBe('ready');
    const req = lastUpload();
    expect(req.method).toBe('PUT');
    expect(req.path).toBe('/api/v1/images/img_1/content');
    expect(req.headers['content-length']).toBe(String(data.byteLength));
    expect(req.headers['content-type']).toBe('application/octet-stream');
    expect(req.headers['transfer-encoding']).toBeUndefined();
    expect(Buffer.compare(req.body, Buffer.from(data))).toBe(0);
    expectProgress(progress, data.byteLength);
  });

  it('streams a Node stream (async iterable) given its size, chunk by chunk', async () => {
    const chunk = bytes(64 * 1024);
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 16; i++) {
        await new Promise((r) => setTimeout(r, 2));
        yield chunk;
      }
    }
    const progress: UploadProgress[] = [];
    await client.uploadImageContent({ id: 'img_1', sha256: 'a'.repeat(64) }, Readable.from(source()), {
      size: 16 * chunk.byteLength,
      onProgress: (p) => progress.push(p),
    });
    const req = lastUpload();
    expect(req.body.byteLength).toBe(16 * chunk.byteLength);
    expect(req.headers['content-length']).toBe(String(16 * chunk.byteLength));
    expect(req.query.get('sha256')).toBe('a'.repeat(64));
    expect(req.chunks.length).toBeGreaterThan(1);
    expectProgress(progress, 16 * chunk.byteLength);
  });

  it('streams a web ReadableStream and a Blob', async () => {
    const data = bytes(200_000);
    const stream = new Blob([data]).stream();
    await client.uploadImageContent({ id: 'img_1' }, stream, { size: data.byteLength });
    expect(Buffer.compare(lastUpload().body, Buffer.from(data))).toBe(0);
    await client.uploadImageContent({ id: 'img_1' }, new Blob([data]));
    expect(lastUpload().headers['content-length']).toBe('200000');
    expect(Buffer.compare(lastUpload().body, Buffer.from(data))).toBe(0);
  });

  it('requires the size of streams and checks it against known sizes', async () => {
    await expect(client.uploadImageContent({ id: 'img_1' }, Readable.from([bytes(10)]))).rejects.toThrow(
      /size/,
    );
    await expect(client.uploadImageContent({ id: 'img_1' }, bytes(10), { size: 11 })).rejects.toThrow(
      /does not match/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('surfaces upload problems as ApiError', async () => {
    server.on('PUT', '/images/:id/content', () =>
      problem('IMAGE_FORMAT_UNSUPPORTED', 'Not an ISO 9660 image.'),
    );
    await expect(client.uploadImageContent({ id: 'img_1' }, bytes(1024))).rejects.toMatchObject({
      status: 400,
      code: 'IMAGE_FORMAT_UNSUPPORTED',
    });
  });
});
