import { randomUUID } from 'node:crypto';
import { AjvCompiler } from '@fastify/ajv-compiler';
import websocket from '@fastify/websocket';
import {
  BASE_PATH,
  CONSOLES_PATH,
  EVENTS_PATH,
  routes,
  isOperationId,
  type RouteInput,
} from '@gureum/contract';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaCompiler,
  type FastifyServerOptions,
} from 'fastify';
import { AppError, ForbiddenError, UnauthenticatedError, UnavailableError } from '../domain/errors.js';
import { registerConsoleSocket } from '../ws/console.socket.js';
import { registerEventsSocket } from '../ws/events.socket.js';
import type { AppServices } from './context.js';
import { isLoopbackAddress } from './loopback.js';
import { registerOpsHooks } from './ops.hooks.js';
import { handleError } from './problem.js';
import { registerAccountRoutes } from './routes/account.routes.js';
import { registerConsoleRoutes } from './routes/console.routes.js';
import { registerDiskRoutes } from './routes/disk.routes.js';
import { registerSnapshotRoutes } from './routes/snapshot.routes.js';
import { registerImageRoutes } from './routes/image.routes.js';
import { registerOpsRoutes } from './routes/ops.routes.js';
import { registerQuotaRoutes } from './routes/quota.routes.js';
import { registerSystemRoutes } from './routes/system.routes.js';
import { registerTaskRoutes } from './routes/task.routes.js';
import { registerVmRoutes } from './routes/vm.routes.js';
import { registerInstallRoutes } from './routes/install.routes.js';
import { registerWebApp } from './web-app.js';

export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/** The routes that take a WebSocket upgrade. */
const WEBSOCKET_URLS: ReadonlySet<string> = new Set([BASE_PATH + EVENTS_PATH, BASE_PATH + CONSOLES_PATH]);

/** Unknown fields are an error, never silently dropped; every error is reported, not only the first. */
// `allowUnionTypes`: nullable fields are `type: [T, "null"]` (see the contract's `nullable`).
const AJV_OPTIONS = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  allowUnionTypes: true,
} as const;

/**
 * Query strings, path parameters and headers are text, so they are coerced to their schema types (`?limit=5`).
 * JSON bodies carry their own types and are validated as sent: `"vcpus": "2"`, `"start": "true"` or `"tags": "web"`
 * is a 400, never silently turned into 2, true or ["web"].
 */
function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const pool = AjvCompiler();
  const build = (coerceTypes: 'array' | false): FastifySchemaCompiler<unknown> =>
    pool({}, { customOptions: { ...AJV_OPTIONS, coerceTypes } });
  const coercing = build('array');
  const strict = build(false);
  return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
}

/** The media type a route's body must have: JSON routes take JSON, uploads take octet-stream, others anything. */
function expectedMediaType(def: RouteInput): string | null {
  if (def.rawBody) return def.rawBody;
  return def.body ? 'application/json' : null;
}

/**
 * A WebSocket upgrade refused before the WebSocket plugin saw it: its socket is closed once the refusal is sent
 * (the plugin, which otherwise does that, never runs for it; the socket would stay open, half-closed, forever).
 */
function releaseUpgradeSocket(req: FastifyRequest, reply: FastifyReply): void {
  if (req.raw.headers.upgrade !== undefined) reply.raw.once('finish', () => req.raw.socket.destroy());
}

/**
 * URLs the router refuses before any hook runs (a malformed escape, a path parameter over 100 characters): answered
 * as problems like everything else.
 */
function routerError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  releaseUpgradeSocket(req, reply);
  const refused =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('ROUTE_NOT_FOUND', 'not_found', 'No route matches: a path segment is too long.')
      : err.code === 'FST_ERR_BAD_URL'
        ? new AppError('VALIDATION_FAILED', 'invalid', 'The URL is not valid (a malformed escape).')
        : err;
  handleError(refused, req, reply);
}

/**
 * `GET /metrics` from the host itself without an `Authorization` header (a local Prometheus): allowed with no
 * principal. With a header, normal authentication and the admin check apply. The socket's peer address decides,
 * never a forwarded header.
 */
function isLocalScrape(id: string, req: FastifyRequest): boolean {
  return (
    id === 'getMetrics' &&
    req.headers.authorization === undefined &&
    isLoopbackAddress(req.socket.remoteAddress)
  );
}

/** Builds the API (REST + events WebSocket) without listening: `main.ts` listens, tests use `inject()`. */
export async function buildApp(
  services: AppServices,
  options: {
    logger?: FastifyServerOptions['loggerInstance'];
    /** The built web app (packages/web/dist), served at `/`; null or absent: the API only. */
    webDir?: string | null;
  } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    genReqId: () => randomUUID(),
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    return503OnClosing: true,
    frameworkErrors: routerError,
  });
  app.setValidatorCompiler(validatorCompiler());

  app.decorateRequest('principal', null);
  app.setErrorHandler((err, req, reply) => handleError(err, req, reply));
  app.setNotFoundHandler((req, reply) =>
    handleError(
      new AppError('ROUTE_NOT_FOUND', 'not_found', `No route ${req.method} ${req.url.split('?')[0] ?? ''}.`),
      req,
      reply,
    ),
  );
  // Uploads stream straight through: the handler reads the raw request.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => {
    done(null, payload);
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    void reply.header('x-request-id', req.id);
    done(null, payload);
  });
  // Latency histogram and audit rows, after each reply went out.
  registerOpsHooks(app, services);

  // @fastify/websocket upgrades a request to ANY route and then closes the socket when the route has no WebSocket
  // handler: a client with a wrong URL would see an open socket close at once. Refuse it before the upgrade.
  app.addHook('onRequest', async (req, reply) => {
    const upgrade = req.headers.upgrade;
    if (upgrade !== undefined && !WEBSOCKET_URLS.has(req.routeOptions.url ?? '')) {
      releaseUpgradeSocket(req, reply);
      throw new AppError('ROUTE_NOT_FOUND', 'not_found', 'No WebSocket at this URL.');
    }
  });

  app.addHook('onRequest', async (req) => {
    const id = req.routeOptions.config.operationId;
    if (!isOperationId(id)) return;
    const def = routes[id];
    if (def.auth === 'user' && !isLocalScrape(id, req)) {
      const header = req.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match?.[1]) throw new UnauthenticatedError();
      const principal = await services.auth.authenticate(match[1]);
      req.principal = principal;
      // Before the body is even parsed: non-admins learn nothing from validation errors of admin routes.
      const input: RouteInput = def;
      if (input.adminOnly && principal.user.role !== 'admin')
        throw new ForbiddenError('Only admins may use this route.');
    }
    if (req.method !== 'GET') {
      if (services.isShuttingDown()) {
        throw new AppError(
          'SERVER_SHUTTING_DOWN',
          'unavailable',
          'The server is shutting down; retry shortly.',
        );
      }
      const needsLibvirt = (def.errors as readonly string[]).includes('LIBVIRT_UNAVAILABLE');
      if (needsLibvirt && services.hypervisor.status !== 'up') {
        throw new UnavailableError(
          'LIBVIRT_UNAVAILABLE',
          'libvirt is not reachable right now; reads still work.',
        );
      }
    }
  });

  // The parsers are global (an upload stream must never reach a JSON route, nor a JSON or text body an upload):
  // each route takes only its own media type. Runs after authentication, before any parser.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const id = req.routeOptions.config.operationId;
    const type = req.headers['content-type'];
    if (!isOperationId(id) || type === undefined) return payload;
    const expected = expectedMediaType(routes[id]);
    const actual = type.split(';')[0]?.trim().toLowerCase();
    if (expected !== null && actual !== expected) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'invalid',
        `This route takes ${expected}, not ${actual ?? 'an empty Content-Type'}.`,
      );
    }
    return payload;
  });

  // Actions with an empty options object may be posted without a body.
  app.addHook('preValidation', (req, _reply, done) => {
    const id = req.routeOptions.config.operationId;
    if (isOperationId(id) && 'body' in routes[id] && req.body === undefined) req.body = {};
    done();
  });

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  registerSystemRoutes(app, services);
  registerAccountRoutes(app, services);
  registerVmRoutes(app, services);
  registerInstallRoutes(app, services);
  registerDiskRoutes(app, services);
  registerSnapshotRoutes(app, services);
  registerImageRoutes(app, services);
  registerTaskRoutes(app, services);
  registerOpsRoutes(app, services);
  registerQuotaRoutes(app, services);
  registerEventsSocket(app, services);
  registerConsoleRoutes(app, services);
  registerConsoleSocket(app, services);
  if (options.webDir) await registerWebApp(app, options.webDir);
  return app;
}
