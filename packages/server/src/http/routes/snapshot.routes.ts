import type { FastifyInstance } from 'fastify';
import { taskNotFound } from '../../domain/errors.js';
import { requestHash } from '../../services/vm.service.js';
import { toPublicTask } from '../../tasks/index.js';
import type { AppServices } from '../context.js';
import { claimIdempotencyKey, settleIdempotencyKey } from '../idempotency.js';
import { registerRoute } from '../route.js';
import { replyWithTask } from '../task-reply.js';

/** Snapshots of VMs: list with capabilities, and create, revert and delete as tasks. */
export function registerSnapshotRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'listVmSnapshots', ({ actor, params }) => s.snapshots.list(actor, params.id));

  registerRoute(app, 'createVmSnapshot', async (req, reply) => {
    const { actor, params, body, query, headers } = req;
    const respond = async (taskId: string, name: string): Promise<unknown> => {
      const task = await s.db.tasks.findById(taskId);
      if (!task) throw taskNotFound(taskId);
      return replyWithTask(req.raw, reply, s.tasks, task, query, async () => ({
        status: 201,
        body: await s.snapshots.get(actor, params.id, name),
      }));
    };
    const key = headers['idempotency-key'];
    const request = key
      ? { key, userId: actor.id, hash: requestHash({ vm: params.id, ...body }) }
      : undefined;
    if (request) {
      const replay = await claimIdempotencyKey(s.db.idempotency, request, 'body');
      if (replay) {
        const stored = replay.body as { task?: { id?: string } } | null;
        if (stored?.task?.id) return respond(stored.task.id, body.name);
        return reply.code(replay.status).send(replay.body);
      }
    }
    const created = await settleIdempotencyKey(
      s.db.idempotency,
      request,
      () => s.snapshots.create(actor, params.id, body, { requestId: req.requestId }),
      ({ task }) => ({ status: 202, body: { task: toPublicTask(task) } }),
    );
    return respond(created.task.id, body.name);
  });

  registerRoute(app, 'revertVmSnapshot', async (req, reply) => {
    const { actor, params, query } = req;
    const task = await s.snapshots.revert(actor, params.id, params.snapshotId, { requestId: req.requestId });
    return replyWithTask(req.raw, reply, s.tasks, task, query, async () => ({
      status: 200,
      body: await s.snapshots.get(actor, params.id, params.snapshotId),
    }));
  });

  registerRoute(app, 'deleteVmSnapshot', async (req, reply) => {
    const { actor, params, query } = req;
    const outcome = await s.snapshots.delete(actor, params.id, params.snapshotId, {
      requestId: req.requestId,
      dryRun: query.dryRun === true,
    });
    if ('wouldDelete' in outcome) return outcome;
    return replyWithTask(req.raw, reply, s.tasks, outcome, query, () => Promise.resolve({ status: 204 }));
  });
}
