// Runs the CLI in-process with captured output: the same `main` the executable calls, a fake process around it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../main.js';
import type { InStream, Io, OutStream } from '../lib/io.js';

export class Capture implements OutStream {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What stdin holds (a pipe, not a terminal). */
  readonly stdin?: string;
  /** stdin as a stream (for terminal simulations). */
  readonly stdinStream?: InStream;
  readonly ttyOut?: boolean;
  readonly ttyErr?: boolean;
  readonly signal?: AbortSignal;
  readonly home?: string;
  /** Where stdout goes (to watch it while the command runs). */
  readonly stdout?: Capture;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh, empty home directory. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'gureum-cli-'));
}

export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const stdout = options.stdout ?? new Capture(options.ttyOut);
  const stderr = new Capture(options.ttyErr);
  const home = options.home ?? tempHome();
  const io: Io = {
    stdout,
    stderr,
    stdin:
      options.stdinStream ?? Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: { HOME: home, ...options.env },
    homedir: home,
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A URL where nothing listens (a port that was free a moment ago). */
export async function deadUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
