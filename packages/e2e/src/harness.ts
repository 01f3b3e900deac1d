/**
 * Starts real Gureum server processes for end-to-end tests, the way the README runs it (`node
 * packages/server/dist/main.js`, configured by GUREUM_* variables), each isolated in its own data directory,
 * storage directory, storage pools (`GUREUM_POOL_PREFIX=e2e-<random>`) and, for PostgreSQL, its own throwaway
 * database. `dispose()` removes all of it, including every libvirt domain named `<poolPrefix>-…`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGureumClient, type GureumClient, type TaskOutcome } from '@gureum/client';
import type { Image } from '@gureum/contract';
import { ensureTestGuests, removeDomain, repoRoot, virsh } from '@gureum/test-support';
import pg from 'pg';
import { WebSocket } from 'ws';
import { domainNames, sleep } from './observe.js';

export type Dialect = 'sqlite' | 'postgres';

export interface StartOptions {
  /** Embedded SQLite in the data dir (default) or a throwaway PostgreSQL database. */
  dialect?: Dialect;
  /** GUREUM_FAULTS for this process only (e.g. `crash-after-step:vm.create:define-domain`). */
  faults?: string;
  /** Extra environment (GUREUM_MAX_IMAGE_BYTES, GUREUM_STOP_TIMEOUT_MS, …); kept across restarts. */
  env?: Record<string, string>;
}

export interface RestartOptions {
  /** Faults of the new process; none by default (a resumed task would hit the old fault again). */
  faults?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The PostgreSQL server the throwaway databases are created on (the role needs CREATEDB). */
export const POSTGRES_ADMIN_URL =
  process.env.GUREUM_E2E_DATABASE_URL ?? 'postgresql://gureum:gureum@127.0.0.1:5432/gureum';

export const SERVER_MAIN = join(repoRoot, 'packages/server/dist/main.js');
const ADMIN_PASSWORD_BYTES = 18;
const READY_TIMEOUT_MS = 60_000;
const LOG_LIMIT_CHARS = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Build check: the test command runs `npx tsc -b` first; this only catches a forgotten build.

/** Packages whose build the server's dist depends on. */
const SERVER_PACKAGES = ['server', 'contract', 'libvirt', 'libvirt-xml'];

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when the server's dist is missing or older than a source of the packages it is built from. */
export function isServerBuildStale(): boolean {
  if (!existsSync(SERVER_MAIN)) return true;
  return SERVER_PACKAGES.some((pkg) => {
    const info = join(repoRoot, 'packages', pkg, 'dist/.tsbuildinfo');
    if (!existsSync(info)) return true;
    return newestSourceMtime(join(repoRoot, 'packages', pkg, 'src')) > statSync(info).mtimeMs;
  });
}

let building: Promise<void> | undefined;

/** Runs `npx tsc -b packages/server/tsconfig.lib.json` once per process when the build is stale. */
export function ensureServerBuilt(): Promise<void> {
  building ??= isServerBuildStale()
    ? new Promise<void>((resolve, reject) => {
        execFile(
          'npx',
          ['tsc', '-b', 'packages/server/tsconfig.lib.json'],
          { cwd: repoRoot, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
          (err, stdout) => {
            if (err) reject(new Error(`building the server failed: ${err.message}\n${stdout.slice(-3000)}`));
            else resolve();
          },
        );
      })
    : Promise.resolve();
  building.catch(() => {
    building = undefined;
  });
  return building;
}

// ---------------------------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function withAdminDb<T>(work: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** The URL of a database named `name` on the admin URL's server, with the same credentials. */
function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Live server processes of this test process: killed if the worker exits without disposing them. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Random lowercase tag: names must be DNS labels. */
export function randomTag(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * One Gureum installation under test: a server process plus its data dir, storage dir, pools and database.
 * The same installation can be restarted (after a crash) with `restart()`; the port, data and token stay.
 */
export class GureumServer {
  readonly url: string;
  readonly client: GureumClient;
  readonly poolPrefix: string;
  readonly pools: { readonly images: string; readonly vms: string };
  readonly storageDir: string;
  readonly dataDir: string;
  readonly adminPassword = randomBytes(ADMIN_PASSWORD_BYTES).toString('base64url');
  private child: ChildProcess | undefined;
  private exit: Promise<ExitStatus> | undefined;
  private exitStatus: ExitStatus | undefined;
  private output = '';
  private tokenValue = '';

  private constructor(
    readonly root: string,
    readonly port: number,
    readonly dialect: Dialect,
    readonly databaseName: string | null,
    private readonly extraEnv: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.poolPrefix = `e2e-${randomTag()}`;
    this.pools = { images: `${this.poolPrefix}-images`, vms: `${this.poolPrefix}-vms` };
    this.storageDir = join(root, 'storage');
    this.dataDir = join(root, 'data');
    this.client = createGureumClient({ baseUrl: this.url, WebSocket });
  }

  /** Starts a new installation and logs in as admin (see {@link startGureum}). */
  static async start(options: StartOptions = {}): Promise<GureumServer> {
    await ensureServerBuilt();
    const dialect = options.dialect ?? 'sqlite';
    const root = await mkdtemp(join(tmpdir(), 'e2e-gureum-'));
    let databaseName: string | null = null;
    if (dialect === 'postgres') {
      databaseName = `e2e_${randomTag(6)}`;
      const name = databaseName;
      await withAdminDb((db) => db.query(`CREATE DATABASE "${name}"`));
    }
    const server = new GureumServer(root, await freePort(), dialect, databaseName, options.env ?? {});
    try {
      await server.spawn(options.faults);
      const { token } = await server.client.login({ username: 'admin', password: server.adminPassword });
      server.tokenValue = token;
      server.client.setToken(token);
    } catch (err: unknown) {
      await server.dispose().catch(() => undefined);
      throw err;
    }
    return server;
  }

  /** The admin's bearer token (sessions live in the database: it survives restarts). */
  get token(): string {
    return this.tokenValue;
  }

  get databaseUrl(): string | null {
    return this.databaseName === null ? null : databaseUrl(this.databaseName);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True while the current process has not exited. */
  get isRunning(): boolean {
    return this.child !== undefined && this.exitStatus === undefined;
  }

  /** Everything the server processes of this installation wrote (stdout + stderr, pino JSON lines). */
  logs(): string {
    return this.output;
  }

  /** A name for a VM or image of this installation: `<poolPrefix>-<suffix>` (disposed with it). */
  name(suffix: string): string {
    return `${this.poolPrefix}-${suffix}`;
  }

  /** The serial console log the server has libvirt write for a VM. */
  serialLog(vmId: string): string {
    return join(this.storageDir, 'serial', `${vmId}.log`);
  }

  /** Resolves when the current process exits. */
  exited(): Promise<ExitStatus> {
    if (!this.exit) return Promise.reject(new Error('the server was never started'));
    return this.exit;
  }

  /** Waits for the current process to exit; rejects after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the server (pid ${this.pid ?? '?'}) did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` to the current process and waits for it to exit (at most 15 s). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    if (this.child && this.isRunning) this.child.kill(signal);
    return this.waitForExit(15_000);
  }

  /**
   * Starts the same installation again (same port, data dir, database and pools), without faults unless given,
   * and waits until it answers. A process still running is SIGKILLed first.
   */
  async restart(options: RestartOptions = {}): Promise<void> {
    if (this.isRunning) await this.kill('SIGKILL');
    await this.spawn(options.faults);
  }

  private async spawn(faults: string | undefined): Promise<void> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('GUREUM_')) env[key] = value;
    }
    Object.assign(env, {
      GUREUM_LISTEN: `127.0.0.1:${this.port}`,
      GUREUM_DATA_DIR: this.dataDir,
      GUREUM_STORAGE_DIR: this.storageDir,
      GUREUM_POOL_PREFIX: this.poolPrefix,
      GUREUM_ADMIN_PASSWORD: this.adminPassword,
      GUREUM_LOG_LEVEL: 'info',
      ...(this.databaseUrl === null ? {} : { GUREUM_DATABASE_URL: this.databaseUrl }),
      ...(faults ? { GUREUM_FAULTS: faults } : {}),
      ...this.extraEnv,
    });
    this.output += `\n---- start${faults ? ` (GUREUM_FAULTS=${faults})` : ''} ----\n`;
    const child = spawn(process.execPath, [SERVER_MAIN], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exitStatus = undefined;
    live.add(child);
    const append = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      if (this.output.length > LOG_LIMIT_CHARS) this.output = this.output.slice(-LOG_LIMIT_CHARS / 2);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    this.exit = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        const status = { code, signal };
        if (this.child === child) this.exitStatus = status;
        resolve(status);
      });
    });
    await this.waitUntilReady(child);
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.child !== child || this.exitStatus !== undefined) {
        const s = this.exitStatus;
        throw new Error(
          `the server exited (code ${String(s?.code)}, signal ${String(s?.signal)}) before it answered; ` +
            `log tail:\n${this.output.slice(-4000)}`,
        );
      }
      try {
        const res = await fetch(`${this.url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the server did not answer /health within ${READY_TIMEOUT_MS} ms; log tail:\n${this.output.slice(-4000)}`,
        );
      }
      await sleep(100);
    }
  }

  /**
   * Kills the process, then removes everything of this installation: domains named `<poolPrefix>-…`, both pools,
   * the database and the temporary directory. Best effort throughout; throws the collected errors at the end.
   */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (err: unknown) {
        errors.push(err);
      }
    };
    if (this.isRunning) await attempt(() => this.kill('SIGKILL'));
    await attempt(async () => {
      for (const name of await domainNames(`${this.poolPrefix}-`)) await removeDomain(name);
      const left = await domainNames(`${this.poolPrefix}-`);
      if (left.length > 0) throw new Error(`domains left behind: ${left.join(', ')}`);
    });
    for (const pool of [this.pools.images, this.pools.vms]) {
      await attempt(async () => {
        await virsh(['pool-destroy', pool]);
        await virsh(['pool-undefine', pool]);
      });
    }
    if (this.databaseName !== null) {
      const name = this.databaseName;
      await attempt(() => withAdminDb((db) => db.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
    }
    await attempt(() => rm(this.root, { recursive: true, force: true }));
    if (errors.length > 0) throw new AggregateError(errors, `cleaning up ${this.poolPrefix} failed`);
  }
}

/**
 * Starts a Gureum server process on a free port with its own data dir, storage dir, pools and (for
 * `postgres`) database, waits for `/api/v1/health`, and logs in as admin.
 *
 * @example
 * ```ts
 * const gureum = await startGureum({ dialect: 'postgres' });
 * try { await gureum.client.listVms(); } finally { await gureum.dispose(); }
 * ```
 */
export function startGureum(options: StartOptions = {}): Promise<GureumServer> {
  return GureumServer.start(options);
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Uploads the test guests' bootable disk.qcow2 as a disk image through the client's streaming upload and returns
 * the image (status `ready`).
 */
export async function uploadTestImage(client: GureumClient, name = `e2e-img-${randomTag()}`): Promise<Image> {
  const guests = await ensureTestGuests();
  const image = await client.createImage({ name, kind: 'disk' });
  const size = statSync(guests.disk).size;
  return client.uploadImageContent({ id: image.id }, createReadStream(guests.disk), { size });
}

/** The final resource of a task route called with `wait: true`; throws when the wait ran out (202). */
export function done<T>(outcome: TaskOutcome<T>): T {
  if (outcome.status === 202) {
    throw new Error(`task ${outcome.task.id} (${outcome.task.kind}) still ${outcome.task.status}`);
  }
  return outcome.value;
}
