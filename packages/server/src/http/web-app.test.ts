import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWebApp } from './web-app.js';

// The static handler of the web app over a real directory and a real Fastify instance (no fakes): the API's
// not-found handler is stood in by one that answers a recognisable 404.
let dir: string;
let root: string;
let app: FastifyInstance;
const INDEX = '<!doctype html><title>app</title>';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gureum-web-'));
  root = join(dir, 'dist');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'favicon.svg'), '<svg/>');
  await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(root, '.secret'), 'hidden');
  await writeFile(join(dir, 'outside.txt'), 'outside the web root');
  await symlink(join(dir, 'outside.txt'), join(root, 'escape.txt'));
  app = Fastify();
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ code: 'ROUTE_NOT_FOUND' }));
  app.get('/api/v1/health', () => ({ status: 'ok' }));
  await registerWebApp(app, root);
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('registerWebApp', () => {
  it('serves index.html at / with no-cache and a content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('falls back to index.html for the app routes (a reload of /vms/…)', async () => {
    for (const url of ['/vms', '/vms/0b4f3b8e-1111-2222-3333-444455556666', '/admin/users?x=1']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
    }
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('revalidates other files and answers 304 to a matching If-None-Match', async () => {
    const res = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['cache-control']).toBe('no-cache');
    const etag = String(res.headers.etag);
    const again = await app.inject({
      method: 'GET',
      url: '/favicon.svg',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers HEAD without a body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('is a 404, never the page, for a missing asset or a path with an extension', async () => {
    for (const url of ['/assets/gone-123.js', '/missing.css', '/robots.txt']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ code: 'ROUTE_NOT_FOUND' });
    }
  });

  it('lists no directory', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/' });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('index-abc123.js');
  });

  it('never serves outside the web root: dot segments, encoded dots, backslashes, symbolic links', async () => {
    for (const url of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/assets/%2e%2e/%2e%2e/outside.txt',
      '/..%2foutside.txt',
      '/..%5coutside.txt',
      '/escape.txt',
      '/.secret',
      '/%00index.html',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain('outside the web root');
      expect(res.body, url).not.toContain('hidden');
      expect([200, 404], url).toContain(res.statusCode);
      if (res.statusCode === 200) expect(res.body, url).toBe(INDEX);
    }
  });

  it('leaves API paths to the API: its routes answer, unknown ones get its 404', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).json()).toEqual({ status: 'ok' });
    for (const url of ['/api/v1/no-such-route', '/api/other', '/api']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ code: 'ROUTE_NOT_FOUND' });
    }
  });
});
