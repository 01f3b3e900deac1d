/**
 * A wire-level fake of libvirtd for tests: it speaks the real packet format over a UNIX socket (or TCP on
 * 127.0.0.1), enforces the connection rules of the daemon (AUTH_LIST first, CONNECT_OPEN once), answers keepalive,
 * registers events, runs streams, and lets tests program every other procedure and misbehave on purpose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorDomain, ErrorNumber } from '../protocol/error-numbers.js';
import { KeepaliveProcedure, MessageStatus, MessageType, Program } from '../protocol/constants.js';
import {
  remoteEvents,
  type EventObjectKind,
  type RemoteEventBody,
  type RemoteEventName,
} from '../protocol/events.js';
import { proc, type Procedure } from '../protocol/procedure.js';
import { OptDom, OptNet, OptPool } from '../protocol/types.js';
import { encodePacket, PacketDecoder, type Packet, type PacketHeader } from '../transport/packet.js';
import { array, decode, encode, int, optString, struct, uint, xvoid, type Codec } from '../xdr/codec.js';
import { FakeLibvirtError, FakeStream } from './fake-stream.js';

/**
 * Options of {@link FakeLibvirtd.start}.
 *
 * @example
 * ```ts
 * const fake = await FakeLibvirtd.start({ authTypes: [2], keepaliveIntervalMs: 50 });
 * ```
 */
export interface FakeLibvirtdOptions {
  /** Listen on 127.0.0.1 (random port) instead of a UNIX socket in a temporary directory. */
  readonly tcp?: boolean;
  /** What AUTH_LIST answers (default `[0]`, no auth). `[2]` makes the client use AUTH_POLKIT. */
  readonly authTypes?: readonly number[];
  /** Whether AUTH_POLKIT succeeds (default true). */
  readonly polkitAllowed?: boolean;
  /** Once a client enabled keepalive (feature 10), send it a PING this often (default: never). */
  readonly keepaliveIntervalMs?: number;
}

/**
 * Context of a programmed call.
 *
 * @example
 * ```ts
 * fake.handle(remoteProcedures.storageVolDownload, (_args, ctx) => void ctx.openStream().end());
 * ```
 */
export interface FakeCallContext {
  readonly connection: FakeConnection;
  readonly serial: number;
  /** Opens the stream of a stream procedure; its packets go out after this call's reply. */
  openStream(options?: { sparse?: boolean }): FakeStream;
}

/**
 * A programmed procedure: return the result, or throw a {@link FakeLibvirtError}.
 *
 * @example
 * ```ts
 * const getState: FakeHandler<{ dom: Dom; flags: number }, { state: number; reason: number }> = () => ({ state: 1, reason: 1 });
 * ```
 */
export type FakeHandler<A, R> = (args: A, ctx: FakeCallContext) => R | Promise<R>;

/**
 * One call the fake received.
 *
 * @example
 * ```ts
 * expect(fake.callsTo(remoteProcedures.connectOpen)[0]?.args).toEqual({ name: 'qemu:///system', flags: 0 });
 * ```
 */
export interface FakeCallRecord {
  readonly prog: number;
  readonly proc: number;
  readonly serial: number;
  /** Decoded arguments (undefined for unknown procedures). */
  readonly args: unknown;
  readonly connection: FakeConnection;
}

interface HandlerEntry {
  readonly p: Procedure<unknown, unknown>;
  readonly fn: FakeHandler<unknown, unknown>;
}

interface Callback {
  readonly id: number;
  readonly kind: EventObjectKind;
  readonly eventId: number;
  readonly filter: { uuid: string } | null;
}

const AUTH_LIST = proc(66, xvoid, array(int, 20));
const AUTH_POLKIT = proc(70, xvoid, int);
const CONNECT_OPEN = proc(1, struct({ name: optString, flags: uint }), xvoid);
const CONNECT_CLOSE = proc(2, xvoid, xvoid);
const CONNECT_SUPPORTS_FEATURE = proc(60, struct({ feature: int }), int);
const DEREGISTER = struct({ callbackID: int });

const REGISTRATION: Record<
  number,
  { kind: EventObjectKind; args: Codec<{ eventID: number; filter: { uuid: string } | null }> }
> = {
  316: { kind: 'domain', args: struct({ eventID: int, filter: OptDom }) },
  313: { kind: 'network', args: struct({ eventID: int, filter: OptNet }) },
  368: { kind: 'storagePool', args: struct({ eventID: int, filter: OptPool }) },
};
const DEREGISTRATION: Record<number, EventObjectKind> = { 317: 'domain', 314: 'network', 369: 'storagePool' };
const FILTER_KEY: Record<EventObjectKind, string> = { domain: 'dom', network: 'net', storagePool: 'pool' };

function rpcError(message: string, code: number = ErrorNumber.Rpc): FakeLibvirtError {
  return new FakeLibvirtError(code, message, ErrorDomain.Rpc);
}

/**
 * One client connection of the fake daemon.
 *
 * @example
 * ```ts
 * const conn = await fake.waitForConnection(true);
 * conn.silent = true; // a hung daemon
 * ```
 */
export class FakeConnection {
  /** True after AUTH_LIST (and AUTH_POLKIT when polkit is the only scheme). */
  authenticated = false;
  /** True between a successful CONNECT_OPEN and CONNECT_CLOSE. */
  opened = false;
  /** The name the client passed to CONNECT_OPEN. */
  openName: string | null | undefined;
  /** When true the fake reads but answers nothing (not even keepalive): a hung daemon. */
  silent = false;
  /** Keepalive PONGs the client sent / PINGs it sent. */
  pongsReceived = 0;
  pingsReceived = 0;
  /** Calls received and not yet answered, and the most seen at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Event callbacks registered on this connection, keyed by `kind:callbackId` (ids are per object kind). */
  readonly callbacks = new Map<string, Callback>();
  private readonly decoder = new PacketDecoder();
  private readonly streams = new Map<number, FakeStream>();
  private pingTimer: NodeJS.Timeout | undefined;
  private closeWaiters: (() => void)[] = [];
  private isClosed = false;

  /** @internal */
  constructor(
    readonly socket: Socket,
    private readonly daemon: FakeLibvirtd,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.onData(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosed = true;
      if (this.pingTimer) clearInterval(this.pingTimer);
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  /** True once the socket is closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves when the client's socket is closed. */
  whenClosed(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Sends a packet; resolves once the socket took it (after `drain` when its buffer was full). */
  send(header: Omit<PacketHeader, 'vers'>, body?: Uint8Array): Promise<void> {
    return this.sendRaw(encodePacket(header, body));
  }

  /** Sends arbitrary bytes (malformed packets, split packets, …). */
  sendRaw(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    if (this.socket.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Stops reading the client's bytes (a slow daemon: the client's writes back up). */
  pauseReading(): void {
    this.socket.pause();
  }

  /** Reads again after {@link FakeConnection.pauseReading}. */
  resumeReading(): void {
    this.socket.resume();
  }

  /** Drops the connection abruptly. */
  destroy(): void {
    this.socket.destroy();
  }

  /** @internal */
  dropStream(serial: number): void {
    this.streams.delete(serial);
  }

  /** Sends an event message (serial 1, as libvirtd does); `body` must start with the callback id. */
  sendEvent(msgProc: number, body: Buffer): Promise<void> {
    return this.send(
      { prog: Program.Remote, proc: msgProc, type: MessageType.Message, serial: 1, status: MessageStatus.Ok },
      body,
    );
  }

  private onData(chunk: Buffer): void {
    if (this.silent) return;
    let packets: Packet[];
    try {
      packets = this.decoder.push(chunk);
    } catch {
      this.destroy();
      return;
    }
    for (const packet of packets) this.onPacket(packet);
  }

  private onPacket({ header: h, body }: Packet): void {
    if (h.prog === Program.Keepalive) {
      if (h.proc === KeepaliveProcedure.Ping) {
        this.pingsReceived++;
        void this.send({
          prog: Program.Keepalive,
          proc: KeepaliveProcedure.Pong,
          type: MessageType.Message,
          serial: 0,
          status: MessageStatus.Ok,
        });
      } else if (h.proc === KeepaliveProcedure.Pong) {
        this.pongsReceived++;
      }
      return;
    }
    if (h.type === MessageType.Stream || h.type === MessageType.StreamHole) {
      const stream = this.streams.get(h.serial);
      // libvirtd drops a client that sends a hole on a non-sparse stream (facts §5.2).
      if (stream && !stream.onPacket(h.type, h.status, body)) this.destroy();
      return;
    }
    if (h.type === MessageType.Call) void this.onCall(h, body);
  }

  private async reply(h: PacketHeader, status: number, body?: Uint8Array): Promise<void> {
    this.inFlight--;
    await this.send({ prog: h.prog, proc: h.proc, type: MessageType.Reply, serial: h.serial, status }, body);
  }

  private async onCall(h: PacketHeader, body: Buffer): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let stream: FakeStream | undefined;
    try {
      const result = await this.execute(h, body, (s) => (stream = s));
      if (this.isClosed) return;
      await this.reply(h, MessageStatus.Ok, result);
      stream?.markReplied();
    } catch (err: unknown) {
      if (this.isClosed) return;
      if (stream) this.streams.delete(h.serial);
      const e =
        err instanceof FakeLibvirtError
          ? err
          : new FakeLibvirtError(ErrorNumber.InternalError, `fake handler failed: ${String(err)}`);
      await this.reply(h, MessageStatus.Error, e.encode());
    }
  }

  private async execute(h: PacketHeader, body: Buffer, onStream: (s: FakeStream) => void): Promise<Buffer> {
    const key = `${h.prog}:${h.proc}`;
    const handler = this.daemon.handlerFor(key);
    const record = (args: unknown): void => {
      this.daemon.calls.push({ prog: h.prog, proc: h.proc, serial: h.serial, args, connection: this });
    };
    if (h.prog === Program.Remote && h.proc === AUTH_LIST.number) {
      record(undefined);
      const types = this.daemon.options.authTypes ?? [0];
      this.authenticated = types.length === 0 || types.includes(0);
      return encode(AUTH_LIST.ret, [...types]);
    }
    if (h.prog === Program.Remote && h.proc === AUTH_POLKIT.number) {
      record(undefined);
      if (this.daemon.options.polkitAllowed === false) {
        throw new FakeLibvirtError(
          ErrorNumber.AuthFailed,
          'authentication failed: polkit denied access',
          ErrorDomain.Polkit,
        );
      }
      this.authenticated = true;
      return encode(AUTH_POLKIT.ret, 1);
    }
    if (!this.authenticated) {
      record(undefined);
      throw rpcError('authentication required');
    }
    if (h.prog === Program.Remote && h.proc === CONNECT_OPEN.number) {
      const args = decode(CONNECT_OPEN.args, body);
      record(args);
      if (this.opened) {
        this.opened = false; // as libvirtd: a second OPEN also tears down the first
        throw rpcError('internal error: connection already open', ErrorNumber.InternalError);
      }
      if (handler) await handler.fn(args, this.context(h, onStream));
      this.opened = true;
      this.openName = args.name;
      return Buffer.alloc(0);
    }
    if (!this.opened) {
      record(undefined);
      throw rpcError('internal error: hypervisor connection not open', ErrorNumber.InternalError);
    }
    if (handler) {
      let args: unknown;
      try {
        args = decode(handler.p.args, body);
      } catch {
        record(undefined);
        throw rpcError('Unable to decode message payload');
      }
      record(args);
      const result = await handler.fn(args, this.context(h, onStream));
      return encode(handler.p.ret, result);
    }
    return this.builtin(h, body, record);
  }

  private builtin(h: PacketHeader, body: Buffer, record: (args: unknown) => void): Buffer {
    if (h.prog === Program.Remote) {
      if (h.proc === CONNECT_CLOSE.number) {
        record(undefined);
        this.opened = false;
        return Buffer.alloc(0);
      }
      if (h.proc === CONNECT_SUPPORTS_FEATURE.number) {
        const { feature } = decode(CONNECT_SUPPORTS_FEATURE.args, body);
        record({ feature });
        if (feature === 10) this.startPings();
        return encode(CONNECT_SUPPORTS_FEATURE.ret, feature === 10 || feature === 14 ? 1 : 0);
      }
      const reg = REGISTRATION[h.proc];
      if (reg) {
        const args = decode(reg.args, body);
        record(args);
        const id = this.daemon.nextCallbackId(reg.kind);
        this.callbacks.set(`${reg.kind}:${id}`, {
          id,
          kind: reg.kind,
          eventId: args.eventID,
          filter: args.filter,
        });
        this.daemon.onRegister?.(this, id, args.eventID);
        return encode(int, id);
      }
      const dereg = DEREGISTRATION[h.proc];
      if (dereg) {
        const { callbackID } = decode(DEREGISTER, body);
        record({ callbackID });
        this.callbacks.delete(`${dereg}:${callbackID}`);
        return Buffer.alloc(0);
      }
    }
    record(undefined);
    throw rpcError(`unknown procedure: ${h.proc}`);
  }

  private context(h: PacketHeader, onStream: (s: FakeStream) => void): FakeCallContext {
    return {
      connection: this,
      serial: h.serial,
      openStream: (options = {}) => {
        const stream = new FakeStream(this, h.prog, h.proc, h.serial, options.sparse === true);
        this.streams.set(h.serial, stream);
        onStream(stream);
        return stream;
      },
    };
  }

  private startPings(): void {
    const every = this.daemon.options.keepaliveIntervalMs;
    if (every === undefined || this.pingTimer) return;
    this.pingTimer = setInterval(() => {
      if (this.silent) return;
      void this.send({
        prog: Program.Keepalive,
        proc: KeepaliveProcedure.Ping,
        type: MessageType.Message,
        serial: 0,
        status: MessageStatus.Ok,
      });
    }, every);
    this.pingTimer.unref();
  }
}

/**
 * A fake libvirtd speaking the real wire protocol.
 *
 * Built in: AUTH_LIST (required first), AUTH_POLKIT, CONNECT_OPEN (once; a second one fails and closes the
 * first), CONNECT_CLOSE, CONNECT_SUPPORTS_FEATURE (10 turns on PINGs when `keepaliveIntervalMs` is set), event
 * (de)registration for domains, networks and storage pools with daemon-wide callback ids, keepalive answers.
 * Everything else is programmed with {@link FakeLibvirtd.handle}; unknown procedures fail with
 * "unknown procedure: N" like libvirtd.
 *
 * @example
 * ```ts
 * const fake = await FakeLibvirtd.start();
 * fake.handle(remoteProcedures.connectGetLibVersion, () => 9000000n);
 * const client = await LibvirtClient.connect(fake.uri);
 * expect(await client.connectGetLibVersion()).toBe(9000000n);
 * await client.close();
 * await fake.close();
 * ```
 */
export class FakeLibvirtd {
  /** Every call received, in order. */
  readonly calls: FakeCallRecord[] = [];
  /**
   * Called when a client registers an event callback, before the registration's reply is sent: events sent from
   * here reach the client ahead of the callback id (a race libvirtd allows).
   */
  onRegister: ((connection: FakeConnection, callbackId: number, eventId: number) => void) | undefined;
  private readonly handlers = new Map<string, HandlerEntry>();
  private readonly live = new Set<FakeConnection>();
  private readonly callbackIds = new Map<EventObjectKind, number>();
  private connectionWaiters: ((c: FakeConnection) => void)[] = [];
  private server: Server | undefined;
  private readonly dir: string | undefined;
  private port = 0;

  private constructor(readonly options: FakeLibvirtdOptions) {
    this.dir = options.tcp === true ? undefined : mkdtempSync(join(tmpdir(), 'fake-libvirtd-'));
  }

  /**
   * Starts a fake daemon.
   *
   * @example
   * ```ts
   * const fake = await FakeLibvirtd.start({ keepaliveIntervalMs: 50 });
   * ```
   */
  static async start(options: FakeLibvirtdOptions = {}): Promise<FakeLibvirtd> {
    const fake = new FakeLibvirtd(options);
    await fake.listen();
    return fake;
  }

  /** The UNIX socket path (UNIX mode). */
  get socketPath(): string | undefined {
    return this.dir === undefined ? undefined : join(this.dir, 'libvirt-sock');
  }

  /** A URI that connects to this fake: `qemu:///system?socket=…` or `qemu+tcp://127.0.0.1:port/system`. */
  get uri(): string {
    const path = this.socketPath;
    return path === undefined ? `qemu+tcp://127.0.0.1:${this.port}/system` : `qemu:///system?socket=${path}`;
  }

  /** Connections currently open. */
  get connections(): FakeConnection[] {
    return [...this.live];
  }

  /**
   * Programs a procedure (replacing an earlier handler). The handler gets the decoded arguments; its result is
   * encoded with the procedure's result codec; a thrown {@link FakeLibvirtError} becomes an error reply.
   *
   * @example
   * ```ts
   * fake.handle(remoteProcedures.domainLookupByName, ({ name }) => {
   *   throw new FakeLibvirtError(ErrorNumber.NoDomain, `Domain not found: ${name}`);
   * });
   * ```
   */
  handle<A, R>(p: Procedure<A, R>, fn: FakeHandler<A, R>): this {
    // Stored type-erased; `execute` decodes with `p.args` and encodes with `p.ret`, matching `fn`'s types.
    this.handlers.set(`${p.program}:${p.number}`, { p, fn } as unknown as HandlerEntry);
    return this;
  }

  /** @internal */
  handlerFor(key: string): HandlerEntry | undefined {
    return this.handlers.get(key);
  }

  /** @internal Daemon-wide callback ids, one counter per object kind (as libvirtd). */
  nextCallbackId(kind: EventObjectKind): number {
    const id = this.callbackIds.get(kind) ?? 0;
    this.callbackIds.set(kind, id + 1);
    return id;
  }

  /** Calls received for a procedure. */
  callsTo(p: Procedure<unknown, unknown>): FakeCallRecord[] {
    return this.calls.filter((c) => c.prog === p.program && c.proc === p.number);
  }

  /** Resolves with the next connection accepted (or the newest one if `existing` and one is open). */
  waitForConnection(existing = false): Promise<FakeConnection> {
    const newest = [...this.live].at(-1);
    if (existing && newest) return Promise.resolve(newest);
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  /**
   * Sends an event to every registered callback that matches (event id, object kind and object filter), on every
   * connection. Returns how many messages were sent. Call it inside a handler to send an event before the reply.
   *
   * @example
   * ```ts
   * fake.emitEvent('domainLifecycle', { dom, event: 2, detail: 0 });
   * ```
   */
  emitEvent<K extends RemoteEventName>(name: K, body: Omit<RemoteEventBody<K>, 'callbackID'>): number {
    const event = remoteEvents[name];
    const target: unknown = Reflect.get(body, FILTER_KEY[event.object]);
    const uuid = typeof target === 'object' && target !== null && 'uuid' in target ? target.uuid : undefined;
    let sent = 0;
    for (const conn of this.live) {
      for (const cb of conn.callbacks.values()) {
        if (cb.kind !== event.object || cb.eventId !== event.eventId) continue;
        if (cb.filter && cb.filter.uuid !== uuid) continue;
        // The table's body codec is `{ callbackID, ...rest }`: adding the id back gives exactly RemoteEventBody<K>.
        const full = { callbackID: cb.id, ...body } as unknown as RemoteEventBody<K>;
        void conn.sendEvent(event.msgProc, encode(event.body as Codec<RemoteEventBody<K>>, full));
        sent++;
      }
    }
    return sent;
  }

  /** Drops every client connection (the daemon keeps listening). */
  dropConnections(): void {
    for (const c of this.live) c.destroy();
  }

  /** Starts listening (again, on the same address after {@link FakeLibvirtd.stop}). */
  async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => {
      const conn = new FakeConnection(socket, this);
      this.live.add(conn);
      socket.on('close', () => this.live.delete(conn));
      for (const w of this.connectionWaiters.splice(0)) w(conn);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const path = this.socketPath;
      if (path === undefined) server.listen(this.port, '127.0.0.1', resolve);
      else server.listen(path, resolve);
    });
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
  }

  /** Stops listening and drops every connection: the daemon is down until {@link FakeLibvirtd.listen}. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropConnections();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  /** Stops for good and removes the temporary directory. */
  async close(): Promise<void> {
    await this.stop();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}
