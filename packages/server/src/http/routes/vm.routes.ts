import type { FastifyInstance } from 'fastify';
import { AppError, taskNotFound } from '../../domain/errors.js';
import type { VmAction } from '../../services/vm.tasks.js';
import { requestHash } from '../../services/vm.service.js';
import type { AppServices } from '../context.js';
import { claimIdempotencyKey, settleIdempotencyKey } from '../idempotency.js';
import { registerRoute } from '../route.js';
import { toPublicTask } from '../../tasks/index.js';
import { replyWithTask } from '../task-reply.js';
import { parseIfMatch, toVm, vmEtag } from '../views.js';

const ACTIONS = {
  startVm: 'start',
  stopVm: 'stop',
  forceStopVm: 'force-stop',
  rebootVm: 'reboot',
  resetVm: 'reset',
  pauseVm: 'pause',
  resumeVm: 'resume',
} as const satisfies Record<string, VmAction>;

export function registerVmRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'listVms', async ({ actor, query }) => {
    const page = await s.vms.list(actor, {
      limit: query.limit ?? 100,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.state ? { states: [query.state] } : {}),
      ...(query.tag ? { tag: query.tag } : {}),
      ...(query.q ? { q: query.q } : {}),
      ...(query.ownerId && actor.role === 'admin' ? { ownerId: query.ownerId } : {}),
    });
    return { items: page.items.map(toVm), nextCursor: page.nextCursor };
  });

  registerRoute(app, 'getVm', async ({ actor, params }, reply) => {
    const view = await s.vms.get(actor, params.idOrName);
    void reply.header('etag', vmEtag(view));
    return toVm(view);
  });

  registerRoute(app, 'createVm', async (req, reply) => {
    const { actor, body, query, headers } = req;
    const key = headers['idempotency-key'];
    const hash = requestHash(body);
    const respond = async (taskId: string): Promise<unknown> => {
      const task = await s.db.tasks.findById(taskId);
      if (!task) throw taskNotFound(taskId);
      return replyWithTask(req.raw, reply, s.tasks, task, query, async (done) => ({
        status: 201,
        body: toVm(
          await s.vms.get(actor, task.resourceId).catch(() => {
            throw taskResourceGone(done.id);
          }),
        ),
      }));
    };
    const request = key ? { key, userId: actor.id, hash } : undefined;
    if (request) {
      const replay = await claimIdempotencyKey(s.db.idempotency, request, 'body');
      if (replay) {
        const stored = replay.body as { task?: { id?: string } } | null;
        if (stored?.task?.id) return respond(stored.task.id);
        return reply.code(replay.status).send(replay.body);
      }
    }
    const created = await settleIdempotencyKey(
      s.db.idempotency,
      request,
      () => s.vms.create(actor, body, { requestId: req.requestId }),
      ({ task }) => ({ status: 202, body: { task: toPublicTask(task) } }),
    );
    return respond(created.task.id);
  });

  registerRoute(app, 'updateVm', async ({ actor, params, body, headers }, reply) => {
    const view = await s.vms.update(actor, params.idOrName, body, parseIfMatch(headers['if-match']));
    void reply.header('etag', vmEtag(view));
    return toVm(view);
  });

  registerRoute(app, 'deleteVm', async (req, reply) => {
    const { actor, params, query } = req;
    if (query.dryRun) {
      return { wouldDelete: await s.vms.deletePlan(actor, params.idOrName) };
    }
    const task = await s.vms.delete(actor, params.idOrName, { requestId: req.requestId });
    return replyWithTask(req.raw, reply, s.tasks, task, query, () => Promise.resolve({ status: 204 }));
  });

  for (const [operation, action] of Object.entries(ACTIONS) as [keyof typeof ACTIONS, VmAction][]) {
    registerRoute(app, operation, async (req, reply) => {
      const { actor, params, query } = req;
      const body: { force?: boolean; timeoutMs?: number } = req.body;
      const task = await s.vms.action(actor, params.id, action, body, { requestId: req.requestId });
      return replyWithTask(req.raw, reply, s.tasks, task, query, async () => ({
        status: 200,
        body: toVm(await s.vms.get(actor, params.id)),
      }));
    });
  }
}

function taskResourceGone(taskId: string): AppError {
  return new AppError('VM_NOT_FOUND', 'not_found', `The VM of task ${taskId} no longer exists.`);
}
