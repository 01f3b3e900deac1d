import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../domain/model.js';
import { timeOrderedId } from '../../services/audit.service.js';
import { aTask, at, DIALECTS, openTestDatabase, type TestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes. The audit
// table refuses deletes, so tests never reset it: each one works on its own actors and resources.
for (const dialect of DIALECTS) {
  describe(`audit log (${dialect})`, () => {
    let t: TestDatabase;
    const newId = timeOrderedId(() => Date.now());
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(async () => {
      await t.close();
    });

    const anEntry = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
      id: newId(),
      time: at(0),
      actorId: randomUUID(),
      action: 'vm.start',
      resourceKind: 'vm',
      resourceId: randomUUID(),
      ownerId: randomUUID(),
      outcome: 'succeeded',
      status: 202,
      requestId: randomUUID(),
      sourceAddress: '127.0.0.1',
      details: { name: 'web-1', n: 3, ok: true },
      ...overrides,
    });

    it('stores an entry and reads it back as written', async () => {
      const entry = anEntry();
      await t.db.audit.append(entry);
      const nulls = anEntry({
        actorId: null,
        resourceKind: null,
        resourceId: null,
        ownerId: null,
        status: null,
        requestId: null,
        sourceAddress: null,
        details: null,
      });
      await t.db.audit.append(nulls);
      expect((await t.db.audit.list({ limit: 10, actorId: entry.actorId ?? '' })).items).toEqual([entry]);
      const page = await t.db.audit.list({ limit: 500 });
      expect(page.items.find((r) => r.id === nulls.id)).toEqual(nulls);
    });

    it('pages newest first by (time, id), across entries of the same instant', async () => {
      const actorId = randomUUID();
      const entries = [3, 1, 2, 2, 2, 5, 4].map((s) => anEntry({ actorId, time: at(s) }));
      for (const e of entries) await t.db.audit.append(e);
      const expected = [...entries]
        .sort((a, b) => b.time.localeCompare(a.time) || (a.id < b.id ? 1 : -1))
        .map((e) => e.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await t.db.audit.list({ actorId, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen).toEqual(expected);
    });

    it('filters by actor, resource, time and visibility (actor or owner)', async () => {
      const me = randomUUID();
      const other = randomUUID();
      const vm = randomUUID();
      const mine = anEntry({ actorId: me, ownerId: other, resourceId: vm, time: at(10) });
      const onMyVm = anEntry({ actorId: other, ownerId: me, resourceId: vm, time: at(20) });
      const notMine = anEntry({ actorId: other, ownerId: other, resourceId: vm, time: at(30) });
      for (const e of [mine, onMyVm, notMine]) await t.db.audit.append(e);
      const ids = async (filter: Parameters<TestDatabase['db']['audit']['list']>[0]): Promise<string[]> =>
        (await t.db.audit.list(filter)).items.map((e) => e.id);
      expect(await ids({ limit: 10, resourceId: vm })).toEqual([notMine.id, onMyVm.id, mine.id]);
      expect(await ids({ limit: 10, resourceId: vm, visibleTo: me })).toEqual([onMyVm.id, mine.id]);
      expect(await ids({ limit: 10, resourceId: vm, visibleTo: me, actorId: other })).toEqual([onMyVm.id]);
      expect(await ids({ limit: 10, resourceId: vm, since: at(20) })).toEqual([notMine.id, onMyVm.id]);
      expect(await ids({ limit: 10, visibleTo: randomUUID() })).toEqual([]);
    });

    it('refuses a cursor it did not make', async () => {
      await expect(t.db.audit.list({ limit: 5, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });

    it('is append-only: the database refuses UPDATE and DELETE, whoever asks', async () => {
      const entry = anEntry();
      await t.db.audit.append(entry);
      const k = t.db.kysely;
      await expect(
        k.updateTable('audit_events').set({ outcome: 'failed' }).where('id', '=', entry.id).execute(),
      ).rejects.toThrow(/append-only/);
      await expect(k.deleteFrom('audit_events').where('id', '=', entry.id).execute()).rejects.toThrow(
        /append-only/,
      );
      await expect(k.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
      if (dialect === 'postgres') {
        await expect(sql`truncate audit_events`.execute(k)).rejects.toThrow(/append-only/);
      }
      // Inside a transaction too; and the row is still there, unchanged.
      await expect(
        k
          .transaction()
          .execute((trx) =>
            trx.updateTable('audit_events').set({ details: null }).where('id', '=', entry.id).execute(),
          ),
      ).rejects.toThrow(/append-only/);
      const page = await t.db.audit.list({ limit: 1, actorId: entry.actorId ?? '' });
      expect(page.items).toEqual([entry]);
    });

    it('refuses a second entry with the same id', async () => {
      const entry = anEntry();
      await t.db.audit.append(entry);
      await expect(t.db.audit.append({ ...entry, action: 'vm.stop' })).rejects.toMatchObject({
        name: 'UniqueViolation',
        constraint: 'audit_events.id',
      });
    });
  });

  describe(`metrics queries (${dialect})`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(async () => {
      await t.close();
    });

    it('counts tasks by kind and status in one query', async () => {
      expect(await t.db.tasks.countByKindAndStatus()).toEqual([]);
      const tasks = [
        aTask({ kind: 'vm.start', status: 'succeeded' }),
        aTask({ kind: 'vm.start', status: 'succeeded' }),
        aTask({ kind: 'vm.start', status: 'failed' }),
        aTask({ kind: 'vm.create', status: 'running' }),
      ];
      for (const task of tasks) await t.db.tasks.insert(task);
      expect(await t.db.tasks.countByKindAndStatus()).toEqual([
        { kind: 'vm.create', status: 'running', count: 1 },
        { kind: 'vm.start', status: 'failed', count: 1 },
        { kind: 'vm.start', status: 'succeeded', count: 2 },
      ]);
    });

    it('reports the pool: connections, idle ones, and waiting callers while a transaction holds one', async () => {
      const idle = t.db.poolStats();
      expect(idle.waiting).toBe(0);
      expect(idle.idle).toBe(idle.total);
      if (dialect === 'sqlite') expect(idle.total).toBe(1);
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const state = { inside: false };
      const trx = t.db.kysely.transaction().execute(async () => {
        state.inside = true;
        await held;
      });
      try {
        while (!state.inside) await new Promise((r) => setTimeout(r, 5));
        const busy = t.db.poolStats();
        expect(busy.total).toBeGreaterThanOrEqual(1);
        expect(busy.idle).toBe(busy.total - 1);
        if (dialect === 'sqlite') {
          // The single connection is taken: a query outside the transaction has to wait for it.
          const waiting = t.db.kysely.selectFrom('users').selectAll().execute();
          await new Promise((r) => setTimeout(r, 20));
          expect(t.db.poolStats().waiting).toBe(1);
          release();
          await waiting;
        }
      } finally {
        release();
        await trx;
      }
      expect(t.db.poolStats()).toMatchObject({ waiting: 0 });
    });
  });
}
