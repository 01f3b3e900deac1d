import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import { routes, isOperationId } from '@gureum/contract';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { AppError, UnauthenticatedError, UnavailableError } from '../domain/errors.js';
import { registerEventsSocket } from '../ws/events.socket.js';
import type { AppServices } from './context.js';
import { handleError } from './problem.js';
import { registerImageRoutes } from './routes/image.routes.js';
import { registerSystemRoutes } from './routes/system.routes.js';
import { registerTaskRoutes } from './routes/task.routes.js';
import { registerVmRoutes } from './routes/vm.routes.js';

export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

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
    ajv: {
      // Unknown fields are an error, never silently dropped; query strings are coerced to their schema types.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
    },
  });

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
