import { sql, type Kysely } from 'kysely';
import type {
  AuditLog,
  Database,
  EventLog,
  IdempotencyStore,
  ImageRepository,
  LeaseStore,
  PoolStats,
  QuotaRepository,
  TaskStore,
  TokenRepository,
  VmRepository,
  VolumeRepository,
} from '../../ports/repositories.js';
import { rootContext, TransactionTracker, transactionContext, type TransactionScope } from './context.js';
import type { DialectName } from './dialect-name.js';
import { openDatabase, type DbLogger, type OpenedDatabase, type OpenOptions } from './dialects.js';
import { migrateToLatest } from './migrate.js';
import { createRepositories, type DbRepositories } from './repositories.js';
import type { DB } from './schema.js';
import type { KyselyUserRepository } from './user.repository.js';

export interface CreateDatabaseOptions extends OpenOptions {
  logger?: DbLogger | undefined;
}

/**
 * Opens the database (embedded SQLite by default, PostgreSQL for a `postgres://` url) and brings its schema up to
 * date before returning.
 *
 * @example
 * const db = await createDatabase({ dataDir: '/var/lib/gureum', logger });
 * const vm = await db.vms.findByName('web-1');
 */
export async function createDatabase(options: CreateDatabaseOptions): Promise<KyselyDatabase> {
  const opened = openDatabase(options);
  try {
    await migrateToLatest(opened.db, opened.dialect, options.logger);
  } catch (err: unknown) {
    await opened.db.destroy();
    throw err;
  }
  options.logger?.info({ dialect: opened.dialect, location: opened.location }, 'database ready');
  return new KyselyDatabase(opened, options.logger);
}

/**
 * The `Database` port over Kysely.
 *
 * Transactions: `transaction(work)` runs `work` in one transaction and hands it repositories bound to it; a throw
 * rolls everything back. The root repositories (`db.vms`, …) also join the transaction when called from inside
 * `work`, and a `transaction()` inside `work` becomes a savepoint (nested ones run one at a time), so nothing
 * dead-locks on SQLite's single connection.
 * - SQLite: `BEGIN IMMEDIATE`; concurrent transactions wait for one another (they never fail with SQLITE_BUSY).
 * - PostgreSQL: READ COMMITTED. Read-check-write sequences (quotas) must lock what they check:
 *   `repos.users.lockForUpdate(userId)` takes `SELECT … FOR UPDATE` on the user row (a no-op on SQLite, where
 *   transactions are already serial). A unique violation aborts a PostgreSQL transaction: catch it outside.
 */
export class KyselyDatabase implements Database {
  readonly dialect: DialectName;
  /** The underlying Kysely instance, for tools and tests; application code goes through the repositories. */
  readonly kysely: Kysely<DB>;
  readonly users: KyselyUserRepository;
  readonly tokens: TokenRepository;
  readonly vms: VmRepository;
  readonly volumes: VolumeRepository;
  readonly images: ImageRepository;
  readonly tasks: TaskStore;
  readonly leases: LeaseStore;
  readonly events: EventLog;
  readonly idempotency: IdempotencyStore;
  readonly audit: AuditLog;
  readonly quotas: QuotaRepository;
  readonly #poolStats: () => PoolStats;
  readonly #tracker = new TransactionTracker();
  readonly #logger: DbLogger | undefined;
  #closed: Promise<void> | undefined;

  constructor(opened: OpenedDatabase, logger?: DbLogger) {
    this.dialect = opened.dialect;
    this.kysely = opened.db;
    this.#logger = logger;
    const repos = createRepositories(rootContext(opened.dialect, opened.db, this.#tracker));
    this.users = repos.users;
    this.tokens = repos.tokens;
    this.vms = repos.vms;
    this.volumes = repos.volumes;
    this.images = repos.images;
    this.tasks = repos.tasks;
    this.leases = repos.leases;
    this.events = repos.events;
    this.idempotency = repos.idempotency;
    this.audit = repos.audit;
    this.quotas = repos.quotas;
    this.#poolStats = opened.poolStats;
  }

  async transaction<T>(work: (repos: DbRepositories) => Promise<T>): Promise<T> {
    const scope = this.#tracker.current();
    if (scope !== undefined) return scope.serialize(() => this.#savepoint(scope, work));
    return this.kysely
      .transaction()
      .execute((trx) =>
        this.#tracker.run(trx, () => work(createRepositories(transactionContext(this.dialect, trx)))),
      );
  }

  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.kysely);
      return true;
    } catch (err: unknown) {
      this.#logger?.error({ err }, 'database ping failed');
      return false;
    }
  }

  poolStats(): PoolStats {
    return this.#poolStats();
  }

  /** Closes the pool / file. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= this.kysely.destroy();
    return this.#closed;
  }

  async #savepoint<T>(scope: TransactionScope, work: (repos: DbRepositories) => Promise<T>): Promise<T> {
    const name = sql.id(scope.nextSavepoint());
    await sql`savepoint ${name}`.execute(scope.trx);
    let result: T;
    try {
      result = await this.#tracker.run(
        scope.trx,
        () => work(createRepositories(transactionContext(this.dialect, scope.trx))),
        scope,
      );
    } catch (err: unknown) {
      try {
        await sql`rollback to savepoint ${name}`.execute(scope.trx);
        await sql`release savepoint ${name}`.execute(scope.trx);
      } catch (rollbackErr: unknown) {
        // The outer transaction is broken anyway and will fail; the caller needs the original error.
        this.#logger?.error({ err: rollbackErr }, 'database: rollback to savepoint failed');
      }
      throw err;
    }
    await sql`release savepoint ${name}`.execute(scope.trx);
    return result;
  }
}
