#!/usr/bin/env node
// Image transfer throughput: an upload through the API (PUT /images/{id}/content, streamed into a libvirt volume
// with the SHA-256 computed on the way) against `cp` of the same file onto the same disk, and a server-side download
// (POST /images with source.url, from a file server on 127.0.0.1: python3 -m http.server) against `curl -o` of the same URL onto the same
// disk. Each timing ends with `sync`, so every side has its bytes on the disk, not only in the page cache. Sides
// alternate within each round. Target: throughput ≥ 0.8 × the floor's (time ≤ 1.25 ×).
//
//   npm run bench:iso [-- --size-mib=512 --rounds=3]
//
// The server runs as scripts/start.sh runs it (its `exec node …` flags), with a temporary data and storage
// directory, its own pools (bench-iso-<run>-*), and GUREUM_DOWNLOAD_ALLOW=127.0.0.1. Everything is removed at the end.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGureumClient } from '../packages/client/dist/index.js';
import { fmtRatio, sleep, summarize, table } from './lib/common.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const TARGET = 0.8;

function option(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}
const SIZE_MIB = option('size-mib', 512);
const ROUNDS = option('rounds', 3);

function serverFlags() {
  const script = readFileSync(join(ROOT, 'scripts', 'start.sh'), 'utf8');
  const m = /^exec node (.*?)\s*packages\/server\/dist\/main\.js\s*$/m.exec(script);
  if (!m) throw new Error('scripts/start.sh has no `exec node … packages/server/dist/main.js` line');
  return m[1].split(/\s+/).filter(Boolean);
}

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

const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const timed = async (work) => {
  const t0 = performance.now();
  await work();
  run('sync', []);
  return performance.now() - t0;
};

async function main() {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  // The work directory sits on the same file system as the server's storage directory.
  const work = mkdtempSync(join(os.tmpdir(), `gureum-bench-iso-${runId}-`));
  const storage = join(work, 'storage');
  const data = join(work, 'data');
  mkdirSync(storage);
  mkdirSync(data);
  const source = join(work, 'source.img');
  const poolPrefix = `bench-iso-${runId}`;
  let server;
  let files;
  const cleanup = [];
  try {
    console.log(`gureum image transfer bench — ${SIZE_MIB} MiB, ${ROUNDS} rounds, work dir ${work}`);
    console.log(
      `node ${process.version} · ${os.cpus().length} CPUs · load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    // Random bytes (incompressible; a raw disk image to the server).
    const out = createWriteStream(source);
    for (let i = 0; i < SIZE_MIB; i++) out.write(randomBytes(1024 * 1024));
    await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
    const bytes = statSync(source).size;

    // The file server is another process (python's http.server), as a real mirror would be.
    const filesPort = await freePort();
    files = spawn(
      'python3',
      ['-m', 'http.server', String(filesPort), '--bind', '127.0.0.1', '--directory', work],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; ; i++) {
      try {
        await fetch(`http://127.0.0.1:${filesPort}/`);
        break;
      } catch {
        if (i > 100) throw new Error('the file server did not start');
        await sleep(50);
      }
    }
    const fileUrl = `http://127.0.0.1:${filesPort}/source.img`;

    const port = await freePort();
    const password = `bench-${randomBytes(8).toString('hex')}`;
    server = spawn(
      process.execPath,
      [...serverFlags(), join(ROOT, 'packages', 'server', 'dist', 'main.js')],
      {
        env: {
          ...process.env,
          GUREUM_LISTEN: `127.0.0.1:${port}`,
          GUREUM_DATA_DIR: data,
          GUREUM_STORAGE_DIR: storage,
          GUREUM_POOL_PREFIX: poolPrefix,
          GUREUM_ADMIN_PASSWORD: password,
          GUREUM_LOG_LEVEL: 'warn',
          GUREUM_DOWNLOAD_ALLOW: '127.0.0.1',
          GUREUM_MAX_IMAGE_BYTES: String(bytes * 2),
          MALLOC_MMAP_THRESHOLD_: '131072',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let serverLog = '';
    server.stdout.on('data', (d) => (serverLog = (serverLog + d.toString()).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        const health = await (await fetch(`${url}/api/v1/health`)).json();
        if (health.status === 'ok') break;
      } catch {
        // not listening yet
      }
      if (server.exitCode !== null) throw new Error(`the server exited at start-up:\n${serverLog}`);
      if (i > 600) throw new Error(`the server did not become healthy in 60 s:\n${serverLog}`);
      await sleep(100);
    }
    const { token } = await createGureumClient({ baseUrl: url }).login({ username: 'admin', password });
    const client = createGureumClient({ baseUrl: url, token });

    const samples = { upload: [], cp: [], download: [], curl: [] };
    const images = [];
    // The upload as any HTTP client sends it: PUT with Content-Length, the file streamed from disk.
    const upload = async () => {
      const image = await client.createImage({ name: `up-${images.length}-${runId}`, kind: 'disk' });
      images.push(image.id);
      const reply = await new Promise((resolve, reject) => {
        const req = http.request(
          `${url}/api/v1/images/${image.id}/content`,
          {
            method: 'PUT',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/octet-stream',
              'content-length': bytes,
            },
          },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode, body }));
          },
        );
        req.on('error', reject);
        createReadStream(source).pipe(req);
      });
      const ready = JSON.parse(reply.body);
      if (reply.status !== 200 || ready.status !== 'ready' || ready.sizeBytes !== bytes)
        throw new Error(`upload ended ${reply.status}: ${reply.body.slice(0, 300)}`);
    };
    const download = async () => {
      const image = await client.createImage({
        name: `dl-${images.length}-${runId}`,
        kind: 'disk',
        source: { url: fileUrl },
      });
      images.push(image.id);
      const [task] = (await client.listTasks({ resource: image.id, kind: 'image.import' })).items;
      const ended = await client.waitForTask(task.id, { timeoutMs: 600_000 });
      if (ended.status !== 'succeeded')
        throw new Error(`download ended ${ended.status}: ${ended.error?.detail}`);
    };
    const cp = async () => {
      const dest = join(storage, `cp-${randomBytes(4).toString('hex')}.img`);
      cleanup.push(dest);
      run('cp', [source, dest]);
    };
    const curl = async () => {
      const dest = join(storage, `curl-${randomBytes(4).toString('hex')}.img`);
      cleanup.push(dest);
      run('curl', ['-sS', '-o', dest, fileUrl]);
    };
    const removeCopies = async () => {
      for (const f of cleanup.splice(0)) rmSync(f, { force: true });
      for (const id of images.splice(0)) await client.deleteImage({ id });
    };

    // Warm-up: one of each (page cache of the source, JIT, connections).
    console.log('warming up (one of each)…');
    await upload();
    await cp();
    await download();
    await curl();
    await removeCopies();
    for (let round = 0; round < ROUNDS; round++) {
      const pairs = [
        ['upload', upload, 'cp', cp],
        ['download', download, 'curl', curl],
      ];
      for (const [a, fa, b, fb] of pairs) {
        const order =
          round % 2 === 0
            ? [
                [a, fa],
                [b, fb],
              ]
            : [
                [b, fb],
                [a, fa],
              ];
        for (const [name, fn] of order) samples[name].push(await timed(fn));
        await removeCopies();
      }
      console.log(`round ${round + 1}/${ROUNDS} done`);
    }

    const mibs = (ms) => bytes / 1048576 / (ms / 1000);
    const row = (label, name, note) => {
      const s = summarize(samples[name]);
      return [label, s.p50.toFixed(0), s.min.toFixed(0), s.max.toFixed(0), mibs(s.p50).toFixed(1), note];
    };
    console.log(`\n== ${SIZE_MIB} MiB, ms until the bytes are on disk (sync), ${ROUNDS} samples each ==`);
    console.log(
      table(
        ['side', 'p50 ms', 'min', 'max', 'MiB/s (p50)', 'note'],
        [
          row('API upload (PUT content)', 'upload', 'stream → libvirt volume, SHA-256'),
          row('FLOOR cp', 'cp', 'same file, same disk'),
          row('API download (source.url)', 'download', 'image.import task, SHA-256'),
          row('FLOOR curl -o', 'curl', 'same URL, same disk'),
        ],
      ),
    );
    const up = summarize(samples.cp).p50 / summarize(samples.upload).p50;
    const down = summarize(samples.curl).p50 / summarize(samples.download).p50;
    const verdict = (ratio) => (ratio >= TARGET ? 'PASS' : 'MISS');
    console.log(`${verdict(up)}  upload throughput / cp throughput = ${fmtRatio(up)}× (target ≥ ${TARGET})`);
    console.log(
      `${verdict(down)}  download throughput / curl throughput = ${fmtRatio(down)}× (target ≥ ${TARGET})`,
    );
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    if (files) files.kill();
    for (const pool of [`${poolPrefix}-images`, `${poolPrefix}-vms`]) {
      try {
        run('virsh', ['-q', '-c', 'qemu:///system', 'pool-destroy', pool]);
      } catch {
        // not active
      }
      try {
        run('virsh', ['-q', '-c', 'qemu:///system', 'pool-undefine', pool]);
      } catch {
        // not defined
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
