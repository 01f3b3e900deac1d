import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../domain/model.js';
import type { TaskListFilter } from '../../ports/repositories.js';
import { at, aTask, DIALECTS, useTestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`tasks (${dialect})`, () => {
    const t = useTestDatabase(dialect);

    async function listAll(filter: Omit<TaskListFilter, 'cursor'>): Promise<TaskRecord[]> {
      const out: TaskRecord[] = [];
      let cursor: string | null = null;
      do {
        const page = await t.db.tasks.list(cursor === null ? filter : { ...filter, cursor });
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return out;
    }

    it('round-trips tasks, JSON fields included', async () => {
      const task = aTask({
        input: { name: 'web', nested: [1, { a: null }] },
        result: 'ok',
        error: {
          type: 'https://x/errors#e',
          title: 'E',
          status: 409,
          detail: 'd',
          code: 'VM_BUSY',
          requestId: 'r1',
        },
        progress: 0.25,
        message: 'copying',
        requestId: 'req-1',
        cancelRequested: true,
        startedAt: at(1),
        heartbeatAt: at(2),
      });
      await t.db.tasks.insert(task);
      expect(await t.db.tasks.findById(task.id)).toEqual(task);
      expect(await t.db.tasks.findById(randomUUID())).toBeNull();
      const bare = aTask({ input: undefined, result: undefined });
      await t.db.tasks.insert(bare);
      expect(await t.db.tasks.findById(bare.id)).toEqual({ ...bare, input: null, result: null });
    });

    it('updates tasks and returns the new row', async () => {
      const task = aTask();
      await t.db.tasks.insert(task);
      const done = await t.db.tasks.update(task.id, {
        status: 'succeeded',
        progress: 1,
        result: { vmId: 'x' },
        finishedAt: at(9),
        message: null,
      });
      expect(done).toEqual({
        ...task,
        status: 'succeeded',
        progress: 1,
        result: { vmId: 'x' },
        finishedAt: at(9),
      });
      expect(await t.db.tasks.update(task.id, {})).toEqual(done);
      expect(await t.db.tasks.update(randomUUID(), { status: 'failed' })).toBeNull();
      await expect(t.db.tasks.insert(task)).rejects.toMatchObject({ constraint: 'tasks.id' });
    });

    it('pages newest first by (createdAt, id), ties included, with filters', async () => {
      const owner = randomUUID();
      const resource = randomUUID();
      const tasks: TaskRecord[] = [];
      for (let i = 0; i < 17; i++) {
        // Several tasks share a timestamp: the id breaks ties.
        tasks.push(
          aTask({
            createdAt: at(Math.floor(i / 3)),
            ownerId: i % 2 === 0 ? owner : randomUUID(),
            resourceId: i % 5 === 0 ? resource : randomUUID(),
            status: i % 4 === 0 ? 'running' : 'succeeded',
            kind: i % 3 === 0 ? 'vm.delete' : 'vm.create',
          }),
        );
      }
      for (const task of tasks) await t.db.tasks.insert(task);
      const newestFirst = [...tasks].sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      );
      for (const limit of [1, 4, 17, 50]) {
        expect((await listAll({ limit })).map((x) => x.id)).toEqual(newestFirst.map((x) => x.id));
      }
      const ids = (rows: TaskRecord[]): string[] => rows.map((x) => x.id);
      expect(ids(await listAll({ limit: 2, ownerId: owner }))).toEqual(
        ids(newestFirst.filter((x) => x.ownerId === owner)),
      );
      expect(ids(await listAll({ limit: 2, resourceId: resource }))).toEqual(
        ids(newestFirst.filter((x) => x.resourceId === resource)),
      );
      expect(ids(await listAll({ limit: 2, statuses: ['running', 'queued'] }))).toEqual(
        ids(newestFirst.filter((x) => x.status === 'running')),
      );
      expect(ids(await listAll({ limit: 3, statuses: ['running'], ownerId: owner }))).toEqual(
        ids(newestFirst.filter((x) => x.status === 'running' && x.ownerId === owner)),
      );
      expect(await listAll({ limit: 3, statuses: [] })).toHaveLength(17);
      expect(ids(await listAll({ limit: 2, kinds: ['vm.delete'] }))).toEqual(
        ids(newestFirst.filter((x) => x.kind === 'vm.delete')),
      );
      await expect(
        t.db.tasks.list({ limit: 3, cursor: Buffer.from('["x"]').toString('base64url') }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('lists unfinished tasks (queued or running), oldest first', async () => {
      const queued = aTask({ status: 'queued', createdAt: at(3) });
      const running = aTask({ status: 'running', createdAt: at(1) });
      await t.db.tasks.insert(queued);
      await t.db.tasks.insert(running);
      for (const status of ['succeeded', 'failed', 'cancelled'] as const)
        await t.db.tasks.insert(aTask({ status }));
      expect((await t.db.tasks.listUnfinished()).map((x) => x.id)).toEqual([running.id, queued.id]);
    });

    it('journals steps before they act, updates and lists them in order', async () => {
      const task = aTask();
      await t.db.tasks.insert(task);
      const step1 = {
        taskId: task.id,
        seq: 1,
        name: 'create-volume',
        status: 'started' as const,
        undoData: { volumeId: 'v1' },
        createdAt: at(1),
        updatedAt: at(1),
      };
      const step2 = {
        taskId: task.id,
        seq: 2,
        name: 'define-domain',
        status: 'started' as const,
        undoData: null,
        createdAt: at(2),
        updatedAt: at(2),
      };
      await t.db.tasks.insertStep(step2);
      await t.db.tasks.insertStep(step1);
      await expect(t.db.tasks.insertStep(step1)).rejects.toMatchObject({
        constraint: 'task_steps.task_id+seq',
      });

      await t.db.tasks.updateStep(task.id, 1, { status: 'done', updatedAt: at(5) });
      await t.db.tasks.updateStep(task.id, 2, {
        status: 'undone',
        undoData: { domain: 'd' },
        updatedAt: at(6),
      });
      await t.db.tasks.updateStep(task.id, 2, {});
      expect(await t.db.tasks.listSteps(task.id)).toEqual([
        { ...step1, status: 'done', updatedAt: at(5) },
        { ...step2, status: 'undone', undoData: { domain: 'd' }, updatedAt: at(6) },
      ]);
      expect(await t.db.tasks.listSteps(randomUUID())).toEqual([]);
    });
  });
}
