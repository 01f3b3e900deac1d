import { describe, expect, it } from 'vitest';
import type { DbRepositories } from './repositories.js';
import { at, aUser, aVm, DIALECTS, useTestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`transactions (${dialect})`, () => {
    const t = useTestDatabase(dialect);

    const event = {
      type: 'vm.created',
      time: at(0),
      resourceKind: 'vm',
      resourceId: 'x',
      ownerId: null,
      data: {},
    };

    it('commits the work and returns its value', async () => {
      const user = aUser();
      const vm = aVm(user.id);
      const result = await t.db.transaction(async (repos) => {
        await repos.users.insert(user);
        await repos.vms.insert(vm);
        await repos.events.append(event);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await t.db.vms.findById(vm.id)).toEqual(vm);
      expect((await t.db.events.bounds()).maxId).not.toBeNull();
    });

    it('rolls everything back when the work throws, and rethrows', async () => {
      const user = aUser();
      const vm = aVm(user.id);
      const boom = new Error('boom');
      await expect(
        t.db.transaction(async (repos) => {
          await repos.users.insert(user);
          await repos.vms.insert(vm);
          await repos.events.append(event);
          await repos.leases.acquire('vm:x', 'h', at(10), at(0));
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await t.db.users.count()).toBe(0);
      expect(await t.db.vms.findById(vm.id)).toBeNull();
      expect(await t.db.events.bounds()).toEqual({ minId: null, maxId: null });
      expect(await t.db.leases.holderOf('vm:x', at(1))).toBeNull();
    });

    it('rolls back after a unique violation inside the work', async () => {
      const user = aUser({ username: 'dup' });
      await t.db.users.insert(user);
      const other = aUser();
      await expect(
        t.db.transaction(async (repos) => {
          await repos.users.insert(other);
          await repos.users.insert(aUser({ username: 'dup' }));
        }),
      ).rejects.toMatchObject({ name: 'UniqueViolation', constraint: 'users.username' });
      expect(await t.db.users.findById(other.id)).toBeNull();
    });

    it('lets the root repositories join the transaction from inside the work (no dead-lock)', async () => {
      const user = aUser();
      await expect(
        t.db.transaction(async () => {
          await t.db.users.insert(user);
          expect(await t.db.users.findById(user.id)).toEqual(user);
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect(await t.db.users.findById(user.id)).toBeNull();
    });

    it('sends work that outlives its transaction to the database, not to the finished transaction', async () => {
      const inside = aUser();
      const after = aUser();
      let late: Promise<void> | undefined;
      await t.db.transaction(async (repos) => {
        await repos.users.insert(inside);
        // E.g. a task started in the background from inside the transaction.
        late = new Promise((r) => setTimeout(r, 30)).then(() => t.db.users.insert(after));
      });
      await late;
      expect(await t.db.users.findById(after.id)).toEqual(after);
      expect(await t.db.transaction(() => t.db.users.count())).toBe(2);
    });

    it('turns a nested transaction into a savepoint: its failure undoes only its own writes', async () => {
      const outer = aUser();
      const inner = aUser();
      const kept = aUser();
      await t.db.transaction(async (repos) => {
        await repos.users.insert(outer);
        await expect(
          t.db.transaction(async (nested) => {
            await nested.users.insert(inner);
            throw new Error('inner');
          }),
        ).rejects.toThrow('inner');
        await t.db.transaction((nested) => nested.users.insert(kept));
      });
      expect(await t.db.users.findById(outer.id)).not.toBeNull();
      expect(await t.db.users.findById(inner.id)).toBeNull();
      expect(await t.db.users.findById(kept.id)).not.toBeNull();

      const lost = aUser();
      await expect(
        t.db.transaction(async () => {
          await t.db.transaction((nested) => nested.users.insert(lost));
          await Promise.all([1, 2, 3].map(() => t.db.transaction((nested) => nested.events.append(event))));
          throw new Error('outer');
        }),
      ).rejects.toThrow('outer');
      expect(await t.db.users.findById(lost.id)).toBeNull();
      expect(await t.db.events.bounds()).toEqual({ minId: null, maxId: null });
    });

    it('serialises concurrent quota checks: check-then-insert never exceeds the quota', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const maxVms = 3;
      const createWithinQuota = (name: string): Promise<boolean> =>
        t.db.transaction(async (repos: DbRepositories) => {
          await repos.users.lockForUpdate(user.id);
          const page = await repos.vms.list({ ownerId: user.id, limit: 100 });
          if (page.items.length >= maxVms) return false;
          // Give a concurrent transaction the chance to interleave, were it not locked out.
          await new Promise((r) => setTimeout(r, 10));
          await repos.vms.insert(aVm(user.id, { name }));
          return true;
        });
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => createWithinQuota(`q-${i}`)));
      expect(results.filter(Boolean)).toHaveLength(maxVms);
      expect((await t.db.vms.list({ ownerId: user.id, limit: 100 })).items).toHaveLength(maxVms);
    });

    it('runs concurrent transactions and plain queries side by side without errors', async () => {
      const users = Array.from({ length: 6 }, () => aUser());
      await Promise.all([
        ...users.map((u) => t.db.transaction((repos) => repos.users.insert(u))),
        ...users.map(() => t.db.users.count()),
        ...users.map(() => t.db.events.append(event)),
      ]);
      expect(await t.db.users.count()).toBe(6);
    });
  });
}
