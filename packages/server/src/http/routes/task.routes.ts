import type { FastifyInstance } from 'fastify';
import { taskNotFound } from '../../domain/errors.js';
import { canSee, ownerFilter } from '../../services/access.js';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';
import { toPublicTask } from '../../tasks/index.js';
import { DEFAULT_WAIT_MS } from '../task-reply.js';

export function registerTaskRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'listTasks', async ({ actor, query }) => {
    const ownerId = ownerFilter(actor);
    const page = await s.db.tasks.list({
      limit: query.limit ?? 100,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(ownerId ? { ownerId } : {}),
      ...(query.resource ? { resourceId: query.resource } : {}),
      ...(query.status ? { statuses: [query.status] } : {}),
      ...(query.kind ? { kinds: [query.kind] } : {}),
    });
    const items = page.items.map(toPublicTask);
    return { items, nextCursor: page.nextCursor };
  });

  registerRoute(app, 'getTask', async ({ actor, params, query, raw }) => {
    let task = await s.db.tasks.findById(params.id);
    if (!task || !canSee(actor, task.ownerId)) throw taskNotFound(params.id);
    if (query.wait) {
      const aborted = new AbortController();
      const onClose = (): void => aborted.abort();
      raw.raw.once('close', onClose);
      try {
        task = await s.tasks.wait(task.id, {
          timeoutMs: query.timeoutMs ?? DEFAULT_WAIT_MS,
          signal: aborted.signal,
        });
      } finally {
        raw.raw.off('close', onClose);
      }
    }
    return toPublicTask(task);
  });

  registerRoute(app, 'cancelTask', async ({ actor, params }) => {
    const task = await s.db.tasks.findById(params.id);
    if (!task || !canSee(actor, task.ownerId)) throw taskNotFound(params.id);
    return toPublicTask(await s.tasks.cancel(task.id, { actorId: actor.id }));
  });
}
