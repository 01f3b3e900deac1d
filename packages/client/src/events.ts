import {
  EVENTS_PATH,
  EventsCloseCode,
  eventTypes,
  type EventEnvelope,
  type EventOf,
  type EventTopic,
  type EventsAuthMessage,
} from '@gureum/contract';
import { ApiError, parseProblem } from './errors.js';
import { apiUrl } from './http.js';

// The wire protocol (auth message, ready, replay with `since`, sync.reset, close codes) is specified in
// @gureum/contract's schemas/event.schemas.ts; this file is its client side.

type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket the client uses: browsers' `WebSocket` and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `WebSocket` from the `ws` package on Node 20. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `connecting` (first attempt) → `open` (authenticated) → `reconnecting` (after a drop) → … → `closed`. */
export type EventsState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Details of a state change. */
export interface EventsStateInfo {
  /** Reconnection attempts since the last successful `ready` (0 on the first connection). */
  readonly attempt: number;
  /** For `reconnecting`: how long until the next attempt. */
  readonly delayMs?: number;
  /** For `closed` after a fatal error (bad token, bad query): why. */
  readonly error?: Error;
}

/** Backoff between reconnection attempts: `initialDelayMs · 2^attempt`, capped, with ±20 % jitter. */
export interface ReconnectOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** What to subscribe to and where to deliver it. */
export interface EventsOptions {
  /** Resume after this event id (replayed events come first). Without it only live events arrive. */
  readonly since?: number;
  /** Only these resource kinds (`sync.reset` always arrives). Default: all. */
  readonly topics?: readonly EventTopic[];
  /** Every event, in id order and without duplicates, including `sync.reset`. */
  readonly onEvent: (event: EventEnvelope) => void;
  /** The replay could not be complete: refetch your state (also delivered to `onEvent`). */
  readonly onReset?: (event: EventOf<'sync.reset'>) => void;
  readonly onState?: (state: EventsState, info: EventsStateInfo) => void;
  /** Errors of the subscription (a fatal close) and errors thrown by your callbacks. */
  readonly onError?: (error: unknown) => void;
  /** Reconnection backoff; `false` to stay closed after a drop. */
  readonly reconnect?: ReconnectOptions | false;
  /** Closes the subscription when aborted. */
  readonly signal?: AbortSignal;
}

/** A live subscription. */
export interface EventSubscription {
  readonly state: EventsState;
  /** The id of the last event delivered (what a reconnection passes as `since`). */
  readonly lastEventId: number | undefined;
  /** Resolves when the server has said `ready` the first time: subscribe, await this, then act. */
  readonly ready: Promise<void>;
  /** Closes the socket and stops reconnecting. */
  close(): void;
}

/** What `events()` needs from the client. */
export interface EventsTransport {
  readonly baseUrl: string;
  readonly token: () => string | undefined;
  readonly WebSocket: WebSocketConstructor | undefined;
}

const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  EventsCloseCode.InvalidRequest,
  EventsCloseCode.Unauthenticated,
  EventsCloseCode.Forbidden,
]);
const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(eventTypes);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Accepts a frame as an event when it has the envelope's shape and a known type (unknown types are skipped). */
function isEnvelope(value: Record<string, unknown>): value is EventEnvelope {
  return (
    typeof value['id'] === 'number' &&
    typeof value['type'] === 'string' &&
    KNOWN_EVENT_TYPES.has(value['type']) &&
    isRecord(value['resource'])
  );
}

function isSyncReset(event: EventEnvelope): event is EventOf<'sync.reset'> {
  return event.type === 'sync.reset';
}

function resolveWebSocket(ctor: WebSocketConstructor | undefined): WebSocketConstructor {
  if (ctor) return ctor;
  const global: unknown = Reflect.get(globalThis, 'WebSocket');
  if (typeof global !== 'function') {
    throw new TypeError('events: no global WebSocket (Node 20); pass { WebSocket } from the "ws" package');
  }
  return global as WebSocketConstructor; // the platform WebSocket, checked to exist just above
}

/** The events WebSocket URL: `http(s)://host/api/v1/events?…` → `ws(s)://…`. */
export function eventsUrl(
  baseUrl: string,
  since: number | undefined,
  topics: readonly string[] | undefined,
): string {
  const url = apiUrl(baseUrl, EVENTS_PATH, {
    since,
    topics: topics && topics.length > 0 ? topics.join(',') : undefined,
  });
  return url.replace(/^http(s?):/, 'ws$1:');
}

/**
 * Opens the events WebSocket and keeps it open: authenticates with the first message (tokens never go into
 * URLs), delivers events in order without duplicates, reconnects with backoff resuming from the last id, and
 * reports `sync.reset` so the caller refetches.
 */
export function subscribeEvents(transport: EventsTransport, options: EventsOptions): EventSubscription {
  const WebSocketImpl = resolveWebSocket(transport.WebSocket);
  let state: EventsState = 'connecting';
  let lastEventId = options.since;
  let attempt = 0;
  let socket: WebSocketLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closedByUser = false;
  let everReady = false;
  let fatal: Error | undefined;
  let resolveReady: () => void = () => undefined;
  let rejectReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // rejection is also reported through onState/onError; never unhandled

  const report = (err: unknown): void => {
    if (options.onError) options.onError(err);
    else
      queueMicrotask(() => {
        throw err;
      });
  };
  const setState = (next: EventsState, info: EventsStateInfo): void => {
    state = next;
    try {
      options.onState?.(next, info);
    } catch (err: unknown) {
      report(err);
    }
  };
  const deliver = (event: EventEnvelope): void => {
    if (isSyncReset(event)) {
      lastEventId = event.id; // the new position, even if lower (the server's log was reset)
      try {
        options.onReset?.(event);
      } catch (err: unknown) {
        report(err);
      }
    } else if (lastEventId !== undefined && event.id <= lastEventId) {
      return; // already delivered before the reconnection
    } else {
      lastEventId = event.id;
    }
    try {
      options.onEvent(event);
    } catch (err: unknown) {
      report(err);
    }
  };

  const finish = (error?: Error): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (state === 'closed') return;
    if (error) fatal = error;
    setState('closed', error ? { attempt, error } : { attempt });
    if (!everReady) rejectReady(error ?? new Error('events: closed before the server was ready'));
    if (error) report(error);
  };

  const onMessage = (data: unknown): void => {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return; // not ours; the protocol only sends JSON text frames
    }
    if (!isRecord(message)) return;
    if (message['type'] === 'ready') {
      // A subscriber that has not seen an event yet takes the server's position now, so a reconnection resumes
      // from here (with `since`) instead of silently skipping what was published while it was away.
      if (lastEventId === undefined && typeof message['lastEventId'] === 'number')
        lastEventId = message['lastEventId'];
      attempt = 0;
      everReady = true;
      setState('open', { attempt });
      resolveReady();
    } else if (message['type'] === 'error') {
      const problem = parseProblem(message['problem']);
      if (problem) fatal = ApiError.fromProblem(problem);
    } else if (isEnvelope(message)) {
      deliver(message);
    }
  };

  const scheduleReconnect = (): void => {
    const backoff = options.reconnect;
    if (backoff === false) {
      finish();
      return;
    }
    const initial = backoff?.initialDelayMs ?? 250;
    const max = backoff?.maxDelayMs ?? 10_000;
    const base = Math.min(max, initial * 2 ** attempt);
    const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
    attempt += 1;
    setState('reconnecting', { attempt, delayMs });
    timer = setTimeout(connect, delayMs);
  };

  function connect(): void {
    timer = undefined;
    if (closedByUser) return;
    const token = transport.token();
    if (!token) {
      finish(new Error('events: no token; the events stream requires authentication'));
      return;
    }
    fatal = undefined;
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl(eventsUrl(transport.baseUrl, lastEventId, options.topics));
    } catch (err: unknown) {
      finish(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    socket = ws;
    ws.onopen = () => {
      const auth: EventsAuthMessage = { type: 'auth', token };
      ws.send(JSON.stringify(auth));
    };
    ws.onmessage = (event) => {
      if (socket === ws) onMessage(event.data);
    };
    ws.onerror = () => undefined; // a close event always follows; it decides what happens next
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      if (closedByUser) return;
      if (FATAL_CLOSE_CODES.has(event.code)) {
        finish(fatal ?? new Error(`events: closed by the server (${event.code} ${event.reason})`));
        return;
      }
      scheduleReconnect();
    };
  }

  const close = (): void => {
    closedByUser = true;
    const ws = socket;
    socket = undefined;
    ws?.close(1000, 'client closed');
    finish();
  };

  if (options.signal?.aborted) {
    closedByUser = true;
    finish();
  } else {
    options.signal?.addEventListener('abort', close, { once: true });
    setState('connecting', { attempt });
    connect();
  }

  return {
    get state() {
      return state;
    },
    get lastEventId() {
      return lastEventId;
    },
    ready,
    close,
  };
}
