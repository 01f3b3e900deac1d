/**
 * Kysely's view of the tables (snake_case, as stored). Repositories map rows to the domain records (camelCase).
 *
 * Storage conventions, the same on both dialects so rows compare equal in the shared test loop:
 * - timestamps are ISO-8601 UTC text as produced by `Date#toISOString()` (fixed width, so text order is time order);
 * - JSON values (tags, task input/result/error, step undo data, event data, idempotent response bodies) are text;
 * - booleans are integers 0/1 (better-sqlite3 cannot bind booleans);
 * - 64-bit integers (`bigint` on PostgreSQL) are parsed to JS numbers by the pool's type parser.
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  kind: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface VmsTable {
  id: string;
  name: string;
  owner_id: string;
  description: string;
  /** JSON array of strings. */
  tags: string;
  vcpus: number;
  memory_bytes: number;
  firmware: string;
  boot_order: string;
  phase: string;
  image_id: string | null;
  media_image_id: string | null;
  installation_status: string;
  installation_started_at: string | null;
  installation_finished_at: string | null;
  keep_media_after_install: number;
  /** Bytes; added by 0004_installation. */
  installation_baseline_bytes: number | null;
  /** Bytes; added by 0002_quotas (the system disk a create will make, counted until it exists). */
  planned_disk_bytes: number | null;
  last_state: string;
  /** When `last_state` was last written by `setLastState` (not part of the record). */
  last_state_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface VolumesTable {
  id: string;
  kind: string;
  pool: string;
  file_name: string;
  format: string;
  capacity_bytes: number;
  vm_id: string | null;
  backing_volume_id: string | null;
  owner_id: string;
  created_at: string;
}

export interface ImagesTable {
  id: string;
  name: string;
  kind: string;
  format: string | null;
  status: string;
  size_bytes: number | null;
  virtual_size_bytes: number | null;
  sha256: string | null;
  volume_id: string | null;
  owner_id: string;
  source_url: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface TasksTable {
  id: string;
  kind: string;
  status: string;
  progress: number;
  message: string | null;
  resource_kind: string;
  resource_id: string;
  actor_id: string;
  owner_id: string;
  input: string | null;
  result: string | null;
  error: string | null;
  request_id: string | null;
  cancel_requested: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
}

export interface TaskStepsTable {
  task_id: string;
  seq: number;
  name: string;
  status: string;
  undo_data: string | null;
  created_at: string;
  updated_at: string;
}

export interface LeasesTable {
  resource_key: string;
  holder: string;
  expires_at: string;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  time: string;
  resource_kind: string;
  resource_id: string;
  owner_id: string | null;
  data: string | null;
}

export interface IdempotencyKeysTable {
  key: string;
  user_id: string;
  request_hash: string;
  status: number;
  body: string | null;
  created_at: string;
}

/** Append-only (triggers refuse UPDATE and DELETE). */
export interface AuditEventsTable {
  id: string;
  time: string;
  actor_id: string | null;
  action: string;
  resource_kind: string | null;
  resource_id: string | null;
  owner_id: string | null;
  outcome: string;
  status: number | null;
  request_id: string | null;
  source_address: string | null;
  /** JSON object. */
  details: string | null;
}

/** One user's limits (0002_quotas); null is unlimited, and so is a missing row. */
export interface QuotasTable {
  user_id: string;
  max_vms: number | null;
  max_vcpus: number | null;
  max_memory_bytes: number | null;
  max_disk_bytes: number | null;
  updated_at: string;
}

export interface DB {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  vms: VmsTable;
  volumes: VolumesTable;
  images: ImagesTable;
  tasks: TasksTable;
  task_steps: TaskStepsTable;
  leases: LeasesTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  audit_events: AuditEventsTable;
  quotas: QuotasTable;
}

/**
 * Unique constraints by their PostgreSQL name (given explicitly in the migrations) → the stable name repositories
 * report in `UniqueViolation`. SQLite reports columns instead ("UNIQUE constraint failed: vms.name"), which
 * `uniqueViolationOf` turns into the same stable names.
 */
export const UNIQUE_CONSTRAINTS: Readonly<Record<string, string>> = {
  users_pkey: 'users.id',
  users_username_key: 'users.username',
  api_tokens_pkey: 'api_tokens.id',
  api_tokens_token_hash_key: 'api_tokens.token_hash',
  vms_pkey: 'vms.id',
  vms_name_key: 'vms.name',
  volumes_pkey: 'volumes.id',
  images_pkey: 'images.id',
  images_name_key: 'images.name',
  tasks_pkey: 'tasks.id',
  task_steps_pkey: 'task_steps.task_id+seq',
  leases_pkey: 'leases.resource_key',
  events_pkey: 'events.id',
  idempotency_keys_pkey: 'idempotency_keys.key+user_id',
  audit_events_pkey: 'audit_events.id',
  quotas_pkey: 'quotas.user_id',
};
