import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { errorCatalog, type ErrorCode } from './errors.js';
import { Problem } from './problem.js';

/** The base path of every route: routes' `url`s are relative to it. */
export const BASE_PATH = '/api/v1';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type SuccessStatus = 200 | 201 | 202 | 204;
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 411 | 412 | 413 | 415 | 422 | 429 | 500 | 503;

/** OpenAPI tags, one per resource. */
export type RouteTag =
  | 'health'
  | 'auth'
  | 'users'
  | 'tokens'
  | 'quotas'
  | 'vms'
  | 'vm-actions'
  | 'boot-order'
  | 'media'
  | 'installation'
  | 'disks'
  | 'volumes'
  | 'snapshots'
  | 'images'
  | 'networks'
  | 'console'
  | 'tasks'
  | 'audit'
  | 'drift'
  | 'metrics';

/** How a route is authored (see `defineRoute`). */
export interface RouteInput {
  readonly method: HttpMethod;
  /** Fastify style, relative to `BASE_PATH`: `/vms/:idOrName`. */
  readonly url: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly RouteTag[];
  /** `none`: no token (health, login); `user`: `Authorization: Bearer <token>`. */
  readonly auth: 'none' | 'user';
  /** Only admins may call it (others get 403 `FORBIDDEN`). */
  readonly adminOnly?: true;
  readonly params?: TObject;
  readonly querystring?: TObject;
  readonly headers?: TObject;
  /** A JSON body schema. */
  readonly body?: TSchema;
  /** The body is a raw byte stream of this media type (no JSON parsing; `Content-Length` required). */
  readonly rawBody?: 'application/octet-stream';
  /** The success responses. The problem responses are added from `errors` by `defineRoute`. */
  readonly response: { readonly [S in SuccessStatus]?: TSchema };
  /** The success body is not JSON but this media type. */
  readonly produces?: 'text/plain';
  /** The route starts a task: 202 + `Location: /api/v1/tasks/{id}` + `{ task }`. */
  readonly task?: true;
  /** Accepts `?wait=true&timeoutMs=`: hold the request until the task ends (then the non-202 success status). */
  readonly wait?: true;
  /** Accepts `?dryRun=true`: answer 200 with a `DeletePlan` and do nothing. */
  readonly dryRun?: true;
  /** Accepts `Idempotency-Key` (creating POSTs). */
  readonly idempotent?: true;
  /** Accepts `If-Match: <etag>` (PATCH/PUT of resources that have an `ETag`). */
  readonly conditional?: true;
  /** The success response carries an `ETag` header. */
  readonly etag?: true;
  /** Error codes specific to this route; the common ones (validation, auth, availability) are added. */
  readonly errors?: readonly ErrorCode[];
}

type ProblemResponses = { readonly [S in ProblemStatus]?: typeof Problem };

/** A route of the table: its input plus every error code it may return and their problem responses. */
export type Route<R extends RouteInput = RouteInput> = R & {
  readonly errors: readonly ErrorCode[];
  readonly response: R['response'] & ProblemResponses;
};

/** The error codes every route of this shape may return, besides its own. */
export function commonErrors(r: RouteInput): ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (r.params ?? r.querystring ?? r.body ?? r.headers) codes.push('VALIDATION_FAILED');
  if (r.body) codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  if (r.rawBody) codes.push('LENGTH_REQUIRED', 'UNSUPPORTED_MEDIA_TYPE');
  if (r.auth === 'user') codes.push('UNAUTHENTICATED', 'TOKEN_EXPIRED');
  if (r.adminOnly) codes.push('FORBIDDEN');
  if (r.idempotent) codes.push('IDEMPOTENCY_KEY_MISMATCH', 'IDEMPOTENCY_KEY_IN_USE');
  if (r.conditional) codes.push('PRECONDITION_FAILED');
  codes.push('RATE_LIMITED', 'INTERNAL', 'DATABASE_UNAVAILABLE', 'SERVER_SHUTTING_DOWN');
  return codes;
}

/** `Idempotency-Key` header of creating POSTs: same key + same body within 24 h → the first response. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' }),
  ),
});

/** `If-Match` header of conditional updates: 412 `PRECONDITION_FAILED` when the ETag no longer matches. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});

/**
 * Completes a route: adds the common error codes and one `Problem` response per error status, so Fastify
 * serializes problems with the schema and OpenAPI documents them.
 */
export function defineRoute<const R extends RouteInput>(input: R): Route<R> {
  const errors = [...new Set([...(input.errors ?? []), ...commonErrors(input)])];
  const problems: { [S in ProblemStatus]?: typeof Problem } = {};
  for (const code of errors) problems[errorCatalog[code].status] = Problem;
  return { ...input, errors, response: { ...input.response, ...problems } };
}
