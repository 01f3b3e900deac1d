import type { Selectable } from 'kysely';
import type { VolumeKind, VolumeRecord } from '../../domain/model.js';
import type { VolumeRepository } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { translateUnique } from './errors.js';
import { isoTime } from './mapping.js';
import type { VolumesTable } from './schema.js';

export function toVolume(row: Selectable<VolumesTable>): VolumeRecord {
  return {
    id: row.id,
    kind: row.kind as VolumeKind,
    pool: row.pool,
    fileName: row.file_name,
    format: row.format as VolumeRecord['format'],
    capacityBytes: row.capacity_bytes,
    vmId: row.vm_id,
    backingVolumeId: row.backing_volume_id,
    ownerId: row.owner_id,
    createdAt: row.created_at,
  };
}

export class KyselyVolumeRepository implements VolumeRepository {
  constructor(private readonly ctx: DbContext) {}

  async insert(volume: VolumeRecord): Promise<void> {
    await translateUnique(() =>
      this.ctx
        .executor()
        .insertInto('volumes')
        .values({
          id: volume.id,
          kind: volume.kind,
          pool: volume.pool,
          file_name: volume.fileName,
          format: volume.format,
          capacity_bytes: volume.capacityBytes,
          vm_id: volume.vmId,
          backing_volume_id: volume.backingVolumeId,
          owner_id: volume.ownerId,
          created_at: isoTime(volume.createdAt),
        })
        .execute(),
    );
  }

  async findById(id: string): Promise<VolumeRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('volumes')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toVolume(row) : null;
  }

  async listByVm(vmId: string): Promise<VolumeRecord[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('volumes')
      .selectAll()
      .where('vm_id', '=', vmId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toVolume);
  }

  async listAll(): Promise<VolumeRecord[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('volumes')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toVolume);
  }

  /** Overlays whose backing file is this volume (it cannot be deleted while any exist). */
  async countBackedBy(volumeId: string): Promise<number> {
    const row = await this.ctx
      .executor()
      .selectFrom('volumes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('backing_volume_id', '=', volumeId)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async setCapacity(id: string, capacityBytes: number): Promise<void> {
    await this.ctx
      .executor()
      .updateTable('volumes')
      .set({ capacity_bytes: capacityBytes })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.ctx.executor().deleteFrom('volumes').where('id', '=', id).execute();
  }
}
