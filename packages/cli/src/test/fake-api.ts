// A tiny real HTTP + WebSocket server for the CLI's tests that speaks the contract: requests are matched against
// the route table of @gureum/contract, JSON bodies are checked against the route's body schema, and replies
// against its response schema (a mismatch is recorded in `violations`, so a test fails when the CLI sends — or
// the fake answers — something the real server would not). Nothing of the CLI or the client is mocked.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import {
  BASE_PATH,
  EVENTS_PATH,
  EventsCloseCode,
  errorCatalog,
  operationIds,
  problemTypeUri,
  routes,
  type ErrorCode,
  type EventEnvelope,
  type OperationId,
  type Problem,
  type RouteInput,
} from '@gureum/contract';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Recorded {
  readonly op: OperationId | undefined;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** The JSON body, parsed (undefined for none or raw bodies). */
  readonly json: unknown;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (req: Recorded, params: Readonly<Record<string, string>>) => Reply | Promise<Reply>;

/** A problem reply as the server sends it. */
export function problem(
  code: ErrorCode,
  detail: string,
  extra: Partial<Problem> = {},
): Reply & { body: Problem } {
  const spec = errorCatalog[code];
  const body: Problem = {
    type: problemTypeUri(code),
    title: spec.title,
    status: spec.status,
    detail,
    instance: '/api/v1/test',
    code,
    requestId: 'req-42',
    ...extra,
  };
  return { status: spec.status, headers: { 'content-type': 'application/problem+json' }, body };
}

interface Compiled {
  readonly op: OperationId;
  readonly route: RouteInput;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const COMPILED: readonly Compiled[] = operationIds.map((op) => {
  const route: RouteInput = routes[op];
  const names: string[] = [];
  const source = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { op, route, pattern: new RegExp(`^${BASE_PATH}${source}$`), names };
});

export class FakeApi {
  readonly requests: Recorded[] = [];
  /** Contract violations: invalid request bodies sent by the CLI, invalid replies of a test's handler. */
  readonly violations: string[] = [];
  readonly tokens = new Set<string>(['tok-admin']);
  /** The events log. */
  readonly log: EventEnvelope[] = [];
  readonly eventConnections: URL[] = [];
  private readonly handlers = new Map<OperationId, Handler>();
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly consoleSockets = new Set<WebSocket>();
  /** Serves console WebSockets (`/api/v1/consoles/<ticket>`) when a test sets it; otherwise they are refused. */
  consoleHandler: ((ws: WebSocket, ticket: string) => void) | undefined;

  constructor() {
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const consoles = `${BASE_PATH}/consoles/`;
      const onConsole = this.consoleHandler;
      if (url.pathname.startsWith(consoles) && onConsole) {
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          this.consoleSockets.add(ws);
          ws.on('close', () => this.consoleSockets.delete(ws));
          onConsole(ws, url.pathname.slice(consoles.length));
        });
        return;
      }
      if (url.pathname !== `${BASE_PATH}${EVENTS_PATH}`) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.eventConnections.push(url);
        this.onEvents(ws, url);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    const address = this.http.address() as AddressInfo; // a TCP listen() always yields an AddressInfo
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const ws of [...this.sockets, ...this.consoleSockets]) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Answers one operation of the contract. */
  on(op: OperationId, handler: Handler): this {
    this.handlers.set(op, handler);
    return this;
  }

  /** Events sockets that have authenticated (and receive live events). */
  get subscribers(): number {
    return this.sockets.size;
  }

  /** The requests of one operation. */
  calls(op: OperationId): Recorded[] {
    return this.requests.filter((r) => r.op === op);
  }

  /** Appends an event and pushes it to every authenticated events socket. */
  publish(event: EventEnvelope): void {
    this.log.push(event);
    for (const ws of this.sockets) ws.send(JSON.stringify(event));
  }

  /** Drops every events connection, like a network failure. */
  dropEventConnections(): void {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
  }

  private onEvents(ws: WebSocket, url: URL): void {
    ws.once('message', (data: Buffer) => {
      const message: unknown = JSON.parse(data.toString('utf8'));
      const token =
        typeof message === 'object' && message !== null && 'token' in message ? message.token : undefined;
      if (typeof token !== 'string' || !this.tokens.has(token)) {
        ws.send(JSON.stringify({ type: 'error', problem: problem('UNAUTHENTICATED', 'bad token').body }));
        ws.close(EventsCloseCode.Unauthenticated, 'unauthenticated');
        return;
      }
      ws.send(JSON.stringify({ type: 'ready', lastEventId: this.log.at(-1)?.id ?? 0 }));
      const since = url.searchParams.get('since');
      const topics = url.searchParams.get('topics')?.split(',');
      if (since !== null)
        for (const e of this.log)
          if (e.id > Number(since) && (!topics || topics.includes(e.resource.kind)))
            ws.send(JSON.stringify(e));
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
    });
  }

  private check(schema: TSchema | undefined, value: unknown, what: string): void {
    if (!schema || Value.Check(schema, value)) return;
    const first = [...Value.Errors(schema, value)][0];
    this.violations.push(`${what}: ${first ? `${first.path} ${first.message}` : 'invalid'}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const match = COMPILED.map((c) => ({
      c,
      m: c.route.method === method ? c.pattern.exec(url.pathname) : null,
    })).find((x) => x.m);
    const body = Buffer.concat(chunks);
    const isJson = (req.headers['content-type'] ?? '').includes('json') && body.length > 0;
    const recorded: Recorded = {
      op: match?.c.op,
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      json: isJson ? JSON.parse(body.toString('utf8')) : undefined,
    };
    this.requests.push(recorded);
    const reply = await this.reply(recorded, match?.c, match?.m ?? null);
    const text = typeof reply.body === 'string';
    res.writeHead(reply.status, {
      ...(reply.body === undefined ? {} : { 'content-type': text ? 'text/plain' : 'application/json' }),
      ...reply.headers,
    });
    res.end(reply.body === undefined ? undefined : text ? reply.body : JSON.stringify(reply.body));
  }

  private async reply(req: Recorded, c: Compiled | undefined, m: RegExpExecArray | null): Promise<Reply> {
    if (!c || !m) return problem('ROUTE_NOT_FOUND', `${req.method} ${req.path}`);
    if (c.route.auth === 'user') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !this.tokens.has(token)) return problem('UNAUTHENTICATED', 'no valid bearer token');
    }
    if (c.route.body) this.check(c.route.body, req.json ?? {}, `${c.op} request body`);
    const handler = this.handlers.get(c.op);
    if (!handler) return problem('ROUTE_NOT_FOUND', `the fake has no handler for ${c.op}`);
    const params: Record<string, string> = {};
    c.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
    const reply = await handler(req, params);
    const schema: TSchema | undefined = (c.route.response as Record<number, TSchema | undefined>)[
      reply.status
    ];
    if (reply.status < 400 && reply.status !== 204)
      this.check(schema, reply.body, `${c.op} ${reply.status} reply`);
    return reply;
  }
}

/** The sha256 of bytes, hex. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
