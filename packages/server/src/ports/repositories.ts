import type {
  ApiToken,
  AuditRecord,
  EventRecord,
  ImageRecord,
  QuotaRecord,
  ResourceUsage,
  TaskRecord,
  TaskStatus,
  TaskStepRecord,
  User,
  VmRecord,
  VmState,
  VolumeRecord,
} from '../domain/model.js';

/** A page of a list ordered by a stable key; `nextCursor` is opaque to callers. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface VmListFilter {
  ownerId?: string;
  /** Filters on the last known state (the live view refines it). */
  states?: VmState[];
  tag?: string;
  /** Substring of the name or description. */
  q?: string;
  limit: number;
  cursor?: string;
}

/**
 * Thrown by repositories when a unique constraint rejects a write (e.g. a VM name that is taken), so the
 * service can turn it into the right conflict without knowing the database.
 */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';
  constructor(
    readonly constraint: string,
    options?: { cause?: unknown },
  ) {
    super(`unique constraint violated: ${constraint}`, options);
  }
}

export interface UserListFilter {
  role?: User['role'];
  limit: number;
  /** After this page's last username (opaque, from `nextCursor`). */
  cursor?: string;
}

export interface UserRepository {
  count(): Promise<number>;
  /** Throws UniqueViolation('users.username') when the username is taken. */
  insert(user: User): Promise<void>;
  findById(id: string): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  list(): Promise<User[]>;
  /** One page ordered by username (keyset), optionally only one role. */
  listPage(filter: UserListFilter): Promise<Page<User>>;
  /**
   * Inside a transaction: the ids of every admin, their rows locked until it ends (PostgreSQL `FOR UPDATE`; SQLite's
   * write transactions are serial already). Two concurrent demotions or deletions of admins thus cannot both see
   * another admin left: the second waits, then sees the first one's change.
   */
  lockAdmins(): Promise<string[]>;
  /** How many VMs and images the user owns (what keeps it from being deleted). */
  countOwned(id: string): Promise<{ vms: number; images: number }>;
  update(id: string, patch: Partial<Pick<User, 'role' | 'passwordHash' | 'updatedAt'>>): Promise<void>;
  delete(id: string): Promise<void>;
  /**
   * Inside a transaction: locks the user's row until it ends, so read-check-write sequences about this user (quota
   * checks) run one after the other. Returns false when the user does not exist.
   */
  lockForUpdate(id: string): Promise<boolean>;
}

/** Per-user quotas; a user without a row has no limits. */
export interface QuotaRepository {
  find(userId: string): Promise<QuotaRecord | null>;
  /** Inserts or replaces the user's quota. */
  put(record: QuotaRecord): Promise<void>;
  /**
   * What the user uses now, in at most two aggregate queries (never one per VM): its VMs, their vCPUs and memory,
   * and the capacity of its system and data volumes plus the planned system disk of each VM not yet given one.
   */
  usageOf(userId: string): Promise<ResourceUsage>;
}

export interface TokenRepository {
  insert(token: ApiToken): Promise<void>;
  findByHash(tokenHash: string): Promise<ApiToken | null>;
  findById(id: string): Promise<ApiToken | null>;
  /** The user's tokens, oldest first; `kind` keeps one kind, `unrevoked` drops revoked ones. */
  listByUser(userId: string, filter?: { kind?: ApiToken['kind']; unrevoked?: true }): Promise<ApiToken[]>;
  revoke(id: string, at: string): Promise<void>;
  /** Revokes every unrevoked session token of the user but `exceptId`; returns how many. */
  revokeSessions(userId: string, at: string, exceptId?: string): Promise<number>;
  touch(id: string, at: string): Promise<void>;
  /** Sets `lastUsedAt` to `at` unless it is already later than `staleBefore`: at most one write per interval. */
  touchIfStale(id: string, at: string, staleBefore: string): Promise<void>;
  deleteExpired(before: string): Promise<number>;
}

export interface VmRepository {
  /** Inserts a new VM; throws UniqueViolation('vms.name') when the name is taken. */
  insert(vm: VmRecord): Promise<void>;
  findById(id: string): Promise<VmRecord | null>;
  findByName(name: string): Promise<VmRecord | null>;
  list(filter: VmListFilter): Promise<Page<VmRecord>>;
  /** Every VM (id, name, lastState): for reconciling with the hypervisor. */
  listAllStates(): Promise<{ id: string; name: string; lastState: VmState; phase: VmRecord['phase'] }[]>;
  /**
   * Applies a patch when the row's version equals `expectedVersion` (or always when it is undefined), bumping the
   * version. Returns the updated row, or null when the version did not match or the row is gone.
   */
  update(
    id: string,
    patch: Partial<Omit<VmRecord, 'id' | 'createdAt' | 'version'>>,
    expectedVersion?: number,
  ): Promise<VmRecord | null>;
  /** Records a state seen from libvirt without bumping the version. */
  setLastState(id: string, state: VmState, at: string): Promise<void>;
  delete(id: string): Promise<void>;
  countByImage(imageId: string): Promise<number>;
  /** VMs whose installation is in this phase (the install tracker's start-up sweep looks for `installing`). */
  listByInstallationStatus(status: VmRecord['installationStatus']): Promise<VmRecord[]>;
}

export interface VolumeRepository {
  insert(volume: VolumeRecord): Promise<void>;
  findById(id: string): Promise<VolumeRecord | null>;
  listByVm(vmId: string): Promise<VolumeRecord[]>;
  listAll(): Promise<VolumeRecord[]>;
  countBackedBy(volumeId: string): Promise<number>;
  /** Records a volume's new capacity (after, or in reservation of, a resize). */
  setCapacity(id: string, capacityBytes: number): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface ImageListFilter {
  ownerId?: string;
  kind?: ImageRecord['kind'];
  status?: ImageRecord['status'];
  /** Case-insensitive substring of the name. */
  q?: string;
  limit: number;
  cursor?: string;
}

export interface ImageRepository {
  /** Throws UniqueViolation('images.name') when the name is taken. */
  insert(image: ImageRecord): Promise<void>;
  findById(id: string): Promise<ImageRecord | null>;
  /** A ready image of this kind with this SHA-256 (the oldest), or null. */
  findReadyBySha256(sha256: string, kind: ImageRecord['kind']): Promise<ImageRecord | null>;
  list(filter: ImageListFilter): Promise<Page<ImageRecord>>;
  update(id: string, patch: Partial<Omit<ImageRecord, 'id' | 'createdAt'>>): Promise<ImageRecord | null>;
  delete(id: string): Promise<void>;
}

export interface TaskListFilter {
  ownerId?: string;
  resourceId?: string;
  statuses?: TaskStatus[];
  kinds?: string[];
  limit: number;
  cursor?: string;
}

/** Persistence of tasks and their step journal. */
export interface TaskStore {
  insert(task: TaskRecord): Promise<void>;
  findById(id: string): Promise<TaskRecord | null>;
  list(filter: TaskListFilter): Promise<Page<TaskRecord>>;
  update(
    id: string,
    patch: Partial<Omit<TaskRecord, 'id' | 'kind' | 'createdAt'>>,
  ): Promise<TaskRecord | null>;
  /** Tasks left queued or running (by any process): recovery candidates at start-up. */
  listUnfinished(): Promise<TaskRecord[]>;
  /** Appends a journal entry BEFORE the step acts. */
  insertStep(step: TaskStepRecord): Promise<void>;
  updateStep(
    taskId: string,
    seq: number,
    patch: Partial<Pick<TaskStepRecord, 'status' | 'undoData' | 'updatedAt'>>,
  ): Promise<void>;
  listSteps(taskId: string): Promise<TaskStepRecord[]>;
  /** How many tasks there are of each kind and status (one GROUP BY, for metrics). */
  countByKindAndStatus(): Promise<{ kind: string; status: TaskStatus; count: number }[]>;
}

/**
 * One operation at a time per resource: a lease row with an expiry that the holder renews. A crash leaves an
 * expired lease behind, never a stuck lock.
 */
export interface LeaseStore {
  /** Takes the lease when it is free or expired. Returns false when another live holder has it. */
  acquire(resourceKey: string, holder: string, expiresAt: string, now: string): Promise<boolean>;
  renew(resourceKey: string, holder: string, expiresAt: string): Promise<boolean>;
  release(resourceKey: string, holder: string): Promise<void>;
  holderOf(resourceKey: string, now: string): Promise<string | null>;
}

/** The persisted, ordered event log that WebSocket clients replay with `since`. */
export interface EventLog {
  /** Appends and returns the stored record with its new id. */
  append(event: Omit<EventRecord, 'id'>): Promise<EventRecord>;
  /** Events with id > `afterId`, oldest first, at most `limit`. */
  listAfter(afterId: number, limit: number): Promise<EventRecord[]>;
  /** Smallest and largest retained ids (null when empty). */
  bounds(): Promise<{ minId: number | null; maxId: number | null }>;
  /** Drops the oldest events beyond `keep`; returns how many were dropped. */
  trim(keep: number): Promise<number>;
}

export interface IdempotencyRecord {
  key: string;
  userId: string;
  requestHash: string;
  /** The stored first response: status and body. */
  status: number;
  body: unknown;
  createdAt: string;
}

export interface IdempotencyStore {
  /** Stores the record unless (key, userId) exists; returns the existing one when it does. */
  putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord | null>;
  find(key: string, userId: string): Promise<IdempotencyRecord | null>;
  /** Records the final response of a key that was stored while in progress (status 0). */
  complete(key: string, userId: string, response: { status: number; body: unknown }): Promise<void>;
  /** Forgets a key whose request failed before producing a response worth replaying. */
  remove(key: string, userId: string): Promise<void>;
  deleteOlderThan(before: string): Promise<number>;
}

export interface AuditListFilter {
  /** Only entries by this actor. */
  actorId?: string;
  /** Only entries about this resource id. */
  resourceId?: string;
  /** Only entries at or after this time. */
  since?: string;
  /** Only entries this user may see: where they are the actor or the owner (non-admins). */
  visibleTo?: string;
  limit: number;
  cursor?: string;
}

/** The append-only audit log: rows are added, never changed or removed (the database refuses it). */
export interface AuditLog {
  append(record: AuditRecord): Promise<void>;
  /** One page, newest first (keyset on time, id). */
  list(filter: AuditListFilter): Promise<Page<AuditRecord>>;
}

/** Runs work in one database transaction; the repositories it hands out write inside it. */
export interface UnitOfWork {
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

export interface Repositories {
  users: UserRepository;
  tokens: TokenRepository;
  vms: VmRepository;
  volumes: VolumeRepository;
  images: ImageRepository;
  tasks: TaskStore;
  leases: LeaseStore;
  events: EventLog;
  idempotency: IdempotencyStore;
  audit: AuditLog;
  quotas: QuotaRepository;
}

/** Connections of the database pool (SQLite: its single connection). */
export interface PoolStats {
  total: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
}

export interface Database extends Repositories, UnitOfWork {
  readonly dialect: 'sqlite' | 'postgres';
  /** A cheap liveness check for /health. */
  ping(): Promise<boolean>;
  /** The pool's state right now, for metrics. */
  poolStats(): PoolStats;
  close(): Promise<void>;
}
