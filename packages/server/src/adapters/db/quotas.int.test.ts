import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { QuotaRecord } from '../../domain/model.js';
import { at, aUser, aVm, aVolume, DIALECTS, useTestDatabase } from './testing.js';

const GiB = 1024 ** 3;

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`quotas and usage (${dialect})`, () => {
    const t = useTestDatabase(dialect);

    const aQuota = (userId: string, overrides: Partial<QuotaRecord> = {}): QuotaRecord => ({
      userId,
      maxVms: 3,
      maxVcpus: 8,
      maxMemoryBytes: 16 * GiB,
      maxDiskBytes: 100 * GiB,
      updatedAt: at(1),
      ...overrides,
    });

    it('has no quota until one is put; put inserts, then replaces every limit', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      expect(await t.db.quotas.find(user.id)).toBeNull();

      const first = aQuota(user.id);
      await t.db.quotas.put(first);
      expect(await t.db.quotas.find(user.id)).toEqual(first);

      // Nulls (unlimited) replace values, and the largest exact integer survives both dialects.
      const second = aQuota(user.id, {
        maxVms: null,
        maxVcpus: 0,
        maxMemoryBytes: null,
        maxDiskBytes: Number.MAX_SAFE_INTEGER,
        updatedAt: at(2),
      });
      await t.db.quotas.put(second);
      expect(await t.db.quotas.find(user.id)).toEqual(second);
      expect(await t.db.quotas.find(randomUUID())).toBeNull();
    });

    it("keeps each user's quota apart and drops it with its user", async () => {
      const [alice, bob] = [aUser(), aUser()];
      await t.db.users.insert(alice);
      await t.db.users.insert(bob);
      await t.db.quotas.put(aQuota(alice.id, { maxVms: 1 }));
      await t.db.quotas.put(aQuota(bob.id, { maxVms: 2 }));
      expect((await t.db.quotas.find(alice.id))?.maxVms).toBe(1);
      expect((await t.db.quotas.find(bob.id))?.maxVms).toBe(2);

      await t.db.users.delete(alice.id);
      expect(await t.db.quotas.find(alice.id)).toBeNull();
      expect((await t.db.quotas.find(bob.id))?.maxVms).toBe(2);
    });

    it('refuses a quota for a user that does not exist', async () => {
      await expect(t.db.quotas.put(aQuota(randomUUID()))).rejects.toThrow();
    });

    it('reports zero usage for a user with nothing', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      expect(await t.db.quotas.usageOf(user.id)).toEqual({ vms: 0, vcpus: 0, memoryBytes: 0, diskBytes: 0 });
    });

    it("sums the user's VMs and the system and data volumes they own, not images, NVRAM or others' things", async () => {
      const [alice, bob] = [aUser(), aUser()];
      await t.db.users.insert(alice);
      await t.db.users.insert(bob);
      // Sizes past 2^32 so a 32-bit sum or a numeric-as-text result would show.
      const a1 = aVm(alice.id, { vcpus: 2, memoryBytes: 6 * GiB });
      const a2 = aVm(alice.id, { vcpus: 4, memoryBytes: 8 * GiB, phase: 'deleting' });
      const b1 = aVm(bob.id, { vcpus: 16, memoryBytes: 64 * GiB });
      for (const vm of [a1, a2, b1]) await t.db.vms.insert(vm);
      for (const v of [
        aVolume(alice.id, { vmId: a1.id, kind: 'system', capacityBytes: 20 * GiB }),
        aVolume(alice.id, { vmId: a1.id, kind: 'data', capacityBytes: 5 * GiB }),
        aVolume(alice.id, { vmId: a2.id, kind: 'system', capacityBytes: 10 * GiB }),
        aVolume(alice.id, { vmId: a2.id, kind: 'nvram', capacityBytes: 1 * GiB }),
        aVolume(alice.id, { vmId: null, kind: 'data', capacityBytes: 3 * GiB }),
        aVolume(alice.id, { vmId: null, kind: 'image', capacityBytes: 50 * GiB }),
        aVolume(bob.id, { vmId: b1.id, kind: 'system', capacityBytes: 99 * GiB }),
      ]) {
        await t.db.volumes.insert(v);
      }
      expect(await t.db.quotas.usageOf(alice.id)).toEqual({
        vms: 2,
        vcpus: 6,
        memoryBytes: 14 * GiB,
        diskBytes: 38 * GiB,
      });
      expect(await t.db.quotas.usageOf(bob.id)).toEqual({
        vms: 1,
        vcpus: 16,
        memoryBytes: 64 * GiB,
        diskBytes: 99 * GiB,
      });
    });

    it('counts the planned disk of a VM until its system volume exists, then the volume instead', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const vm = aVm(user.id, { phase: 'creating', plannedDiskBytes: 8 * GiB });
      await t.db.vms.insert(vm);
      expect((await t.db.quotas.usageOf(user.id)).diskBytes).toBe(8 * GiB);

      // A data volume does not stand for the system disk: the plan still counts.
      const data = aVolume(user.id, { vmId: vm.id, kind: 'data', capacityBytes: 2 * GiB });
      await t.db.volumes.insert(data);
      expect((await t.db.quotas.usageOf(user.id)).diskBytes).toBe(10 * GiB);

      // The real disk may differ from the plan (the image's virtual size, rounded); the volume's capacity wins.
      const system = aVolume(user.id, { vmId: vm.id, kind: 'system', capacityBytes: 9 * GiB });
      await t.db.volumes.insert(system);
      expect((await t.db.quotas.usageOf(user.id)).diskBytes).toBe(11 * GiB);

      // Deleting the VM (volumes first, as vm.delete does) frees everything.
      await t.db.volumes.delete(system.id);
      await t.db.volumes.delete(data.id);
      await t.db.vms.delete(vm.id);
      expect(await t.db.quotas.usageOf(user.id)).toEqual({ vms: 0, vcpus: 0, memoryBytes: 0, diskBytes: 0 });
    });

    it('reads the planned disk back with the VM', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const vm = aVm(user.id, { plannedDiskBytes: 5 * 1024 * GiB });
      await t.db.vms.insert(vm);
      expect(await t.db.vms.findById(vm.id)).toMatchObject({ plannedDiskBytes: 5 * 1024 * GiB });
    });

    it('sees writes of its own transaction (the quota check runs inside the one that inserts)', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const seen = await t.db.transaction(async (repos) => {
        expect(await repos.users.lockForUpdate(user.id)).toBe(true);
        await repos.vms.insert(aVm(user.id, { vcpus: 3 }));
        return repos.quotas.usageOf(user.id);
      });
      expect(seen.vcpus).toBe(3);
    });
  });
}
