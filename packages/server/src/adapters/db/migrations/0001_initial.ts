import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';

/** What `addColumn` accepts as a type (Kysely does not export its name for it). */
type DataTypeExpression = ColumnDataType | Expression<unknown>;
import type { DialectName } from '../dialect-name.js';

/**
 * The first schema: every table of issue 1. Constraint names are explicit so PostgreSQL's unique-violation
 * errors map onto stable names (schema.ts `UNIQUE_CONSTRAINTS`).
 */
export function initial(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const key = keyText(dialect);
      await createAccounts(db, key);
      await createCompute(db, key);
      await createTasks(db, key);
      await createLog(db, dialect);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'idempotency_keys',
        'events',
        'leases',
        'task_steps',
        'tasks',
        'images',
        'volumes',
        'vms',
        'api_tokens',
        'users',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}

/**
 * Text that sorts by bytes on both dialects, for the columns lists are ordered and paged by: SQLite's default BINARY
 * collation; on PostgreSQL, "C" whatever the database's locale, so pages come in the same order as on SQLite.
 */
function keyText(dialect: DialectName): DataTypeExpression {
  return dialect === 'postgres' ? sql`text collate "C"` : 'text';
}

async function createAccounts(db: Kysely<unknown>, key: DataTypeExpression): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('username', key, (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pkey', ['id'])
    .addUniqueConstraint('users_username_key', ['username'])
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('api_tokens_pkey', ['id'])
    .addUniqueConstraint('api_tokens_token_hash_key', ['token_hash'])
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();
  await db.schema.createIndex('api_tokens_expires_idx').on('api_tokens').column('expires_at').execute();
}

async function createCompute(db: Kysely<unknown>, key: DataTypeExpression): Promise<void> {
  await db.schema
    .createTable('vms')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', key, (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_bytes', 'bigint', (c) => c.notNull())
    .addColumn('firmware', 'text', (c) => c.notNull())
    .addColumn('boot_order', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('image_id', 'text')
    .addColumn('media_image_id', 'text')
    .addColumn('installation_status', 'text', (c) => c.notNull())
    .addColumn('installation_started_at', 'text')
    .addColumn('installation_finished_at', 'text')
    .addColumn('keep_media_after_install', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_state', 'text', (c) => c.notNull())
    .addColumn('last_state_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('vms_pkey', ['id'])
    .addUniqueConstraint('vms_name_key', ['name'])
    .execute();
  // vms(name) is served by the unique constraint's index; (owner_id, name) serves a member's keyset list.
  await db.schema.createIndex('vms_owner_name_idx').on('vms').columns(['owner_id', 'name']).execute();
  await db.schema.createIndex('vms_image_idx').on('vms').column('image_id').execute();
  await db.schema.createIndex('vms_media_image_idx').on('vms').column('media_image_id').execute();

  // No foreign key on vm_id/backing_volume_id: a create saga may journal a volume before its VM row settles, and the
  // drift reconciler (not the database) owns dangling references.
  await db.schema
    .createTable('volumes')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('capacity_bytes', 'bigint', (c) => c.notNull())
    .addColumn('vm_id', 'text')
    .addColumn('backing_volume_id', 'text')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('volumes_pkey', ['id'])
    .execute();
  await db.schema.createIndex('volumes_vm_idx').on('volumes').column('vm_id').execute();
  await db.schema.createIndex('volumes_backing_idx').on('volumes').column('backing_volume_id').execute();

  await db.schema
    .createTable('images')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', key, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('format', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint')
    .addColumn('virtual_size_bytes', 'bigint')
    .addColumn('sha256', 'text')
    .addColumn('volume_id', 'text')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('source_url', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('images_pkey', ['id'])
    .addUniqueConstraint('images_name_key', ['name'])
    .execute();
  await db.schema.createIndex('images_owner_name_idx').on('images').columns(['owner_id', 'name']).execute();
}

async function createTasks(db: Kysely<unknown>, key: DataTypeExpression): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', key, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('message', 'text')
    .addColumn('resource_kind', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('input', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('request_id', 'text')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', key, (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('heartbeat_at', 'text')
    .addPrimaryKeyConstraint('tasks_pkey', ['id'])
    .execute();
  await db.schema.createIndex('tasks_status_idx').on('tasks').column('status').execute();
  await db.schema.createIndex('tasks_resource_idx').on('tasks').column('resource_id').execute();
  await db.schema
    .createIndex('tasks_owner_created_idx')
    .on('tasks')
    .columns(['owner_id', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('tasks_created_idx').on('tasks').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('task_steps')
    .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('undo_data', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_steps_pkey', ['task_id', 'seq'])
    .execute();
}

async function createLog(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('leases_pkey', ['resource_key'])
    .execute();

  // Ids must never be reused, even after trim: AUTOINCREMENT (sqlite_sequence) on SQLite, a sequence on PostgreSQL.
  const events = db.schema.createTable('events');
  await (
    dialect === 'sqlite'
      ? events.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : events.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
  )
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('resource_kind', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text')
    .addColumn('data', 'text')
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['key', 'user_id'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_created_idx')
    .on('idempotency_keys')
    .column('created_at')
    .execute();
}
