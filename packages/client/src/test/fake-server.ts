// A tiny real HTTP + WebSocket server for the client's tests: routes answer what each test says, every request is
// recorded, and /api/v1/events speaks the events protocol of @gureum/contract (auth message, ready, replay from
// `since`, sync.reset, live events). Nothing of the client is mocked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BASE_PATH,
  EVENTS_PATH,
  EventsCloseCode,
  problemTypeUri,
  errorCatalog,
  type ErrorCode,
  type EventEnvelope,
  type Problem,
} from '@gureum/contract';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** Sizes of the chunks as they arrived (uploads). */
  readonly chunks: readonly number[];
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-serialized unless a string (sent as is). */
  readonly body?: unknown;
}

type Handler = (req: RecordedRequest, params: Readonly<Record<string, string>>) => Reply | Promise<Reply>;

interface RouteEntry {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

/** A problem reply as the server would send it. */
export interface ProblemReply extends Reply {
  readonly body: Problem;
}

/** A Problem as the server would send it. */
export function problem(code: ErrorCode, detail: string, extra: Partial<Problem> = {}): ProblemReply {
  const spec = errorCatalog[code];
  const body: Problem = {
    type: problemTypeUri(code),
    title: spec.title,
    status: spec.status,
    detail,
    instance: '/api/v1/test',
    code,
    requestId: 'req-test-1',
    ...extra,
  };
  return { status: spec.status, headers: { 'content-type': 'application/problem+json' }, body };
}

export class FakeGureumServer {
  readonly requests: RecordedRequest[] = [];
  /** Event WebSocket connections: the URL each one opened with. */
  readonly eventConnections: URL[] = [];
  /** The event log the WebSocket replays from. */
  readonly log: EventEnvelope[] = [];
  /** Ids at or below this are no longer retained (a `since` below it gets `sync.reset`). */
  retainedAfter = 0;
  readonly tokens = new Set<string>(['secret-token']);
  /** Replay this many already-seen events again on reconnection (a server may overlap; clients must dedupe). */
  replayOverlap = 0;
  /** While true, events upgrades are refused (the server is "away"). */
  refuseEvents = false;
  /** Events upgrade attempts, refused ones included. */
  eventAttempts = 0;

  private readonly routes: RouteEntry[] = [];
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();

  constructor() {
    this.http = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      this.eventAttempts += 1;
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== `${BASE_PATH}${EVENTS_PATH}` || this.refuseEvents) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.eventConnections.push(url);
        this.onEventsConnection(ws, url);
      });
    });
  }

  /** Starts listening on a random local port; returns the base URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    const { port } = this.http.address() as AddressInfo; // listen() on TCP always yields an AddressInfo
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.http.close(() => {
        resolve();
      });
    });
  }

  /** Answers `METHOD /api/v1<path>`; `:name` segments are passed as params. */
  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.unshift({ method, pattern: new RegExp(`^${BASE_PATH}${source}$`), names, handler });
    return this;
  }

  /** The id the next published event should have. */
  nextEventId(): number {
    return (this.log.at(-1)?.id ?? 0) + 1;
  }

  /** Appends an event to the log and pushes it to every authenticated socket. */
  publish(event: EventEnvelope): EventEnvelope {
    this.log.push(event);
    for (const ws of this.sockets) ws.send(JSON.stringify(event));
    return event;
  }

  /** Drops every events connection abruptly, like a network failure. */
  dropEventConnections(): void {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
  }

  /** Closes every events connection with a code (1001 going away, 4401, …). */
  closeEventConnections(code: number, reason = ''): void {
    for (const ws of this.sockets) ws.close(code, reason);
    this.sockets.clear();
  }

  private onEventsConnection(ws: WebSocket, url: URL): void {
    const timer = setTimeout(() => {
      ws.close(EventsCloseCode.AuthTimeout, 'no auth');
    }, 2000);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      const message = JSON.parse(data.toString('utf8')) as { type?: string; token?: string };
      if (message.type !== 'auth' || !message.token || !this.tokens.has(message.token)) {
        ws.send(JSON.stringify({ type: 'error', problem: problem('UNAUTHENTICATED', 'bad token').body }));
        ws.close(EventsCloseCode.Unauthenticated, 'unauthenticated');
        return;
      }
      const lastEventId = this.log.at(-1)?.id ?? 0;
      ws.send(JSON.stringify({ type: 'ready', lastEventId }));
      const sinceParam = url.searchParams.get('since');
      if (sinceParam !== null) {
        const since = Number(sinceParam);
        if (since < this.retainedAfter) {
          ws.send(
            JSON.stringify({
              id: lastEventId,
              type: 'sync.reset',
              time: new Date().toISOString(),
              resource: { kind: 'system', id: 'events' },
              data: { reason: 'since_too_old', oldestId: this.retainedAfter + 1 },
            }),
          );
        } else {
          for (const event of this.log)
            if (event.id > since - this.replayOverlap) ws.send(JSON.stringify(event));
        }
      }
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
      chunks: chunks.map((c) => c.byteLength),
    };
    this.requests.push(recorded);
    let reply: Reply = problem('ROUTE_NOT_FOUND', `${recorded.method} ${url.pathname}`);
    for (const route of this.routes) {
      const match = route.method === recorded.method ? route.pattern.exec(url.pathname) : null;
      if (!match) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1] ?? '')));
      reply = await route.handler(recorded, params);
      break;
    }
    const isText = typeof reply.body === 'string';
    res.writeHead(reply.status, {
      ...(reply.body === undefined ? {} : { 'content-type': isText ? 'text/plain' : 'application/json' }),
      ...reply.headers,
    });
    res.end(reply.body === undefined ? undefined : isText ? reply.body : JSON.stringify(reply.body));
  }
}
