import { createGureumClient, type GureumClient } from '@gureum/client';
import { WebSocket } from 'ws';
import type { Credentials, Target } from './credentials.js';
import { CliError } from './errors.js';
import { palette, useColor, type Palette } from './format.js';
import type { Io } from './io.js';
import { ProgressLine } from './progress.js';

/** `--progress`: `auto` shows progress when stderr is a terminal. */
export type ProgressMode = 'auto' | 'always' | 'never';

/** What every handler gets: where to print, which server to talk to, and how. */
export interface Context {
  readonly io: Io;
  /** `--json`: print the API's JSON, one document on stdout; errors as problem JSON on stderr. */
  readonly json: boolean;
  /** Colours for stdout (no-ops when stdout is not a terminal, NO_COLOR is set, or `--json`). */
  readonly color: Palette;
  readonly target: Target;
  readonly credentialsPath: string;
  readonly credentials: Credentials;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** The client with the token; throws `NOT_LOGGED_IN` when there is none. */
  client(): GureumClient;
  /** A client without a token (health, login). */
  anonymousClient(): GureumClient;
  /** Prints a line (or lines) on stdout. */
  print(text: string): void;
  /** Prints a line on stderr: notes, warnings, hints — never data. */
  note(text: string): void;
  /** Prints one JSON document on stdout. */
  printJson(value: unknown): void;
  /** A progress line on stderr, or `undefined` when progress is not shown (`--progress`, not a terminal). */
  progress(): ProgressLine | undefined;
}

function newline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The context of one run of the CLI. */
export class RunContext implements Context {
  readonly color: Palette;
  readonly signal: AbortSignal;
  private authed: GureumClient | undefined;

  constructor(
    readonly io: Io,
    readonly json: boolean,
    private readonly progressMode: ProgressMode,
    readonly target: Target,
    readonly credentialsPath: string,
    readonly credentials: Credentials,
  ) {
    this.color = palette(!json && useColor(io.stdout.isTTY, io.env));
    this.signal = io.signal;
  }

  client(): GureumClient {
    const token = this.target.token;
    if (token === undefined)
      throw new CliError('Not logged in', `no token for ${this.target.url}`, 'NOT_LOGGED_IN', 1, {
        hint: 'Run `gureum login` (or set GUREUM_TOKEN to an API token).',
      });
    this.authed ??= createGureumClient({ baseUrl: this.target.url, token, WebSocket });
    return this.authed;
  }

  anonymousClient(): GureumClient {
    return createGureumClient({ baseUrl: this.target.url, WebSocket });
  }

  print(text: string): void {
    this.io.stdout.write(newline(text));
  }

  note(text: string): void {
    this.io.stderr.write(newline(text));
  }

  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  progress(): ProgressLine | undefined {
    const tty = this.io.stderr.isTTY === true;
    if (this.progressMode === 'never' || (this.progressMode === 'auto' && !tty)) return undefined;
    return new ProgressLine(this.io.stderr, tty);
  }
}
