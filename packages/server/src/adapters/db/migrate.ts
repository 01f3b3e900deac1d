import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import type { DialectName } from './dialect-name.js';
import type { DbLogger } from './dialects.js';
import { migrations } from './migrations/index.js';

export const MIGRATION_TABLE = 'gureum_migration';
export const MIGRATION_LOCK_TABLE = 'gureum_migration_lock';

/**
 * Applies every pending migration, in name order, each in its own transaction. Safe to run at every start and from
 * several processes at once (Kysely holds a migration lock: an advisory lock on PostgreSQL, the write lock on SQLite).
 */
export async function migrateToLatest<D>(
  db: Kysely<D>,
  dialect: DialectName,
  logger?: DbLogger,
): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations(dialect)) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const result of results) {
    const log = { migration: result.migrationName, status: result.status };
    if (result.status === 'Error') logger?.error(log, 'database migration failed');
    else logger?.info(log, 'database migration applied');
  }
  if (error !== undefined) throw new Error('database migration failed', { cause: error });
  return results;
}
