import type { FastifyInstance } from 'fastify';
import { installationOf } from '../../services/install.service.js';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';
import { replyWithTask } from '../task-reply.js';

/** Installing from an ISO: boot order, cdrom media and the installation phase of a VM. */
export function registerInstallRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'getVmBootOrder', ({ actor, params }) => s.media.getBootOrder(actor, params.id));

  registerRoute(app, 'setVmBootOrder', ({ actor, params, body }) =>
    s.media.setBootOrder(actor, params.id, body.order),
  );

  registerRoute(app, 'insertVmMedia', ({ actor, params, body }) =>
    s.media.insert(actor, params.id, body.imageId),
  );

  registerRoute(app, 'ejectVmMedia', async ({ actor, params }, reply) => {
    await s.media.eject(actor, params.id);
    return reply.code(204).send();
  });

  registerRoute(app, 'getVmInstallation', ({ actor, params }) => s.install.get(actor, params.id));

  registerRoute(app, 'completeVmInstallation', async (req, reply) => {
    const { actor, params, query, body } = req;
    const task = await s.install.complete(actor, params.id, body.status ?? 'installed', {
      requestId: req.requestId,
    });
    return replyWithTask(req.raw, reply, s.tasks, task, query, async () => ({
      status: 200,
      body: installationOf(await s.vms.find(actor, params.id)),
    }));
  });
}
