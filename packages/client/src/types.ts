import type {
  DeletePlan,
  DryRunOperationId,
  OperationId,
  RouteBody,
  RouteDoneReply,
  RouteParams,
  RouteQuery,
  RouteReply,
  Routes,
  Task,
  TaskOperationId,
} from '@gureum/contract';

/** Flattens an intersection for readable hovers. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Query keys the client takes from the options instead of the arguments. */
export type ControlQueryKey = 'wait' | 'timeoutMs' | 'dryRun';

/** Operations whose request body is a raw byte stream (they get their own method signature). */
export type RawBodyOperationId = {
  [K in OperationId]: Routes[K] extends { readonly rawBody: string } ? K : never;
}[OperationId];

/**
 * The single arguments object of a method: path parameters, query parameters and JSON body fields, merged
 * (the route table guarantees that their names never collide).
 *
 * @example client.updateVm({ idOrName: 'web-1', description: 'front end' })
 */
export type Args<K extends OperationId> = Simplify<
  RouteParams<K> &
    Omit<RouteQuery<K>, ControlQueryKey> &
    (RouteBody<K> extends object ? RouteBody<K> : object)
>;

/** Options every call accepts. */
export interface CallOptions {
  /** Aborts the request. */
  readonly signal?: AbortSignal;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** `?wait=true&timeoutMs=`: hold the request until the task ends, then get the final resource. */
export interface WaitOptions {
  readonly wait?: boolean;
  /** The longest the server holds the request (it answers 202 with the task when it runs out). */
  readonly timeoutMs?: number;
}

/** `?dryRun=true`: get the `DeletePlan` instead of deleting. */
export interface DryRunOptions {
  readonly dryRun?: boolean;
}

/** `Idempotency-Key`: retrying with the same key and body returns the first response, never a duplicate. */
export interface IdempotencyOptions {
  readonly idempotencyKey?: string;
}

/** `If-Match`: fail with 412 `PRECONDITION_FAILED` if the resource changed since this ETag was read. */
export interface IfMatchOptions {
  readonly ifMatch?: string;
}

// `unknown` (not `object`) keeps the intersection a "weak type", so TS rejects options a route does not take.
type Flag<K extends OperationId, F extends string, T> = Routes[K] extends { readonly [P in F]: true }
  ? T
  : unknown;

/** The options of one operation: only those the route accepts. */
export type OptionsFor<K extends OperationId> = CallOptions &
  Flag<K, 'wait', WaitOptions> &
  Flag<K, 'dryRun', DryRunOptions> &
  Flag<K, 'idempotent', IdempotencyOptions> &
  Flag<K, 'conditional', IfMatchOptions>;

/** A task route answered 202: the task runs; follow it with `waitForTask` or `task.updated` events. */
export interface TaskPending {
  readonly status: 202;
  readonly task: Task;
}

/** A task route answered after its task ended (`wait: true`): `value` is the final resource. */
export interface TaskDone<T> {
  readonly status: 200 | 201 | 204;
  readonly value: T;
}

/** What a task route returns with `wait: true`: done, or still pending when the wait ran out. */
export type TaskOutcome<T> = TaskPending | TaskDone<T>;

/** The type of option `F` in the options `O` given, `undefined` when absent. */
type OptionValue<O, F extends string> = F extends keyof O ? O[F] : undefined;

type NoDryRun<K extends OperationId, O> = K extends TaskOperationId
  ? [OptionValue<O, 'wait'>] extends [true]
    ? TaskOutcome<RouteDoneReply<K>>
    : [OptionValue<O, 'wait'>] extends [false | undefined]
      ? TaskPending
      : TaskOutcome<RouteDoneReply<K>>
  : RouteDoneReply<K>;

/**
 * The result of a call, by route and options:
 * - a task route → `TaskPending` (`{ status: 202, task }`), or with `wait: true` → `TaskOutcome<final resource>`;
 * - `dryRun: true` → the `DeletePlan`;
 * - anything else → the response body (`undefined` for 204).
 */
export type Result<K extends OperationId, O> = K extends DryRunOperationId
  ? [OptionValue<O, 'dryRun'>] extends [true]
    ? DeletePlan
    : [OptionValue<O, 'dryRun'>] extends [false | undefined]
      ? NoDryRun<K, O>
      : DeletePlan | NoDryRun<K, O>
  : NoDryRun<K, O>;

/** One typed method of the client. The arguments object is optional when all its fields are. */
export type Method<K extends OperationId> = <const O extends OptionsFor<K> = object>(
  ...params: object extends Args<K> ? [args?: Args<K>, options?: O] : [args: Args<K>, options?: O]
) => Promise<Result<K, O>>;

/** Progress of an upload. */
export interface UploadProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

/** What can be uploaded: Blobs/Files (browsers), bytes, web streams and async iterables (Node streams). */
export type UploadBody =
  Blob | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Options of a streamed upload. */
export interface UploadOptions extends CallOptions {
  /** The byte count (sent as Content-Length). Required for streams and iterables; known for Blobs and bytes. */
  readonly size?: number;
  /** Called as bytes are handed to the connection, and once at the end. */
  readonly onProgress?: (progress: UploadProgress) => void;
}

/** The method of a raw-body route (`uploadImageContent`). */
export type UploadMethod<K extends OperationId> = (
  args: Args<K>,
  body: UploadBody,
  options?: UploadOptions,
) => Promise<RouteReply<K>>;

/** One typed method per operation of the route table. */
export type GureumMethods = { [K in Exclude<OperationId, RawBodyOperationId>]: Method<K> } & {
  [K in RawBodyOperationId]: UploadMethod<K>;
};
