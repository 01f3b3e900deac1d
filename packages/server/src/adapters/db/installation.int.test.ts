import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aUser, aVm, DIALECTS, openTestDatabase, type TestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes. The columns
// the install tracker relies on (0004_installation) and its start-up query.
for (const dialect of DIALECTS) {
  describe(`installation tracking columns (${dialect})`, () => {
    let t: TestDatabase;
    let owner: string;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(async () => {
      await t.reset();
      const user = aUser();
      await t.db.users.insert(user);
      owner = user.id;
    });

    it('round-trips the install baseline, including sizes beyond 32 bits, and clears it', async () => {
      const vm = aVm(owner, { installationStatus: 'installing', installationBaselineBytes: 5 * 2 ** 32 + 7 });
      await t.db.vms.insert(vm);
      expect((await t.db.vms.findById(vm.id))?.installationBaselineBytes).toBe(5 * 2 ** 32 + 7);
      const updated = await t.db.vms.update(vm.id, { installationBaselineBytes: null }, vm.version);
      expect(updated?.installationBaselineBytes).toBeNull();
      expect(updated?.version).toBe(vm.version + 1);
    });

    it('lists the VMs in one installation phase', async () => {
      const installing = [
        aVm(owner, { installationStatus: 'installing' }),
        aVm(owner, { installationStatus: 'installing' }),
      ];
      for (const vm of [...installing, aVm(owner, { installationStatus: 'installed' }), aVm(owner)]) {
        await t.db.vms.insert(vm);
      }
      const found = await t.db.vms.listByInstallationStatus('installing');
      expect(found.map((v) => v.id).sort()).toEqual(installing.map((v) => v.id).sort());
      expect(await t.db.vms.listByInstallationStatus('failed')).toEqual([]);
    });
  });
}
