// The built executable as a user runs it: `node dist/bin/gureum.js …` in a child process, against a fake API
// server (node:http + ws) that speaks the contract's shapes.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, sha256 } from '../test/fake-api.js';
import { deadUrl, tempHome } from '../test/run.js';
import { ADMIN_TOKEN, image, World } from '../test/world.js';

const PACKAGE = resolve(import.meta.dirname, '../..');
const ROOT = resolve(PACKAGE, '../..');
const BIN = join(PACKAGE, 'dist/bin/gureum.js');

interface Spawned {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

let api: FakeApi;
let world: World;
let url: string;
let home: string;

function gureum(
  argv: readonly string[],
  options: {
    env?: Record<string, string>;
    stdin?: string;
    onStart?: (kill: (s: NodeJS.Signals) => void, out: () => string) => void;
  } = {},
): Promise<Spawned> {
  const child = spawn(process.execPath, [BIN, ...argv], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      GUREUM_URL: url,
      GUREUM_TOKEN: ADMIN_TOKEN,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.stdin.end(options.stdin ?? '');
  options.onStart?.(
    (s) => child.kill(s),
    () => stdout,
  );
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

beforeAll(() => {
  // The lead's `npx tsc -b` normally built it already; then this is a quick no-op (incremental). One retry: another
  // build running in the same tree at the same moment can make the first attempt fail.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = (): void => {
    execFileSync(process.execPath, [tsc, '-b', 'packages/cli/tsconfig.lib.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  };
  try {
    build();
  } catch {
    try {
      build();
    } catch (err: unknown) {
      const output = err instanceof Error && 'stdout' in err ? String(err.stdout) : '';
      throw new Error(`tsc -b packages/cli failed:\n${output}`, { cause: err });
    }
  }
}, 120_000);

beforeEach(async () => {
  api = new FakeApi();
  world = new World(api);
  url = await api.start();
  home = tempHome();
});

afterEach(async () => {
  await api.close();
  expect(api.violations).toEqual([]);
});

describe('gureum (the executable)', () => {
  it('login stores the credentials 0600 in ~/.config/gureum (0700)', async () => {
    const r = await gureum(['login', '--username', 'admin', '--password-stdin'], {
      stdin: 'correct horse\n',
      env: { GUREUM_TOKEN: '' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const path = join(home, '.config/gureum/credentials.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.config/gureum')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      current: url,
      logins: { [url]: { token: 'tok-session' } },
    });
    const whoami = await gureum(['whoami'], { env: { GUREUM_TOKEN: '' } });
    expect(whoami.stdout).toBe(`admin (admin) on ${url} — stored login\n`);
  });

  it('vm list prints a table', async () => {
    world.addVm({ name: 'web-1', state: 'running', vcpus: 2, memoryBytes: 2 * 2 ** 30 });
    world.addVm({ name: 'db-1' });
    const r = await gureum(['vm', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\d+[smhd] ago|2025-01-01/g, 'AGE')).toBe(
      [
        'NAME   STATE    VCPUS   MEMORY  IP  CREATED',
        'web-1  running      2    2 GiB  -   AGE',
        'db-1   stopped      1  512 MiB  -   AGE',
        '',
      ].join('\n'),
    );
  });

  it('vm create --start waits for the task and prints the final state', async () => {
    world.images.set('img_1', image({ id: 'img_1', name: 'debian-12' }));
    const r = await gureum(['vm', 'create', 'web-1', '--image', 'debian-12', '--memory', '512M', '--start']);
    expect(r).toMatchObject({ code: 0, stdout: 'Created vm web-1: running\n', stderr: '' });
    expect(world.findVm('web-1')?.state).toBe('running');
    expect(api.calls('createVm')[0]?.json).toMatchObject({ memoryBytes: 512 * 2 ** 20, start: true });
  });

  it('image upload streams the file with progress on stderr and prints the sha256', async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 3);
    const file = join(home, 'disk.qcow2');
    writeFileSync(file, bytes);
    const r = await gureum(['image', 'upload', file, '--name', 'debian-12', '--progress', 'always']);
    expect(r.code).toBe(0);
    const [img] = [...world.images.values()];
    expect(world.uploads.get(img?.id ?? '')?.equals(bytes)).toBe(true);
    expect(r.stdout).toBe(
      `Uploaded disk image debian-12 (${img?.id ?? ''}): 5 MiB, ready\nsha256 ${sha256(bytes)} (matches the local file)\n`,
    );
    expect(r.stderr).toMatch(/\[=+\] {2}100% {2}5 MiB \/ 5 MiB {2}\S+ \S+\/s {2}in \S+\n$/);
  });

  it('a 404 prints the problem line and exits 1', async () => {
    const r = await gureum(['vm', 'show', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: VM not found — No VM you may see has the id or name "nope". [VM_NOT_FOUND]\nrequestId: req-42\n',
    );
  });

  it('--json prints parseable JSON', async () => {
    world.addVm({ name: 'web-1' });
    const list = await gureum(['vm', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject({ items: [{ name: 'web-1' }], nextCursor: null });
    const err = await gureum(['vm', 'show', 'nope', '--json']);
    expect(JSON.parse(err.stderr)).toMatchObject({ code: 'VM_NOT_FOUND', status: 404 });
  });

  it('vm delete --dry-run prints the plan and deletes nothing', async () => {
    const vm = world.addVm({ name: 'web-1' });
    const r = await gureum(['vm', 'delete', 'web-1', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Would delete:\nKIND    ID${' '.repeat(36)}NAME\nvm      ${vm.id}  web-1\nvolume  vol_1${' '.repeat(33)}web-1-disk0\n`,
    );
    expect(world.findVm('web-1')).toBeDefined();
    expect(api.calls('deleteVm').map((c) => c.query.get('dryRun'))).toEqual(['true']);
    const refused = await gureum(['vm', 'delete', 'web-1']);
    expect(refused.code).toBe(2);
    expect(world.findVm('web-1')).toBeDefined();
  });

  it('unknown flags exit 2 with the usage', async () => {
    const r = await gureum(['vm', 'list', '--colour']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Invalid usage — unknown flag --colour [USAGE]\n\nUsage: gureum vm list [flags]\nRun `gureum vm list --help` for more.\n',
    );
  });

  it('connection refused names the URL and suggests npm start', async () => {
    const dead = await deadUrl();
    const r = await gureum(['vm', 'list'], { env: { GUREUM_URL: dead } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^error: Cannot connect — connection to ${dead} refused; .*\`npm start\``),
    );
  });

  it('events follows the stream and Ctrl-C exits 0', async () => {
    const r = await gureum(['events', '--json'], {
      onStart: (kill, out) => {
        void (async () => {
          for (let i = 0; i < 500 && api.subscribers === 0; i++)
            await new Promise((ok) => setTimeout(ok, 10));
          api.publish({
            id: 1,
            type: 'vm.deleted',
            time: '2025-01-01T00:00:00.000Z',
            resource: { kind: 'vm', id: 'x' },
            data: { name: 'web-1' },
          });
          for (let i = 0; i < 500 && out() === ''; i++) await new Promise((ok) => setTimeout(ok, 10));
          kill('SIGINT');
        })();
      },
    });
    // stderr: only the note that the stream is live (stdout stays pure JSON lines).
    expect(r.stderr).toMatch(/^Following events on http:\/\/127\.0\.0\.1:\d+ \(Ctrl-C to stop\)\.\n$/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 1, type: 'vm.deleted' });
  });
});
