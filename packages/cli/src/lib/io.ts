// The process surroundings a command may use, passed in so that tests can run the CLI in-process.
import { homedir } from 'node:os';
import type { Readable } from 'node:stream';
import { CliError, ExitCode } from './errors.js';

/** An output stream (process.stdout/stderr, or a test buffer). */
export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The input stream: a Readable, and on a terminal one that can turn echo off. */
export type InStream = Readable & {
  readonly isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
};

/** Everything the CLI takes from its process. */
export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: InStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM. */
  readonly signal: AbortSignal;
}

/** The real process: stdio, the environment, and Ctrl-C as an abort signal (a second Ctrl-C exits at once). */
export function nodeIo(): Io {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.Interrupted);
    controller.abort(new CliError('Interrupted', 'stopped by a signal', 'INTERRUPTED', ExitCode.Interrupted));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    homedir: homedir(),
    signal: controller.signal,
  };
}

function interrupted(): CliError {
  return new CliError('Interrupted', 'cancelled at the prompt', 'INTERRUPTED', ExitCode.Interrupted);
}

/** Reads all of stdin as text (`--password-stdin`), without the final newline. */
export async function readAllStdin(stdin: InStream): Promise<string> {
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stdin.on('data', (chunk: Buffer | string) =>
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)),
    );
    stdin.once('end', resolve);
    stdin.once('error', reject);
  });
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * Reads one line from a terminal. With `secret` the terminal does not echo (raw mode; backspace works, Ctrl-C
 * cancels, Ctrl-D on an empty line cancels).
 */
export async function promptLine(io: Io, question: string, secret = false): Promise<string> {
  const { stdin, stderr } = io;
  stderr.write(question);
  const raw = secret && typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let line = '';
      const finish = (fn: () => void): void => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        fn();
      };
      const onEnd = (): void => finish(() => (line ? resolve(line) : reject(interrupted())));
      const onData = (data: string): void => {
        for (const ch of data) {
          if (ch === '\r' || ch === '\n') {
            finish(() => resolve(line));
            return;
          }
          if (ch === '\u0003' || (ch === '\u0004' && line === '')) {
            finish(() => reject(interrupted()));
            return;
          }
          if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
          else if (ch >= ' ') line += ch;
        }
      };
      stdin.on('data', onData);
      stdin.on('end', onEnd);
    });
  } finally {
    if (raw) {
      stdin.setRawMode?.(false);
      stderr.write('\n');
    }
    stdin.pause();
  }
}

/** Asks a yes/no question on the terminal; only `y`/`yes` is yes. */
export async function confirm(io: Io, question: string): Promise<boolean> {
  const answer = await promptLine(io, `${question} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}
