import { ApiError, ConnectionError, TaskWaitTimeoutError } from '@gureum/client';

/** Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C). */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2, Interrupted: 130 } as const;

/**
 * A failure the CLI itself detects (a file it cannot read, a missing confirmation, …). It prints like an API
 * problem — `error: <title> — <detail> [<code>]` — so users see one error format whatever its origin.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    readonly title: string,
    readonly detail: string,
    readonly code: string,
    readonly exitCode: number = ExitCode.Failure,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(`${title} — ${detail} [${code}]`, options?.cause === undefined ? {} : { cause: options.cause });
    this.hint = options?.hint;
  }
  /** A line of advice printed after the error. */
  readonly hint: string | undefined;
}

/** The command line is wrong: exit 2, and the command's usage is printed after the error. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(
    detail: string,
    /** The usage text of the command (or noun) concerned. */
    readonly usage?: string,
    code = 'USAGE',
  ) {
    super('Invalid usage', detail, code, ExitCode.Usage);
  }
}

/** What an error prints: the parts of the error line, the problem JSON for `--json`, and the exit code. */
export interface ErrorReport {
  readonly title: string;
  readonly detail: string;
  readonly code: string;
  readonly exitCode: number;
  readonly requestId?: string;
  /** Extra lines: invalid fields of a validation problem, a hint. */
  readonly notes: readonly string[];
  /** The document `--json` prints on stderr: the API's problem as received, or a problem-shaped object. */
  readonly json: Record<string, unknown>;
}

/** The `code` of a Node system error (`ENOENT`, `ECONNREFUSED`, …), if `err` is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' && /^E[A-Z_]+$/.test(err.code) ? err.code : undefined;
}

/**
 * The first system error code along an error's `cause` chain (fetch wraps it: TypeError → cause), and the
 * message of the innermost error (for errors without a code, like fetch's "bad port").
 */
function rootCause(err: unknown): { code?: string; message?: string } {
  let current: unknown = err;
  let message: string | undefined;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = errnoCode(current);
    if (code) return { code };
    if (current instanceof Error) message = current.message;
    current = 'cause' in current ? current.cause : undefined;
  }
  return message === undefined ? {} : { message };
}

function connectionReport(err: ConnectionError, baseUrl: string): ErrorReport {
  const { code, message } = rootCause(err.cause);
  const base = baseUrl || new URL(err.url).origin;
  const start = `is the Gureum server running there? Start it with \`npm start\` in the Gureum checkout, or point the CLI elsewhere with --url or GUREUM_URL`;
  const details: Record<string, [string, string]> = {
    ECONNREFUSED: [`connection to ${base} refused; ${start}`, 'CONNECTION_REFUSED'],
    ENOTFOUND: [`host of ${base} not found; check --url or GUREUM_URL`, 'HOST_NOT_FOUND'],
    EAI_AGAIN: [`host of ${base} not found (DNS lookup failed); check --url or GUREUM_URL`, 'HOST_NOT_FOUND'],
    ETIMEDOUT: [`connection to ${base} timed out; ${start}`, 'CONNECTION_TIMEOUT'],
    ECONNRESET: [`connection to ${base} was reset by the server`, 'CONNECTION_RESET'],
  };
  const [detail, errorCode] = (code === undefined ? undefined : details[code]) ?? [
    `cannot reach ${base} (${code ?? message ?? 'unknown error'}); ${start}`,
    'CONNECTION_FAILED',
  ];
  return report('Cannot connect', detail, errorCode, ExitCode.Failure, [], { url: base });
}

function report(
  title: string,
  detail: string,
  code: string,
  exitCode: number,
  notes: readonly string[],
  extra: Record<string, unknown> = {},
): ErrorReport {
  return { title, detail, code, exitCode, notes, json: { title, detail, code, ...extra } };
}

/**
 * Turns anything thrown by a command into what the CLI prints. `baseUrl` is the server the command talked to,
 * named in connection errors.
 */
export function describeError(err: unknown, baseUrl = ''): ErrorReport {
  if (err instanceof ApiError) {
    const notes = (err.errors ?? []).map((e) => `  ${e.path || '(request)'}: ${e.message}`);
    if (err.code === 'UNAUTHENTICATED' || err.code === 'TOKEN_EXPIRED')
      notes.push('Log in again with `gureum login`, or set GUREUM_TOKEN.');
    return {
      title: err.title,
      detail: err.detail,
      code: err.code,
      exitCode: ExitCode.Failure,
      ...(err.requestId ? { requestId: err.requestId } : {}),
      notes,
      json: err.problem
        ? { ...err.problem }
        : { title: err.title, detail: err.detail, code: err.code, status: err.status },
    };
  }
  if (err instanceof ConnectionError) return connectionReport(err, baseUrl);
  if (err instanceof TaskWaitTimeoutError) {
    const t = err.task;
    return report(
      'Timed out',
      `task ${t.id} (${t.kind}) is still ${t.status}; it goes on on the server: \`gureum task wait ${t.id}\``,
      'TASK_WAIT_TIMEOUT',
      ExitCode.Failure,
      [],
    );
  }
  if (err instanceof CliError)
    return report(err.title, err.detail, err.code, err.exitCode, err.hint ? [err.hint] : []);
  const message = err instanceof Error ? err.message : String(err);
  return report('Unexpected error', message, 'INTERNAL', ExitCode.Failure, [
    'This is a bug in gureum; run again with GUREUM_DEBUG=1 for the stack trace.',
  ]);
}

/** The human lines of an error: `error: <title> — <detail> [<code>]`, then `requestId: …` and any notes. */
export function formatError(r: ErrorReport, color = false): string {
  const label = color ? '\x1b[1;31merror:\x1b[0m' : 'error:';
  const head = r.detail ? `${r.title} — ${r.detail}` : r.title;
  const lines = [`${label} ${head} [${r.code}]`];
  if (r.requestId) lines.push(`requestId: ${r.requestId}`);
  lines.push(...r.notes);
  return lines.join('\n') + '\n';
}
