import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type KyselyDatabase } from './database.js';
import { MIGRATION_TABLE } from './migrate.js';
import { migrations } from './migrations/index.js';
import { aUser, at, createScratchDatabase, DIALECTS, type ScratchDatabase } from './testing.js';

async function appliedMigrations(db: KyselyDatabase): Promise<string[]> {
  const { rows } = await sql<{
    name: string;
  }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(db.kysely);
  return rows.map((r) => r.name);
}

// Real databases on both dialects (SQLite files in a temp dir, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`opening the database (${dialect})`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    async function scratch(): Promise<ScratchDatabase> {
      const s = await createScratchDatabase(dialect);
      cleanups.push(() => s.drop());
      return s;
    }
    async function open(url: string): Promise<KyselyDatabase> {
      const db = await createDatabase({ url });
      cleanups.push(() => db.close());
      return db;
    }

    it('migrates an empty database, and reopening applies nothing again and keeps the data', async () => {
      const { url } = await scratch();
      const first = await open(url);
      expect(first.dialect).toBe(dialect);
      expect(await appliedMigrations(first)).toEqual(Object.keys(migrations(dialect)));
      const user = aUser();
      await first.users.insert(user);
      const event = await first.events.append({
        type: 'vm.created',
        time: at(0),
        resourceKind: 'vm',
        resourceId: 'x',
        ownerId: null,
        data: null,
      });
      await first.events.trim(0);
      await first.close();

      const second = await open(url);
      expect(await appliedMigrations(second)).toEqual(Object.keys(migrations(dialect)));
      expect(await second.users.findById(user.id)).toEqual(user);
      // Ids are never reused, not even after trimming everything and reopening.
      const next = await second.events.append({
        type: 'vm.created',
        time: at(1),
        resourceKind: 'vm',
        resourceId: 'x',
        ownerId: null,
        data: null,
      });
      expect(next.id).toBeGreaterThan(event.id);
    });

    // Two SQLite connections in one thread cannot wait for each other (better-sqlite3 blocks the thread while busy),
    // so "two processes" is only simulated on PostgreSQL; on SQLite the BEGIN IMMEDIATE migration transaction is
    // what makes a second process wait.
    if (dialect === 'postgres')
      it('survives two processes opening a fresh database at once (migration lock)', async () => {
        const { url } = await scratch();
        const [a, b] = await Promise.all([open(url), open(url)]);
        expect(await appliedMigrations(a)).toEqual(Object.keys(migrations(dialect)));
        expect(await b.users.count()).toBe(0);
      });

    it('pings while open, reports false once closed, and closes twice without error', async () => {
      const { url } = await scratch();
      const db = await createDatabase({ url });
      expect(await db.ping()).toBe(true);
      await db.close();
      await db.close();
      expect(await db.ping()).toBe(false);
    });
  });
}

describe('embedded SQLite in a data directory', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('creates <dataDir>/gureum.db with WAL, foreign keys, a busy timeout and synchronous NORMAL', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gureum-data-'));
    const dataDir = join(dir, 'nested', 'data');
    const db = await createDatabase({ dataDir });
    try {
      const pragma = async (name: string): Promise<unknown> => {
        const { rows } = await sql<
          Record<string, unknown>
        >`select * from ${sql.raw(`pragma_${name}`)}`.execute(db.kysely);
        return Object.values(rows[0] ?? {})[0];
      };
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('synchronous')).toBe(1);
      expect(await pragma('busy_timeout')).toBeGreaterThan(0);
      const { rows } = await sql<{
        file: string;
      }>`select file from pragma_database_list where name = 'main'`.execute(db.kysely);
      expect(rows[0]?.file).toBe(join(dataDir, 'gureum.db'));
    } finally {
      await db.close();
    }
  });

  it('waits for another process holding the write lock instead of failing with SQLITE_BUSY', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gureum-data-'));
    const db = await createDatabase({ dataDir: dir });
    try {
      // Another process (plain better-sqlite3) takes the write lock and keeps it for 300 ms.
      const script = `
        const db = new (require(process.argv[2]))(process.argv[1]);
        db.exec('begin immediate');
        process.stdout.write('locked\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        db.exec('commit');
        db.close();`;
      const child = spawn(
        process.execPath,
        ['-e', script, join(dir, 'gureum.db'), createRequire(import.meta.url).resolve('better-sqlite3')],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((resolve) => {
        child.on('exit', resolve);
      });
      await new Promise<void>((resolve) => {
        child.stdout.once('data', () => {
          resolve();
        });
      });
      const started = performance.now();
      const user = aUser();
      await db.transaction((repos) => repos.users.insert(user));
      expect(performance.now() - started).toBeGreaterThan(100);
      expect(await db.users.findById(user.id)).toEqual(user);
      expect(await exited).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('refuses an unknown url scheme and a call with neither url nor dataDir', async () => {
    await expect(createDatabase({ url: 'mysql://u:secret@h/db' })).rejects.toThrow(
      /unsupported database url/,
    );
    await expect(createDatabase({ url: 'mysql://u:secret@h/db' })).rejects.not.toThrow(/secret/);
    await expect(createDatabase({})).rejects.toThrow(/url or a dataDir/);
  });
});
