/**
 * The `gureum` CLI as a user runs it: the built executable (`packages/cli/dist/bin/gureum.js`, the package's `bin`)
 * spawned as a separate process, with its own home directory (where `gureum login` stores its credentials), its
 * own environment (GUREUM_URL, GUREUM_TOKEN) and pipes for stdio — never a terminal, unless run under `script`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@gureum/test-support';
import { waitUntil } from './observe.js';

/** The executable, as `packages/cli/package.json` names it (`bin.gureum`). */
export const CLI_BIN = join(repoRoot, 'packages/cli/dist/bin/gureum.js');

/** Packages whose build the CLI's dist depends on. */
const CLI_PACKAGES = ['cli', 'client', 'contract'];

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

/** True when the CLI's dist is missing or older than a source of the packages it is built from. */
export function isCliBuildStale(): boolean {
  if (!existsSync(CLI_BIN)) return true;
  return CLI_PACKAGES.some((pkg) => {
    const info = join(repoRoot, 'packages', pkg, 'dist/.tsbuildinfo');
    if (!existsSync(info)) return true;
    return newestSourceMtime(join(repoRoot, 'packages', pkg, 'src')) > statSync(info).mtimeMs;
  });
}

let building: Promise<void> | undefined;

/** Runs `npx tsc -b packages/cli/tsconfig.lib.json` once per process when the build is stale (a forgotten build). */
export function ensureCliBuilt(): Promise<void> {
  building ??= isCliBuildStale()
    ? new Promise<void>((resolve, reject) => {
        execFile(
          'npx',
          ['tsc', '-b', 'packages/cli/tsconfig.lib.json'],
          { cwd: repoRoot, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
          (err, stdout) => {
            if (err) reject(new Error(`building the CLI failed: ${err.message}\n${stdout.slice(-3000)}`));
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

/** What one run of the CLI left. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Extra environment (GUREUM_URL, GUREUM_TOKEN, …); `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What stdin holds (a pipe); empty when not given. */
  readonly stdin?: string;
  /** Kill the process after this long (the run then fails). */
  readonly timeoutMs?: number;
}

/**
 * The environment of a CLI process: this process's, without any GUREUM_* or colour settings, with `home` as HOME
 * (so `~/.config/gureum/credentials.json` is the user's own), then `extra`.
 */
function cliEnv(home: string, extra: CliOptions['env'] = {}): Record<string, string> {
  const dropped = ['XDG_CONFIG_HOME', 'NO_COLOR', 'FORCE_COLOR'];
  const merged: Record<string, string | undefined> = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('GUREUM_') && !dropped.includes(key)),
    ),
    HOME: home,
    TERM: 'xterm-256color', // colour would be allowed: only the missing terminal may turn it off
    ...extra,
  };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;
  return env;
}

/** Runs `gureum ...args` to its end and collects its output. */
export function runCli(home: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: home,
      env: cliEnv(home, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `gureum ${args.join(' ')} ran longer than ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // a command that never reads stdin may exit before we finish
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * Runs `gureum ...args` on a pseudo-terminal (`script`), as typed in an interactive shell. stdout and stderr both go
 * to the terminal, so the result has them together in `stdout`. No stdin: use it for commands that ask nothing.
 */
export function runCliOnTerminal(
  home: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const quoted = [process.execPath, CLI_BIN, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return new Promise<CliResult>((resolve, reject) => {
    execFile(
      'script',
      ['-qec', quoted, '/dev/null'],
      { cwd: home, env: cliEnv(home, options.env), timeout: options.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err === null) resolve({ code: 0, signal: null, stdout, stderr });
        else if (typeof err.code === 'number') resolve({ code: err.code, signal: null, stdout, stderr });
        else reject(new Error(`script ${quoted}: ${err.message}`, { cause: err }));
      },
    );
  });
}

/**
 * A long-running CLI process (`gureum events`): its output as it arrives, and a way to stop it the way a user does
 * (Ctrl-C is SIGINT).
 */
export class CliProcess {
  private out = '';
  private err = '';
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly args: readonly string[],
  ) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exit = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve({ code, signal });
      });
    });
  }

  /** Starts `gureum ...args`, stdin closed at once. */
  static start(home: string, args: readonly string[], options: CliOptions = {}): CliProcess {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: home,
      env: cliEnv(home, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end();
    return new CliProcess(child, args);
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** The complete lines printed on stdout so far. */
  get lines(): string[] {
    const complete = this.out.slice(0, this.out.lastIndexOf('\n') + 1);
    return complete === '' ? [] : complete.slice(0, -1).split('\n');
  }

  /** Waits until a complete stdout line matches `predicate`; returns it. Fails early if the process exits. */
  waitForLine(predicate: (line: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    return waitUntil(
      () => {
        const line = this.lines.find(predicate);
        if (line !== undefined) return line;
        if (this.exitStatus) throw new Error(this.describeExit());
        return undefined;
      },
      `${what} on the stdout of gureum ${this.args.join(' ')} (stdout so far: ${JSON.stringify(this.out.slice(-2000))})`,
      timeoutMs,
      20,
    );
  }

  /** Waits until stderr matches `pattern`. Fails early if the process exits. */
  waitForStderr(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return waitUntil(
      () => {
        if (pattern.test(this.err)) return this.err;
        if (this.exitStatus) throw new Error(this.describeExit());
        return undefined;
      },
      `${String(pattern)} on the stderr of gureum ${this.args.join(' ')}`,
      timeoutMs,
      20,
    );
  }

  /** Sends `signal` (Ctrl-C by default) and waits for the exit; SIGKILL after `timeoutMs`. */
  async stop(
    signal: NodeJS.Signals = 'SIGINT',
    timeoutMs = 5000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exitStatus) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  private describeExit(): string {
    const s = this.exitStatus;
    return `gureum ${this.args.join(' ')} exited (code ${String(s?.code)}, signal ${String(s?.signal)}); stderr: ${this.err}`;
  }
}

/** A fresh home directory for one CLI user (its stored login lives under it). */
export function newCliHome(): string {
  return mkdtempSync(join(tmpdir(), 'e2e-gureum-cli-'));
}
