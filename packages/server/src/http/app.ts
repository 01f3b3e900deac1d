import { randomUUID } from 'node:crypto';
import { AjvCompiler } from '@fastify/ajv-compiler';
import websocket from '@fastify/websocket';
import { routes, isOperationId, type RouteInput } from '@gureum/contract';
import Fastify, {
  type FastifyInstance,
  type FastifySchemaCompiler,
  type FastifyServerOptions,
} from 'fastify';
import { AppError, UnauthenticatedError, UnavailableError } from '../domain/errors.js';
import { registerEventsSocket } from '../ws/events.socket.js';
import type { AppServices } from './context.js';
import { handleError } from './problem.js';
import { registerImageRoutes } from './routes/image.routes.js';
import { registerSystemRoutes } from './routes/system.routes.js';
import { registerTaskRoutes } from './routes/task.routes.js';
import { registerVmRoutes } from './routes/vm.routes.js';

export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

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

/** Builds the API (REST + events WebSocket) without listening: `main.ts` listens, tests use `inject()`. */
export async function buildApp(
  services: AppServices,
  options: { logger?: FastifyServerOptions['loggerInstance'] } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    genReqId: () => randomUUID(),
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    return503OnClosing: true,
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

  app.addHook('onRequest', async (req) => {
    const id = req.routeOptions.config.operationId;
    if (!isOperationId(id)) return;
    const def = routes[id];
    if (def.auth === 'user') {
      const header = req.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match?.[1]) throw new UnauthenticatedError();
      req.principal = await services.auth.authenticate(match[1]);
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
  registerVmRoutes(app, services);
  registerImageRoutes(app, services);
  registerTaskRoutes(app, services);
  registerEventsSocket(app, services);
  return app;
}
