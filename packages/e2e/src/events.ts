/**
 * Records what an events WebSocket subscription of the typed client delivers, with the time each event arrived.
 */
import type { EventSubscription, EventsOptions, EventsState, GureumClient } from '@gureum/client';
import type { EventEnvelope } from '@gureum/contract';
import { WebSocket } from 'ws';
import { sleep } from './observe.js';

export interface ReceivedEvent {
  readonly event: EventEnvelope;
  /** `Date.now()` when the client delivered it. */
  readonly at: number;
}

export type EventPredicate = (event: EventEnvelope) => boolean;

/** An event of `type` about resource `id`. */
export function about(type: string, id: string): EventPredicate {
  return (e) => e.type === type && e.resource.id === id;
}

export class EventRecorder {
  readonly received: ReceivedEvent[] = [];
  readonly states: EventsState[] = [];
  readonly errors: unknown[] = [];
  readonly subscription: EventSubscription;

  private constructor(client: GureumClient, options: Omit<EventsOptions, 'onEvent' | 'onState' | 'onError'>) {
    this.subscription = client.events({
      ...options,
      onEvent: (event) => this.received.push({ event, at: Date.now() }),
      onState: (state) => this.states.push(state),
      onError: (err) => this.errors.push(err),
    });
  }

  /** Subscribes and waits for the server's `ready`: subscribe before you act. */
  static async open(
    client: GureumClient,
    options: Omit<EventsOptions, 'onEvent' | 'onState' | 'onError'> = {},
  ): Promise<EventRecorder> {
    const recorder = new EventRecorder(client, options);
    await recorder.subscription.ready;
    return recorder;
  }

  get events(): EventEnvelope[] {
    return this.received.map((r) => r.event);
  }

  /** A position: pass it as `after` to wait only for events received from now on. */
  mark(): number {
    return this.received.length;
  }

  /** Resolves with the first event at or after position `after` matching `predicate`. */
  async waitFor(
    predicate: EventPredicate,
    options: { after?: number; timeoutMs?: number; what?: string } = {},
  ): Promise<ReceivedEvent> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    let checked = options.after ?? 0;
    for (;;) {
      for (; checked < this.received.length; checked++) {
        const r = this.received[checked];
        if (r && predicate(r.event)) return r;
      }
      if (Date.now() > deadline) {
        const seen = this.received
          .slice(options.after ?? 0)
          .map((r) => `${r.event.id} ${r.event.type} ${r.event.resource.id}`)
          .join('\n  ');
        throw new Error(
          `no ${options.what ?? 'matching event'} within ${options.timeoutMs ?? 20_000} ms; received:\n  ${seen}`,
        );
      }
      await sleep(5);
    }
  }

  close(): void {
    this.subscription.close();
  }
}

/** One frame of the events WebSocket as the server sent it (no client-side de-duplication). */
export type RawFrame = Record<string, unknown> & { type?: string; id?: number };

/**
 * A bare `ws` connection to the events endpoint (not the typed client): sees exactly the frames the server
 * sends — duplicates included, if there were any — and how the server closes the socket.
 */
export class RawEventsSocket {
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.frames.push(JSON.parse(data.toString('utf8')) as RawFrame);
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') }));
    });
  }

  /**
   * Opens `/api/v1/events` with `query` (e.g. `{ since: 12 }`) and sends `{ type: 'auth', token }` (or `auth`
   * verbatim when it is a string); does not wait for `ready`.
   */
  static async connect(
    baseUrl: string,
    auth: { token: string } | string,
    query: Record<string, string | number> = {},
  ): Promise<RawEventsSocket> {
    const url = new URL('/api/v1/events', baseUrl.replace(/^http/, 'ws'));
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
    const ws = new WebSocket(url);
    const socket = new RawEventsSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        ws.send(typeof auth === 'string' ? auth : JSON.stringify({ type: 'auth', token: auth.token }));
        resolve();
      });
      ws.once('error', reject);
    });
    return socket;
  }

  /** {@link connect}, then waits for the server's `ready`. */
  static async open(
    baseUrl: string,
    token: string,
    query: Record<string, string | number> = {},
  ): Promise<RawEventsSocket> {
    const socket = await RawEventsSocket.connect(baseUrl, { token }, query);
    await socket.waitFor((f) => f.type === 'ready', 10_000);
    return socket;
  }

  /** Frames that are events (they carry an id), in arrival order. */
  get events(): RawFrame[] {
    return this.frames.filter((f) => typeof f.id === 'number');
  }

  async waitFor(predicate: (frame: RawFrame) => boolean, timeoutMs = 20_000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(predicate);
      if (hit) return hit;
      if (Date.now() > deadline) {
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      }
      await sleep(5);
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close(1000);
    return this.closed;
  }
}
