import { errorCatalog, isErrorCode, problemTypeUri } from '@gureum/contract';
import { AppError, QuotaExceededError, ValidationError, type ErrorKind } from '../domain/errors.js';
import type { ProblemData } from '../domain/model.js';

/** The one mapping from an error kind to an HTTP status (tasks store the same Problem the HTTP edge sends). */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  length_required: 411,
  precondition: 412,
  too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const INTERNAL_ERROR_CODE = 'INTERNAL';

/** `VM_NOT_FOUND` → `https://gureum.dev/errors#vm-not-found` (the contract's catalog is the authority). */
export function problemType(code: string): string {
  return isErrorCode(code) ? problemTypeUri(code) : TYPE_BASE + code.toLowerCase().replaceAll('_', '-');
}

const TYPE_BASE = problemTypeUri('INTERNAL').slice(0, -'internal'.length);

/** The catalog's title for a code, or the HTTP reason phrase. */
export function problemTitle(status: number, code?: string): string {
  if (code !== undefined && isErrorCode(code)) return errorCatalog[code].title;
  return TITLES[status] ?? 'Error';
}

/** The catalog's status for a code, or the status of the error's kind. */
export function problemStatus(code: string, kind: ErrorKind): number {
  return isErrorCode(code) ? errorCatalog[code].status : STATUS_BY_KIND[kind];
}

/**
 * Turns any thrown value into an RFC 9457 Problem. AppErrors keep their code and message; everything internal gets
 * a generic detail — never a stack, a host path or libvirt's raw message (those go to the log, keyed by requestId).
 */
export function problemFromError(err: unknown, requestId?: string): ProblemData {
  const base = (status: number, code: string, detail: string): ProblemData => ({
    type: problemType(code),
    title: problemTitle(status, code),
    status,
    detail,
    code,
    ...(requestId === undefined ? {} : { requestId }),
  });
  if (!(err instanceof AppError) || err.kind === 'internal') {
    const code = err instanceof AppError ? err.code : INTERNAL_ERROR_CODE;
    const ref = requestId === undefined ? '' : ` (request ${requestId})`;
    return base(500, code, `An internal error occurred${ref}; the server log has the details.`);
  }
  const problem = base(problemStatus(err.code, err.kind), err.code, err.message);
  if (err instanceof ValidationError && err.errors.length > 0) {
    problem.errors = err.errors.map((e) => ({ path: e.path, message: e.message }));
  }
  if (err instanceof QuotaExceededError) {
    const { limit, max, used, requested } = err.excess;
    Object.assign(problem, { limit, max, used, requested });
  }
  return problem;
}
