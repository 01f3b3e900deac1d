/**
 * Domain errors. Services and adapters throw only these; the HTTP edge maps `kind` to a status in one place
 * (http/problem.ts). `code` is a code of the contract's error catalog.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition'
  | 'too_large'
  | 'length_required'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  override readonly name: string = 'AppError';
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(code: string, message: string, meta?: Record<string, unknown>) {
    super(code, 'not_found', message, meta);
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(code: string, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, 'conflict', message, meta, options);
  }
}

export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
    code = 'VALIDATION_FAILED',
  ) {
    super(code, 'invalid', message, { errors });
  }
}

export class UnavailableError extends AppError {
  override readonly name = 'UnavailableError';
  constructor(
    code: 'LIBVIRT_UNAVAILABLE' | 'DATABASE_UNAVAILABLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, 'unavailable', message, {}, options);
  }
}

export class UnauthenticatedError extends AppError {
  override readonly name = 'UnauthenticatedError';
  constructor(message = 'A valid bearer token is required.', code = 'UNAUTHENTICATED') {
    super(code, 'unauthenticated', message);
  }
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super('FORBIDDEN', 'forbidden', message);
  }
}

/** Too many attempts (failed logins): the HTTP edge sends `Retry-After: <retryAfterSeconds>`. */
export class RateLimitedError extends AppError {
  override readonly name = 'RateLimitedError';
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super('RATE_LIMITED', 'rate_limited', message, { retryAfterSeconds });
  }
}

/** A limit of a user's quota, by its field name in the API's `Quota`. */
export type QuotaLimit = 'maxVms' | 'maxVcpus' | 'maxMemoryBytes' | 'maxDiskBytes';

/** What a refused request would have taken: `used + requested > max`. Sent as problem extension members too. */
export interface QuotaExcess {
  limit: QuotaLimit;
  max: number;
  used: number;
  requested: number;
}

export class QuotaExceededError extends AppError {
  override readonly name = 'QuotaExceededError';
  constructor(
    readonly excess: QuotaExcess,
    message: string,
  ) {
    super('QUOTA_EXCEEDED', 'forbidden', message, { ...excess });
  }
}

export const vmNotFound = (idOrName: string): NotFoundError =>
  new NotFoundError('VM_NOT_FOUND', `No VM '${idOrName}' exists.`, { vm: idOrName });
export const imageNotFound = (id: string): NotFoundError =>
  new NotFoundError('IMAGE_NOT_FOUND', `No image '${id}' exists.`, { image: id });
export const taskNotFound = (id: string): NotFoundError =>
  new NotFoundError('TASK_NOT_FOUND', `No task '${id}' exists.`, { task: id });

/** True for an AppError of the given code. */
export function isAppError(err: unknown, code?: string): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
