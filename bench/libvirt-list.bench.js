#!/usr/bin/env node
// `npm run bench:libvirt`: lists 500 inactive domains with their state through our pure-TypeScript client,
// `virsh list --all` and python3-libvirt (the C library: the floor), and times define/start/destroy of one tiny
// domain through our client and python3-libvirt. Everything is printed as p50/p95 and as RATIOS against the libvirt
// floor measured in the same run; see bench/README.md. Only the local libvirtd socket (qemu:///system) is used.
//
// Options (after `npm run bench:libvirt --`): --domains=500 --rounds=10 --iterations=6 --slow-iterations=3
//   --warmup=5 --lifecycle=10 --lifecycle-warmup=2 --no-lifecycle
// (--iterations: per round and side for the bulk calls; --slow-iterations: for virsh and the 1+N listings.)
// Environment: GUREUM_BENCH_PYTHON (default /usr/bin/python3: Debian's python, which has python3-libvirt).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DomainState, DomainStatsTypes, isNoDomain, LibvirtClient } from '@gureum/libvirt';
import { fmtMs, fmtRatio, limit, pool, sleep, summarize, table } from './lib/common.js';

const URI = 'qemu:///system';
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const PYTHON = process.env.GUREUM_BENCH_PYTHON ?? '/usr/bin/python3';
const PY_HELPER = join(HERE, 'python', 'libvirt_bench.py');
const RESULTS_DIR = join(HERE, 'results');
const NAME_ROOT = 'gureum-bench-';
const TARGET_VS_FLOOR = 1.0; // ours / python getAllDomainStats (p50) must be ≤ this
const TARGET_VS_VIRSH = 4.0; // virsh / ours (p50) must be ≥ this

// ---- options ---------------------------------------------------------------------------------------------------

function parseOptions(argv) {
  const o = {
    domains: 500,
    rounds: 10,
    iterations: 6,
    warmup: 5,
    slowIterations: 3,
    lifecycle: 10,
    lifecycleWarmup: 2,
  };
  const numeric = {
    '--domains': 'domains',
    '--rounds': 'rounds',
    '--iterations': 'iterations',
    '--warmup': 'warmup',
    '--slow-iterations': 'slowIterations',
    '--lifecycle': 'lifecycle',
    '--lifecycle-warmup': 'lifecycleWarmup',
  };
  for (const arg of argv) {
    if (arg === '--no-lifecycle') {
      o.lifecycle = 0;
      continue;
    }
    const [key = '', value] = arg.split('=', 2);
    const field = numeric[key];
    const n = Number(value);
    if (field === undefined || value === undefined || !Number.isInteger(n) || n < 0) {
      throw new Error(`unknown or malformed option ${arg} (see the header of bench/libvirt-list.bench.js)`);
    }
    o[field] = n;
  }
  if (o.domains < 1 || o.rounds < 1 || o.iterations < 1 || o.slowIterations < 1)
    throw new Error('--domains, --rounds, --iterations and --slow-iterations must be ≥ 1');
  return o;
}

// ---- small helpers ---------------------------------------------------------------------------------------------

function escXml(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

/** A tiny TCG domain without disks: SeaBIOS finds nothing to boot and idles. */
function domainXml(name, uuid, memoryMiB) {
  return (
    `<domain type='qemu'><name>${escXml(name)}</name><uuid>${uuid}</uuid>` +
    `<memory unit='MiB'>${memoryMiB}</memory><vcpu>1</vcpu>` +
    `<os><type arch='x86_64' machine='pc'>hvm</type></os>` +
    `<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>` +
    `<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><controller type='usb' model='none'/>` +
    `<memballoon model='none'/></devices></domain>`
  );
}

/** Runs `worker` over `items` with at most `limit` in flight (our client queues beyond 5 anyway). */

class Interrupted extends Error {}

// ---- run context: what this run owns, and its clean-up ---------------------------------------------------------

const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const prefix = `${NAME_ROOT}${runId}-`;

const ctx = {
  /** uuid → name of every domain this run asked libvirt to define (recorded BEFORE the define call). */
  owned: new Map(),
  /** Calls that may still create something; the clean-up waits for them to settle. */
  pending: new Set(),
  children: new Set(),
  /** @type {LibvirtClient | undefined} */
  client: undefined,
  /** @type {PythonSide | undefined} */
  python: undefined,
  stopping: false,
  /** Smallest and largest number of domains a timed listing returned (other users' domains count too). */
  listed: { min: Infinity, max: 0 },
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

function own(name, uuid) {
  if (!name.startsWith(prefix))
    throw new Error(`refusing to create ${name}: outside this run's prefix ${prefix}`);
  ctx.owned.set(uuid, name);
}

async function cleanupClient() {
  if (ctx.client?.state === 'connected') return { client: ctx.client, fresh: false };
  const client = await LibvirtClient.connect(URI, { connectTimeoutMs: 10_000, autoReconnect: false });
  return { client, fresh: true };
}

/**
 * Destroys and undefines every domain of `ctx.owned` — and nothing else: each is looked up by the UUID this run
 * chose, and refused when the name found there is not the name this run gave it. Idempotent (one promise).
 */
function cleanup() {
  ctx.cleanup ??= (async () => {
    ctx.stopping = true;
    const t0 = performance.now();
    const report = { removed: 0, alreadyGone: 0, refused: [], failed: [], leftover: [], ms: 0 };
    await Promise.race([Promise.allSettled([...ctx.pending]), limit(15_000)]);
    for (const child of ctx.children) child.kill('SIGTERM');
    if (ctx.python) await ctx.python.stop(15_000);
    if (ctx.owned.size > 0) {
      let conn;
      try {
        conn = await cleanupClient();
      } catch (err) {
        report.failed.push(
          `cannot connect for clean-up: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (conn) {
        const { client } = conn;
        await pool([...ctx.owned], 5, async ([uuid, name]) => {
          try {
            let dom;
            try {
              dom = await client.domainLookupByUuid({ uuid });
            } catch (err) {
              if (!isNoDomain(err)) throw err;
              report.alreadyGone++;
              ctx.owned.delete(uuid);
              return;
            }
            if (dom.name !== name) {
              report.refused.push(`${dom.name} (${uuid}): expected ${name}`);
              return;
            }
            if (await client.domainIsActive({ dom })) await client.domainDestroyFlags({ dom, flags: 0 });
            await client.domainUndefineFlags({ dom, flags: 0 });
            ctx.owned.delete(uuid);
            report.removed++;
          } catch (err) {
            report.failed.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
          }
        });
        try {
          const { domains } = await client.connectListAllDomains({ needResults: 1, flags: 0 });
          report.leftover = domains.filter((d) => d.name.startsWith(prefix)).map((d) => d.name);
        } catch (err) {
          report.failed.push(`final check: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (conn.fresh) await client.close().catch(() => undefined);
      }
    }
    report.ms = performance.now() - t0;
    if (report.leftover.length > 0 || report.failed.length > 0 || report.refused.length > 0) {
      console.error(`clean-up incomplete: ${JSON.stringify(report)}`);
      console.error(
        `remove by hand: virsh list --all --name | grep '^${prefix}' | xargs -rn1 virsh undefine`,
      );
    }
    return report;
  })();
  return ctx.cleanup;
}

let signals = 0;
function onSignal(signal) {
  signals++;
  if (signals === 1) {
    console.error(`\n${signal}: stopping, cleaning up this run's domains (${prefix}*)…`);
    ctx.stopping = true;
    void cleanup().finally(() => {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  } else if (signals === 2) {
    console.error(`${signal}: clean-up in progress; send it once more to quit at once (domains may be left)`);
  } else {
    process.exit(1);
  }
}

// ---- the python3-libvirt side: one long-lived process, JSON lines over stdin/stdout ----------------------------

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

  static async start() {
    const child = spawn(PYTHON, [PY_HELPER, '--uri', URI, '--prefix', prefix], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    ctx.children.add(child);
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

// ---- the measured operations -------------------------------------------------------------------------------------

/** OUR bulk list: connectListAllDomains + connectGetAllDomainStats(STATE), pipelined on one open connection. */
async function oursBulkList(client) {
  const [{ domains }, records] = await Promise.all([
    client.connectListAllDomains({ needResults: 1, flags: 0 }),
    client.connectGetAllDomainStats({ doms: [], stats: DomainStatsTypes.State, flags: 0 }),
  ]);
  const byUuid = new Map();
  for (const { dom, params } of records) {
    let state = -1;
    let reason = -1;
    for (const p of params) {
      if (p.field === 'state.state') state = Number(p.value.value);
      else if (p.field === 'state.reason') reason = Number(p.value.value);
    }
    byUuid.set(dom.uuid, { state, reason });
  }
  return domains.map((d) => ({
    name: d.name,
    uuid: d.uuid,
    ...(byUuid.get(d.uuid) ?? { state: -1, reason: -1 }),
  }));
}

/** Supplementary: connectGetAllDomainStats alone — the same single RPC as python's getAllDomainStats(). */
async function oursStatsOnly(client) {
  const records = await client.connectGetAllDomainStats({
    doms: [],
    stats: DomainStatsTypes.State,
    flags: 0,
  });
  return records.map(({ dom, params }) => ({
    name: dom.name,
    uuid: dom.uuid,
    state: Number(params.find((p) => p.field === 'state.state')?.value.value ?? -1),
  }));
}

/** Supplementary: the N+1 pattern of python's listAllDomains()+info(), with our client's 5 calls in flight. */
async function oursListInfo(client) {
  const { domains } = await client.connectListAllDomains({ needResults: 1, flags: 0 });
  // Other domains may vanish between the listing and their getInfo (anything else on the host): count them as gone.
  const infos = await Promise.all(
    domains.map((dom) =>
      client.domainGetInfo({ dom }).catch((err) => (isNoDomain(err) ? null : Promise.reject(err))),
    ),
  );
  return domains.map((d, i) => ({ name: d.name, uuid: d.uuid, state: infos[i]?.state ?? -1 }));
}

function noteListed(n) {
  ctx.listed.min = Math.min(ctx.listed.min, n);
  ctx.listed.max = Math.max(ctx.listed.max, n);
}

function checkRows(label, rows, expected) {
  const mine = rows.filter((r) => r.name.startsWith(prefix));
  const states = [...new Set(mine.map((r) => r.state))];
  if (mine.length !== expected || states.length !== 1 || states[0] !== DomainState.Shutoff) {
    throw new Error(
      `${label} saw ${mine.length}/${expected} of this run's domains, states ${states.join(',')}`,
    );
  }
  return rows.length;
}

async function timeNode(label, fn, n, expected) {
  const samples = [];
  let rows = [];
  for (let i = 0; i < n; i++) {
    checkStop();
    const t0 = performance.now();
    rows = await fn();
    samples.push(performance.now() - t0);
  }
  if (n > 0) noteListed(checkRows(label, rows, expected));
  return samples;
}

function virshOnce() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('virsh', ['-c', URI, 'list', '--all'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    ctx.children.add(child);
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const ms = performance.now() - t0;
      ctx.children.delete(child);
      if (code !== 0) {
        reject(new Error(`virsh list exited ${String(code ?? signal)}: ${Buffer.concat(err).toString()}`));
        return;
      }
      resolve({ ms, stdout: Buffer.concat(out).toString() });
    });
  });
}

async function timeVirsh(n, expected) {
  const samples = [];
  let stdout = '';
  for (let i = 0; i < n; i++) {
    checkStop();
    const r = await virshOnce();
    samples.push(r.ms);
    stdout = r.stdout;
  }
  const mine = stdout.split('\n').filter((l) => l.includes(prefix));
  if (n > 0) noteListed(stdout.split('\n').filter((l) => /^\s*(\d+|-)\s+\S/.test(l)).length);
  if (n > 0 && (mine.length !== expected || !mine.every((l) => /\sshut off\s*$/.test(l)))) {
    throw new Error(
      `virsh list --all showed ${mine.length}/${expected} of this run's domains (or not shut off)`,
    );
  }
  return samples;
}

async function timePython(op, n, warmup, expected) {
  checkStop();
  const r = await ctx.python.request({ op, iterations: n, warmup });
  if (r.matching !== expected || r.states.length !== 1 || r.states[0] !== DomainState.Shutoff) {
    throw new Error(`python ${op} saw ${String(r.matching)}/${expected} of this run's domains`);
  }
  if (n > 0) noteListed(Number(r.count));
  return r.samples_ms;
}

async function assertAbsent(client, name, uuid) {
  for (const lookup of [
    () => client.domainLookupByName({ name }),
    () => client.domainLookupByUuid({ uuid }),
  ]) {
    try {
      await lookup();
    } catch (err) {
      if (isNoDomain(err)) continue;
      throw err;
    }
    throw new Error(`refusing to touch existing domain ${name} / ${uuid}: this run did not create it`);
  }
}

/** One define / start / destroy (until shut off) / undefine through our client. */
async function oursLifecycle(client, name, uuid, xml) {
  await assertAbsent(client, name, uuid);
  own(name, uuid);
  const out = {};
  let t0 = performance.now();
  const dom = await track(client.domainDefineXmlFlags({ xml, flags: 0 }));
  out.define_ms = performance.now() - t0;
  if (dom.uuid !== uuid || dom.name !== name) throw new Error(`defined ${dom.name}/${dom.uuid}, not ${name}`);
  t0 = performance.now();
  await track(client.domainCreateWithFlags({ dom, flags: 0 }));
  out.start_ms = performance.now() - t0;
  // virDomainDestroy returns once QEMU is gone; the state check confirms "shut off" (same on the python side).
  t0 = performance.now();
  await track(client.domainDestroyFlags({ dom, flags: 0 }));
  while ((await client.domainGetState({ dom, flags: 0 })).state !== DomainState.Shutoff) await sleep(1);
  out.destroy_ms = performance.now() - t0;
  t0 = performance.now();
  await track(client.domainUndefineFlags({ dom, flags: 0 }));
  out.undefine_ms = performance.now() - t0;
  ctx.owned.delete(uuid);
  return out;
}

async function pythonLifecycle(name, uuid, xml) {
  own(name, uuid); // recorded first: if the helper dies half-way, our clean-up still finds it by UUID
  const r = await track(ctx.python.request({ op: 'lifecycle', name, uuid, xml }));
  ctx.owned.delete(uuid); // the helper undefined it (it answers only after undefineFlags succeeded)
  return r;
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function run(opts, log) {
  const client = await LibvirtClient.connect(URI, { connectTimeoutMs: 10_000 });
  ctx.client = client;
  const libVersion = Number(await client.connectGetLibVersion());
  ctx.python = await PythonSide.start();
  const py = await ctx.python.request({ op: 'hello' });
  const ver = (v) => `${Math.floor(v / 1e6)}.${Math.floor(v / 1e3) % 1000}.${v % 1000}`;
  const env = {
    node: process.version,
    python: `${String(py.python)} (${String(py.executable)})`,
    libvirtd: ver(libVersion),
    pythonBindings: ver(Number(py.bindings)),
    cpus: os.cpus().length,
    host: `${os.type()} ${os.release()} ${os.arch()}`,
  };
  log(`gureum libvirt bench — run ${runId}, domains ${prefix}0..${opts.domains - 1}`);
  log(
    `node ${env.node} · python ${env.python} · libvirtd ${env.libvirtd} · python3-libvirt ${env.pythonBindings}`,
  );
  log(`${env.cpus} CPUs · ${env.host} · URI ${URI} (local socket only)`);

  // Refuse to run over anything that is not ours; mention other runs' leftovers, never touch them.
  const { domains: before } = await client.connectListAllDomains({ needResults: 1, flags: 0 });
  if (before.some((d) => d.name.startsWith(prefix)))
    throw new Error(`domains named ${prefix}* already exist`);
  const foreign = before.filter((d) => d.name.startsWith(NAME_ROOT));
  if (foreign.length > 0) {
    log(
      `note: ${foreign.length} ${NAME_ROOT}* domain(s) of other runs exist; left alone (they add to the lists)`,
    );
  }
  if (before.length > 0) log(`note: ${before.length} pre-existing domain(s) are listed too`);

  // 1. Define the domains (not a measurement; printed for information).
  log(`\ndefining ${opts.domains} inactive domains (type qemu, 64 MiB, no disks)…`);
  let t0 = performance.now();
  const list = Array.from({ length: opts.domains }, (_, n) => ({
    name: `${prefix}${n}`,
    uuid: randomUUID(),
  }));
  await pool(list, 5, async ({ name, uuid }) => {
    checkStop();
    own(name, uuid);
    const dom = await track(client.domainDefineXmlFlags({ xml: domainXml(name, uuid, 64), flags: 0 }));
    if (dom.uuid !== uuid) throw new Error(`defined ${name} got UUID ${dom.uuid}, expected ${uuid}`);
  });
  const defineAllMs = performance.now() - t0;
  log(`defined ${opts.domains} domains in ${(defineAllMs / 1000).toFixed(2)} s`);

  // 2. Listing. Warm-up of every side first, then `rounds` rounds that each time every side in turn (so a drift of
  // the machine during the run hits all of them alike).
  const expected = opts.domains;
  const listing = {
    ours: [],
    oursStatsOnly: [],
    oursListInfo: [],
    pyStats: [],
    pyListInfo: [],
    virsh: [],
  };
  log(`\nwarming up (${opts.warmup} iterations of each)…`);
  await timeNode('ours', () => oursBulkList(client), opts.warmup, expected);
  await timeNode('ours stats-only', () => oursStatsOnly(client), opts.warmup, expected);
  await timeNode('ours list+info', () => oursListInfo(client), Math.min(2, opts.warmup), expected);
  await ctx.python.request({ op: 'get_all_stats', iterations: 0, warmup: opts.warmup });
  await ctx.python.request({ op: 'list_info', iterations: 0, warmup: Math.min(2, opts.warmup) });
  await timeVirsh(Math.min(2, opts.warmup), expected);

  log(
    `${opts.rounds} rounds: ${opts.iterations} bulk + ${opts.slowIterations} one-by-one/virsh iterations per side` +
      ' each, every other round python first…',
  );
  const ours = (key, label, fn, n) => async () => {
    listing[key].push(...(await timeNode(label, () => fn(client), n, expected)));
  };
  const python = (key, op, n) => async () => {
    listing[key].push(...(await timePython(op, n, 0, expected)));
  };
  for (let round = 1; round <= opts.rounds; round++) {
    const bulk = [
      ours('ours', 'ours', oursBulkList, opts.iterations),
      python('pyStats', 'get_all_stats', opts.iterations),
      ours('oursStatsOnly', 'ours stats-only', oursStatsOnly, opts.iterations),
    ];
    const slow = [
      ours('oursListInfo', 'ours list+info', oursListInfo, opts.slowIterations),
      python('pyListInfo', 'list_info', opts.slowIterations),
      async () => {
        listing.virsh.push(...(await timeVirsh(opts.slowIterations, expected)));
      },
    ];
    if (round % 2 === 0) {
      bulk.reverse();
      slow.reverse();
    }
    for (const step of [...bulk, ...slow]) await step();
  }

  // 3. Life cycle of one tiny domain: ours and python interleaved, alternating who goes first.
  const lifecycle = { ours: [], python: [] };
  if (opts.lifecycle > 0) {
    log(
      `\nlife cycle: ${opts.lifecycleWarmup} warm-up + ${opts.lifecycle} measured define/start/destroy/undefine per side…`,
    );
    const total = opts.lifecycleWarmup + opts.lifecycle;
    for (let i = 0; i < total; i++) {
      const sides = [
        async () => {
          const name = `${prefix}lc-ours-${i}`;
          const uuid = randomUUID();
          const r = await oursLifecycle(client, name, uuid, domainXml(name, uuid, 32));
          if (i >= opts.lifecycleWarmup) lifecycle.ours.push(r);
        },
        async () => {
          const name = `${prefix}lc-py-${i}`;
          const uuid = randomUUID();
          const r = await pythonLifecycle(name, uuid, domainXml(name, uuid, 32));
          if (i >= opts.lifecycleWarmup) lifecycle.python.push(r);
        },
      ];
      if (i % 2 === 1) sides.reverse();
      for (const side of sides) {
        checkStop();
        await side();
      }
    }
  }
  return { env, defineAllMs, listing, lifecycle, listed: { ...ctx.listed } };
}

function report(opts, data, cleanupReport, log) {
  const L = data.listing;
  const s = Object.fromEntries(Object.entries(L).map(([k, v]) => [k, summarize(v)]));
  const ratio = (a, b) => ({ p50: a.p50 / b.p50, p95: a.p95 / b.p95 });
  const rows = [
    ['ours: listAllDomains + getAllDomainStats(STATE)', 'ours', 'open connection, 2 pipelined RPCs'],
    ['python3-libvirt: getAllDomainStats(STATE)', 'pyStats', 'FLOOR · long-lived process, 1 RPC'],
    ['python3-libvirt: listAllDomains + info() each', 'pyListInfo', 'long-lived process, 1 + N RPCs'],
    ['virsh list --all', 'virsh', 'INCLUDES virsh process start-up'],
    ['(suppl.) ours: getAllDomainStats(STATE) only', 'oursStatsOnly', 'same single RPC as the floor'],
    ['(suppl.) ours: listAllDomains + getInfo each', 'oursListInfo', '1 + N RPCs, 5 in flight'],
  ];
  log(`\n== listing ${opts.domains} inactive domains with their state (ms) ==`);
  log(
    table(
      ['method', 'p50', 'p95', 'mean', 'min', 'max', 'n', 'note'],
      rows.map(([label, key, note]) => {
        const x = s[key];
        return [label, fmtMs(x.p50), fmtMs(x.p95), fmtMs(x.mean), fmtMs(x.min), fmtMs(x.max), x.n, note];
      }),
    ),
  );

  const { min, max } = data.listed;
  log(
    min === max
      ? `every listing returned ${min} domains (${opts.domains} of this run)`
      : `listings returned ${min}–${max} domains (${opts.domains} of this run): other domains came and went ` +
          'during the run, so the absolute times mix list sizes (every method saw the same host)',
  );

  const ratios = {
    oursVsPyStats: ratio(s.ours, s.pyStats),
    oursVsPyListInfo: ratio(s.ours, s.pyListInfo),
    virshVsOurs: ratio(s.virsh, s.ours),
    oursStatsOnlyVsPyStats: ratio(s.oursStatsOnly, s.pyStats),
    oursListInfoVsPyListInfo: ratio(s.oursListInfo, s.pyListInfo),
  };
  log(`\n== ratios (same run; < 1 means ours is faster than the other side) ==`);
  log(
    table(
      ['ratio', 'p50', 'p95', 'target (on p50)'],
      [
        [
          'ours / python getAllDomainStats',
          fmtRatio(ratios.oursVsPyStats.p50),
          fmtRatio(ratios.oursVsPyStats.p95),
          `≤ ${TARGET_VS_FLOOR.toFixed(1)}`,
        ],
        [
          'ours / python listAllDomains+info',
          fmtRatio(ratios.oursVsPyListInfo.p50),
          fmtRatio(ratios.oursVsPyListInfo.p95),
          '—',
        ],
        [
          'virsh / ours (virsh incl. start-up)',
          `${fmtRatio(ratios.virshVsOurs.p50)}×`,
          `${fmtRatio(ratios.virshVsOurs.p95)}×`,
          `≥ ${TARGET_VS_VIRSH}×`,
        ],
        [
          '(suppl.) ours stats-only / python getAllDomainStats',
          fmtRatio(ratios.oursStatsOnlyVsPyStats.p50),
          fmtRatio(ratios.oursStatsOnlyVsPyStats.p95),
          '—',
        ],
        [
          '(suppl.) ours list+getInfo / python list+info',
          fmtRatio(ratios.oursListInfoVsPyListInfo.p50),
          fmtRatio(ratios.oursListInfoVsPyListInfo.p95),
          '—',
        ],
      ],
    ),
  );

  const lc = { ours: {}, python: {}, ratio: {} };
  const ops = ['define', 'start', 'destroy', 'undefine'];
  if (data.lifecycle.ours.length > 0) {
    for (const op of ops) {
      lc.ours[op] = summarize(data.lifecycle.ours.map((r) => r[`${op}_ms`]));
      lc.python[op] = summarize(data.lifecycle.python.map((r) => r[`${op}_ms`]));
      lc.ratio[op] = ratio(lc.ours[op], lc.python[op]);
    }
    log(
      `\n== life cycle of one tiny domain (type qemu, 32 MiB, no disk; ms; ${lc.ours.define.n} samples each) ==`,
    );
    log(
      table(
        ['operation', 'ours p50', 'ours p95', 'python p50', 'python p95', 'ours/py p50', 'ours/py p95'],
        ops.map((op) => [
          op === 'destroy' ? 'destroy (until shut off)' : op === 'undefine' ? 'undefine (suppl.)' : op,
          fmtMs(lc.ours[op].p50),
          fmtMs(lc.ours[op].p95),
          fmtMs(lc.python[op].p50),
          fmtMs(lc.python[op].p95),
          fmtRatio(lc.ratio[op].p50),
          fmtRatio(lc.ratio[op].p95),
        ]),
      ),
    );
  }

  const targets = [
    {
      name: 'ours / python getAllDomainStats (p50)',
      value: ratios.oursVsPyStats.p50,
      target: `<= ${TARGET_VS_FLOOR.toFixed(1)}`,
      pass: ratios.oursVsPyStats.p50 <= TARGET_VS_FLOOR,
    },
    {
      name: 'virsh list --all / ours (p50)',
      value: ratios.virshVsOurs.p50,
      target: `>= ${TARGET_VS_VIRSH}×`,
      pass: ratios.virshVsOurs.p50 >= TARGET_VS_VIRSH,
    },
  ];

  log(`\n== summary ==`);
  const summaryRows = [
    ['list: ours (bulk)', fmtMs(s.ours.p50), fmtMs(s.ours.p95), '1.00'],
    [
      'list: python getAllDomainStats (floor)',
      fmtMs(s.pyStats.p50),
      fmtMs(s.pyStats.p95),
      fmtRatio(s.pyStats.p50 / s.ours.p50),
    ],
    [
      'list: python listAllDomains+info',
      fmtMs(s.pyListInfo.p50),
      fmtMs(s.pyListInfo.p95),
      fmtRatio(s.pyListInfo.p50 / s.ours.p50),
    ],
    [
      'list: virsh list --all (incl. start-up)',
      fmtMs(s.virsh.p50),
      fmtMs(s.virsh.p95),
      fmtRatio(s.virsh.p50 / s.ours.p50),
    ],
  ];
  for (const op of data.lifecycle.ours.length > 0 ? ['define', 'start', 'destroy'] : []) {
    summaryRows.push([`${op}: ours`, fmtMs(lc.ours[op].p50), fmtMs(lc.ours[op].p95), '1.00']);
    summaryRows.push([
      `${op}: python3-libvirt`,
      fmtMs(lc.python[op].p50),
      fmtMs(lc.python[op].p95),
      fmtRatio(lc.python[op].p50 / lc.ours[op].p50),
    ]);
  }
  log(table(['benchmark', 'p50 ms', 'p95 ms', '× ours (p50)'], summaryRows));
  log('');
  for (const t of targets) {
    const v = t.name.startsWith('virsh') ? `${fmtRatio(t.value)}×` : fmtRatio(t.value);
    log(
      `${t.pass ? 'PASS' : 'MISS'}  ${t.name} = ${v} (target ${t.target.replace('<=', '≤').replace('>=', '≥')})`,
    );
  }
  const c = cleanupReport;
  log(
    `\nclean-up: ${c.removed} removed, ${c.alreadyGone} already gone, ${c.leftover.length} left, ` +
      `${c.refused.length} refused, ${c.failed.length} failed (${(c.ms / 1000).toFixed(2)} s)`,
  );

  return {
    runId,
    prefix,
    timestamp: new Date().toISOString(),
    env: data.env,
    options: opts,
    setup: { defineAllMs: data.defineAllMs },
    domainsListed: data.listed,
    listing: Object.fromEntries(Object.entries(L).map(([k, v]) => [k, { ...s[k], samplesMs: v }])),
    ratios,
    lifecycle: { summary: lc, samples: data.lifecycle },
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
  await ctx.client?.close().catch(() => undefined);
  if (failure) {
    const c = cleanupReport;
    console.error(`clean-up: ${c.removed} removed, ${c.leftover.length} left`);
    throw failure;
  }
  const json = report(opts, data, cleanupReport, log);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `libvirt-${json.timestamp.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...json, printed: lines }, null, 2)}\n`);
  console.log(`results: ${relative(ROOT, file)}`);
  if (cleanupReport.leftover.length > 0 || cleanupReport.failed.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  if (err instanceof Interrupted) return; // the signal handler exits once the clean-up is done
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
