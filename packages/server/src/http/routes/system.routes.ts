import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';
import { toMe } from '../views.js';

export function registerSystemRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'getHealth', async () => {
    const database = (await s.db.ping().catch(() => false)) ? 'up' : 'down';
    const libvirt = s.hypervisor.status === 'up' ? 'up' : 'down';
    return {
      status: database === 'up' && libvirt === 'up' ? 'ok' : 'degraded',
      libvirt,
      database,
      version: s.version,
    } as const;
  });

  registerRoute(app, 'login', async ({ body, raw }) => {
    const { token, expiresAt } = await s.auth.login(body.username, body.password, { address: raw.ip });
    return { token, expiresAt };
  });

  registerRoute(app, 'logout', async ({ principal }, reply) => {
    await s.auth.logout(principal);
    return reply.code(204).send();
  });

  registerRoute(app, 'getMe', ({ principal }) => Promise.resolve(toMe(principal.user)));
}
