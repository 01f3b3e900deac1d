import {
  isTaskFinished,
  operationIds,
  routes,
  type OperationId,
  type RouteInput,
  type RouteReply,
  type Task,
} from '@gureum/contract';
import { openConsoleTicket, type ConsoleConnection, type OpenConsoleOptions } from './console.js';
import { ApiError, TaskWaitTimeoutError } from './errors.js';
import {
  subscribeEvents,
  type EventsOptions,
  type EventSubscription,
  type WebSocketConstructor,
} from './events.js';
import { fillPath, send, type ApiResponse, type FetchLike, type QueryValue, type Transport } from './http.js';
import { prepareUpload } from './upload.js';
import type { Args, GureumMethods, OptionsFor, UploadBody, UploadOptions } from './types.js';

/** How to reach the server. */
export interface GureumClientOptions {
  /** The server origin, without `/api/v1`: `http://127.0.0.1:8080` (in a browser: `location.origin`). */
  readonly baseUrl: string;
  /** A bearer token (from `login`, `createToken` or `GUREUM_TOKEN`); change it later with `setToken`. */
  readonly token?: string;
  /** A `fetch` implementation; defaults to the global one. */
  readonly fetch?: FetchLike;
  /** A WebSocket constructor for `events()`; defaults to the global one (browsers, Node ≥ 22). Node 20: `ws`. */
  readonly WebSocket?: WebSocketConstructor;
}

/** Options of `waitForTask`. */
export interface WaitForTaskOptions {
  readonly signal?: AbortSignal;
  /** Give up (with `TaskWaitTimeoutError`) after this long; default: wait as long as it takes. */
  readonly timeoutMs?: number;
  /** Throw the task's Problem as `ApiError` when it ends `failed` (default false: return the task). */
  readonly throwOnFailure?: boolean;
}

/** The Gureum API client: one typed method per route, plus tasks and events helpers. */
export interface GureumClient extends GureumMethods {
  /** The bearer token in use. */
  readonly token: string | undefined;
  /** Replaces the bearer token (after `login`), or removes it. */
  setToken(token: string | undefined): void;
  /**
   * Calls an operation and returns the whole response (status, headers, `etag`, body). The typed methods are
   * built on it; use it to read an `ETag` for `ifMatch`.
   */
  send<K extends OperationId>(
    id: K,
    args?: Args<K>,
    options?: OptionsFor<K>,
  ): Promise<ApiResponse<RouteReply<K>>>;
  /**
   * Waits until a task has ended, with `GET /tasks/{id}?wait=true&timeoutMs=` in a loop (no busy polling), and
   * returns it. Throws `TaskWaitTimeoutError` after `timeoutMs`.
   */
  waitForTask(taskId: string, options?: WaitForTaskOptions): Promise<Task>;
  /** Subscribes to the events WebSocket; see `EventsOptions`. Subscribe before you act. */
  events(options: EventsOptions): EventSubscription;
  /**
   * Gets a console ticket for a running VM (`POST /vms/{id}/console`) and opens its WebSocket: raw RFB (`vnc`) or
   * serial bytes. For noVNC, take the ticket with `createVmConsole` and give `consoleSocketUrl(...)` to `RFB`.
   */
  openConsole(
    args: { readonly id: string; readonly type: 'vnc' | 'serial' },
    options?: OpenConsoleOptions,
  ): Promise<ConsoleConnection>;
}

/** The longest single `?wait=true` request of `waitForTask`. */
const WAIT_CHUNK_MS = 30_000;
/** If the server answers a wait early without the task having ended, do not ask again sooner than this. */
const MIN_POLL_MS = 250;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface SplitArgs {
  readonly path: string;
  readonly query: Record<string, QueryValue>;
  readonly body: Record<string, unknown> | undefined;
}

/** Splits the merged arguments object into path parameters, query parameters and body fields. */
function splitArgs(id: string, route: RouteInput, args: Readonly<Record<string, unknown>>): SplitArgs {
  const pathNames = new Set([...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]));
  // wait/timeoutMs/dryRun come from the options: a body field of the same name (stop's timeoutMs) stays in the body.
  const control = new Set([
    ...(route.wait ? ['wait', 'timeoutMs'] : []),
    ...(route.dryRun ? ['dryRun'] : []),
  ]);
  const queryNames = new Set(Object.keys(route.querystring?.properties ?? {}).filter((k) => !control.has(k)));
  const query: Record<string, QueryValue> = {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || pathNames.has(key)) continue;
    if (queryNames.has(key)) {
      if (!isQueryValue(value))
        throw new TypeError(`${id}: query parameter "${key}" must be a scalar or an array`);
      query[key] = value;
    } else if (route.body) {
      body[key] = value;
    } else {
      throw new TypeError(`${id}: unknown argument "${key}"`);
    }
  }
  return { path: fillPath(route.url, args), query, body: route.body ? body : undefined };
}

function isQueryValue(value: unknown): value is QueryValue {
  const scalar = (v: unknown): boolean =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  return scalar(value) || (Array.isArray(value) && value.every(scalar));
}

/** The loosely typed view of the options the runtime reads (the types restrict what each route accepts). */
interface AnyOptions {
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly dryRun?: boolean;
  readonly idempotencyKey?: string;
  readonly ifMatch?: string;
}

/**
 * Creates a client. Every route of the contract becomes a method taking one arguments object (path params,
 * query params and body fields together) and an options object.
 *
 * @example
 * const client = createGureumClient({ baseUrl: 'http://127.0.0.1:8080', token: process.env.GUREUM_TOKEN });
 * const { items } = await client.listVms({ state: 'running' });
 * const outcome = await client.startVm({ id: items[0].id }, { wait: true });
 * if (outcome.status === 202) await client.waitForTask(outcome.task.id);
 */
export function createGureumClient(options: GureumClientOptions): GureumClient {
  let token = options.token;
  const transport: Transport = {
    baseUrl: options.baseUrl,
    token: () => token,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };

  async function sendOperation(id: OperationId, args: Readonly<Record<string, unknown>>, opts: AnyOptions) {
    const route: RouteInput = routes[id];
    const { path, query, body } = splitArgs(id, route, args);
    if (route.wait && opts.wait !== undefined) query['wait'] = opts.wait;
    if (route.wait && opts.timeoutMs !== undefined) query['timeoutMs'] = opts.timeoutMs;
    if (route.dryRun && opts.dryRun !== undefined) query['dryRun'] = opts.dryRun;
    const headers: Record<string, string> = { ...opts.headers };
    if (body) headers['content-type'] = 'application/json';
    if (route.idempotent && opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    if (route.conditional && opts.ifMatch) headers['if-match'] = opts.ifMatch;
    return send(transport, {
      method: route.method,
      path,
      query,
      headers,
      signal: opts.signal,
      text: route.produces === 'text/plain',
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  }

  async function call(id: OperationId, args: Readonly<Record<string, unknown>> = {}, opts: AnyOptions = {}) {
    const route: RouteInput = routes[id];
    const response = await sendOperation(id, args, opts);
    if (route.dryRun && opts.dryRun) return response.body;
    if (!route.task) return response.body;
    if (response.status === 202) {
      return { status: 202, task: isRecord(response.body) ? response.body['task'] : undefined };
    }
    return { status: response.status, value: response.body };
  }

  async function upload(
    id: OperationId,
    args: Readonly<Record<string, unknown>>,
    data: UploadBody,
    opts: UploadOptions = {},
  ) {
    const route: RouteInput = routes[id];
    const { path, query } = splitArgs(id, route, args);
    const prepared = prepareUpload(data, opts);
    const headers: Record<string, string> = {
      ...opts.headers,
      'content-type': route.rawBody ?? 'application/octet-stream',
      'content-length': String(prepared.size),
    };
    const response = await send(transport, {
      method: route.method,
      path,
      query,
      headers,
      body: prepared.body,
      signal: opts.signal,
      ...(prepared.isStream ? { duplex: 'half' as const } : {}),
    });
    prepared.done();
    return response.body;
  }

  const methods: Record<string, unknown> = {};
  for (const id of operationIds) {
    const route: RouteInput = routes[id];
    methods[id] = route.rawBody
      ? (args: Record<string, unknown>, data: UploadBody, opts?: UploadOptions) =>
          upload(id, args, data, opts)
      : (args?: Record<string, unknown>, opts?: AnyOptions) => call(id, args, opts);
  }

  const client = {
    get token() {
      return token;
    },
    setToken(next: string | undefined) {
      token = next;
    },
    send: (id: OperationId, args?: Record<string, unknown>, opts?: AnyOptions) =>
      sendOperation(id, args ?? {}, opts ?? {}),
    async waitForTask(taskId: string, waitOptions: WaitForTaskOptions = {}): Promise<Task> {
      const deadline = waitOptions.timeoutMs === undefined ? Infinity : Date.now() + waitOptions.timeoutMs;
      for (;;) {
        const started = Date.now();
        const timeoutMs = Math.max(0, Math.min(WAIT_CHUNK_MS, deadline - started));
        const task = await typed.getTask(
          { id: taskId },
          { wait: true, timeoutMs, ...(waitOptions.signal ? { signal: waitOptions.signal } : {}) },
        );
        if (isTaskFinished(task)) {
          if (waitOptions.throwOnFailure && task.status === 'failed' && task.error)
            throw ApiError.fromProblem(task.error);
          return task;
        }
        if (Date.now() >= deadline) throw new TaskWaitTimeoutError(task);
        const elapsed = Date.now() - started;
        if (elapsed < MIN_POLL_MS)
          await sleep(Math.min(MIN_POLL_MS - elapsed, deadline - Date.now()), waitOptions.signal);
      }
    },
    events(eventOptions: EventsOptions): EventSubscription {
      return subscribeEvents(
        { baseUrl: options.baseUrl, token: () => token, WebSocket: options.WebSocket },
        eventOptions,
      );
    },
    async openConsole(
      args: { readonly id: string; readonly type: 'vnc' | 'serial' },
      consoleOptions: OpenConsoleOptions = {},
    ): Promise<ConsoleConnection> {
      const ticket = await typed.createVmConsole(args);
      return openConsoleTicket(options.baseUrl, ticket, consoleOptions);
    },
    ...methods,
  };
  // The one place where the dynamically built methods meet their static types: each method was generated from
  // the same route table entry its type is derived from.
  const typed = client as unknown as GureumClient;
  return typed;
}
