import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { BASE_PATH } from '@gureum/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// Serves the built web app (packages/web/dist) at `/` on the API's port: see docs/adr/0005-web-static.md.

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names what it builds into `assets/` after a hash of the content: those files never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html above all) is revalidated on each use, so a new build shows at once. */
const REVALIDATE = 'no-cache';

/**
 * The pages are the app's only HTML: scripts and styles from this origin only, API and WebSockets to this origin,
 * never framed. Inline styles stay allowed for the terminal and VNC views, which style their own elements.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

function isApiPath(path: string): boolean {
  return (
    path === BASE_PATH || path.startsWith(`${BASE_PATH}/`) || path === '/api' || path.startsWith('/api/')
  );
}

/**
 * The file under `root` that a URL path names, or null: never outside `root` (no `..`, no symbolic link out of
 * it), never a dotfile, never a directory (no listings).
 */
export async function resolveWebFile(
  root: string,
  urlPath: string,
): Promise<{ file: string; stats: Stats } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.length === 0 || segments.some((s) => s.startsWith('.'))) return null;
  const candidate = resolve(root, ...segments);
  if (!candidate.startsWith(root + sep)) return null;
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(root + sep)) return null;
    const stats = await stat(real);
    return stats.isFile() ? { file: real, stats } : null;
  } catch {
    return null;
  }
}

function sendFile(
  req: FastifyRequest,
  reply: FastifyReply,
  file: string,
  stats: Stats,
  cacheControl: string,
): FastifyReply {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  void reply
    .header('cache-control', cacheControl)
    .header('etag', etag)
    .header('x-content-type-options', 'nosniff');
  if (type.startsWith('text/html')) {
    void reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');
  }
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(type).header('content-length', stats.size).send(createReadStream(file));
}

/**
 * Serves the web app from `webDir` for every GET that is not an API path: a file of the build when one matches,
 * else `index.html`, so the app's own routes (`/vms/…`) work on reload. Missing files under `assets/` (or any path
 * with an extension) are a plain 404, never the HTML page. API paths keep the API's `ROUTE_NOT_FOUND` problem.
 */
export async function registerWebApp(app: FastifyInstance, webDir: string): Promise<void> {
  const root = await realpath(webDir);
  const index = join(root, 'index.html');
  const notFound = (reply: FastifyReply): FastifyReply => {
    reply.callNotFound();
    return reply;
  };
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = req.url.split('?')[0] ?? '/';
    if (isApiPath(path)) return notFound(reply);
    const found = await resolveWebFile(root, path);
    if (found) {
      const immutable = path.startsWith('/assets/');
      return sendFile(req, reply, found.file, found.stats, immutable ? IMMUTABLE : REVALIDATE);
    }
    const last = path.split('/').pop() ?? '';
    if (path.startsWith('/assets/') || extname(last) !== '') return notFound(reply);
    const page = await stat(index).catch(() => null);
    if (!page?.isFile()) return notFound(reply);
    return sendFile(req, reply, index, page, REVALIDATE);
  };
  app.get('/', handler);
  app.get('/*', handler);
}
