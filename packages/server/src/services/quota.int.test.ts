/**
 * `assertWithinQuota` against the real database adapter on both dialects (SQLite in memory; PostgreSQL, whose READ
 * COMMITTED transactions really interleave): concurrent creates at the limit never overshoot it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aUser, aVm, DIALECTS, openTestDatabase, type TestDatabase } from '../adapters/db/testing.js';
import { QuotaExceededError } from '../domain/errors.js';
import type { User } from '../domain/model.js';
import { assertWithinQuota } from './quota.service.js';

const GiB = 1024 ** 3;

for (const dialect of DIALECTS) {
  describe(`assertWithinQuota (${dialect})`, () => {
    let t: TestDatabase;
    let owner: User;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(async () => {
      await t.reset();
      owner = aUser();
      await t.db.users.insert(owner);
    });

    const unlimited = { maxVms: null, maxVcpus: null, maxMemoryBytes: null, maxDiskBytes: null };

    /** A create as VmService does it: check and insert in one transaction. */
    const create = (vcpus: number, plannedDiskBytes: number): Promise<'created' | 'refused'> =>
      t.db
        .transaction(async (repos) => {
          await assertWithinQuota(repos, owner.id, { vms: 1, vcpus, diskBytes: plannedDiskBytes });
          // Widen the window between check and write, as a slow request would.
          await new Promise((r) => setTimeout(r, 5));
          await repos.vms.insert(aVm(owner.id, { vcpus, plannedDiskBytes, phase: 'creating' }));
        })
        .then(
          () => 'created' as const,
          (err: unknown) => {
            if (err instanceof QuotaExceededError) return 'refused' as const;
            throw err;
          },
        );

    it('lets exactly as many of 10 concurrent creates through as the VM limit allows', async () => {
      await t.db.quotas.put({
        userId: owner.id,
        ...unlimited,
        maxVms: 4,
        updatedAt: new Date().toISOString(),
      });
      const results = await Promise.all(Array.from({ length: 10 }, () => create(1, GiB)));
      expect(results.filter((r) => r === 'created')).toHaveLength(4);
      expect(await t.db.quotas.usageOf(owner.id)).toMatchObject({ vms: 4, vcpus: 4, diskBytes: 4 * GiB });
    });

    it('holds the disk limit with disks that exist only as plans (their create tasks have not run)', async () => {
      await t.db.quotas.put({
        userId: owner.id,
        ...unlimited,
        maxDiskBytes: 25 * GiB,
        updatedAt: new Date().toISOString(),
      });
      const results = await Promise.all(Array.from({ length: 10 }, () => create(2, 10 * GiB)));
      expect(results.filter((r) => r === 'created')).toHaveLength(2);
      expect((await t.db.quotas.usageOf(owner.id)).diskBytes).toBe(20 * GiB);
    });

    it('reports which limit, its value, the use and the request', async () => {
      await t.db.quotas.put({
        userId: owner.id,
        ...unlimited,
        maxVcpus: 5,
        updatedAt: new Date().toISOString(),
      });
      expect(await create(4, 0)).toBe('created');
      const err: unknown = await t.db
        .transaction((repos) => assertWithinQuota(repos, owner.id, { vms: 1, vcpus: 3 }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect(err).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        excess: { limit: 'maxVcpus', max: 5, used: 4, requested: 3 },
        message: expect.stringContaining('exceed it by 2') as unknown,
      });
    });

    it('refuses an owner that does not exist', async () => {
      await expect(
        t.db.transaction((repos) => assertWithinQuota(repos, aUser().id, { vms: 1 })),
      ).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    });
  });
}
