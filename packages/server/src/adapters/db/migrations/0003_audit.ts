import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../dialect-name.js';

const REFUSAL = 'audit_events is append-only';

/**
 * The audit log: one row per mutating request and per task outcome. Append-only for real: triggers refuse every
 * UPDATE and DELETE (and TRUNCATE on PostgreSQL), whoever issues them, so a bug or a stray SQL session cannot
 * rewrite history. Ids are time-ordered text; lists page newest first by (time, id).
 */
export function audit(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Byte order on both dialects for the keyset columns, as in 0001.
      const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
      await db.schema
        .createTable('audit_events')
        .addColumn('id', key, (c) => c.notNull())
        .addColumn('time', key, (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('resource_kind', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('owner_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('request_id', 'text')
        .addColumn('source_address', 'text')
        .addColumn('details', 'text')
        .addPrimaryKeyConstraint('audit_events_pkey', ['id'])
        .execute();
      await db.schema
        .createIndex('audit_events_time_idx')
        .on('audit_events')
        .columns(['time', 'id'])
        .execute();
      for (const column of ['actor_id', 'resource_id', 'owner_id'] as const) {
        await db.schema
          .createIndex(`audit_events_${column.replace('_id', '')}_idx`)
          .on('audit_events')
          .columns([column, 'time', 'id'])
          .execute();
      }
      if (dialect === 'postgres') await refuseChangesPostgres(db);
      else await refuseChangesSqlite(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_events').ifExists().execute();
      if (dialect === 'postgres') await sql`drop function if exists audit_events_append_only()`.execute(db);
    },
  };
}

async function refuseChangesSqlite(db: Kysely<unknown>): Promise<void> {
  for (const event of ['update', 'delete']) {
    await sql
      .raw(
        `create trigger audit_events_no_${event} before ${event} on audit_events ` +
          `begin select raise(abort, '${REFUSAL}'); end`,
      )
      .execute(db);
  }
}

async function refuseChangesPostgres(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create function audit_events_append_only() returns trigger language plpgsql as $$ ` +
        `begin raise exception '${REFUSAL}' using errcode = 'insufficient_privilege'; end $$`,
    )
    .execute(db);
  await sql`create trigger audit_events_no_change before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
  await sql`create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()`.execute(db);
}
