import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../domain/model.js';
import { UniqueViolation } from '../../ports/repositories.js';
import { anImage, aUser, aVolume, at, DIALECTS, openTestDatabase, type TestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`volumes and images (${dialect})`, () => {
    let t: TestDatabase;
    const owner = randomUUID();
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(async () => {
      await t.reset();
      await t.db.users.insert(aUser({ id: owner }));
    });

    it('stores volumes, lists them per VM and in full, counts overlays and deletes', async () => {
      const vmId = randomUUID();
      const base = aVolume(owner, {
        kind: 'image',
        format: 'qcow2',
        capacityBytes: 2 ** 40,
        createdAt: at(1),
      });
      const system = aVolume(owner, { vmId, backingVolumeId: base.id, createdAt: at(2) });
      const data = aVolume(owner, { vmId, kind: 'data', format: 'raw', createdAt: at(3) });
      const nvram = aVolume(owner, { vmId: randomUUID(), kind: 'nvram', createdAt: at(4) });
      for (const v of [nvram, data, system, base]) await t.db.volumes.insert(v);

      expect(await t.db.volumes.findById(base.id)).toEqual(base);
      expect(await t.db.volumes.findById(randomUUID())).toBeNull();
      expect(await t.db.volumes.listByVm(vmId)).toEqual([system, data]);
      expect(await t.db.volumes.listAll()).toEqual([base, system, data, nvram]);
      expect(await t.db.volumes.countBackedBy(base.id)).toBe(1);
      expect(await t.db.volumes.countBackedBy(system.id)).toBe(0);

      await t.db.volumes.delete(system.id);
      expect(await t.db.volumes.countBackedBy(base.id)).toBe(0);
      expect(await t.db.volumes.listByVm(vmId)).toEqual([data]);
    });

    it('rejects a duplicate volume id as UniqueViolation(volumes.id)', async () => {
      const v = aVolume(owner);
      await t.db.volumes.insert(v);
      await expect(t.db.volumes.insert(v)).rejects.toMatchObject({ constraint: 'volumes.id' });
    });

    it('round-trips images, including null fields', async () => {
      const ready = anImage(owner);
      const uploading = anImage(owner, {
        kind: 'iso',
        format: null,
        status: 'uploading',
        sizeBytes: null,
        virtualSizeBytes: null,
        sha256: null,
        sourceUrl: 'https://example.org/x.iso',
      });
      await t.db.images.insert(ready);
      await t.db.images.insert(uploading);
      expect(await t.db.images.findById(ready.id)).toEqual(ready);
      expect(await t.db.images.findById(uploading.id)).toEqual(uploading);
      expect(await t.db.images.findById(randomUUID())).toBeNull();
    });

    it('rejects a taken image name as UniqueViolation(images.name), also on rename', async () => {
      const a = anImage(owner, { name: 'debian' });
      const b = anImage(owner, { name: 'alpine' });
      await t.db.images.insert(a);
      await t.db.images.insert(b);
      const err: unknown = await t.db.images
        .insert(anImage(owner, { name: 'debian' }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueViolation);
      expect(err).toMatchObject({ constraint: 'images.name' });
      await expect(t.db.images.update(b.id, { name: 'debian' })).rejects.toMatchObject({
        constraint: 'images.name',
      });
    });

    it('updates images and returns the new row (null when missing)', async () => {
      const image = anImage(owner, { status: 'uploading', sizeBytes: null });
      await t.db.images.insert(image);
      const volumeId = randomUUID();
      const updated = await t.db.images.update(image.id, {
        status: 'ready',
        sizeBytes: 5_000_000_000,
        volumeId,
        updatedAt: at(7),
      });
      expect(updated).toEqual({
        ...image,
        status: 'ready',
        sizeBytes: 5_000_000_000,
        volumeId,
        updatedAt: at(7),
      });
      expect(await t.db.images.update(image.id, {})).toEqual(updated);
      expect(await t.db.images.update(randomUUID(), { status: 'failed' })).toBeNull();
      await t.db.images.delete(image.id);
      expect(await t.db.images.findById(image.id)).toBeNull();
    });

    it('pages images by name with an owner filter', async () => {
      const other = randomUUID();
      await t.db.users.insert(aUser({ id: other }));
      const mine = ['m-c', 'm-a', 'm-e', 'm-b', 'm-d'];
      for (const name of mine) await t.db.images.insert(anImage(owner, { name }));
      for (const name of ['o-a', 'o-b']) await t.db.images.insert(anImage(other, { name }));

      const collect = async (filter: { ownerId?: string; limit: number }): Promise<string[]> => {
        const out: ImageRecord[] = [];
        let cursor: string | null = null;
        do {
          const page = await t.db.images.list(cursor === null ? filter : { ...filter, cursor });
          out.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== null);
        return out.map((i) => i.name);
      };
      expect(await collect({ limit: 2, ownerId: owner })).toEqual([...mine].sort());
      expect(await collect({ limit: 3 })).toEqual([...mine, 'o-a', 'o-b'].sort());
      expect(await collect({ limit: 1, ownerId: other })).toEqual(['o-a', 'o-b']);
      await expect(t.db.images.list({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('filters images by kind, status and a case-insensitive name substring (LIKE wildcards literal)', async () => {
      await t.db.images.insert(anImage(owner, { name: 'debian-12', kind: 'disk', status: 'ready' }));
      await t.db.images.insert(anImage(owner, { name: 'debian-installer', kind: 'iso', status: 'ready' }));
      await t.db.images.insert(anImage(owner, { name: 'alpine', kind: 'disk', status: 'uploading' }));
      await t.db.images.insert(anImage(owner, { name: 'a_b', kind: 'disk', status: 'ready' }));
      const names = async (filter: Parameters<typeof t.db.images.list>[0]): Promise<string[]> =>
        (await t.db.images.list(filter)).items.map((i) => i.name);
      expect(await names({ limit: 50, kind: 'iso' })).toEqual(['debian-installer']);
      expect(await names({ limit: 50, status: 'uploading' })).toEqual(['alpine']);
      expect(await names({ limit: 50, q: 'DEBIAN' })).toEqual(['debian-12', 'debian-installer']);
      expect(await names({ limit: 50, q: '_' })).toEqual(['a_b']);
      expect(await names({ limit: 50, kind: 'disk', q: 'deb' })).toEqual(['debian-12']);
    });
  });
}
