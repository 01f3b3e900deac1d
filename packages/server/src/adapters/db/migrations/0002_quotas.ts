import type { Kysely, Migration } from 'kysely';

/**
 * Per-user quotas (issue 6). One row per user with limits; no row, or a null limit, is unlimited. The row goes with
 * its user. `vms.planned_disk_bytes` is the system disk a VM's create will make: it counts toward the disk quota
 * from the moment the create is accepted until the system volume exists, so two creates cannot both slip under
 * the disk limit while their tasks run.
 */
export function quotas(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('quotas')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('max_vms', 'bigint')
        .addColumn('max_vcpus', 'bigint')
        .addColumn('max_memory_bytes', 'bigint')
        .addColumn('max_disk_bytes', 'bigint')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('quotas_pkey', ['user_id'])
        .execute();
      await db.schema.alterTable('vms').addColumn('planned_disk_bytes', 'bigint').execute();
      // The usage aggregate sums a user's volumes by owner.
      await db.schema.createIndex('volumes_owner_idx').on('volumes').columns(['owner_id', 'kind']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('volumes_owner_idx').ifExists().execute();
      await db.schema.alterTable('vms').dropColumn('planned_disk_bytes').execute();
      await db.schema.dropTable('quotas').ifExists().execute();
    },
  };
}
