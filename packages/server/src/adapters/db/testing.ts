/**
 * Test support for the "db" tier: one suite, run over SQLite and PostgreSQL (Kysely's `for (const dialect of
 * DIALECTS)`). PostgreSQL gets a fresh database per `openTestDatabase` call (`gureum_test_<random>`), created
 * through `GUREUM_TEST_DATABASE_URL` (default: the local development server) and dropped by `close()`.
 * Not imported by application code.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ImageRecord, TaskRecord, User, VmRecord, VolumeRecord } from '../../domain/model.js';
import { createDatabase, type KyselyDatabase } from './database.js';
import type { DialectName } from './dialect-name.js';

export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres'];

export const DEFAULT_TEST_DATABASE_URL = 'postgresql://gureum:gureum@127.0.0.1:5432/gureum';

export interface TestDatabase {
  readonly db: KyselyDatabase;
  /** The url `db` was opened with (open it again to test reopening). */
  readonly url: string;
  /** Deletes every row (ids of events keep counting: sequences are not reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const TABLES_CHILD_FIRST = [
  'task_steps',
  'tasks',
  'api_tokens',
  'quotas',
  'volumes',
  'images',
  'vms',
  'users',
  'leases',
  'events',
  'idempotency_keys',
] as const;

export interface ScratchDatabase {
  /** A url `createDatabase` accepts: `sqlite:<file in a temp dir>` or a new, empty PostgreSQL database. */
  readonly url: string;
  /** Removes the database (close every connection to it first). */
  drop(): Promise<void>;
}

/** A new, empty database that nothing else uses. */
export async function createScratchDatabase(dialect: DialectName): Promise<ScratchDatabase> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'gureum-db-'));
    return { url: `sqlite:${join(dir, 'gureum.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const base = new URL(process.env['GUREUM_TEST_DATABASE_URL'] ?? DEFAULT_TEST_DATABASE_URL);
  const name = `gureum_test_${randomBytes(6).toString('hex')}`;
  await admin(base, `create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(base, `drop database if exists ${name} with (force)`) };
}

/** A migrated database: SQLite in memory, or a fresh PostgreSQL database. */
export async function openTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite')
    return wrap(await createDatabase({ url: ':memory:' }), ':memory:', () => Promise.resolve());
  const scratch = await createScratchDatabase(dialect);
  try {
    return wrap(await createDatabase({ url: scratch.url, poolSize: 12 }), scratch.url, () => scratch.drop());
  } catch (err: unknown) {
    await scratch.drop();
    throw err;
  }
}

/**
 * The usual suite set-up, called inside a `describe`: opens a test database for the suite, empties it before each
 * test and closes it after the suite. The returned object reads through to the open database.
 */
export function useTestDatabase(dialect: DialectName): TestDatabase {
  let t: TestDatabase | undefined;
  const open = (): TestDatabase => {
    if (!t) throw new Error('the test database is opened in beforeAll');
    return t;
  };
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await open().reset();
  });
  return {
    get db() {
      return open().db;
    },
    get url() {
      return open().url;
    },
    reset: () => open().reset(),
    close: () => open().close(),
  };
}

async function admin(base: URL, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: base.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function wrap(db: KyselyDatabase, url: string, drop: () => Promise<void>): TestDatabase {
  return {
    db,
    url,
    async reset() {
      for (const table of TABLES_CHILD_FIRST) await db.kysely.deleteFrom(table).execute();
    },
    async close() {
      await db.close();
      await drop();
    },
  };
}

// ---- fixtures: valid records with unique ids/names; override what a test cares about ----

const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');

/** A canonical timestamp `seconds` after a fixed instant. */
export function at(seconds: number): string {
  return new Date(BASE_TIME + seconds * 1000).toISOString();
}

const shortId = (): string => randomUUID().slice(0, 8);

export function aUser(overrides: Partial<User> = {}): User {
  return {
    id: randomUUID(),
    username: `user-${shortId()}`,
    role: 'member',
    passwordHash: 'scrypt$x',
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

export function aVm(ownerId: string, overrides: Partial<VmRecord> = {}): VmRecord {
  return {
    id: randomUUID(),
    name: `vm-${shortId()}`,
    ownerId,
    description: '',
    tags: [],
    vcpus: 1,
    memoryBytes: 512 * 1024 ** 2,
    firmware: 'bios',
    bootOrder: 'hd',
    phase: 'ready',
    imageId: null,
    mediaImageId: null,
    installationStatus: 'not_installed',
    installationStartedAt: null,
    installationFinishedAt: null,
    keepMediaAfterInstall: false,
    installationBaselineBytes: null,
    plannedDiskBytes: null,
    lastState: 'stopped',
    version: 1,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

export function aVolume(ownerId: string, overrides: Partial<VolumeRecord> = {}): VolumeRecord {
  const id = randomUUID();
  return {
    id,
    kind: 'system',
    pool: 'gureum-disks',
    fileName: `${id}.qcow2`,
    format: 'qcow2',
    capacityBytes: 10 * 1024 ** 3,
    vmId: null,
    backingVolumeId: null,
    ownerId,
    createdAt: at(0),
    ...overrides,
  };
}

export function anImage(ownerId: string, overrides: Partial<ImageRecord> = {}): ImageRecord {
  return {
    id: randomUUID(),
    name: `img-${shortId()}`,
    kind: 'disk',
    format: 'qcow2',
    status: 'ready',
    sizeBytes: 123_456_789,
    virtualSizeBytes: 8 * 1024 ** 3,
    sha256: 'ab'.repeat(32),
    volumeId: null,
    ownerId,
    sourceUrl: null,
    failureReason: null,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

export function aTask(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: randomUUID(),
    kind: 'vm.start',
    status: 'queued',
    progress: 0,
    message: null,
    resourceKind: 'vm',
    resourceId: randomUUID(),
    actorId: randomUUID(),
    ownerId: randomUUID(),
    input: { start: true },
    result: null,
    error: null,
    requestId: null,
    cancelRequested: false,
    createdAt: at(0),
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    ...overrides,
  };
}
