import {
  isErrorCode,
  type ErrorCode,
  type Problem,
  type ProblemFieldError,
  type Task,
} from '@gureum/contract';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * A problem+json answer of the API (or a failed task's `error`), as an exception.
 *
 * `code` is a catalog code (`VM_NOT_FOUND`, …); a response that was not a problem (a proxy's 502 page, say)
 * gets `HTTP_<status>`. The message reads `<title> — <detail> [<code>]`, the line the CLI prints.
 *
 * @example
 * try { await client.getVm({ idOrName: 'web-1' }) }
 * catch (err) { if (isApiError(err, 'VM_NOT_FOUND')) … }
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The HTTP status. */
  readonly status: number;
  /** The catalog code; `HTTP_<status>` when the server did not send a problem. */
  readonly code: ErrorCode | `HTTP_${number}`;
  readonly title: string;
  readonly detail: string;
  /** The id of the request in the server log (quote it in bug reports). */
  readonly requestId: string;
  /** For `VALIDATION_FAILED`: each invalid field. */
  readonly errors?: readonly ProblemFieldError[];
  /** The problem as received. */
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined, fallbackDetail = '') {
    const title = problem?.title ?? `HTTP ${status}`;
    const detail = problem?.detail ?? fallbackDetail;
    const code = problem?.code ?? (`HTTP_${status}` as const);
    super(detail ? `${title} — ${detail} [${code}]` : `${title} [${code}]`);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.requestId = problem?.requestId ?? '';
    if (problem?.errors) this.errors = problem.errors;
    this.problem = problem;
  }

  /** Wraps a Problem (for example `task.error`). */
  static fromProblem(problem: Problem): ApiError {
    return new ApiError(problem.status, problem);
  }
}

/** True when `err` is an `ApiError`, optionally with this `code`. */
export function isApiError(err: unknown, code?: ErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

/**
 * Reads a problem out of an error body. Returns `undefined` unless it has the problem shape with a known code,
 * so that a foreign error page never masquerades as a catalog error.
 */
export function parseProblem(body: unknown): Problem | undefined {
  if (!isRecord(body) || !isErrorCode(body['code']) || typeof body['status'] !== 'number') return undefined;
  const problem: Problem = {
    type: str(body['type'], 'about:blank'),
    title: str(body['title'], ''),
    status: body['status'],
    detail: str(body['detail'], ''),
    instance: str(body['instance'], ''),
    code: body['code'],
    requestId: str(body['requestId'], ''),
  };
  const errors = body['errors'];
  if (Array.isArray(errors)) {
    problem.errors = errors
      .filter(isRecord)
      .map((e) => ({ path: str(e['path'], ''), message: str(e['message'], '') }));
  }
  return problem;
}

/** The server could not be reached (DNS, refused connection, TLS, aborted socket). `cause` has the details. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly url: string,
    options: { cause: unknown },
  ) {
    super(
      `cannot reach ${url}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`,
      options,
    );
  }
}

/** `waitForTask` ran out of time; `task` is the last state seen. */
export class TaskWaitTimeoutError extends Error {
  override readonly name = 'TaskWaitTimeoutError';
  constructor(readonly task: Task) {
    super(`task ${task.id} (${task.kind}) still ${task.status} after the wait timed out`);
  }
}
