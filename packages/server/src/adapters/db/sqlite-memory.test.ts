import { describe, expect, it } from 'vitest';
import { UniqueViolation } from '../../ports/repositories.js';
import { createDatabase } from './database.js';
import { aUser, aVm, at } from './testing.js';

// Unit tier: the real adapter over an in-memory SQLite database (no PostgreSQL needed). The full suite over both
// dialects is in the *.int.test.ts files.
describe('the database adapter on in-memory SQLite', () => {
  it('round-trips a user and a VM and reports a taken name', async () => {
    const db = await createDatabase({ url: ':memory:' });
    try {
      expect(db.dialect).toBe('sqlite');
      expect(await db.ping()).toBe(true);
      const user = aUser();
      const vm = aVm(user.id, { tags: ['a'], memoryBytes: 2 ** 40, keepMediaAfterInstall: true });
      await db.users.insert(user);
      await db.vms.insert(vm);
      expect(await db.vms.findByName(vm.name)).toEqual(vm);
      const err: unknown = await db.vms.insert(aVm(user.id, { name: vm.name })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueViolation);
      expect((err as UniqueViolation).constraint).toBe('vms.name');
    } finally {
      await db.close();
    }
  });

  it('rolls a transaction back on throw', async () => {
    const db = await createDatabase({ url: 'sqlite::memory:' });
    try {
      await expect(
        db.transaction(async (repos) => {
          await repos.users.insert(aUser());
          await repos.events.append({
            type: 'vm.created',
            time: at(0),
            resourceKind: 'vm',
            resourceId: 'x',
            ownerId: null,
            data: {},
          });
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(await db.users.count()).toBe(0);
      expect(await db.events.bounds()).toEqual({ minId: null, maxId: null });
    } finally {
      await db.close();
    }
  });
});
