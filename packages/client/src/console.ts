import { ConsoleCloseCode, type ConsoleTicket, type Problem } from '@gureum/contract';
import { ApiError, parseProblem } from './errors.js';

// The console WebSocket protocol is specified in @gureum/contract's schemas/event.schemas.ts (ConsoleCloseCode):
// the ticket in the URL is the credential, refusals are HTTP problems before the upgrade, frames are raw bytes.

type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket a console uses: browsers' `WebSocket` and the `ws` package both fit. */
export interface ConsoleSocketLike {
  readonly readyState: number;
  binaryType: string;
  /** Bytes queued but not yet sent (watch it to pace large pastes). */
  readonly bufferedAmount: number;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `WebSocket` from the `ws` package on Node 20. */
export type ConsoleSocketConstructor = new (url: string) => ConsoleSocketLike;

/** How a console session ended: a ConsoleCloseCode (or 1006 when the connection just dropped) and a reason. */
export interface ConsoleClose {
  readonly code: number;
  readonly reason: string;
}

/**
 * A console socket did not open: refused by the server (browsers do not say why: the ticket may be used, expired
 * or invalid, or the VM stopped), dropped, timed out or aborted. `close` is the socket's close, when it closed.
 */
export class ConsoleOpenError extends Error {
  override readonly name = 'ConsoleOpenError';
  constructor(
    message: string,
    readonly close?: ConsoleClose,
  ) {
    super(message);
  }
}

/** An open console: raw bytes both ways. */
export interface ConsoleConnection {
  /** The open socket (the connection owns its handlers; use `onData` and `closed`). */
  readonly socket: ConsoleSocketLike;
  /** Sends bytes (or text, as UTF-8) to the VM. */
  send(data: Uint8Array | string): void;
  /**
   * Calls `listener` with each chunk from the VM, in order; returns a function that stops it. What arrived
   * before the first listener is delivered to it first.
   */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** Resolves once the session ended, with the server's close code and reason. */
  readonly closed: Promise<ConsoleClose>;
  /** Ends the session (close code 1000). */
  close(): void;
}

export interface OpenConsoleOptions {
  /** A WebSocket constructor; defaults to the global one (browsers, Node ≥ 22). Node 20: `ws`. */
  readonly WebSocket?: ConsoleSocketConstructor;
  /** Gives up opening (and closes the socket) when aborted. */
  readonly signal?: AbortSignal;
  /** Gives up opening after this long (default 10 s; a ticket is valid for 30 s anyway). */
  readonly openTimeoutMs?: number;
}

/** What a console close code means, in words (for UIs: "closed: the VM stopped"). */
export function describeConsoleClose(close: ConsoleClose): string {
  switch (close.code) {
    case ConsoleCloseCode.Normal:
      return 'closed';
    case ConsoleCloseCode.GoingAway:
      return 'the server is restarting';
    case ConsoleCloseCode.VmStopped:
      return 'the VM stopped';
    case ConsoleCloseCode.IdleTimeout:
      return 'closed after being idle';
    case ConsoleCloseCode.ConsoleClosed:
      return 'the console was closed on the VM side (opened elsewhere?)';
    case ConsoleCloseCode.Unavailable:
      return close.reason || 'the console is not available';
    default:
      return close.reason || `connection lost (${String(close.code)})`;
  }
}

/**
 * The WebSocket URL of a console ticket: `POST /vms/{id}/console` answers `{ url: "/api/v1/consoles/<ticket>" }`,
 * relative to the server's origin; this makes it absolute (`ws:` or `wss:`). noVNC's `RFB` takes it as is.
 *
 * @example
 * const ticket = await client.createVmConsole({ id: vm.id, type: 'vnc' });
 * const rfb = new RFB(screen, consoleSocketUrl(location.origin, ticket.url));
 */
export function consoleSocketUrl(baseUrl: string, ticketUrl: string): string {
  if (!ticketUrl.startsWith('/')) throw new TypeError(`not a console ticket url: ${ticketUrl}`);
  return `${baseUrl.replace(/\/+$/, '')}${ticketUrl}`.replace(/^http(s?):/, 'ws$1:');
}

function resolveSocket(ctor: ConsoleSocketConstructor | undefined): ConsoleSocketConstructor {
  if (ctor) return ctor;
  const global: unknown = Reflect.get(globalThis, 'WebSocket');
  if (typeof global !== 'function') {
    throw new TypeError('console: no global WebSocket (Node 20); pass { WebSocket } from the "ws" package');
  }
  return global as ConsoleSocketConstructor; // the platform WebSocket, checked to exist just above
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) {
    const parts = data.filter((d): d is Uint8Array => d instanceof Uint8Array);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  if (typeof data === 'string') return new TextEncoder().encode(data);
  return new Uint8Array(0);
}

/** The `ws` package says why a refused upgrade failed (status and problem body); browsers never can. */
interface NodeSocketEvents {
  on(
    event: 'unexpected-response',
    listener: (
      req: { destroy(): void },
      res: {
        statusCode?: number;
        headers: Record<string, unknown>;
        on(e: string, l: (chunk?: unknown) => void): void;
      },
    ) => void,
  ): unknown;
}

function hasNodeEvents(socket: unknown): socket is NodeSocketEvents {
  return typeof (socket as { on?: unknown }).on === 'function';
}

/**
 * Opens a console WebSocket from a ticket's URL and resolves once it is open. A refused ticket (used, expired,
 * unknown; the VM stopped or gone) rejects: with the server's `ApiError` under Node's `ws`, which exposes the HTTP
 * answer, and with a `ConsoleOpenError` in browsers, which do not.
 *
 * @example
 * const con = await openConsoleSocket(consoleSocketUrl(baseUrl, ticket.url), { WebSocket });
 * con.onData((bytes) => term.write(bytes));
 * term.onData((text) => con.send(text));
 */
export function openConsoleSocket(url: string, options: OpenConsoleOptions = {}): Promise<ConsoleConnection> {
  const Socket = resolveSocket(options.WebSocket);
  const socket = new Socket(url);
  socket.binaryType = 'arraybuffer';
  const listeners = new Set<(bytes: Uint8Array) => void>();
  const backlog: Uint8Array[] = [];
  let resolveClosed: (close: ConsoleClose) => void = () => undefined;
  const closed = new Promise<ConsoleClose>((resolve) => (resolveClosed = resolve));

  return new Promise<ConsoleConnection>((resolve, reject) => {
    let settled = false;
    let refusal: ApiError | undefined;
    const timer = setTimeout(() => {
      fail(new ConsoleOpenError(`console: not open within ${String(options.openTimeoutMs ?? 10_000)} ms`));
    }, options.openTimeoutMs ?? 10_000);
    const onAbort = (): void => {
      fail(new ConsoleOpenError('console: opening was aborted'));
    };
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.close();
      reject(err);
    }
    if (hasNodeEvents(socket)) {
      socket.on('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (chunk) => (body += String(chunk)));
        res.on('end', () => {
          let problem: Problem | undefined;
          try {
            problem = parseProblem(JSON.parse(body) as unknown);
          } catch {
            problem = undefined;
          }
          refusal = new ApiError(res.statusCode ?? 0, problem, 'the console was refused');
          req.destroy();
          fail(refusal);
        });
      });
    }
    socket.onerror = () => {
      // Followed by onclose; the refusal (if the runtime exposed it) is reported there.
    };
    socket.onmessage = (event) => {
      const bytes = toBytes(event.data);
      // Bytes can arrive before the caller had a chance to call onData (the VNC banner right after the
      // upgrade): kept until the first listener comes.
      if (listeners.size === 0) backlog.push(bytes);
      for (const l of listeners) l(bytes);
    };
    socket.onclose = (event) => {
      const close = { code: event.code, reason: event.reason };
      resolveClosed(close);
      fail(
        refusal ??
          new ConsoleOpenError(
            `console: refused or closed before it opened (${String(event.code)}${event.reason ? `: ${event.reason}` : ''}); the ticket may be used, expired or invalid`,
            close,
          ),
      );
    };
    socket.onopen = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        socket,
        send: (data) => {
          socket.send(typeof data === 'string' ? new TextEncoder().encode(data) : data);
        },
        onData: (listener) => {
          listeners.add(listener);
          for (const bytes of backlog.splice(0)) listener(bytes);
          return () => listeners.delete(listener);
        },
        closed,
        close: () => {
          socket.close(ConsoleCloseCode.Normal);
        },
      });
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Opens the console a ticket grants, relative to `baseUrl`. */
export function openConsoleTicket(
  baseUrl: string,
  ticket: ConsoleTicket,
  options: OpenConsoleOptions = {},
): Promise<ConsoleConnection> {
  return openConsoleSocket(consoleSocketUrl(baseUrl, ticket.url), options);
}
