#!/usr/bin/env node
// `npm run bench:api`: the compute core measured through the REST API of a real server, against python3-libvirt
// (the C library: the floor) measured in the same run. See bench/README.md.
//
//   1. list   GET /api/v1/vms?limit=500 over N VMs created THROUGH THE API (not started), per full listing and per
//             request, vs listAllDomains() + info() of the same domains; server RSS after the listings. On SQLite
//             and on PostgreSQL (a second server with its own throw-away database and pools).
//   2. create POST /vms?wait=true with start: true (answers once libvirt says running) vs volume create-from-XML +
//             defineXML + create() until running; alternating sides, each VM deleted after measuring.
//   1b. members  (with list) a second server holds 5×N VMs of five members; rounds alternate the admin's listing of
//             the N VMs of the first server and member m1's listing of its N of 5×N on the second: m1's p95 must not
//             exceed the admin's (authorization and audit must not cost the list).
//   3. events `virsh destroy` of a running VM → `vm.stopped` on a WebSocket subscribed to /api/v1/events; a
//             python3-libvirt event callback shows when libvirt itself delivered the event.
//
// Each server is started as a user would: `node <flags of scripts/start.sh> packages/server/dist/main.js` with GUREUM_* in the environment, a
// free port on 127.0.0.1, a temporary data and storage directory and its own pools (GUREUM_POOL_PREFIX). Only the
// local libvirtd (qemu:///system) and the local PostgreSQL are used.
//
// Options (after `npm run bench:api --`):
//   --vms=1000 --create-concurrency=8 --listings=100 --listing-warmup=10 --floor-iterations=30 --rounds=5
//   --create-iterations=8 --create-warmup=1 --event-iterations=15 --event-warmup=2 --event-settle-ms=500
//   --only=list,members,create,events --backends=sqlite,postgres --postgres-all (create and events on PostgreSQL too)
//   --delete=api|virsh (how the listing VMs go: through the API, timed; or server stopped + purge with libvirt)
// Environment: GUREUM_BENCH_PYTHON (default /usr/bin/python3: Debian's python, which has python3-libvirt),
//   GUREUM_BENCH_PG_URL (default postgresql://gureum:gureum@127.0.0.1:5432/postgres: where the database is created).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGureumClient } from '@gureum/client';
import { fmtMs, fmtRatio, limit, pool, sleep, summarize, table } from './lib/common.js';

const URI = 'qemu:///system';
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const PYTHON = process.env.GUREUM_BENCH_PYTHON ?? '/usr/bin/python3';
const PY_HELPER = join(HERE, 'python', 'api_floor.py');
const SERVER_MAIN = join(ROOT, 'packages', 'server', 'dist', 'main.js');
/** The node flags scripts/start.sh runs the server with (its `exec node … packages/server/dist/main.js` line). */
const SERVER_NODE_FLAGS = (() => {
  const script = readFileSync(join(ROOT, 'scripts', 'start.sh'), 'utf8');
  const m = /^exec node (.*?)\s*packages\/server\/dist\/main\.js\s*$/m.exec(script);
  if (!m) throw new Error('scripts/start.sh has no `exec node … packages/server/dist/main.js` line');
  return m[1].split(/\s+/).filter(Boolean);
})();
const GUEST_DISK = join(ROOT, '.cache', 'test-guests', 'disk.qcow2');
const RESULTS_DIR = join(HERE, 'results');
const PG_ADMIN_URL = process.env.GUREUM_BENCH_PG_URL ?? 'postgresql://gureum:gureum@127.0.0.1:5432/postgres';
// `ws` and `pg` are dependencies of the client and the server packages: resolve them from there.
const WebSocket = createRequire(join(ROOT, 'packages', 'client', 'package.json'))('ws');
const pg = createRequire(join(ROOT, 'packages', 'server', 'package.json'))('pg');

const GUEST_MEMORY = 128 * 1024 * 1024;
const ADMIN_PASSWORD = `bench-${randomUUID()}`;
const TARGETS = {
  listVsFloor: 0.25, // API full listing p95 / python listAllDomains+info p50 ≤
  rssMiB: 200e6 / 1048576, // server VmRSS with the VMs, after the listings ≤ 200 MB (the issue's unit) = 190.7 MiB
  memberVsAdmin: 1.0, // member's listing of its N among 5×N, p95 / the admin's listing of N, p95 ≤
  createVsFloor: 1.2, // API create-to-running p50 / python p50 ≤
  eventP95Ms: 20, // virsh exit → vm.stopped on the WebSocket, p95 ≤
};

// ---- options ---------------------------------------------------------------------------------------------------

function parseOptions(argv) {
  const o = {
    vms: 1000,
    createConcurrency: 8,
    listings: 100,
    listingWarmup: 10,
    floorIterations: 30,
    rounds: 5,
    createIterations: 8,
    createWarmup: 1,
    eventIterations: 15,
    eventWarmup: 2,
    eventSettleMs: 500,
    only: ['list', 'members', 'create', 'events'],
    backends: ['sqlite', 'postgres'],
    postgresAll: false,
    delete: 'api',
  };
  const numeric = {
    '--vms': 'vms',
    '--create-concurrency': 'createConcurrency',
    '--listings': 'listings',
    '--listing-warmup': 'listingWarmup',
    '--floor-iterations': 'floorIterations',
    '--rounds': 'rounds',
    '--create-iterations': 'createIterations',
    '--create-warmup': 'createWarmup',
    '--event-iterations': 'eventIterations',
    '--event-warmup': 'eventWarmup',
    '--event-settle-ms': 'eventSettleMs',
  };
  const lists = {
    '--only': ['list', 'members', 'create', 'events'],
    '--backends': ['sqlite', 'postgres'],
  };
  for (const arg of argv) {
    if (arg === '--postgres-all') {
      o.postgresAll = true;
      continue;
    }
    const [key = '', value] = arg.split('=', 2);
    if (key in lists && value !== undefined) {
      const items = value.split(',').filter(Boolean);
      if (items.length === 0 || items.some((i) => !lists[key].includes(i)))
        throw new Error(`${key} takes a list of ${lists[key].join(', ')}`);
      o[key === '--only' ? 'only' : 'backends'] = items;
      continue;
    }
    if (key === '--delete' && (value === 'api' || value === 'virsh')) {
      o.delete = value;
      continue;
    }
    const field = numeric[key];
    const n = Number(value);
    if (field === undefined || value === undefined || !Number.isInteger(n) || n < 0) {
      throw new Error(`unknown or malformed option ${arg} (see the header of bench/api.bench.js)`);
    }
    o[field] = n;
  }
  if (o.vms < 1 || o.listings < 1 || o.floorIterations < 1 || o.rounds < 1 || o.createConcurrency < 1)
    throw new Error('--vms, --listings, --floor-iterations, --rounds, --create-concurrency ≥ 1');
  if (o.createIterations < 1 || o.eventIterations < 1)
    throw new Error('--create-iterations, --event-iterations ≥ 1');
  o.rounds = Math.min(o.rounds, o.listings, o.floorIterations);
  return o;
}

// ---- small helpers ---------------------------------------------------------------------------------------------

const hr = () => process.hrtime.bigint(); // CLOCK_MONOTONIC ns: the clock python's time.monotonic_ns() reads
const msBetween = (from, to) => Number(to - from) / 1e6;

/** Nearest-rank percentile of sorted samples (ms). */
const fmtS = (ms) => `${(ms / 1000).toFixed(1)} s`;
const statRow = (label, s, note = '') => [
  label,
  fmtMs(s.p50),
  fmtMs(s.p95),
  fmtMs(s.mean),
  fmtMs(s.min),
  fmtMs(s.max),
  s.n,
  note,
];
const STAT_HEADERS = ['', 'p50', 'p95', 'mean', 'min', 'max', 'n', 'note'];

/** Runs `worker` over `items` with at most `limit` in flight; the first error stops the others from starting more. */

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process, in MiB (from /proc/<pid>/status). */
function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

const fmtMiB = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} MiB` : '—');

class Interrupted extends Error {}

// ---- run context: what this run owns, and its clean-up ---------------------------------------------------------

const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
/** Every domain of this run (through the API or python) is named with this prefix… */
const prefix = `gureum-bench-${runId}-`;
/** …and every storage pool with this one (GUREUM_POOL_PREFIX = <poolPrefix><backend>). */
const poolPrefix = `bench-${runId}-`;
const dbName = `gureum_bench_${runId}`;

const ctx = {
  /** Calls that may still create something; the clean-up waits for them to settle. */
  pending: new Set(),
  children: new Set(),
  /** @type {Set<ServerProcess>} */
  servers: new Set(),
  sockets: new Set(),
  /** @type {PythonSide | undefined} the listing/create floor, and the purge at the end */
  python: undefined,
  /** @type {PythonSide | undefined} the event recorder */
  pyEvents: undefined,
  /** Databases this run created (recorded before CREATE DATABASE). */
  databases: new Set(),
  /** @type {string | undefined} */
  tmpRoot: undefined,
  stopping: false,
  /** @type {Promise<object> | undefined} */
  cleanup: undefined,
};

function checkStop() {
  if (ctx.stopping) throw new Interrupted('interrupted');
}

function track(promise) {
  ctx.pending.add(promise);
  const drop = () => ctx.pending.delete(promise);
  promise.then(drop, drop);
  return promise;
}

function ownName(name) {
  if (!name.startsWith(prefix)) throw new Error(`refusing ${name}: outside this run's prefix ${prefix}`);
  return name;
}

async function dropDatabase(name) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Stops the servers, removes every domain and pool of this run with python3-libvirt (by prefix: whatever the API
 * did or did not delete), drops the throw-away databases and the temporary directory. Idempotent (one promise).
 */
function cleanup() {
  ctx.cleanup ??= (async () => {
    ctx.stopping = true;
    const t0 = performance.now();
    const report = { servers: [], purge: null, databases: [], failed: [], leftover: [], ms: 0 };
    await Promise.race([Promise.allSettled([...ctx.pending]), limit(20_000)]);
    for (const ws of ctx.sockets) ws.terminate();
    for (const server of [...ctx.servers]) {
      try {
        report.servers.push(await server.stop());
      } catch (err) {
        report.failed.push(`stopping the ${server.backend} server: ${errText(err)}`);
      }
    }
    if (ctx.pyEvents) await ctx.pyEvents.stop(10_000);
    for (const child of ctx.children) child.kill('SIGTERM');
    // A libvirtd restart (another test suite on the host) breaks the helper's connection: retry with a fresh one.
    for (let attempt = 1; attempt <= 4; attempt++) {
      try {
        let py = ctx.python;
        if (!py || py.gone || attempt > 1) {
          if (py && !py.gone) await py.stop(5_000);
          py = ctx.python = await PythonSide.start([]);
        }
        const purge = await py.request({ op: 'purge' });
        report.purge = { domains: purge.domains, volumes: purge.volumes, pools: purge.pools };
        report.leftover.push(...purge.left_domains, ...purge.left_pools.map((p) => `pool ${p}`));
        report.failed.push(...purge.errors);
        break;
      } catch (err) {
        if (attempt === 4) report.failed.push(`purge: ${errText(err)}`);
        else await sleep(2_000 * attempt);
      }
    }
    if (ctx.python) await ctx.python.stop(15_000);
    for (const name of ctx.databases) {
      try {
        await dropDatabase(name);
        report.databases.push(name);
        ctx.databases.delete(name);
      } catch (err) {
        report.failed.push(`drop database ${name}: ${errText(err)}`);
        report.leftover.push(`database ${name}`);
      }
    }
    if (ctx.tmpRoot) {
      try {
        rmSync(ctx.tmpRoot, { recursive: true, force: true });
      } catch (err) {
        report.failed.push(`rm ${ctx.tmpRoot}: ${errText(err)}`);
        report.leftover.push(ctx.tmpRoot);
      }
    }
    report.ms = performance.now() - t0;
    if (report.leftover.length > 0 || report.failed.length > 0) {
      console.error(`clean-up incomplete: ${JSON.stringify(report)}`);
      console.error(
        `remove by hand: virsh list --all --name | grep '^${prefix}' | xargs -rn1 virsh undefine --nvram; ` +
          `virsh pool-list --all --name | grep '^${poolPrefix}' (pool-destroy, pool-undefine); ` +
          `DROP DATABASE ${dbName}_*`,
      );
    }
    return report;
  })();
  return ctx.cleanup;
}

function errText(err) {
  return err instanceof Error ? err.message : String(err);
}

let signals = 0;
function onSignal(signal) {
  signals++;
  if (signals === 1) {
    console.error(`\n${signal}: stopping, cleaning up this run (${prefix}*, pools ${poolPrefix}*)…`);
    ctx.stopping = true;
    void cleanup()
      .then((c) => {
        console.error(
          `clean-up: servers stopped ${c.servers.length}, purge ${
            c.purge
              ? `${c.purge.domains} domain(s), ` + `${c.purge.volumes} volume(s), ${c.purge.pools} pool(s)`
              : 'not run'
          }, databases dropped ` +
            `${c.databases.length}, ${c.leftover.length} left, ${c.failed.length} failed`,
        );
      })
      .finally(() => {
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
  } else if (signals === 2) {
    console.error(`${signal}: clean-up in progress; send it once more to quit at once (things may be left)`);
  } else {
    process.exit(1);
  }
}

// ---- the python3-libvirt side: long-lived processes, JSON lines over stdin/stdout --------------------------------

class PythonSide {
  constructor(child) {
    this.child = child;
    this.waiting = [];
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        ctx.children.delete(child);
        const err = new Error(`python helper exited (code ${String(code)}, signal ${String(signal)})`);
        for (const w of this.waiting.splice(0)) w.reject(err);
        this.gone = err;
        resolve();
      });
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      try {
        const msg = JSON.parse(line);
        if (msg.ok) w.resolve(msg);
        else w.reject(new Error(`python helper: ${String(msg.error)}`));
      } catch {
        w.reject(new Error(`python helper said: ${line}`));
      }
    });
  }

  static async start(extraArgs) {
    const child = spawn(
      PYTHON,
      [PY_HELPER, '--uri', URI, '--prefix', prefix, '--pool-prefix', poolPrefix, ...extraArgs],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    // Not in ctx.children: the clean-up stops the helpers with `quit` (they clean up after themselves), and the
    // purge needs the main one alive.
    const side = new PythonSide(child);
    const ready = new Promise((resolve, reject) => side.waiting.push({ resolve, reject }));
    child.once('error', (err) => {
      for (const w of side.waiting.splice(0)) w.reject(err);
    });
    await ready;
    return side;
  }

  request(cmd) {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  }

  async stop(timeoutMs) {
    if (this.gone) return;
    this.child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
    const timedOut = await Promise.race([this.exited.then(() => false), limit(timeoutMs).then(() => true)]);
    if (timedOut) {
      this.child.kill('SIGTERM');
      if (await Promise.race([this.exited.then(() => false), limit(5000).then(() => true)])) {
        this.child.kill('SIGKILL');
      }
    }
  }
}

// ---- a Gureum server, started as a user would -------------------------------------------------------------------

class ServerProcess {
  /** `variant` tells a second server of the same backend apart (its own data dir, pools and database). */
  constructor(backend, variant = '') {
    this.backend = backend;
    this.tag = `${backend === 'sqlite' ? 'sq' : 'pg'}${variant}`;
    this.poolPrefix = `${poolPrefix}${this.tag}`;
    this.imagesPool = `${this.poolPrefix}-images`;
    this.vmsPool = `${this.poolPrefix}-vms`;
    this.dir = join(ctx.tmpRoot, `${backend}${variant}`);
    this.dataDir = join(this.dir, 'data');
    this.storageDir = join(this.dir, 'storage');
    this.logFile = join(this.dir, 'server.log');
    this.databaseUrl = undefined;
  }

  async start() {
    mkdirSync(this.dataDir, { recursive: true });
    mkdirSync(this.storageDir, { recursive: true });
    if (this.backend === 'postgres') {
      const name = `${dbName}_${this.tag}`;
      ctx.databases.add(name); // recorded first: the clean-up drops it even if CREATE half-failed
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${name}`;
      this.databaseUrl = url.toString();
    }
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const env = {
      ...process.env,
      GUREUM_LISTEN: `127.0.0.1:${this.port}`,
      GUREUM_DATA_DIR: this.dataDir,
      GUREUM_STORAGE_DIR: this.storageDir,
      GUREUM_POOL_PREFIX: this.poolPrefix,
      GUREUM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      GUREUM_LOG_LEVEL: 'warn',
      GUREUM_LIBVIRT_URI: URI,
      // As scripts/start.sh runs the server (glibc returns big freed blocks to the system).
      MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
    };
    delete env.GUREUM_DATABASE_URL;
    delete env.GUREUM_CONFIG_FILE;
    delete env.GUREUM_FAULTS;
    if (this.databaseUrl) env.GUREUM_DATABASE_URL = this.databaseUrl;
    const log = openSync(this.logFile, 'a');
    const t0 = performance.now();
    this.proc = spawn(process.execPath, [...SERVER_NODE_FLAGS, SERVER_MAIN], {
      env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    ctx.servers.add(this);
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.exitedEarly = false;
    void this.exited.then(() => (this.exitedEarly = true));
    // Ready when /health says the database and libvirt are up (the pools and the live state are prepared by then).
    for (;;) {
      if (this.exitedEarly)
        throw new Error(`the ${this.backend} server exited at start-up:\n${this.logTail()}`);
      if (performance.now() - t0 > 60_000)
        throw new Error(`the ${this.backend} server did not become healthy in 60 s:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.url}/api/v1/health`);
        const body = await res.json();
        if (body.status === 'ok' && body.libvirt === 'up' && body.database === 'up') break;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    this.startMs = performance.now() - t0;
    this.rssAtStart = rssOf(this.proc.pid);
    const anon = createGureumClient({ baseUrl: this.url });
    const { token } = await anon.login({ username: 'admin', password: ADMIN_PASSWORD });
    this.token = token;
    this.client = createGureumClient({ baseUrl: this.url, token });
    return this;
  }

  rss() {
    return rssOf(this.proc.pid);
  }

  logTail(lines = 20) {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Lines at level warn (40) or above that the server logged, parsed. */
  problems() {
    let text = '';
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          return { level: 50, msg: line };
        }
      })
      .filter((e) => typeof e.level === 'number' && e.level >= 40);
  }

  /** SIGTERM (the documented graceful stop), SIGKILL after 15 s. */
  async stop() {
    if (!ctx.servers.has(this)) return { backend: this.backend, alreadyStopped: true };
    const t0 = performance.now();
    if (!this.exitedEarly) this.proc.kill('SIGTERM');
    let result = await Promise.race([this.exited, limit(15_000).then(() => null)]);
    if (result === null) {
      this.proc.kill('SIGKILL');
      result = await this.exited;
      result.killed = true;
    }
    ctx.servers.delete(this);
    return { backend: this.backend, ...result, ms: performance.now() - t0 };
  }
}

/** Uploads the test guest disk as an image through the API; returns the image (ready). */
async function uploadGuestImage(server) {
  const { client } = server;
  const image = await client.createImage({ name: `bench-${runId}`, kind: 'disk' });
  const size = statSync(GUEST_DISK).size;
  const ready = await client.uploadImageContent({ id: image.id }, createReadStream(GUEST_DISK), { size });
  if (ready.status !== 'ready' || ready.format !== 'qcow2')
    throw new Error(`image upload ended ${ready.status}/${String(ready.format)}`);
  return ready;
}

/** POST /vms?wait=true; a wait that ran out (202) is finished with waitForTask. Returns the VM as the API shows it. */
async function createVmWait(server, body) {
  const { client } = server;
  ownName(body.name);
  const out = await track(client.createVm(body, { wait: true, timeoutMs: 120_000 }));
  if (out.status === 201) return { vm: out.value, waitRanOut: false };
  const task = await client.waitForTask(out.task.id, { throwOnFailure: true, timeoutMs: 300_000 });
  return { vm: await client.getVm({ idOrName: task.resource.id }), waitRanOut: true };
}

async function deleteVmWait(server, id) {
  const out = await track(server.client.deleteVm({ idOrName: id }, { wait: true, timeoutMs: 120_000 }));
  if (out.status === 202)
    await server.client.waitForTask(out.task.id, { throwOnFailure: true, timeoutMs: 300_000 });
}

// ---- the events WebSocket (raw `ws`, the protocol of packages/client/README.md) --------------------------------

/**
 * Opens /api/v1/events, authenticates with the first message and resolves at `ready`. Every message is stamped
 * with hr() FIRST THING in the handler, before it is parsed.
 */
function openEvents(server, topics) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/events?topics=${topics}`);
    ctx.sockets.add(ws);
    const sub = {
      ws,
      listeners: new Set(),
      close() {
        ctx.sockets.delete(ws);
        ws.close(1000);
      },
    };
    let ready = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: server.token })));
    ws.on('message', (data) => {
      const at = hr();
      const msg = JSON.parse(data.toString('utf8'));
      if (!ready) {
        if (msg.type === 'ready') {
          ready = true;
          resolve(sub);
        } else reject(new Error(`events socket: ${JSON.stringify(msg)}`));
        return;
      }
      for (const listener of sub.listeners) listener(msg, at);
    });
    ws.on('error', (err) => {
      if (!ready) reject(err);
    });
    ws.on('close', (code) => {
      ctx.sockets.delete(ws);
      if (!ready) reject(new Error(`events socket closed with ${code} before ready`));
    });
  });
}

/** Resolves with { msg, at } for the first event matching `predicate`; register BEFORE acting. */
function nextEvent(sub, predicate, timeoutMs) {
  let listener;
  let timer;
  const promise = new Promise((resolve, reject) => {
    listener = (msg, at) => {
      if (!predicate(msg)) return;
      sub.listeners.delete(listener);
      clearTimeout(timer);
      resolve({ msg, at });
    };
    sub.listeners.add(listener);
    timer = setTimeout(() => {
      sub.listeners.delete(listener);
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return promise;
}

// ---- 1. listing ------------------------------------------------------------------------------------------------

/** One full listing through the typed client: pages of 500 until nextCursor is null. */
async function apiFullListing(client) {
  const perRequest = [];
  const items = [];
  let cursor;
  const t0 = performance.now();
  for (;;) {
    const r0 = performance.now();
    const page = await client.listVms({ limit: 500, ...(cursor ? { cursor } : {}) });
    perRequest.push(performance.now() - r0);
    items.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { ms: performance.now() - t0, perRequest, items };
}

/** Supplementary: the same pages with node:http keep-alive, bodies read but not parsed (server + transport only). */
function rawGet(agent, server, path) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${server.url}${path}`,
      { agent, headers: { authorization: `Bearer ${server.token}`, accept: 'application/json' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
          else resolve(Buffer.concat(chunks));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

async function rawFullListing(agent, server, cursors) {
  const perRequest = [];
  const t0 = performance.now();
  let bytes = 0;
  for (const cursor of cursors) {
    const r0 = performance.now();
    const body = await rawGet(
      agent,
      server,
      `/api/v1/vms?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    perRequest.push(performance.now() - r0);
    bytes += body.length;
  }
  return { ms: performance.now() - t0, perRequest, bytes };
}

function checkListing(items, expected, listPrefix) {
  const mine = items.filter((v) => v.name.startsWith(listPrefix));
  const states = [...new Set(mine.map((v) => v.state))];
  if (
    mine.length !== expected ||
    items.length !== expected ||
    states.length !== 1 ||
    states[0] !== 'stopped'
  ) {
    throw new Error(
      `the API listed ${items.length} VMs, ${mine.length}/${expected} of this run's, states ${states.join(',')}`,
    );
  }
}

async function benchList(server, image, opts, log) {
  const { client } = server;
  const listPrefix = ownName(`${prefix}${server.tag}-l`);
  const names = Array.from({ length: opts.vms }, (_, i) => `${listPrefix}${String(i).padStart(4, '0')}`);
  const out = { backend: server.backend, vms: opts.vms, rss: { start: server.rssAtStart } };
  out.rss.beforeCreate = server.rss();

  log(
    `\ncreating ${opts.vms} VMs through the API (POST /vms?wait=true, not started, ${opts.createConcurrency} at a time)…`,
  );
  const createSamples = [];
  let waitRanOut = 0;
  const ids = [];
  let t0 = performance.now();
  let lastReport = t0;
  await pool(names, opts.createConcurrency, async (name) => {
    checkStop();
    const c0 = performance.now();
    const { vm, waitRanOut: ran } = await createVmWait(server, {
      name,
      vcpus: 1,
      memoryBytes: GUEST_MEMORY,
      source: { imageId: image.id },
    });
    createSamples.push(performance.now() - c0);
    if (ran) waitRanOut++;
    if (vm.state !== 'stopped') throw new Error(`${name} was created ${vm.state}, expected stopped`);
    ids.push(vm.id);
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      log(`  … ${ids.length}/${opts.vms} after ${fmtS(lastReport - t0)}`);
    }
  });
  out.create = {
    totalMs: performance.now() - t0,
    perVm: summarize(createSamples),
    waitRanOut,
    concurrency: opts.createConcurrency,
  };
  out.rss.afterCreate = server.rss();
  log(
    `created ${opts.vms} VMs in ${fmtS(out.create.totalMs)} (${(opts.vms / (out.create.totalMs / 1000)).toFixed(1)} VMs/s; ` +
      `per request p50 ${fmtMs(out.create.perVm.p50)} ms, p95 ${fmtMs(out.create.perVm.p95)} ms` +
      `${waitRanOut ? `; ${waitRanOut} waits ran out and were finished with waitForTask` : ''})`,
  );

  // Warm-up of each side, then `rounds` rounds that each time each side in turn (a drift of the machine during the
  // run hits all of them alike).
  log(`\nwarming up (${opts.listingWarmup} API listings, 2 python listings)…`);
  let last;
  for (let i = 0; i < opts.listingWarmup; i++) last = await apiFullListing(client);
  last ??= await apiFullListing(client);
  checkListing(last.items, opts.vms, listPrefix);
  const pages = last.perRequest.length;
  // The cursors of the pages, for the raw HTTP side.
  const cursors = [undefined];
  {
    let cursor;
    for (;;) {
      const page = await client.listVms({ limit: 500, ...(cursor ? { cursor } : {}) });
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
      cursors.push(cursor);
    }
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < Math.min(5, opts.listingWarmup); i++) await rawFullListing(agent, server, cursors);
  await ctx.python.request({ op: 'list_info', prefix: listPrefix, iterations: 0, warmup: 2 });

  const api = { full: [], perRequest: [] };
  const raw = { full: [], perRequest: [], bytes: 0 };
  const floor = [];
  const per = (total, round) => Math.floor(total / opts.rounds) + (round < total % opts.rounds ? 1 : 0);
  for (let round = 0; round < opts.rounds; round++) {
    checkStop();
    const nApi = per(opts.listings, round);
    const nPy = per(opts.floorIterations, round);
    log(
      `round ${round + 1}/${opts.rounds}: ${nApi} API listings (${nApi * pages} requests), ${nPy} python listings…`,
    );
    for (let i = 0; i < nApi; i++) {
      const r = await apiFullListing(client);
      api.full.push(r.ms);
      api.perRequest.push(...r.perRequest);
      last = r;
    }
    for (let i = 0; i < Math.max(1, Math.round(nApi / 4)); i++) {
      const r = await rawFullListing(agent, server, cursors);
      raw.full.push(r.ms);
      raw.perRequest.push(...r.perRequest);
      raw.bytes = r.bytes;
    }
    const py = await ctx.python.request({ op: 'list_info', prefix: listPrefix, iterations: nPy, warmup: 0 });
    if (py.matching !== opts.vms || py.states.length !== 1 || py.states[0] !== 5 /* VIR_DOMAIN_SHUTOFF */)
      throw new Error(
        `python listed ${String(py.matching)}/${opts.vms} of this run's domains, states ${py.states}`,
      );
    floor.push(...py.samples_ms);
  }
  agent.destroy();
  checkListing(last.items, opts.vms, listPrefix);
  out.rss.afterListing = server.rss();
  out.listing = {
    pages,
    bytesPerListing: raw.bytes,
    api: { full: summarize(api.full), perRequest: summarize(api.perRequest) },
    raw: { full: summarize(raw.full), perRequest: summarize(raw.perRequest) },
    floor: summarize(floor),
    samples: { apiFull: api.full, apiPerRequest: api.perRequest, rawFull: raw.full, floor },
  };
  if (opts.only.includes('members')) out.members = await benchMembers(server, opts, log);

  // Clean-up of the listing VMs (the purge at the end catches whatever is left either way).
  if (opts.delete === 'api') {
    log(
      `\ndeleting the ${ids.length} VMs through the API (DELETE /vms/{id}?wait=true, ${opts.createConcurrency} at a time)…`,
    );
    const deleteSamples = [];
    t0 = performance.now();
    await pool(ids, opts.createConcurrency, async (id) => {
      checkStop();
      const d0 = performance.now();
      await deleteVmWait(server, id);
      deleteSamples.push(performance.now() - d0);
    });
    out.delete = { how: 'api', totalMs: performance.now() - t0, perVm: summarize(deleteSamples) };
    const left = await client.listVms({ limit: 500 });
    if (left.items.length !== 0) throw new Error(`${left.items.length} VMs left after deleting them all`);
    log(
      `deleted ${ids.length} VMs in ${fmtS(out.delete.totalMs)} (${(ids.length / (out.delete.totalMs / 1000)).toFixed(1)} VMs/s; ` +
        `per request p50 ${fmtMs(out.delete.perVm.p50)} ms, p95 ${fmtMs(out.delete.perVm.p95)} ms)`,
    );
  } else {
    out.delete = { how: 'virsh' };
  }
  out.rss.end = server.rss();
  return out;
}

/** Member users m1…mN made by the admin, each logged in: `{ id, username, client }`. */
async function makeMembers(server, n) {
  const out = [];
  for (let i = 1; i <= n; i++) {
    const username = `bench-m${i}`;
    const password = `pw-${randomUUID()}`;
    const user = await server.client.createUser({ username, password, role: 'member' });
    const { token } = await createGureumClient({ baseUrl: server.url }).login({ username, password });
    out.push({ id: user.id, username, client: createGureumClient({ baseUrl: server.url, token }) });
  }
  return out;
}

/**
 * The cost of authorization on the list: a second server of the same backend holds 5×N VMs of five members (made by
 * its admin on their behalf); m1 owns N. Then rounds alternate, on one machine at one time, the admin's listing of
 * the N VMs of the first server (N of N) and m1's listing of its N on the second (N of 5×N), each round starting with
 * the other side, so a drift of the load hits both alike. The second server is stopped afterwards; the purge at the
 * end of the backend removes its domains, volumes and pools.
 */
async function benchMembers(adminServer, opts, log) {
  const server = new ServerProcess(adminServer.backend, 'm');
  await server.start();
  try {
    const image = await uploadGuestImage(server);
    const members = await makeMembers(server, 5);
    const total = opts.vms * members.length;
    log(`
members: a second ${server.backend} server (pid ${server.proc.pid}); creating ${total} VMs for ${members.length} members, ${opts.vms} each…`);
    const t0 = performance.now();
    const jobs = members.flatMap((m, k) =>
      Array.from({ length: opts.vms }, (_, i) => ({
        ownerId: m.id,
        name: `${ownName(`${prefix}${server.tag}-o${k}`)}${String(i).padStart(4, '0')}`,
      })),
    );
    await pool(jobs, opts.createConcurrency, async (job) => {
      checkStop();
      await createVmWait(server, {
        name: job.name,
        vcpus: 1,
        memoryBytes: GUEST_MEMORY,
        source: { imageId: image.id },
        ownerId: job.ownerId,
      });
    });
    log(`created them in ${fmtS(performance.now() - t0)}`);
    const mine = ownName(`${prefix}${server.tag}-o0`);
    const member = members[0].client;
    const admin = adminServer.client;
    const adminPrefix = ownName(`${prefix}${adminServer.tag}-l`);
    let lastM;
    let lastA;
    // The first server has served the list phase's warm-up and listings: the second gets as many before the rounds
    // (the same JIT and heap warmth), and the admin side its usual warm-up.
    for (let i = 0; i < opts.listingWarmup + opts.listings; i++) lastM = await apiFullListing(member);
    for (let i = 0; i < opts.listingWarmup; i++) {
      lastM = await apiFullListing(member);
      lastA = await apiFullListing(admin);
    }
    lastM ??= await apiFullListing(member);
    lastA ??= await apiFullListing(admin);
    checkListing(lastM.items, opts.vms, mine);
    if (lastM.items.some((v) => v.ownerId !== members[0].id))
      throw new Error("m1's listing shows others' VMs");
    checkListing(lastA.items, opts.vms, adminPrefix);
    const m = { full: [], perRequest: [] };
    const a = { full: [], perRequest: [] };
    // Two p95s of the same code path are compared: 3 × --listings samples per side (a p95 of 100 moves by ±15% on a
    // busy host; of 300 much less), ~20 ms each.
    const samples = opts.listings * 3;
    const per = (round) => Math.floor(samples / opts.rounds) + (round < samples % opts.rounds ? 1 : 0);
    for (let round = 0; round < opts.rounds; round++) {
      checkStop();
      const n = per(round);
      log(
        `members round ${round + 1}/${opts.rounds}: ${n} listings by the admin and ${n} by m1, alternating…`,
      );
      for (let i = 0; i < n; i++) {
        const sides = (round + i) % 2 === 0 ? ['m', 'a'] : ['a', 'm'];
        for (const side of sides) {
          const r = await apiFullListing(side === 'm' ? member : admin);
          const into = side === 'm' ? m : a;
          into.full.push(r.ms);
          into.perRequest.push(...r.perRequest);
          if (side === 'm') lastM = r;
          else lastA = r;
        }
      }
    }
    checkListing(lastM.items, opts.vms, mine);
    checkListing(lastA.items, opts.vms, adminPrefix);
    return {
      totalVms: total,
      full: summarize(m.full),
      perRequest: summarize(m.perRequest),
      admin: { full: summarize(a.full), perRequest: summarize(a.perRequest) },
      samples: { member: m.full, admin: a.full },
      rss: server.rss(),
    };
  } finally {
    const stopped = await server.stop();
    log(`second server stopped (SIGTERM → exit ${String(stopped.code ?? stopped.signal)})`);
  }
}

function printMembers(r, log) {
  const m = r.members;
  if (!m) return;
  const a = m.admin;
  log(
    `\n== ${r.backend}: GET /vms by a member owning ${r.vms} of ${m.totalVms} VMs vs the admin listing ${r.vms} of ${r.vms}, ` +
      `two servers, alternating (ms) ==`,
  );
  log(
    table(STAT_HEADERS, [
      statRow('admin, full listing', a.full, `server 1: ${r.vms} VMs in the database`),
      statRow('member m1, full listing', m.full, `server 2: its ${r.vms} of ${m.totalVms}`),
      statRow('admin, per request', a.perRequest, ''),
      statRow('member m1, per request', m.perRequest, ''),
    ]),
  );
  log(
    `ratio: member full p95 / admin full p95 = ${fmtRatio(m.full.p95 / a.full.p95)} (target ≤ ${TARGETS.memberVsAdmin})`,
  );
}

function printList(r, log) {
  const L = r.listing;
  log(
    `\n== 1. list ${r.vms} VMs, ${r.backend} (ms; full listing = ${L.pages} × GET /vms?limit=500, ` +
      `${(L.bytesPerListing / 1024).toFixed(0)} KiB) ==`,
  );
  log(
    table(STAT_HEADERS, [
      statRow('API full listing (typed client)', L.api.full, `${L.pages} requests in a row`),
      statRow('API per request (typed client)', L.api.perRequest, 'fetch + JSON.parse'),
      statRow('(suppl.) raw HTTP full listing', L.raw.full, 'node:http keep-alive, no parse'),
      statRow('(suppl.) raw HTTP per request', L.raw.perRequest, ''),
      statRow('FLOOR python listAllDomains+info', L.floor, `1 + ${r.vms} RPCs`),
    ]),
  );
  log(
    `ratios: API full p95 / floor p50 = ${fmtRatio(L.api.full.p95 / L.floor.p50)} ` +
      `(target ≤ ${TARGETS.listVsFloor}) · p50/p50 = ${fmtRatio(L.api.full.p50 / L.floor.p50)} · ` +
      `p95/p95 = ${fmtRatio(L.api.full.p95 / L.floor.p95)}`,
  );
  const m = r.rss;
  log(
    `server RSS: at start ${fmtMiB(m.start.rssMiB)}, before creating ${fmtMiB(m.beforeCreate.rssMiB)}, ` +
      `after creating ${fmtMiB(m.afterCreate.rssMiB)}, after the listings ${fmtMiB(m.afterListing.rssMiB)} ` +
      `(high-water ${fmtMiB(m.afterListing.hwmMiB)}), at the end ${fmtMiB(m.end.rssMiB)}`,
  );
}

// ---- 2. create-to-running ----------------------------------------------------------------------------------------

/** Markers of one create, from the events socket: when each arrived, ms after the POST was sent. */
function traceCreate(sub, t0ns) {
  const marks = {};
  const listener = (msg, at) => {
    const ms = msBetween(t0ns, at);
    if (msg.type === 'task.updated' && msg.data?.task?.kind === 'vm.create') {
      const task = msg.data.task;
      const key =
        task.status === 'queued'
          ? 'queued'
          : task.status === 'succeeded'
            ? 'succeeded'
            : task.message === 'creating the system disk'
              ? 'disk'
              : task.message === 'defining the VM'
                ? 'define'
                : task.message === 'starting the VM'
                  ? 'start'
                  : task.status === 'running' && task.progress === 0
                    ? 'running'
                    : null;
      if (key && marks[key] === undefined) marks[key] = ms;
    } else if (msg.type === 'vm.started' && marks.vmStarted === undefined) marks.vmStarted = ms;
    else if (msg.type === 'vm.created' && marks.vmCreated === undefined) marks.vmCreated = ms;
  };
  sub.listeners.add(listener);
  return () => {
    sub.listeners.delete(listener);
    return marks;
  };
}

const TRACE_KEYS = [
  ['queued', 'task.updated queued (POST → task row + lease)'],
  ['running', 'task.updated running'],
  ['disk', '"creating the system disk"'],
  ['define', '"defining the VM" (volume created)'],
  ['start', '"starting the VM" (domain defined)'],
  ['vmStarted', 'vm.started (libvirt STARTED event handled)'],
  ['vmCreated', 'vm.created (finish step)'],
  ['succeeded', 'task.updated succeeded'],
];

async function benchCreate(server, image, opts, log) {
  const sub = await openEvents(server, 'vm,task');
  const imagePath = (
    await ctx.python.request({ op: 'volume_path', pool: server.imagesPool, name: `image-${image.id}.img` })
  ).path;
  const capacity = image.virtualSizeBytes ?? image.sizeBytes;
  const api = [];
  const traces = [];
  const py = [];
  let template;
  const total = opts.createWarmup + opts.createIterations;
  log(
    `\n2. create-to-running on ${server.backend}: ${opts.createWarmup} warm-up + ${opts.createIterations} measured per side, ` +
      `alternating; each VM is deleted after measuring…`,
  );
  try {
    for (let i = 0; i < total; i++) {
      const measured = i >= opts.createWarmup;
      const apiSide = async () => {
        const name = ownName(`${prefix}${server.tag}-c${i}`);
        const t0ns = hr();
        const stopTrace = traceCreate(sub, t0ns);
        const t0 = performance.now();
        const out = await track(
          server.client.createVm(
            { name, vcpus: 1, memoryBytes: GUEST_MEMORY, start: true, source: { imageId: image.id } },
            { wait: true, timeoutMs: 60_000 },
          ),
        );
        const ms = performance.now() - t0;
        await sleep(20); // let the events that were sent with the reply arrive
        const marks = stopTrace();
        if (out.status !== 201) throw new Error(`POST /vms?wait=true answered ${out.status}, expected 201`);
        if (out.value.state !== 'running')
          throw new Error(`${name} answered ${out.value.state}, not running`);
        if (measured) {
          api.push(ms);
          traces.push({ ...marks, reply: ms });
        }
        template ??= (await ctx.python.request({ op: 'dumpxml', name })).xml;
        await deleteVmWait(server, out.value.id);
      };
      const pySide = async () => {
        if (!template) throw new Error('no template domain yet (the API side goes first)');
        const name = ownName(`${prefix}${server.tag}-p${i}`);
        const uuid = randomUUID();
        const cmd = {
          name,
          uuid,
          template,
          pool: server.vmsPool,
          volume: `${name}.qcow2`,
          capacity,
          backing_path: imagePath,
          backing_format: 'qcow2',
          serial_log: join(server.storageDir, 'serial', `${uuid}.log`),
        };
        const r = await track(ctx.python.request({ op: 'create_run', ...cmd }));
        if (measured) py.push(r);
        await ctx.python.request({ op: 'remove', name, uuid, pool: server.vmsPool, volume: cmd.volume });
      };
      const sides = i % 2 === 0 ? [apiSide, pySide] : [pySide, apiSide];
      for (const side of sides) {
        checkStop();
        await side();
      }
    }
  } finally {
    sub.close();
  }
  return {
    backend: server.backend,
    api: summarize(api),
    floor: summarize(py.map((r) => r.total_ms)),
    floorPhases: {
      volume: summarize(py.map((r) => r.volume_ms)),
      define: summarize(py.map((r) => r.define_ms)),
      start: summarize(py.map((r) => r.start_ms)),
    },
    trace: Object.fromEntries(
      [...TRACE_KEYS.map(([k]) => k), 'reply'].map((k) => [
        k,
        summarize(traces.map((t) => t[k]).filter((v) => v !== undefined)),
      ]),
    ),
    samples: { api, floor: py, traces },
  };
}

function printCreate(r, log) {
  log(`\n== 2. create-to-running, ${r.backend} (ms; ${r.api.n} samples per side) ==`);
  log(
    table(STAT_HEADERS, [
      statRow('API POST /vms?wait=true start:true', r.api, 'HTTP 201, state running'),
      statRow('FLOOR python vol create+define+create', r.floor, 'until state running'),
      statRow('  floor: storageVolCreateXML', r.floorPhases.volume, 'qcow2 overlay'),
      statRow('  floor: defineXML', r.floorPhases.define, ''),
      statRow('  floor: create()', r.floorPhases.start, 'QEMU starts'),
    ]),
  );
  log(
    `ratio API/floor: p50 ${fmtRatio(r.api.p50 / r.floor.p50)} (target ≤ ${TARGETS.createVsFloor}) · ` +
      `p95 ${fmtRatio(r.api.p95 / r.floor.p95)}`,
  );
  log(`where the API's time goes (events as the WebSocket received them; ms after the POST was sent, p50):`);
  log(
    table(
      ['marker', 'p50', 'p95', 'n'],
      [...TRACE_KEYS, ['reply', 'HTTP 201 received']].map(([k, label]) => [
        label,
        fmtMs(r.trace[k].p50),
        fmtMs(r.trace[k].p95),
        r.trace[k].n,
      ]),
    ),
  );
}

// ---- 3. event latency ------------------------------------------------------------------------------------------

function virshDestroy(name) {
  return new Promise((resolve, reject) => {
    const spawnAt = hr();
    const child = spawn('virsh', ['-c', URI, 'destroy', ownName(name)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    ctx.children.add(child);
    const err = [];
    child.stderr.on('data', (c) => err.push(c));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const exitAt = hr();
      ctx.children.delete(child);
      if (code !== 0) {
        reject(new Error(`virsh destroy exited ${String(code ?? signal)}: ${Buffer.concat(err).toString()}`));
        return;
      }
      resolve({ spawnAt, exitAt });
    });
  });
}

async function benchEvents(server, image, opts, log) {
  ctx.pyEvents ??= await PythonSide.start(['--events']);
  const sub = await openEvents(server, 'vm');
  const name = ownName(`${prefix}${server.tag}-e0`);
  const total = opts.eventWarmup + opts.eventIterations;
  log(
    `\n3. event latency on ${server.backend}: ${opts.eventWarmup} warm-up + ${opts.eventIterations} measured ` +
      `virsh destroy → vm.stopped (VM restarted through the API in between, ${opts.eventSettleMs} ms settle)…`,
  );
  const rows = [];
  let vmId;
  try {
    const { vm } = await createVmWait(server, {
      name,
      vcpus: 1,
      memoryBytes: GUEST_MEMORY,
      start: true,
      source: { imageId: image.id },
    });
    vmId = vm.id;
    if (vm.state !== 'running') throw new Error(`${name} was created ${vm.state}, not running`);
    for (let i = 0; i < total; i++) {
      checkStop();
      await sleep(opts.eventSettleMs);
      const stopped = nextEvent(sub, (m) => m.type === 'vm.stopped' && m.resource?.id === vmId, 15_000);
      const { spawnAt, exitAt } = await track(virshDestroy(name));
      const { msg, at: wsAt } = await stopped;
      const pyEv = await ctx.pyEvents.request({
        op: 'take_stopped',
        name,
        after_ns: spawnAt.toString(),
        timeout_ms: 5000,
      });
      const pyAt = BigInt(pyEv.at_ns);
      if (i >= opts.eventWarmup) {
        rows.push({
          spawnToExit: msBetween(spawnAt, exitAt),
          exitToWs: msBetween(exitAt, wsAt),
          spawnToWs: msBetween(spawnAt, wsAt),
          exitToLibvirt: msBetween(exitAt, pyAt),
          spawnToLibvirt: msBetween(spawnAt, pyAt),
          libvirtToWs: msBetween(pyAt, wsAt),
          reason: msg.data?.reason,
        });
      }
      const started = await track(server.client.startVm({ id: vmId }, { wait: true, timeoutMs: 60_000 }));
      if (started.status !== 200 || started.value.state !== 'running')
        throw new Error(`restarting ${name}: ${started.status} ${String(started.value?.state)}`);
    }
  } finally {
    sub.close();
    if (vmId && !ctx.stopping) await deleteVmWait(server, vmId);
  }
  const col = (k) => summarize(rows.map((r) => r[k]));
  return {
    backend: server.backend,
    exitToWs: col('exitToWs'),
    spawnToWs: col('spawnToWs'),
    spawnToExit: col('spawnToExit'),
    exitToLibvirt: col('exitToLibvirt'),
    spawnToLibvirt: col('spawnToLibvirt'),
    libvirtToWs: col('libvirtToWs'),
    eventBeforeExit: rows.filter((r) => r.exitToWs < 0).length,
    samples: rows,
  };
}

function printEvents(r, log) {
  log(
    `\n== 3. event latency, ${r.backend}: virsh destroy → vm.stopped on the WebSocket (ms; ${r.exitToWs.n} samples) ==`,
  );
  log(
    table(STAT_HEADERS, [
      statRow('virsh exit → WebSocket vm.stopped', r.exitToWs, 'TARGET p95'),
      statRow('virsh spawn → WebSocket vm.stopped', r.spawnToWs, ''),
      statRow('virsh spawn → virsh exit', r.spawnToExit, 'virsh start-up + destroy'),
      statRow('FLOOR virsh exit → python3-libvirt event', r.exitToLibvirt, '< 0: before virsh returned'),
      statRow('FLOOR virsh spawn → python3-libvirt event', r.spawnToLibvirt, ''),
      statRow('python3-libvirt event → WebSocket', r.libvirtToWs, 'Gureum server + ws hop'),
    ]),
  );
  log(
    `${r.eventBeforeExit}/${r.exitToWs.n} vm.stopped events arrived before virsh had returned (negative values)`,
  );
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function run(opts, log) {
  statSync(SERVER_MAIN); // built?
  statSync(GUEST_DISK); // scripts/build-test-guests.sh
  ctx.tmpRoot = mkdtempSync(join(os.tmpdir(), `gureum-bench-${runId}-`));
  ctx.python = await PythonSide.start([]);
  const py = await ctx.python.request({ op: 'hello' });
  const ver = (v) => `${Math.floor(v / 1e6)}.${Math.floor(v / 1e3) % 1000}.${v % 1000}`;
  const env = {
    node: process.version,
    python: `${String(py.python)} (${String(py.executable)})`,
    libvirtd: ver(Number(py.daemon)),
    pythonBindings: ver(Number(py.bindings)),
    cpus: os.cpus().length,
    host: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavgAtStart: os.loadavg(),
    // Inherited by the servers and able to change what is measured (allocator, V8 flags): recorded when set.
    serverEnv: Object.fromEntries(
      Object.entries(process.env).filter(([k]) =>
        /^(MALLOC_|GLIBC_TUNABLES$|NODE_OPTIONS$|UV_THREADPOOL_SIZE$)/.test(k),
      ),
    ),
  };
  log(`gureum API bench — run ${runId}, domains ${prefix}*, pools ${poolPrefix}*`);
  if (Object.keys(env.serverEnv).length > 0)
    log(
      `NOTE: the servers inherit ${Object.entries(env.serverEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  log(
    `node ${env.node} · python ${env.python} · libvirtd ${env.libvirtd} · python3-libvirt ${env.pythonBindings}`,
  );
  log(
    `${env.cpus} CPUs · ${env.host} · load average ${env.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')} · ` +
      `URI ${URI} (local socket only)`,
  );
  const results = { env, list: [], create: [], events: [], servers: [], purges: [] };

  for (const backend of opts.backends) {
    const benches =
      backend === 'sqlite' || opts.postgresAll
        ? opts.only
        : opts.only.filter((b) => b === 'list' || b === 'members');
    if (benches.length === 0) continue;
    checkStop();
    log(
      `\n######## ${backend} server: ${benches.join(', ')} (load average ` +
        `${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}) ########`,
    );
    const server = new ServerProcess(backend);
    await server.start();
    log(
      `server up in ${fmtS(server.startMs)} at ${server.url} (pid ${server.proc.pid}, pools ${server.poolPrefix}-*, ` +
        `${backend === 'postgres' ? `database ${dbName}_${server.tag}` : 'SQLite in the data dir'}); ` +
        `RSS ${fmtMiB(server.rssAtStart.rssMiB)}`,
    );
    const image = await uploadGuestImage(server);
    log(
      `uploaded the test guest disk as image ${image.id} (${(image.sizeBytes / 1048576).toFixed(1)} MiB qcow2)`,
    );
    const summary = { backend, startMs: server.startMs, rssAfterUpload: server.rss() };
    log(`RSS after login and upload ${fmtMiB(summary.rssAfterUpload.rssMiB)}`);
    try {
      if (benches.includes('list')) {
        const r = await benchList(server, image, opts, log);
        printList(r, log);
        printMembers(r, log);
        results.list.push(r);
      }
      if (benches.includes('create')) {
        const r = await benchCreate(server, image, opts, log);
        printCreate(r, log);
        results.create.push(r);
      }
      if (benches.includes('events')) {
        const r = await benchEvents(server, image, opts, log);
        printEvents(r, log);
        results.events.push(r);
      }
    } finally {
      const problems = server.problems();
      const stopped = await server.stop();
      summary.stop = stopped;
      summary.problems = problems.slice(0, 20);
      summary.problemCount = problems.length;
      results.servers.push(summary);
    }
    log(
      `\nserver stopped (SIGTERM → exit ${String(summary.stop.code ?? summary.stop.signal)} in ${fmtMs(summary.stop.ms)} ms); ` +
        `${summary.problemCount} warn/error log line(s)`,
    );
    for (const p of summary.problems.slice(0, 5))
      log(`  log: level ${p.level} ${String(p.msg)}${p.err?.message ? ` — ${p.err.message}` : ''}`);
    // Whatever the API left (and the pools): removed with libvirt before the next server starts.
    const purge = await ctx.python.request({ op: 'purge' });
    results.purges.push({ backend, ...purge });
    log(
      `purged with python3-libvirt: ${purge.domains} domain(s), ${purge.volumes} volume(s), ${purge.pools} pool(s); ` +
        `left: ${purge.left_domains.length + purge.left_pools.length}`,
    );
    if (purge.errors.length > 0 || purge.left_domains.length > 0 || purge.left_pools.length > 0)
      throw new Error(`purge incomplete: ${JSON.stringify(purge)}`);
  }
  return results;
}

function report(opts, data, cleanupReport, log) {
  const rows = [];
  const targets = [];
  const target = (name, value, text, pass) => {
    targets.push({ name, value, target: text, pass });
    return pass ? 'PASS' : 'MISS';
  };
  for (const r of data.list) {
    const L = r.listing;
    const ratio = L.api.full.p95 / L.floor.p50;
    rows.push([
      `list ${r.vms}, ${r.backend}: API full listing p95`,
      `${fmtMs(L.api.full.p95)} ms`,
      `${fmtMs(L.floor.p50)} ms`,
      `${fmtRatio(ratio)}×`,
      `≤ ${TARGETS.listVsFloor}×`,
      target(
        `list ${r.backend}: API full listing p95 / floor p50`,
        ratio,
        `<= ${TARGETS.listVsFloor}`,
        ratio <= TARGETS.listVsFloor,
      ),
    ]);
    rows.push([
      `list ${r.vms}, ${r.backend}: API per request p50 / p95`,
      `${fmtMs(L.api.perRequest.p50)} / ${fmtMs(L.api.perRequest.p95)} ms`,
      '',
      '',
      '',
      '',
    ]);
    const rss = r.rss.afterListing.rssMiB;
    rows.push([
      `list ${r.vms}, ${r.backend}: server VmRSS after listing`,
      fmtMiB(rss),
      '',
      '',
      `≤ ${fmtMiB(TARGETS.rssMiB)} (200 MB)`,
      target(
        `list ${r.backend}: server RSS MiB`,
        rss,
        `<= ${fmtMiB(TARGETS.rssMiB)} (200 MB)`,
        rss <= TARGETS.rssMiB,
      ),
    ]);
    if (r.members) {
      const m = r.members;
      const mr = m.full.p95 / m.admin.full.p95;
      rows.push([
        `members, ${r.backend}: m1 lists its ${r.vms} of ${m.totalVms}, p95`,
        `${fmtMs(m.full.p95)} ms`,
        `${fmtMs(m.admin.full.p95)} ms`,
        `${fmtRatio(mr)}×`,
        `≤ ${TARGETS.memberVsAdmin}×`,
        target(
          `members ${r.backend}: member full listing p95 / admin full listing p95`,
          mr,
          `<= ${TARGETS.memberVsAdmin}`,
          mr <= TARGETS.memberVsAdmin,
        ),
      ]);
    }
    rows.push([
      `list ${r.vms}, ${r.backend}: creating them (${r.create.concurrency} at a time)`,
      fmtS(r.create.totalMs),
      '',
      '',
      '',
      '',
    ]);
    if (r.delete.how === 'api')
      rows.push([
        `list ${r.vms}, ${r.backend}: deleting them via API`,
        fmtS(r.delete.totalMs),
        '',
        '',
        '',
        '',
      ]);
  }
  for (const r of data.create) {
    const ratio = r.api.p50 / r.floor.p50;
    rows.push([
      `create-to-running, ${r.backend}: p50`,
      `${fmtMs(r.api.p50)} ms`,
      `${fmtMs(r.floor.p50)} ms`,
      `${fmtRatio(ratio)}×`,
      `≤ ${TARGETS.createVsFloor}×`,
      target(
        `create ${r.backend}: API p50 / floor p50`,
        ratio,
        `<= ${TARGETS.createVsFloor}`,
        ratio <= TARGETS.createVsFloor,
      ),
    ]);
    rows.push([
      `create-to-running, ${r.backend}: p95`,
      `${fmtMs(r.api.p95)} ms`,
      `${fmtMs(r.floor.p95)} ms`,
      `${fmtRatio(r.api.p95 / r.floor.p95)}×`,
      '',
      '',
    ]);
  }
  for (const r of data.events) {
    const v = r.exitToWs.p95;
    rows.push([
      `events, ${r.backend}: virsh exit → vm.stopped p95`,
      `${fmtMs(v)} ms`,
      `${fmtMs(r.exitToLibvirt.p95)} ms`,
      '',
      `≤ ${TARGETS.eventP95Ms} ms`,
      target(
        `events ${r.backend}: exit → vm.stopped p95 ms`,
        v,
        `<= ${TARGETS.eventP95Ms}`,
        v <= TARGETS.eventP95Ms,
      ),
    ]);
    rows.push([
      `events, ${r.backend}: libvirt event → vm.stopped p50 / p95`,
      `${fmtMs(r.libvirtToWs.p50)} / ${fmtMs(r.libvirtToWs.p95)} ms`,
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      `events, ${r.backend}: virsh spawn → vm.stopped p50 / p95`,
      `${fmtMs(r.spawnToWs.p50)} / ${fmtMs(r.spawnToWs.p95)} ms`,
      `${fmtMs(r.spawnToLibvirt.p50)} / ${fmtMs(r.spawnToLibvirt.p95)} ms`,
      '',
      '',
      '',
    ]);
  }
  log(
    `\n== summary (floors: python3-libvirt in the same run; list floor = its p50, create floor = its p50, event floor = libvirt's own event p95, members floor = the admin's listing p95) ==`,
  );
  log(table(['benchmark', 'measured', 'floor', 'ratio', 'target', 'result'], rows));
  log('');
  for (const t of targets) {
    const v = t.name.includes('MiB')
      ? `${t.value.toFixed(1)} MiB`
      : t.name.endsWith('ms')
        ? `${fmtMs(t.value)} ms`
        : `${fmtRatio(t.value)}×`;
    log(`${t.pass ? 'PASS' : 'MISS'}  ${t.name} = ${v} (target ${t.target.replace('<=', '≤')})`);
  }
  const c = cleanupReport;
  log(
    `\nclean-up: servers stopped by the clean-up ${c.servers.length}, purge ${c.purge ? `${c.purge.domains} domain(s), ${c.purge.volumes} volume(s), ${c.purge.pools} pool(s)` : 'not run'}, ` +
      `databases dropped ${c.databases.length}, ${c.leftover.length} left, ${c.failed.length} failed (${(c.ms / 1000).toFixed(2)} s)`,
  );
  return {
    runId,
    prefix,
    poolPrefix,
    timestamp: new Date().toISOString(),
    env: { ...data.env, loadavgAtEnd: os.loadavg() },
    options: opts,
    list: data.list,
    create: data.create,
    events: data.events,
    servers: data.servers,
    purges: data.purges,
    targets,
    cleanup: cleanupReport,
  };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const lines = [];
  const log = (line) => {
    lines.push(line);
    console.log(line);
  };
  let data;
  let failure;
  try {
    data = await run(opts, log);
  } catch (err) {
    failure = err;
  }
  const cleanupReport = await cleanup();
  if (failure) {
    const c = cleanupReport;
    console.error(`clean-up: ${c.leftover.length} left, ${c.failed.length} failed`);
    throw failure;
  }
  const json = report(opts, data, cleanupReport, log);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `api-${json.timestamp.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...json, printed: lines }, null, 2)}\n`);
  console.log(`results: ${relative(ROOT, file)}`);
  if (cleanupReport.leftover.length > 0 || cleanupReport.failed.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  if (err instanceof Interrupted) return; // the signal handler exits once the clean-up is done
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
