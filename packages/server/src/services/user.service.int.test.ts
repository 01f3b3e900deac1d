import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  aUser,
  anImage,
  aVm,
  DIALECTS,
  openTestDatabase,
  type TestDatabase,
} from '../adapters/db/testing.js';
import { systemClock } from '../ports/clock.js';
import type { Actor } from './access.js';
import { UserService } from './user.service.js';

// The user invariants under real concurrency, on both dialects: PostgreSQL (a pool of connections, READ
// COMMITTED, row locks) and SQLite (one connection, serial write transactions). Real databases, no fakes.
for (const dialect of DIALECTS) {
  describe(`UserService under concurrency (${dialect})`, () => {
    let t: TestDatabase;
    let users: UserService;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
      users = new UserService({ repos: t.db, clock: systemClock });
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(async () => {
      await t.reset();
    });

    const actorOf = (id: string): Actor => ({ id, role: 'admin' });
    const adminCount = async () => (await t.db.users.listPage({ limit: 500, role: 'admin' })).items.length;

    it('of two admins demoted or deleted at once, exactly one change goes through', async () => {
      for (const second of ['demote', 'delete'] as const) {
        await t.reset();
        const a = aUser({ role: 'admin' });
        const b = aUser({ role: 'admin' });
        await t.db.users.insert(a);
        await t.db.users.insert(b);
        const results = await Promise.allSettled([
          users.update(actorOf(b.id), a.id, { role: 'member' }),
          second === 'demote'
            ? users.update(actorOf(a.id), b.id, { role: 'viewer' })
            : users.delete(actorOf(a.id), b.id),
        ]);
        expect(
          results.filter((r) => r.status === 'fulfilled'),
          second,
        ).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected');
        expect(refused?.reason).toMatchObject({ code: 'USER_LAST_ADMIN' });
        expect(await adminCount()).toBe(1);
      }
    });

    it('of ten creates of one username, exactly one succeeds; the others are USERNAME_TAKEN', async () => {
      const admin = aUser({ role: 'admin' });
      await t.db.users.insert(admin);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          users.create(actorOf(admin.id), { username: 'dana', password: 'long-enough', role: 'member' }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected'))
        expect(r.reason).toMatchObject({ code: 'USERNAME_TAKEN' });
      expect((await t.db.users.listPage({ limit: 500 })).items.map((u) => u.username)).toEqual(
        [admin.username, 'dana'].sort(),
      );
    });

    it('refuses to delete a user who owns VMs or images, saying how many', async () => {
      const admin = aUser({ role: 'admin' });
      const owner = aUser();
      await t.db.users.insert(admin);
      await t.db.users.insert(owner);
      await t.db.vms.insert(aVm(owner.id));
      await t.db.images.insert(anImage(owner.id));
      await t.db.images.insert(anImage(owner.id));
      await expect(users.delete(actorOf(admin.id), owner.id)).rejects.toMatchObject({
        code: 'USER_OWNS_RESOURCES',
        message: expect.stringContaining('1 VM and 2 images') as unknown,
      });
      expect(await t.db.users.findById(owner.id)).not.toBeNull();
    });
  });
}
