import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import type {
  BootOrder,
  Firmware,
  InstallationStatus,
  VmPhase,
  VmRecord,
  VmState,
} from '../../domain/model.js';
import type { Page, VmListFilter, VmRepository } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { translateUnique } from './errors.js';
import {
  decodeCursor,
  fromFlag,
  fromTags,
  isoTime,
  isoTimeOrNull,
  containsText,
  pageSize,
  toColumns,
  toFlag,
  toPage,
  type ColumnMap,
} from './mapping.js';
import type { VmsTable } from './schema.js';

type VmFields = Omit<VmRecord, 'id' | 'createdAt' | 'version'>;

// The string unions are only ever written from the domain's own types, so reading them back is a trusted boundary.
export function toVm(row: Selectable<VmsTable>): VmRecord {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    description: row.description,
    tags: fromTags(row.tags),
    vcpus: row.vcpus,
    memoryBytes: row.memory_bytes,
    firmware: row.firmware as Firmware,
    bootOrder: row.boot_order as BootOrder,
    phase: row.phase as VmPhase,
    imageId: row.image_id,
    mediaImageId: row.media_image_id,
    installationStatus: row.installation_status as InstallationStatus,
    installationStartedAt: row.installation_started_at,
    installationFinishedAt: row.installation_finished_at,
    keepMediaAfterInstall: fromFlag(row.keep_media_after_install),
    // bigint: read as a number on both dialects (dialects.ts parses INT8).
    installationBaselineBytes: row.installation_baseline_bytes,
    plannedDiskBytes: row.planned_disk_bytes,
    lastState: row.last_state as VmState,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const vmColumns: ColumnMap<VmFields, VmsTable> = {
  name: (v) => ({ name: v }),
  ownerId: (v) => ({ owner_id: v }),
  description: (v) => ({ description: v }),
  tags: (v) => ({ tags: JSON.stringify(v) }),
  vcpus: (v) => ({ vcpus: v }),
  memoryBytes: (v) => ({ memory_bytes: v }),
  firmware: (v) => ({ firmware: v }),
  bootOrder: (v) => ({ boot_order: v }),
  phase: (v) => ({ phase: v }),
  imageId: (v) => ({ image_id: v }),
  mediaImageId: (v) => ({ media_image_id: v }),
  installationStatus: (v) => ({ installation_status: v }),
  installationStartedAt: (v) => ({ installation_started_at: isoTimeOrNull(v) }),
  installationFinishedAt: (v) => ({ installation_finished_at: isoTimeOrNull(v) }),
  keepMediaAfterInstall: (v) => ({ keep_media_after_install: toFlag(v) }),
  installationBaselineBytes: (v) => ({ installation_baseline_bytes: v ?? null }),
  plannedDiskBytes: (v) => ({ planned_disk_bytes: v ?? null }),
  lastState: (v) => ({ last_state: v }),
  updatedAt: (v) => ({ updated_at: isoTime(v) }),
};

export function vmToRow(vm: VmRecord): VmsTable {
  // vmColumns is total over VmFields (`-?`), so a whole record yields every column but these four.
  return {
    ...(toColumns(vm, vmColumns) as Omit<VmsTable, 'id' | 'created_at' | 'version' | 'last_state_at'>),
    id: vm.id,
    version: vm.version,
    created_at: isoTime(vm.createdAt),
    last_state_at: null,
  };
}

/**
 * VMs ordered by name (unique), paged by keyset on the name: one indexed range scan per page, served by the
 * unique index on `name` or by `vms_owner_name_idx` when filtered by owner.
 */
export class KyselyVmRepository implements VmRepository {
  constructor(private readonly ctx: DbContext) {}

  /** Throws UniqueViolation('vms.name') when the name is taken (or 'vms.id' for a duplicate id). */
  async insert(vm: VmRecord): Promise<void> {
    await translateUnique(() => this.ctx.executor().insertInto('vms').values(vmToRow(vm)).execute());
  }

  async findById(id: string): Promise<VmRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('vms')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toVm(row) : null;
  }

  async findByName(name: string): Promise<VmRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('vms')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toVm(row) : null;
  }

  /**
   * One page of VMs. `states` filters on `lastState` (an empty list filters nothing), `tag` matches one tag exactly,
   * `q` is a case-insensitive substring of the name or the description.
   */
  async list(filter: VmListFilter): Promise<Page<VmRecord>> {
    const limit = pageSize(filter.limit);
    let query = this.ctx.executor().selectFrom('vms').selectAll();
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
    if (filter.states !== undefined && filter.states.length > 0)
      query = query.where('last_state', 'in', filter.states);
    if (filter.tag !== undefined) query = query.where(this.#hasTag(filter.tag));
    if (filter.q !== undefined && filter.q !== '') {
      const q = filter.q;
      query = query.where((eb) =>
        eb.or([
          containsText(this.ctx.dialect, 'vms.name', q),
          containsText(this.ctx.dialect, 'vms.description', q),
        ]),
      );
    }
    if (filter.cursor !== undefined) {
      const [afterName] = decodeCursor(filter.cursor, ['string']);
      query = query.where('name', '>', afterName);
    }
    const rows = await query
      .orderBy('name')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toVm, (row) => [row.name]);
  }

  async listAllStates(): Promise<{ id: string; name: string; lastState: VmState; phase: VmPhase }[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('vms')
      .select(['id', 'name', 'last_state', 'phase'])
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      lastState: r.last_state as VmState,
      phase: r.phase as VmPhase,
    }));
  }

  async update(id: string, patch: Partial<VmFields>, expectedVersion?: number): Promise<VmRecord | null> {
    const set = toColumns(patch, vmColumns);
    let query = this.ctx
      .executor()
      .updateTable('vms')
      .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
      .where('id', '=', id);
    if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
    const row = await translateUnique(() => query.returningAll().executeTakeFirst());
    return row ? toVm(row) : null;
  }

  /** Keeps the version (and so the ETag and `updatedAt`): a state seen from libvirt is not a change of intent. */
  async setLastState(id: string, state: VmState, at: string): Promise<void> {
    await this.ctx
      .executor()
      .updateTable('vms')
      .set({ last_state: state, last_state_at: isoTime(at) })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.ctx.executor().deleteFrom('vms').where('id', '=', id).execute();
  }

  /** VMs that use the image, as the source of their system disk or as the medium in their cdrom. */
  async listByInstallationStatus(status: InstallationStatus): Promise<VmRecord[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('vms')
      .selectAll()
      .where('installation_status', '=', status)
      .orderBy('id')
      .execute();
    return rows.map(toVm);
  }

  async countByImage(imageId: string): Promise<number> {
    const row = await this.ctx
      .executor()
      .selectFrom('vms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.or([eb('image_id', '=', imageId), eb('media_image_id', '=', imageId)]))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  #hasTag(tag: string): Expression<SqlBool> {
    // Exact element match inside the JSON array (a LIKE on the text would also match inside other tags).
    return this.ctx.dialect === 'postgres'
      ? sql<SqlBool>`cast(${sql.ref('vms.tags')} as jsonb) @> jsonb_build_array(cast(${tag} as text))`
      : sql<SqlBool>`exists (select 1 from json_each(${sql.ref('vms.tags')}) where json_each.value = ${tag})`;
  }
}
