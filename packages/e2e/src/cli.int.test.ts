// End to end: the `gureum` CLI as a user runs it. Every command is the built executable spawned as its own process
// (pipes, not a terminal, unless it runs under `script`), against one real server process (SQLite), the real
// libvirtd and the tiny test guest; virsh and the filesystem observe independently. At most one guest runs at a time.
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent, EventEnvelope, Image, Problem, Task, Token, User, Vm } from '@gureum/contract';
import { domainState, ensureTestGuests, readSerialLog } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CliProcess,
  ensureCliBuilt,
  newCliHome,
  runCli,
  runCliOnTerminal,
  type CliOptions,
  type CliResult,
} from './cli.js';
import { sha256File, startGureum, type GureumServer } from './harness.js';
import { domainNames, poolVolumes, waitForBoot } from './observe.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ESC = '\x1b';

/** A person at a shell: a home directory (their stored login) and their environment. */
class Shell {
  readonly home = newCliHome();
  constructor(private readonly env: Readonly<Record<string, string | undefined>> = {}) {}

  run(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
    return runCli(this.home, args, { ...options, env: { ...this.env, ...options.env } });
  }

  /** Runs a command that must succeed (exit 0); returns its stdout. */
  async ok(args: readonly string[], options: CliOptions = {}): Promise<string> {
    const r = await this.run(args, options);
    expect(r.code, `gureum ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r.stdout;
  }

  /** Runs a command with `--json` that must succeed; returns the parsed document on stdout. */
  async json<T>(args: readonly string[], options: CliOptions = {}): Promise<T> {
    return JSON.parse(await this.ok([...args, '--json'], options)) as T;
  }

  /** Runs a command that must fail with exit code `code` (1 by default); returns its output. */
  async fails(args: readonly string[], code = 1, options: CliOptions = {}): Promise<CliResult> {
    const r = await this.run(args, options);
    expect(r.code, `gureum ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
    return r;
  }

  follow(args: readonly string[]): CliProcess {
    return CliProcess.start(this.home, args, { env: this.env });
  }

  terminal(args: readonly string[]): Promise<CliResult> {
    return runCliOnTerminal(this.home, args, { env: this.env });
  }
}

/** The one error line the CLI prints: `error: <title> — <detail> [<code>]`. */
function errorLine(stderr: string): { title: string; detail: string; code: string } {
  const m = /^error: (.+?) — (.+) \[([A-Z][A-Z0-9_]*)\]$/m.exec(stderr);
  if (!m) throw new Error(`no "error: <title> — <detail> [<code>]" line in:\n${stderr}`);
  return { title: m[1] ?? '', detail: m[2] ?? '', code: m[3] ?? '' };
}

/** A table as printed: the header line and the rows, and where each header starts and ends. */
function parseTable(text: string): {
  header: string;
  rows: string[];
  start(h: string): number;
  end(h: string): number;
} {
  const [header = '', ...rows] = text.trimEnd().split('\n');
  const at = (h: string): number => {
    const i = new RegExp(`(^| )${h}( |$)`).exec(header);
    if (!i) throw new Error(`no column ${h} in ${header}`);
    return i.index + (i[1] ?? '').length;
  };
  return { header, rows, start: at, end: (h) => at(h) + h.length };
}

/** A port where nothing listens: a server on 127.0.0.1 that was stopped a moment ago. */
async function deadUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

function bash(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let gureum: GureumServer | undefined;
/** The admin, through GUREUM_URL and GUREUM_TOKEN (the token of the harness's login). */
let admin: Shell;
let diskFile: string;
let image: Image | undefined;
let vm: Vm | undefined;
const shells: Shell[] = [];

function server(): GureumServer {
  if (!gureum) throw new Error('no server');
  return gureum;
}

function theImage(): Image {
  if (!image) throw new Error('the image of the upload test is missing');
  return image;
}

function theVm(): Vm {
  if (!vm) throw new Error('the VM of the create test is missing');
  return vm;
}

function shell(env: Readonly<Record<string, string | undefined>> = {}): Shell {
  const s = new Shell(env);
  shells.push(s);
  return s;
}

beforeAll(async () => {
  const [g, guests] = await Promise.all([
    startGureum({ dialect: 'sqlite' }),
    ensureTestGuests(),
    ensureCliBuilt(),
  ]);
  gureum = g;
  diskFile = guests.disk;
  admin = shell({ GUREUM_URL: g.url, GUREUM_TOKEN: g.token });
});

afterAll(async () => {
  await gureum?.dispose();
  for (const s of shells) await rm(s.home, { recursive: true, force: true });
});

describe('the gureum CLI, spawned against a real server and libvirtd', () => {
  it('logs in with the password on stdin into a 0600 file, says who it is, and logs out (revoking the session)', async () => {
    const g = server();
    const user = shell(); // no GUREUM_* at all: everything comes from the stored login
    const login = await user.run(['login', '--url', `${g.url}/`, '--username', 'admin', '--password-stdin'], {
      stdin: `${g.adminPassword}\n`,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(
      new RegExp(`^Logged in to ${g.url} as admin \\(admin\\); the session expires \\S+Z\\.\\n$`),
    );

    const file = join(user.home, '.config/gureum/credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(user.home, '.config/gureum'))).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(file, 'utf8')) as {
      current: string;
      logins: Record<string, { token: string; username: string }>;
    };
    expect(stored.current).toBe(g.url);
    const session = stored.logins[g.url];
    expect(session?.username).toBe('admin');
    expect(session?.token).toMatch(/\S{20,}/);
    expect(JSON.stringify(stored)).not.toContain(g.adminPassword);

    // The stored login is used without --url or GUREUM_URL. A wrong password stores nothing; without a terminal to
    // ask on and without --password-stdin, login is a usage error (exit 2).
    const stranger = shell();
    const [who, me, wrong, noTty] = await Promise.all([
      user.ok(['whoami']),
      user.json<User>(['whoami']),
      stranger.fails(['login', '--url', g.url, '-u', 'admin', '--password-stdin'], 1, {
        stdin: 'not-the-password\n',
      }),
      stranger.fails(['login', '--url', g.url, '-u', 'admin'], 2),
    ]);
    expect(who).toBe(`admin (admin) on ${g.url} — stored login\n`);
    expect(me).toMatchObject({ username: 'admin', role: 'admin' });
    expect(me.id).toMatch(UUID);
    expect(errorLine(wrong.stderr).code).toBe('INVALID_CREDENTIALS');
    expect(errorLine(noTty.stderr).code).toBe('USAGE');
    await expect(stat(join(stranger.home, '.config/gureum/credentials.json'))).rejects.toThrow(/ENOENT/);

    expect(await user.ok(['logout'])).toBe(`Logged out of ${g.url}.\n`);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    // Forgotten here, and revoked on the server too: the session's token no longer works.
    const [after, revoked] = await Promise.all([
      user.fails(['whoami']),
      user.fails(['whoami'], 1, { env: { GUREUM_URL: g.url, GUREUM_TOKEN: session?.token } }),
    ]);
    expect(errorLine(after.stderr)).toMatchObject({ title: 'Not logged in', code: 'NOT_LOGGED_IN' });
    expect(errorLine(revoked.stderr).code).toBe('UNAUTHENTICATED');
  });

  it('uploads an image without a terminal: no progress noise by default, plain progress lines on request, the sha256 of the file', async () => {
    const g = server();
    const sha256 = await sha256File(diskFile);
    const size = (await stat(diskFile)).size;

    const name = g.name('img');
    const r = await admin.run(['image', 'upload', diskFile, '--name', name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no bar redrawn into a pipe
    const [head = '', shaLine = ''] = r.stdout.trimEnd().split('\n');
    expect(head).toMatch(new RegExp(`^Uploaded disk image ${name} \\(([0-9a-f-]{36})\\): \\d+ MiB, ready$`));
    expect(shaLine).toBe(`sha256 ${sha256} (matches the local file)`);
    expect(r.stdout).not.toContain(ESC);

    // Progress asked for into a pipe: whole lines (no carriage returns, no escapes), ending at 100 %.
    const name2 = g.name('img2');
    const p = await admin.run([
      'image',
      'upload',
      diskFile,
      '--name',
      name2,
      '--json',
      '--progress',
      'always',
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toContain('\r');
    expect(p.stderr).not.toContain(ESC);
    const progressLines = p.stderr.trimEnd().split('\n');
    expect(progressLines.at(-1)).toMatch(/^\[=+\] +100% {2}\d+ MiB \/ \d+ MiB {2}.*\/s {2}in \S+$/);
    const uploaded = JSON.parse(p.stdout) as Image;
    expect(uploaded).toMatchObject({
      name: name2,
      kind: 'disk',
      format: 'qcow2',
      status: 'ready',
      sha256,
      sizeBytes: size,
    });

    // Both are listed; the second one goes again.
    const list = await admin.json<{ items: Image[] }>(['image', 'list']);
    expect(list.items.map((i) => i.name).sort()).toEqual([name, name2].sort());
    image = list.items.find((i) => i.name === name);
    expect(image?.sha256).toBe(sha256);
    expect(await admin.ok(['image', 'show', name])).toMatch(new RegExp(`^sha256: +${sha256}$`, 'm'));
    expect(await admin.ok(['image', 'delete', name2])).toBe(`Deleted image ${name2} (${uploaded.id}).\n`);
    expect((await poolVolumes(g.pools.images))?.length).toBe(1);
  });

  it('creates and starts a VM, lists it as an aligned table without colour, shows it, and stops it gracefully', async () => {
    const g = server();
    const name = g.name('vm');
    const created = await admin.json<Vm>([
      'vm',
      'create',
      name,
      '--image',
      theImage().name,
      '--memory',
      '128M',
      '--start',
    ]);
    vm = created;
    expect(created).toMatchObject({ name, state: 'running', vcpus: 1, memoryBytes: 128 * 1024 * 1024 });
    expect(await domainState(name)).toBe('running');
    expect(await poolVolumes(g.pools.vms)).toHaveLength(1);

    // Not a terminal: an aligned table, no escape codes.
    const listed = await admin.ok(['vm', 'list']);
    expect(listed).not.toContain(ESC);
    const table = parseTable(listed);
    expect(table.header).toMatch(/^NAME +STATE +VCPUS +MEMORY +IP +CREATED$/);
    expect(table.rows).toHaveLength(1);
    const row = table.rows[0] ?? '';
    expect(row.slice(table.start('NAME'))).toMatch(new RegExp(`^${name} `));
    expect(row.slice(table.start('STATE'))).toMatch(/^running /);
    expect(row.slice(0, table.end('VCPUS'))).toMatch(/ 1$/); // right-aligned under its header
    expect(row.slice(0, table.end('MEMORY'))).toMatch(/ 128 MiB$/);
    // On a terminal, the state is coloured (and the columns still line up).
    const tty = await admin.terminal(['vm', 'list']);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain(`${ESC}[32mrunning${ESC}[39m`);

    const list = await admin.json<{ items: Vm[]; nextCursor: string | null }>(['vm', 'list']);
    expect(list.items.map((v) => [v.id, v.name, v.state])).toEqual([[created.id, name, 'running']]);
    expect(list.nextCursor).toBeNull();

    const shown = await admin.ok(['vm', 'show', name]);
    expect(shown).toMatch(new RegExp(`^ID: +${created.id}$`, 'm'));
    expect(shown).toMatch(/^State: +running$/m);
    expect(shown).toMatch(/^Memory: +128 MiB$/m);
    expect(shown).toMatch(
      new RegExp(`^Disks:\\n.*\\n\\S+ +disk +virtio +\\d+ MiB +image ${theImage().id}$`, 'm'),
    );
    expect((await admin.json<Vm>(['vm', 'show', created.id])).name).toBe(name);

    // Graceful stop: the booted guest sees the ACPI power button and powers itself off.
    const log = g.serialLog(created.id);
    await waitForBoot(log, 1);
    expect(await admin.ok(['vm', 'stop', name])).toBe(`Stopped vm ${name}: stopped\n`);
    expect(await domainState(name)).toBe('shut off');
    expect(await readSerialLog(log)).toContain('TG-SHUTDOWN action=poweroff');
  });

  it('starts a VM without waiting, then follows its task with task wait, task show and task list', async () => {
    const { id, name } = theVm();
    const accepted = await admin.ok(['vm', 'start', name, '--no-wait']);
    const m = /^Task (\S+) \(vm\.start\) (queued|running); follow it with `gureum task wait \1`\.\n$/.exec(
      accepted,
    );
    expect(m, accepted).not.toBeNull();
    const taskId = m?.[1] ?? '';

    expect(await admin.ok(['task', 'wait', taskId, '--timeout', '60s'])).toBe(
      `Task ${taskId} (vm.start) succeeded.\n`,
    );
    const [state, shown, task, tasks, listed, refused] = await Promise.all([
      domainState(name),
      admin.ok(['task', 'show', taskId]),
      admin.json<Task>(['task', 'show', taskId]),
      admin.json<{ items: Task[] }>(['task', 'list', '--resource', id]),
      admin.ok(['task', 'list', '--resource', id, '--limit', '2']),
      admin.fails(['vm', 'start', name, '--no-wait']), // running already: refused at once (409)
    ]);
    expect(state).toBe('running');
    expect(shown).toMatch(/^Kind: +vm\.start$/m);
    expect(shown).toMatch(/^Status: +succeeded$/m);
    expect(shown).toMatch(/^Progress: +100%$/m);
    expect(shown).toMatch(new RegExp(`^Resource: +vm/${id}$`, 'm'));
    expect(task).toMatchObject({
      id: taskId,
      kind: 'vm.start',
      status: 'succeeded',
      resource: { kind: 'vm', id },
    });

    // Newest first, filtered by resource; the table lines up.
    expect(tasks.items.map((t) => [t.kind, t.status])).toEqual([
      ['vm.start', 'succeeded'],
      ['vm.stop', 'succeeded'],
      ['vm.create', 'succeeded'],
    ]);
    const table = parseTable(listed);
    expect(table.header).toMatch(/^ID +KIND +STATUS +PROGRESS +RESOURCE +CREATED +MESSAGE$/);
    expect(table.rows).toHaveLength(2);
    expect(table.rows[0]?.slice(table.start('KIND'))).toMatch(/^vm\.start +succeeded /);
    expect(table.rows[1]?.slice(table.start('KIND'))).toMatch(/^vm\.stop +succeeded /);
    expect(table.rows[0]?.slice(0, table.end('PROGRESS'))).toMatch(/ 100%$/);

    expect(errorLine(refused.stderr)).toMatchObject({
      code: 'VM_INVALID_STATE',
      detail: expect.stringContaining('running'),
    });
  });

  it('follows the live event stream, stops on Ctrl-C, and resumes with --since exactly after the last event seen', async () => {
    const { id, name } = theVm();
    const live = admin.follow(['events', '--json', '--topics', 'vm,task']);
    try {
      await live.waitForStderr(/^Following events on http:\/\/127\.0\.0\.1:\d+ \(Ctrl-C to stop\)\.$/m);
      expect(await admin.ok(['vm', 'force-stop', name])).toBe(`Powered off vm ${name}: stopped\n`);
      const stoppedLine = await live.waitForLine((l) => {
        const e = JSON.parse(l) as EventEnvelope;
        return e.type === 'vm.stopped' && e.resource.id === id;
      }, 'vm.stopped');
      expect(JSON.parse(stoppedLine)).toMatchObject({
        type: 'vm.stopped',
        data: { name, state: 'stopped', previousState: 'running', reason: 'destroyed' },
      });
      // The force-stop task's end is its last event.
      await live.waitForLine((l) => {
        const e = JSON.parse(l) as EventEnvelope;
        return (
          e.type === 'task.updated' &&
          e.data.task.kind === 'vm.force-stop' &&
          e.data.task.status === 'succeeded'
        );
      }, 'the force-stop task succeeding');
    } finally {
      expect(await live.stop('SIGINT')).toEqual({ code: 0, signal: null }); // Ctrl-C is a normal end
    }
    const seen = live.lines.map((l) => JSON.parse(l) as EventEnvelope);
    const ids = seen.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const lastSeen = ids.at(-1) ?? 0;

    // While nobody listens: the VM starts again.
    expect(await admin.ok(['vm', 'start', name])).toBe(`Started vm ${name}: running\n`);

    // Resuming (human output): exactly what was missed, from the next id on, nothing twice.
    const resumed = admin.follow(['events', '--since', String(lastSeen)]);
    try {
      const started = await resumed.waitForLine((l) => l.includes(`  vm.started  vm/${id}  `), 'vm.started');
      expect(started).toMatch(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT\\S+Z {2}#\\d+ {2}vm\\.started {2}vm/${id} {2}${name}: stopped → running \\(booted\\)$`,
        ),
      );
      await resumed.waitForLine(
        (l) => / task\.updated .* vm\.start succeeded 100%/.test(l),
        'vm.start succeeded',
      );
    } finally {
      expect((await resumed.stop('SIGINT')).code).toBe(0);
    }
    const resumedIds = resumed.lines.map((l) => Number(/ {2}#(\d+) {2}/.exec(l)?.[1]));
    expect(resumedIds[0]).toBe(lastSeen + 1);
    expect(resumedIds).toEqual(resumedIds.map((_, i) => lastSeen + 1 + i)); // no gap, no repeat
    expect(resumed.stdout).not.toContain(ESC);

    // The guest is not needed any more: pull the plug.
    await admin.ok(['vm', 'force-stop', name]);
    expect(await domainState(name)).toBe('shut off');
  });

  it('prints the plan of vm delete --dry-run and changes nothing; vm delete removes the domain and its volume', async () => {
    const g = server();
    const { id, name } = theVm();
    const volumes = await poolVolumes(g.pools.vms);
    expect(volumes).toHaveLength(1);

    const [plan, planJson, unconfirmed] = await Promise.all([
      admin.ok(['vm', 'delete', name, '--dry-run']),
      admin.json<{ wouldDelete: { kind: string; id: string }[] }>(['vm', 'delete', name, '--dry-run']),
      admin.fails(['vm', 'delete', name], 2), // no terminal to confirm on: --yes is required
    ]);
    const [title, ...planTable] = plan.trimEnd().split('\n');
    expect(title).toBe('Would delete:');
    const t = parseTable(planTable.join('\n'));
    expect(t.header).toMatch(/^KIND +ID +NAME/);
    const kinds = t.rows.map((r) => r.split(/ +/).slice(0, 2));
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['vm', id],
        ['domain', id],
      ]),
    );
    expect(t.rows.some((r) => r.startsWith('volume ') && r.includes(volumes?.[0] ?? '?'))).toBe(true);
    expect(planJson.wouldDelete.map((i) => [i.kind, i.id])).toEqual(kinds);
    expect(errorLine(unconfirmed.stderr).code).toBe('CONFIRMATION_REQUIRED');

    // Nothing changed.
    expect(await domainState(name)).toBe('shut off');
    expect(await poolVolumes(g.pools.vms)).toEqual(volumes);
    expect((await admin.json<Vm>(['vm', 'show', id])).state).toBe('stopped');

    expect(await admin.ok(['vm', 'delete', name, '--yes'])).toBe(`Deleted vm ${name}.\n`);
    expect(await domainState(name)).toBeUndefined();
    expect(await domainNames(g.poolPrefix)).toEqual([]);
    expect(await poolVolumes(g.pools.vms)).toEqual([]);
    const [gone, none, noneJson] = await Promise.all([
      admin.fails(['vm', 'show', id]),
      admin.run(['vm', 'list']),
      admin.json<{ items: Vm[] }>(['vm', 'list']),
    ]);
    expect(errorLine(gone.stderr).code).toBe('VM_NOT_FOUND');
    expect([none.code, none.stdout, none.stderr]).toEqual([0, '', 'No VMs.\n']);
    expect(noneJson.items).toEqual([]);
  });

  it('prints errors as "error: <title> — <detail> [<code>]" on stderr and exits non-zero', async () => {
    const g = server();
    const missing = g.name('nope');
    const dead = await deadUrl();
    const nobody = shell({ GUREUM_URL: g.url }); // no token anywhere
    const stranger = shell({ GUREUM_URL: g.url, GUREUM_TOKEN: 'gur_notarealtoken0000000000000000000000' });
    const [
      notFound,
      asJson,
      stop,
      forceStop,
      del,
      notLoggedIn,
      unauthenticated,
      invalid,
      noImage,
      unreachable,
      usage,
    ] = await Promise.all([
      admin.fails(['vm', 'show', missing]),
      admin.fails(['vm', 'show', missing, '--json']),
      admin.fails(['vm', 'stop', missing]),
      admin.fails(['vm', 'force-stop', missing]),
      admin.fails(['vm', 'delete', missing, '--yes']),
      nobody.fails(['vm', 'list']),
      stranger.fails(['vm', 'list']),
      admin.fails(['vm', 'create', 'Not_A_Name', '--image', theImage().id]),
      admin.fails(['vm', 'create', g.name('x'), '--image', 'no-such-image']),
      admin.fails(['vm', 'list', '--url', dead]),
      admin.fails(['vm', 'explode'], 2),
    ]);

    expect(notFound.stdout).toBe('');
    expect(errorLine(notFound.stderr)).toEqual({
      title: 'VM not found',
      detail: expect.stringContaining(missing),
      code: 'VM_NOT_FOUND',
    });
    expect(notFound.stderr).toMatch(/^requestId: \S+$/m);
    expect(JSON.parse(asJson.stderr)).toMatchObject({
      status: 404,
      code: 'VM_NOT_FOUND',
      title: 'VM not found',
    } satisfies Partial<Problem>);
    for (const r of [stop, forceStop, del]) expect(errorLine(r.stderr).code).toBe('VM_NOT_FOUND');

    // No token: the CLI says so without asking the server. A token the server does not know: its 401.
    expect(errorLine(notLoggedIn.stderr)).toEqual({
      title: 'Not logged in',
      detail: `no token for ${g.url}`,
      code: 'NOT_LOGGED_IN',
    });
    expect(notLoggedIn.stderr).toContain('Run `gureum login`');
    expect(errorLine(unauthenticated.stderr).code).toBe('UNAUTHENTICATED');
    expect(unauthenticated.stderr).toContain('Log in again with `gureum login`, or set GUREUM_TOKEN.');

    // An invalid name: the server's validation problem with the field. An image that does not exist.
    expect(errorLine(invalid.stderr).code).toBe('VALIDATION_FAILED');
    expect(invalid.stderr).toMatch(/^ {2}\/body\/name: .+$/m);
    expect(errorLine(noImage.stderr).code).toBe('IMAGE_NOT_FOUND');
    expect((await admin.json<{ items: Vm[] }>(['vm', 'list'])).items).toEqual([]);
    expect(await domainNames(g.poolPrefix)).toEqual([]);

    // Nothing listens there: said plainly, no stack trace.
    expect(errorLine(unreachable.stderr)).toMatchObject({
      title: 'Cannot connect',
      detail: expect.stringContaining(`connection to ${dead} refused; is the Gureum server running there?`),
      code: 'CONNECTION_REFUSED',
    });
    expect(unreachable.stderr).not.toMatch(/at .*\.js:\d+/);

    // A command line the CLI does not understand: exit 2 and the usage.
    expect(errorLine(usage.stderr)).toMatchObject({ code: 'USAGE', detail: 'unknown vm verb "explode"' });
    expect(usage.stderr).toMatch(/^Usage: gureum vm <verb>/m);
  });

  it('prints a bash completion script that completes the nouns and verbs', async () => {
    const script = await admin.ok(['completion', 'bash']);
    expect(script).toContain('complete -F _gureum gureum');
    const file = join(admin.home, 'gureum.bash');
    await writeFile(file, script);
    const complete = (words: string[]): Promise<string> =>
      bash(
        `source '${file}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _gureum; echo "\${COMPREPLY[*]}"`,
      ).then((s) => s.trim());
    const nouns = (await complete(['gureum', ''])).split(' ');
    expect(nouns).toEqual(
      expect.arrayContaining([
        'vm',
        'image',
        'task',
        'events',
        'user',
        'token',
        'quota',
        'audit',
        'login',
        'logout',
        'completion',
      ]),
    );
    expect(await complete(['gureum', 'vm', 'force'])).toBe('force-stop');
    expect((await complete(['gureum', 'task', ''])).split(' ').sort()).toEqual([
      'cancel',
      'list',
      'show',
      'wait',
    ]);
    expect(await complete(['gureum', 'vm', 'list', '--st'])).toBe('--state');
  });

  it('keeps members apart, refuses viewers, enforces quotas, manages tokens and audits who did what', async () => {
    const g = server();
    const img = theImage();
    const names = ['alice', 'bob', 'vic'] as const;
    const passwords = { alice: 'alice-password-1', bob: 'bob-password-22', vic: 'vic-password-333' };
    const roles = { alice: 'member', bob: 'member', vic: 'viewer' } as const;

    // The admin creates the users (the password on stdin); alice's in words, the others as JSON.
    const [aliceOut, bobUser, vicUser] = await Promise.all([
      admin.ok(['user', 'create', 'alice', '--role', 'member', '--password-stdin'], {
        stdin: passwords.alice,
      }),
      admin.json<User>(['user', 'create', 'bob', '--role', 'member', '--password-stdin'], {
        stdin: passwords.bob,
      }),
      admin.json<User>(['user', 'create', 'vic', '--role', 'viewer', '--password-stdin'], {
        stdin: passwords.vic,
      }),
    ]);
    const aliceId = /^Created user alice \(member\), id (\S+)\.\n$/.exec(aliceOut)?.[1] ?? '?';
    expect(aliceId).toMatch(UUID);
    expect([bobUser.role, vicUser.role]).toEqual(['member', 'viewer']);
    const ids: Record<string, string> = { alice: aliceId, bob: bobUser.id, vic: vicUser.id };

    // Each logs in at their own shell; from then on the stored login is all they use.
    const [alice, bob, vic] = [shell(), shell(), shell()];
    const shellOf = { alice, bob, vic };
    const [users] = await Promise.all([
      admin.json<{ items: User[] }>(['user', 'list']),
      ...names.map((name) =>
        shellOf[name].ok(['login', '--url', g.url, '-u', name, '--password-stdin'], {
          stdin: passwords[name],
        }),
      ),
    ]);
    expect(users.items.map((u) => [u.username, u.role]).sort()).toEqual([
      ['admin', 'admin'],
      ['alice', 'member'],
      ['bob', 'member'],
      ['vic', 'viewer'],
    ]);
    ids['admin'] = users.items.find((u) => u.username === 'admin')?.id ?? '?';
    for (const name of names) expect(roles[name]).toBe(users.items.find((u) => u.id === ids[name])?.role);

    // The admin creates a VM for alice (not started: no guest needed); only alice (and the admin) see it.
    const aliceVm = g.name('alice');
    const [created, aliceWho] = await Promise.all([
      admin.json<Vm>(['vm', 'create', aliceVm, '--image', img.name, '--memory', '128M', '--owner', 'alice']),
      alice.ok(['whoami']),
    ]);
    expect(aliceWho).toBe(`alice (member) on ${g.url} — stored login\n`);
    expect(created).toMatchObject({ name: aliceVm, ownerId: aliceId, state: 'stopped' });
    const [aliceList, aliceTasks, bobList, bobShow, bobDelete, bobTasks] = await Promise.all([
      alice.json<{ items: Vm[] }>(['vm', 'list']),
      alice.json<{ items: Task[] }>(['task', 'list']),
      bob.json<{ items: Vm[] }>(['vm', 'list']),
      bob.fails(['vm', 'show', aliceVm]),
      bob.fails(['vm', 'delete', aliceVm, '--yes']),
      bob.json<{ items: Task[] }>(['task', 'list']),
    ]);
    expect(aliceList.items.map((v) => v.name)).toEqual([aliceVm]);
    expect(aliceTasks.items.map((t) => [t.kind, t.resource.id])).toEqual([['vm.create', created.id]]);
    expect(bobList.items).toEqual([]);
    expect(errorLine(bobShow.stderr).code).toBe('VM_NOT_FOUND'); // 404, not 403: existence does not leak
    expect(errorLine(bobDelete.stderr).code).toBe('VM_NOT_FOUND');
    expect(bobTasks.items).toEqual([]);

    // A viewer reads but changes nothing, and admin routes are closed to them.
    const [vicCreate, vicUsers, vicList] = await Promise.all([
      vic.fails(['vm', 'create', g.name('vic'), '--image', img.id, '--memory', '128M']),
      vic.fails(['user', 'list']),
      vic.run(['vm', 'list']),
    ]);
    expect(errorLine(vicCreate.stderr)).toMatchObject({ title: 'Forbidden', code: 'FORBIDDEN' });
    expect(errorLine(vicUsers.stderr).code).toBe('FORBIDDEN');
    expect([vicList.code, vicList.stdout, vicList.stderr]).toEqual([0, '', 'No VMs.\n']);

    // Tokens: the secret is printed once (alone on stdout), works as GUREUM_TOKEN, and stops working once revoked.
    const made = await alice.run(['token', 'create', 'ci', '--expires', '1d']);
    expect(made.code, made.stderr).toBe(0);
    const secret = made.stdout.trim();
    expect(made.stdout).toBe(`${secret}\n`);
    expect(made.stderr).toMatch(
      /^Token ci \(\S+\) created, expires \S+Z\.\nWarning: this is the only time the secret is shown\./,
    );
    const ci = shell({ GUREUM_URL: g.url, GUREUM_TOKEN: secret });
    expect(await ci.ok(['whoami'])).toBe(`alice (member) on ${g.url} — token from GUREUM_TOKEN\n`);
    const [tokens, bobRevoke] = await Promise.all([
      alice.json<{ items: Token[] }>(['token', 'list']),
      bob.fails(['token', 'revoke', 'ci']),
    ]);
    expect(tokens.items.map((t) => t.name)).toEqual(['ci']);
    expect(JSON.stringify(tokens)).not.toContain(secret);
    expect(tokens.items[0]?.lastUsedAt).toMatch(/Z$/); // used by the whoami above
    expect(errorLine(bobRevoke.stderr).code).toBe('TOKEN_NOT_FOUND'); // not bob's
    expect(await alice.ok(['token', 'revoke', 'ci'])).toBe(
      `Revoked token ci (${tokens.items[0]?.id ?? '?'}).\n`,
    );
    expect(errorLine((await ci.fails(['whoami'])).stderr).code).toBe('UNAUTHENTICATED');

    // Quotas: the admin caps bob's memory; a create over it (the admin acting for bob) is refused with the numbers.
    const quota = await admin.ok(['quota', 'set', 'bob', '--max-memory', '256M', '--max-vms', '2']);
    expect(quota).toMatch(/^Quota of bob:\n/);
    expect(quota).toMatch(/^Memory +256 MiB$/m);
    expect(quota).toMatch(/^VMs +2$/m);
    const over = await admin.fails([
      'vm',
      'create',
      g.name('bob'),
      '--image',
      img.name,
      '--memory',
      '512M',
      '--owner',
      'bob',
    ]);
    expect(errorLine(over.stderr)).toMatchObject({ title: 'Quota exceeded', code: 'QUOTA_EXCEEDED' });
    expect(errorLine(over.stderr).detail).toMatch(/memory/i);

    // Audit: the admin sees every actor; alice sees what she did and what was done to what she owns.
    const [all, byAlice, own, bobUsage] = await Promise.all([
      admin.json<{ items: AuditEvent[] }>(['audit', 'list']),
      admin.ok(['audit', 'list', '--actor', aliceId]),
      alice.json<{ items: AuditEvent[] }>(['audit', 'list']),
      bob.ok(['usage']),
    ]);
    expect(bobUsage).toMatch(/^Memory +0 B +256 MiB$/m);
    const rows = (actor: string, action: string): AuditEvent[] =>
      all.items.filter((e) => e.actorId === ids[actor] && e.action === action);
    expect(rows('admin', 'user.create')).toHaveLength(3);
    expect(rows('alice', 'token.create').map((e) => e.outcome)).toEqual(['succeeded']);
    expect(rows('vic', 'vm.create').map((e) => [e.outcome, e.status])).toEqual([['failed', 403]]);
    expect(rows('bob', 'vm.delete').map((e) => [e.outcome, e.status])).toEqual([['failed', 404]]);
    expect(rows('admin', 'quota.set').map((e) => e.resource)).toEqual([{ kind: 'user', id: ids['bob'] }]);
    expect(JSON.stringify(all)).not.toContain(secret);
    for (const pw of Object.values(passwords)) expect(JSON.stringify(all)).not.toContain(pw);
    const auditTable = parseTable(byAlice);
    expect(auditTable.header).toMatch(/^TIME +ACTOR +ACTION +RESOURCE +OUTCOME$/);
    expect(auditTable.rows.length).toBeGreaterThan(0);
    for (const row of auditTable.rows)
      expect(row.slice(auditTable.start('ACTOR'))).toMatch(new RegExp(`^${aliceId} `));
    expect(auditTable.rows.some((r) => / token\.create +\S+ +succeeded$/.test(r))).toBe(true);
    expect(own.items.some((e) => e.action === 'token.create' && e.actorId === aliceId)).toBe(true);
    expect(own.items.filter((e) => e.actorId !== aliceId && e.ownerId !== aliceId)).toEqual([]);
    expect(own.items.filter((e) => e.actorId === ids['vic'] || e.action === 'quota.set')).toEqual([]);

    // Nothing of the refused creates reached libvirt; alice's VM is there, never started.
    expect(await domainNames(g.poolPrefix)).toEqual([aliceVm]);
    expect(await domainState(aliceVm)).toBe('shut off');
  });
});
