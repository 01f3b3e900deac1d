import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../domain/model.js';
import { at, DIALECTS, useTestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`event log (${dialect})`, () => {
    const t = useTestDatabase(dialect);

    const anEvent = (n: number): Omit<EventRecord, 'id'> => ({
      type: 'vm.started',
      time: at(n),
      resourceKind: 'vm',
      resourceId: `vm-${n}`,
      ownerId: n % 2 === 0 ? 'owner-1' : null,
      data: { n, state: 'running' },
    });

    it('appends with increasing ids and returns what it stored', async () => {
      const first = await t.db.events.append(anEvent(1));
      const second = await t.db.events.append(anEvent(2));
      expect(first).toEqual({ ...anEvent(1), id: first.id });
      expect(second.id).toBeGreaterThan(first.id);
      expect(await t.db.events.listAfter(0, 10)).toEqual([first, second]);
      expect(await t.db.events.append({ ...anEvent(3), data: undefined })).toMatchObject({ data: null });
    });

    it('lists after an id, oldest first, at most limit', async () => {
      const stored: EventRecord[] = [];
      for (let n = 0; n < 8; n++) stored.push(await t.db.events.append(anEvent(n)));
      const ids = stored.map((e) => e.id);
      expect((await t.db.events.listAfter(0, 3)).map((e) => e.id)).toEqual(ids.slice(0, 3));
      expect((await t.db.events.listAfter(ids[2] ?? 0, 3)).map((e) => e.id)).toEqual(ids.slice(3, 6));
      expect(await t.db.events.listAfter(ids[7] ?? 0, 3)).toEqual([]);
    });

    it('reports bounds, null when empty', async () => {
      expect(await t.db.events.bounds()).toEqual({ minId: null, maxId: null });
      const a = await t.db.events.append(anEvent(1));
      const b = await t.db.events.append(anEvent(2));
      expect(await t.db.events.bounds()).toEqual({ minId: a.id, maxId: b.id });
    });

    it('trims the oldest beyond keep and never reuses an id', async () => {
      const stored: EventRecord[] = [];
      for (let n = 0; n < 10; n++) stored.push(await t.db.events.append(anEvent(n)));
      expect(await t.db.events.trim(20)).toBe(0);
      expect(await t.db.events.trim(4)).toBe(6);
      expect((await t.db.events.listAfter(0, 100)).map((e) => e.id)).toEqual(
        stored.slice(6).map((e) => e.id),
      );
      expect(await t.db.events.bounds()).toEqual({ minId: stored[6]?.id, maxId: stored[9]?.id });
      expect(await t.db.events.trim(0)).toBe(4);
      expect(await t.db.events.bounds()).toEqual({ minId: null, maxId: null });
      const next = await t.db.events.append(anEvent(11));
      expect(next.id).toBeGreaterThan(stored[9]?.id ?? Infinity);
    });

    it('gives 50 concurrent appends distinct ids, all listed in id order', async () => {
      const appended = await Promise.all(
        Array.from({ length: 50 }, (_, n) => t.db.events.append(anEvent(n))),
      );
      const ids = appended.map((e) => e.id);
      expect(new Set(ids).size).toBe(50);
      expect((await t.db.events.listAfter(0, 100)).map((e) => e.id)).toEqual([...ids].sort((a, b) => a - b));
    });

    it('makes ids visible in commit order: an append waits for a transaction that appended first', async () => {
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let appendedInTrx: EventRecord | undefined;
      let outsideDone = false;
      let later: EventRecord | undefined;
      const trx = t.db.transaction(async (repos) => {
        appendedInTrx = await repos.events.append(anEvent(1));
        await held;
      });
      try {
        while (appendedInTrx === undefined) await new Promise((r) => setTimeout(r, 5));
        const outside = t.db.events.append(anEvent(2)).then((e) => {
          outsideDone = true;
          return e;
        });
        await new Promise((r) => setTimeout(r, 100));
        // A reader that saw the outside event now could never see the (smaller) transaction's id later.
        expect(outsideDone).toBe(false);
        release();
        await trx;
        later = await outside;
      } finally {
        release();
        await trx;
      }
      expect(later.id).toBeGreaterThan(appendedInTrx.id);
      expect((await t.db.events.listAfter(0, 10)).map((e) => e.id)).toEqual([appendedInTrx.id, later.id]);
    });
  });
}
