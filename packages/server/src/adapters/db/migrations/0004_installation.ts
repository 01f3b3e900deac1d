import type { Kysely, Migration } from 'kysely';

/**
 * The system disk's allocation when an installation from an ISO began: the install tracker compares the disk's
 * allocation with it when the guest reboots or powers off, to tell an install that wrote the disk from one that
 * did not. Nullable: VMs from disk images (and installs that never started) have none.
 */
export function installation(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('vms').addColumn('installation_baseline_bytes', 'bigint').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('vms').dropColumn('installation_baseline_bytes').execute();
    },
  };
}
