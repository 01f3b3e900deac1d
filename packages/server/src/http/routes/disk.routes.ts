import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';
import { replyWithTask } from '../task-reply.js';

/** VM disks: details from libvirt, and grow-only resize as a task. */
export function registerDiskRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'listVmDisks', ({ actor, params }) => s.disks.list(actor, params.id));

  registerRoute(app, 'getVmDisk', ({ actor, params }) => s.disks.get(actor, params.id, params.diskId));

  registerRoute(app, 'resizeVmDisk', async (req, reply) => {
    const { actor, params, query, body } = req;
    const task = await s.disks.resize(actor, params.id, params.diskId, body.sizeBytes, {
      requestId: req.requestId,
    });
    return replyWithTask(req.raw, reply, s.tasks, task, query, async () => ({
      status: 200,
      body: await s.disks.get(actor, params.id, params.diskId),
    }));
  });
}
