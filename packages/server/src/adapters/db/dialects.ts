import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import pg from 'pg';
import type { PoolStats } from '../../ports/repositories.js';
import type { DialectName } from './dialect-name.js';
import type { DB } from './schema.js';

/** Receives operational messages (a pino logger fits). */
export interface DbLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface OpenedDatabase {
  readonly dialect: DialectName;
  readonly db: Kysely<DB>;
  /** Where the data lives, for logs (never contains a password). */
  readonly location: string;
  /** The connection pool right now (metrics). */
  readonly poolStats: () => PoolStats;
}

/**
 * `BEGIN IMMEDIATE` instead of `BEGIN`: the write lock is taken at the start, so two read-then-write transactions
 * (a quota check, then an insert) serialise instead of failing with SQLITE_BUSY at the upgrade. In-process they are
 * already serial — Kysely's SQLite driver lends its single connection to one transaction at a time, and the others
 * wait for it — this also covers a second process on the same file (busy_timeout makes it wait).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  /** The single connection's use, counted around Kysely's mutex, for `poolStats`. */
  readonly usage = { busy: 0, waiting: 0 };

  override async acquireConnection(): Promise<DatabaseConnection> {
    this.usage.waiting += 1;
    try {
      const connection = await super.acquireConnection();
      this.usage.busy += 1;
      return connection;
    } finally {
      this.usage.waiting -= 1;
    }
  }

  override async releaseConnection(): Promise<void> {
    this.usage.busy -= 1;
    await super.releaseConnection();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite's DDL is transactional, though Kysely's adapter says otherwise; saying so makes the Migrator run each
 * migration in a (`BEGIN IMMEDIATE`) transaction: a crash mid-migration leaves nothing half-applied, and a second
 * process opening the same file waits, then finds the migration done.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  /** The driver Kysely created (one per Kysely instance). */
  driver: ImmediateSqliteDriver | undefined;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    this.driver = new ImmediateSqliteDriver(this.#config);
    return this.driver;
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Opens an embedded SQLite database file (or `:memory:`) with the pragmas Gureum relies on. */
export function openSqlite(file: string): OpenedDatabase {
  const sqlite = new SqliteDatabase(file);
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const dialect = new ImmediateSqliteDialect({ database: sqlite });
  return {
    dialect: 'sqlite',
    db: new Kysely<DB>({ dialect }),
    location: file,
    poolStats: () => {
      const usage = dialect.driver?.usage ?? { busy: 0, waiting: 0 };
      return { total: 1, idle: usage.busy > 0 ? 0 : 1, waiting: usage.waiting };
    },
  };
}

/** Opens a PostgreSQL pool. 64-bit integers (`bigint`, `count(*)`) are parsed to JS numbers. */
export function openPostgres(
  url: string,
  options: { poolSize?: number; logger?: DbLogger } = {},
): OpenedDatabase {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types });
  // An idle client losing its server emits 'error' on the pool; unhandled it would crash the process.
  pool.on('error', (err) => options.logger?.error({ err }, 'database: idle PostgreSQL connection failed'));
  return {
    dialect: 'postgres',
    db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }),
    location: redactUrl(url),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

export interface OpenOptions {
  /** `postgres://…` / `postgresql://…`, `:memory:`, `sqlite:<file>`; unset: `<dataDir>/gureum.db`. */
  url?: string | undefined;
  dataDir?: string | undefined;
  poolSize?: number;
  logger?: DbLogger | undefined;
}

export function openDatabase(options: OpenOptions): OpenedDatabase {
  const { url, dataDir } = options;
  if (url !== undefined && /^postgres(ql)?:\/\//i.test(url)) {
    return openPostgres(url, {
      ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
      ...(options.logger && { logger: options.logger }),
    });
  }
  if (url === ':memory:' || url === 'sqlite::memory:') return openSqlite(':memory:');
  if (url !== undefined && url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (url !== undefined && url !== '')
    throw new Error(`unsupported database url (expected postgres://… or sqlite:<file>): ${redactUrl(url)}`);
  if (dataDir === undefined) throw new Error('createDatabase needs a url or a dataDir');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return openSqlite(join(dataDir, 'gureum.db'));
}

/** The url without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
