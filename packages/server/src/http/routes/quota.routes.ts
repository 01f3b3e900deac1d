import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';

/** `GET /me/usage` (every role) and `GET/PUT /users/{id}/quota` (admins). */
export function registerQuotaRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'getMyUsage', ({ actor }) => s.quotas.usage(actor));

  registerRoute(app, 'getUserQuota', ({ actor, params }) => s.quotas.get(actor, params.id));

  registerRoute(app, 'setUserQuota', ({ actor, params, body }) => s.quotas.set(actor, params.id, body));
}
