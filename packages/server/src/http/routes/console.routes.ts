import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';

/** `POST /vms/{id}/console`: a single-use ticket; the console itself is the WebSocket of ws/console.socket.ts. */
export function registerConsoleRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'createVmConsole', async ({ actor, params, body }, reply) => {
    const ticket = await s.consoles.issue(actor, params.id, body.type);
    // The ticket is a credential: never cached, never stored by a proxy.
    void reply.header('cache-control', 'no-store');
    return reply.code(201).send(ticket);
  });
}
