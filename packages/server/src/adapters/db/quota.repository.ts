import { sql, type Selectable } from 'kysely';
import type { QuotaRecord, ResourceUsage } from '../../domain/model.js';
import type { QuotaRepository } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { isoTime } from './mapping.js';
import type { QuotasTable } from './schema.js';

export function toQuota(row: Selectable<QuotasTable>): QuotaRecord {
  // bigint columns: the pg pool parses int8 to numbers (dialects.ts); SQLite returns numbers.
  return {
    userId: row.user_id,
    maxVms: row.max_vms,
    maxVcpus: row.max_vcpus,
    maxMemoryBytes: row.max_memory_bytes,
    maxDiskBytes: row.max_disk_bytes,
    updatedAt: row.updated_at,
  };
}

/** Volumes that take a user's disk space: system disks and data volumes (image files belong to images). */
const DISK_KINDS = ['system', 'data'] as const;

export class KyselyQuotaRepository implements QuotaRepository {
  constructor(private readonly ctx: DbContext) {}

  async find(userId: string): Promise<QuotaRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('quotas')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? toQuota(row) : null;
  }

  async put(record: QuotaRecord): Promise<void> {
    const limits = {
      max_vms: record.maxVms,
      max_vcpus: record.maxVcpus,
      max_memory_bytes: record.maxMemoryBytes,
      max_disk_bytes: record.maxDiskBytes,
      updated_at: isoTime(record.updatedAt),
    };
    await this.ctx
      .executor()
      .insertInto('quotas')
      .values({ user_id: record.userId, ...limits })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(limits))
      .execute();
  }

  /**
   * Two aggregate queries, whatever the number of VMs: one over the user's VMs (served by `vms_owner_name_idx`), one
   * over its volumes (`volumes_owner_idx`). A VM whose system volume does not exist yet (its create task is still
   * running) counts its planned disk instead; the volume row appears in one statement, so at no point is that disk
   * counted twice or not at all. Sums are cast to bigint: PostgreSQL sums bigints as numeric, which pg returns as text,
   * while the pool parses int8 (bigint, and `count(*)`) to numbers.
   */
  async usageOf(userId: string): Promise<ResourceUsage> {
    const ex = this.ctx.executor();
    const vms = await ex
      .selectFrom('vms')
      .select([
        sql<number>`count(*)`.as('vms'),
        sql<number>`cast(coalesce(sum(vms.vcpus), 0) as bigint)`.as('vcpus'),
        sql<number>`cast(coalesce(sum(vms.memory_bytes), 0) as bigint)`.as('memory_bytes'),
        sql<number>`cast(coalesce(sum(case when vms.planned_disk_bytes is not null and not exists (
            select 1 from volumes s where s.vm_id = vms.id and s.kind = 'system'
          ) then vms.planned_disk_bytes else 0 end), 0) as bigint)`.as('planned_disk_bytes'),
      ])
      .where('vms.owner_id', '=', userId)
      .executeTakeFirstOrThrow();
    const volumes = await ex
      .selectFrom('volumes')
      .select(sql<number>`cast(coalesce(sum(capacity_bytes), 0) as bigint)`.as('capacity_bytes'))
      .where('owner_id', '=', userId)
      .where('kind', 'in', DISK_KINDS)
      .executeTakeFirstOrThrow();
    return {
      vms: vms.vms,
      vcpus: vms.vcpus,
      memoryBytes: vms.memory_bytes,
      diskBytes: vms.planned_disk_bytes + volumes.capacity_bytes,
    };
  }
}
