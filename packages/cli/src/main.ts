// The entry point as a function: argv in, exit code out. `bin/gureum.ts` calls it with the real process; tests
// call it in-process with buffers.
import { readFileSync } from 'node:fs';
import { COMMANDS, GLOBAL_FLAGS, NOUNS } from './commands/table.js';
import { findFlag, Input, parseArgs } from './lib/args.js';
import type { CommandSpec } from './lib/command.js';
import { RunContext, type ProgressMode } from './lib/context.js';
import { credentialsPath, loadCredentials, resolveTarget } from './lib/credentials.js';
import { describeError, ExitCode, formatError, UsageError } from './lib/errors.js';
import { useColor } from './lib/format.js';
import { commandHelp, nounHelp, rootHelp, shortUsage } from './lib/help.js';
import type { Io } from './lib/io.js';

/** The version of this package. */
export function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
}

const ROOT_POINTER = 'Run `gureum --help` for the commands.\n';

/** How long a command may take to wind down after Ctrl-C before the CLI exits anyway. */
const INTERRUPT_GRACE_MS = 1000;

interface Located {
  /** The command, when the words name one. */
  readonly command?: CommandSpec;
  /** The noun, when the words name a noun but no verb yet. */
  readonly noun?: (typeof NOUNS)[number];
  /** Every token except the command words. */
  readonly rest: readonly string[];
}

/**
 * Finds the command named by the first words of argv. Flags may come before the command words (`gureum --json vm
 * list`); they are kept for the command's parser, and only a global flag's value is skipped here.
 */
function locate(argv: readonly string[]): Located {
  const rest: string[] = [];
  const path: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') return { rest: [...rest, ...argv.slice(i)], ...found(path) };
    if (token.startsWith('-') && token !== '-') {
      rest.push(token);
      const flag = findFlag(GLOBAL_FLAGS, token.split('=')[0] ?? '');
      if (flag?.value && !token.includes('=') && i + 1 < argv.length) rest.push(argv[++i] ?? '');
      continue;
    }
    path.push(token);
    const result = found(path);
    if (result.command) return { ...result, rest: [...rest, ...argv.slice(i + 1)] };
    if (!result.noun) {
      const known = path.length === 1 ? 'command' : `${path[0] ?? ''} verb`;
      throw new UsageError(
        `unknown ${known} ${JSON.stringify(token)}`,
        path.length === 1 ? ROOT_POINTER : nounHelpOf(path[0]),
      );
    }
  }
  return { rest, ...found(path) };
}

function found(path: readonly string[]): { command?: CommandSpec; noun?: (typeof NOUNS)[number] } {
  const command = COMMANDS.find(
    (c) => c.path.length === path.length && c.path.every((w, i) => w === path[i]),
  );
  if (command) return { command };
  const noun = path.length === 1 ? NOUNS.find((n) => n.name === path[0]) : undefined;
  return noun ? { noun } : {};
}

function nounHelpOf(name: string | undefined): string | undefined {
  const noun = NOUNS.find((n) => n.name === name);
  return noun ? nounHelp(noun, COMMANDS) : undefined;
}

/** Checks the positional arguments and required flags against the spec. */
function checkInput(
  spec: CommandSpec,
  positionals: readonly string[],
  values: ReadonlyMap<string, unknown>,
  usage: string,
): void {
  const args = spec.args ?? [];
  const required = args.filter((a) => !a.optional).length;
  if (positionals.length < required)
    throw new UsageError(`missing ${args[positionals.length]?.name ?? 'argument'}`, usage);
  if (positionals.length > args.length)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[args.length])}`, usage);
  args.forEach((a, i) => {
    const value = positionals[i];
    if (a.choices && value !== undefined && !a.choices.includes(value))
      throw new UsageError(`${a.name} must be one of ${a.choices.join(', ')}`, usage);
  });
  for (const f of spec.flags ?? [])
    if (f.required && !values.has(f.name)) throw new UsageError(`--${f.name} is required`, usage);
}

const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'always', 'never'];

async function runCommand(io: Io, spec: CommandSpec, rest: readonly string[]): Promise<number> {
  const usage = shortUsage(spec);
  const flags = [...(spec.flags ?? []), ...GLOBAL_FLAGS];
  const parsed = parseArgs(rest, flags, usage);
  checkInput(spec, parsed.positionals, parsed.values, usage);
  const json = parsed.switches.has('json');
  const path = credentialsPath(io.env, io.homedir);
  const { credentials, insecure } = await loadCredentials(path);
  if (insecure) io.stderr.write(`warning: ${path} is readable by other users; run \`chmod 600 ${path}\`\n`);
  const target = resolveTarget(parsed.values.get('url')?.at(-1), io.env, credentials);
  const progressFlag = parsed.values.get('progress')?.at(-1);
  const progress = PROGRESS_MODES.find((m) => m === progressFlag) ?? 'auto';
  const ctx = new RunContext(io, json, progress, target, path, credentials);
  const input = new Input(flags, spec.args ?? [], parsed, usage);
  try {
    return (await interruptible(io.signal, spec.run(ctx, input))) ?? ExitCode.Ok;
  } catch (err: unknown) {
    return printError(io, err, json, target.url);
  }
}

/** Races a command against Ctrl-C: a command that handles the signal ends on its own; others are cut off. */
async function interruptible<T>(signal: AbortSignal, work: Promise<T>): Promise<T | number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cutoff = new Promise<number>((resolve) => {
    const onAbort = (): void => {
      timer = setTimeout(() => resolve(ExitCode.Interrupted), INTERRUPT_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, cutoff]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function printError(io: Io, err: unknown, json: boolean, url = ''): number {
  const report = describeError(err, url);
  if (json) io.stderr.write(`${JSON.stringify(report.json)}\n`);
  else {
    io.stderr.write(formatError(report, useColor(io.stderr.isTTY, io.env)));
    if (err instanceof UsageError && err.usage) io.stderr.write(`\n${err.usage}`);
  }
  if (io.env['GUREUM_DEBUG'] && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return report.exitCode;
}

function beforeDashes(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end === -1 ? argv : argv.slice(0, end);
}

/**
 * Runs the CLI: `gureum <noun> <verb> [args] [--flags]`. Returns the exit code: 0 success, 1 failure, 2 usage
 * error, 130 interrupted.
 *
 * @example process.exitCode = await main(process.argv.slice(2), nodeIo());
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const flags = beforeDashes(argv);
  try {
    if (flags.some((t) => t === '--version' || t === '-V')) {
      io.stdout.write(`gureum ${version()}\n`);
      return ExitCode.Ok;
    }
    const { command, noun, rest } = locate(argv);
    if (flags.some((t) => t === '--help' || t === '-h')) {
      io.stdout.write(
        command
          ? commandHelp(command, GLOBAL_FLAGS)
          : noun
            ? nounHelp(noun, COMMANDS)
            : rootHelp(NOUNS, COMMANDS, GLOBAL_FLAGS),
      );
      return ExitCode.Ok;
    }
    if (command) return await runCommand(io, command, rest);
    if (noun)
      throw new UsageError(`missing verb after ${JSON.stringify(noun.name)}`, nounHelp(noun, COMMANDS));
    parseArgs(rest, GLOBAL_FLAGS, ROOT_POINTER); // reports unknown flags
    io.stdout.write(rootHelp(NOUNS, COMMANDS, GLOBAL_FLAGS));
    return argv.length === 0 ? ExitCode.Ok : ExitCode.Usage;
  } catch (err: unknown) {
    return printError(io, err, flags.includes('--json'));
  }
}
