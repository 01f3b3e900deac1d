/**
 * One socket to libvirtd: serial numbers, pending calls, the client-side queue that keeps at most
 * `maxConcurrentCalls` calls in flight, per-call abort and timeout, keepalive, and routing of incoming packets
 * (replies by serial, events by program and procedure, stream packets by serial).
 */
import type { Duplex } from 'node:stream';
import { LibvirtConnectionError, LibvirtError } from './errors.js';
import {
  DEFAULT_MAX_CONCURRENT_CALLS,
  KeepaliveProcedure,
  MessageStatus,
  MessageType,
  PACKET_HEADER_BYTES,
  Program,
  PROGRAM_VERSION,
} from './protocol/constants.js';
import type { Procedure } from './protocol/procedure.js';
import { RemoteError } from './protocol/types.js';
import { hyper, struct, uint, decode } from './xdr/codec.js';
import { XdrWriter } from './xdr/writer.js';
import {
  encodePacket,
  PacketDecoder,
  writeHeader,
  type Packet,
  type PacketHeader,
} from './transport/packet.js';

/**
 * Per-call options of every client method.
 *
 * @example
 * ```ts
 * await client.domainShutdownFlags({ dom, flags: 0 }, { signal: request.signal, timeoutMs: 30_000 });
 * ```
 */
export interface CallOptions {
  /**
   * Stops waiting for the reply when it fires; the call rejects with reason `aborted`. libvirtd still finishes
   * the call, and the call keeps its slot among the concurrent calls until the daemon answers.
   */
  readonly signal?: AbortSignal | undefined;
  /** Rejects with reason `timeout` after this many milliseconds, time spent queued included. Same slot rule. */
  readonly timeoutMs?: number | undefined;
}

/**
 * Keepalive tuning: probe after `intervalMs` of silence, give up after `count` unanswered probes.
 *
 * @example
 * ```ts
 * await LibvirtClient.connect(uri, { keepalive: { intervalMs: 2000, count: 3 } }); // dead after ~8 s
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectSetKeepAlive
 */
export interface KeepaliveOptions {
  readonly intervalMs: number;
  readonly count: number;
}

/**
 * Receives the packets of one stream after the reply of the call that opened it.
 * @internal Implemented by the stream classes.
 */
export interface StreamSink {
  /** A STREAM/CONTINUE packet with data. */
  onData(chunk: Buffer): void;
  /** A STREAM_HOLE packet (sparse streams only). */
  onHole(length: bigint): void;
  /** A STREAM/CONTINUE packet with an empty body: the daemon has no more data. */
  onEof(): void;
  /** STREAM/OK: the daemon confirmed the finish (or the abort). The stream is unregistered. */
  onFinish(): void;
  /** A stream error (STREAM/ERROR or a REPLY/ERROR with the stream's serial), or the connection closed. */
  onError(err: Error): void;
  /** Called with the serial when the opening call is sent, before any packet of the stream can arrive. */
  bind?(serial: number): void;
}

/**
 * Options of {@link Connection}.
 * @internal
 */
export interface ConnectionOptions {
  readonly maxConcurrentCalls?: number;
  /** Event messages (type MESSAGE of any program but keepalive). Throwing closes the connection as a protocol error. */
  readonly onMessage?: (header: PacketHeader, body: Buffer) => void;
  /** Called once when the connection is gone, with the reason. */
  readonly onClose?: (err: LibvirtConnectionError) => void;
}

interface PendingCall {
  readonly prog: number;
  readonly proc: number;
  readonly label: string;
  readonly stream: StreamSink | undefined;
  /** True once the caller's promise is settled (reply, error, abort or timeout). */
  settled: boolean;
  /** Handles the reply; throws on an undecodable body. */
  onReply(status: number, body: Buffer): void;
  fail(err: Error): void;
}

interface QueuedCall {
  readonly label: string;
  send(): void;
  fail(err: Error): void;
}

const HoleBody = struct({ length: hyper, flags: uint });

function protocolError(message: string, cause?: unknown): LibvirtConnectionError {
  return new LibvirtConnectionError('protocol', `libvirt protocol error: ${message}`, { cause });
}

/**
 * Decodes a `remote_error` body into a {@link LibvirtError}.
 * @internal
 * @throws XdrError when the body is not a valid `remote_error`.
 */
export function decodeRemoteError(body: Buffer, procedure?: string): LibvirtError {
  return new LibvirtError(decode(RemoteError, body), procedure);
}

/**
 * A single libvirt RPC connection over an already opened byte stream. It speaks no handshake itself (see
 * `LibvirtClient`); it only moves packets.
 *
 * @example
 * ```ts
 * const conn = new Connection(await dialUnix('/var/run/libvirt/libvirt-sock', AbortSignal.timeout(5000)));
 * const types = await conn.call(remoteProcedures.authList, undefined);
 * ```
 */
export class Connection {
  private readonly decoder = new PacketDecoder();
  private readonly pending = new Map<number, PendingCall>();
  private readonly streams = new Map<number, { sink: StreamSink; readonly label: string }>();
  private readonly queue: QueuedCall[] = [];
  private readonly maxConcurrent: number;
  private inFlight = 0;
  private nextSerial = 1;
  private closedBy: LibvirtConnectionError | undefined;
  private readPauses = 0;
  private lastReceived = Date.now();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private drainWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private closeWaiters: (() => void)[] = [];
  private endedByClient = false;

  constructor(
    private readonly socket: Duplex,
    private readonly options: ConnectionOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
    const lost = (cause?: unknown): void => {
      const detail = cause instanceof Error ? `: ${cause.message}` : '';
      const who = this.endedByClient ? 'closed by the client' : `closed${detail}`;
      this.destroy(new LibvirtConnectionError('closed', `the connection to libvirtd was ${who}`, { cause }));
    };
    socket.on('data', (chunk: Buffer) => {
      this.onData(chunk);
    });
    socket.on('drain', () => {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w.resolve();
    });
    // Any of these ends the connection: the daemon sends nothing more after 'end' (custom dialers' streams may
    // emit 'error' or 'end' without 'close').
    socket.on('error', lost);
    socket.on('end', () => {
      lost();
    });
    socket.on('close', () => {
      lost();
    });
    socket.resume();
  }

  /** The reason the connection closed, or undefined while it is open. */
  get closeReason(): LibvirtConnectionError | undefined {
    return this.closedBy;
  }

  /** Calls currently sent and not yet answered (abandoned ones included) and calls waiting for a slot. */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.queue.length };
  }

  /**
   * Calls a procedure and resolves with its decoded result.
   *
   * @example
   * ```ts
   * const { state } = await conn.call(remoteProcedures.domainGetState, { dom, flags: 0 }, { timeoutMs: 5000 });
   * ```
   */
  call<A, R>(
    p: Procedure<A, R>,
    args: A,
    options: CallOptions = {},
    label = `procedure ${p.number}`,
  ): Promise<R> {
    return this.request(p, args, options, label, undefined);
  }

  /**
   * Calls a stream procedure: `sink` is registered under the call's serial before the call is sent, so stream
   * packets that follow the reply in the same read are not lost. When the call fails, the sink is dropped.
   */
  callStream<A, R>(
    p: Procedure<A, R>,
    args: A,
    sink: StreamSink,
    options: CallOptions = {},
    label?: string,
  ): Promise<R> {
    return this.request(p, args, options, label ?? `procedure ${p.number}`, sink);
  }

  private request<A, R>(
    p: Procedure<A, R>,
    args: A,
    options: CallOptions,
    label: string,
    stream: StreamSink | undefined,
  ): Promise<R> {
    if (this.closedBy) {
      return Promise.reject(
        new LibvirtConnectionError('closed', `${label}: ${this.closedBy.message}`, { cause: this.closedBy }),
      );
    }
    let packet: Buffer;
    try {
      const w = new XdrWriter(256, PACKET_HEADER_BYTES);
      p.args.encode(w, args);
      packet = w.toBuffer();
      writeHeader(packet, {
        prog: p.program,
        proc: p.number,
        type: MessageType.Call,
        serial: 0,
        status: MessageStatus.Ok,
      });
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<R>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const { signal, timeoutMs } = options;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const entry: PendingCall = {
        prog: p.program,
        proc: p.number,
        label,
        stream,
        settled: false,
        onReply: (status, body) => {
          if (status === MessageStatus.Ok) {
            // Decode even when abandoned: a malformed reply is a protocol error either way.
            const value = decode(p.ret, body);
            if (!entry.settled) {
              entry.settled = true;
              cleanup();
              resolve(value);
            }
          } else if (status === MessageStatus.Error) {
            const err = decodeRemoteError(body, label);
            if (!entry.settled) {
              entry.settled = true;
              cleanup();
              reject(err);
            }
          } else {
            throw protocolError(`reply to ${label} has status ${status}`);
          }
        },
        fail: (err) => {
          if (entry.settled) return;
          entry.settled = true;
          cleanup();
          reject(err);
        },
      };
      const queued: QueuedCall = {
        label,
        send: () => {
          const serial = this.allocateSerial();
          packet.writeUInt32BE(serial, 20);
          this.pending.set(serial, entry);
          if (stream) {
            this.streams.set(serial, { sink: stream, label });
            stream.bind?.(serial);
          }
          this.inFlight++;
          this.socket.write(packet);
        },
        fail: (err) => {
          entry.fail(err);
        },
      };
      const giveUp = (err: LibvirtConnectionError): void => {
        const idx = this.queue.indexOf(queued);
        if (idx >= 0) this.queue.splice(idx, 1);
        entry.fail(err);
      };
      const onAbort = (): void => {
        giveUp(new LibvirtConnectionError('aborted', `${label} was aborted`, { cause: signal?.reason }));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          giveUp(new LibvirtConnectionError('timeout', `${label} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.queue.push(queued);
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && !this.closedBy) {
      const next = this.queue.shift();
      if (!next) return;
      next.send();
    }
  }

  private allocateSerial(): number {
    for (;;) {
      const s = this.nextSerial;
      this.nextSerial = s >= 0xffffffff ? 1 : s + 1;
      if (!this.pending.has(s) && !this.streams.has(s)) return s;
    }
  }

  /**
   * Sends one stream packet for the stream opened by the call with `serial`. Resolves at once, or after the
   * socket drained when its buffer is full (back-pressure).
   */
  async sendStream(
    p: Procedure<unknown, unknown>,
    serial: number,
    type: number,
    status: number,
    body?: Uint8Array,
  ): Promise<void> {
    if (this.closedBy) throw this.closedBy;
    const ok = this.socket.write(
      encodePacket({ prog: p.program, proc: p.number, type, serial, status }, body),
    );
    if (!ok) await this.waitForDrain();
  }

  private waitForDrain(): Promise<void> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise((resolve, reject) => {
      this.drainWaiters.push({ resolve, reject });
    });
  }

  /** Stops routing packets to a stream (after an abort was confirmed, or to drop it). */
  unregisterStream(serial: number, sink: StreamSink): void {
    if (this.streams.get(serial)?.sink === sink) this.streams.delete(serial);
  }

  /** Replaces the sink of a stream (used to swallow the rest of an aborted stream). */
  replaceStream(serial: number, sink: StreamSink): void {
    const entry = this.streams.get(serial);
    if (entry) entry.sink = sink;
  }

  /**
   * Stops reading the socket until the returned function is called (ref-counted): back-pressure from a slow
   * stream consumer to the daemon. Keepalive probes continue to be sent so the daemon keeps us.
   */
  pauseReading(): () => void {
    this.readPauses++;
    if (this.readPauses === 1) this.socket.pause();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.readPauses--;
      if (this.readPauses === 0 && !this.closedBy) {
        this.lastReceived = Date.now();
        this.socket.resume();
      }
    };
  }

  /**
   * Starts dead-peer detection: after `intervalMs` without any packet from the daemon, send a PING (the daemon
   * always answers with a PONG); after `intervalMs × (count + 1)` of silence, close with reason `timeout`.
   */
  startKeepalive({ intervalMs, count }: KeepaliveOptions): void {
    if (this.keepaliveTimer || this.closedBy) return;
    this.lastReceived = Date.now();
    this.keepaliveTimer = setInterval(() => {
      const now = Date.now();
      if (this.readPauses > 0) {
        // Not reading: silence means nothing. Keep the daemon's own keepalive satisfied.
        this.lastReceived = now;
        this.sendKeepalive(KeepaliveProcedure.Ping);
        return;
      }
      const idle = now - this.lastReceived;
      if (idle >= intervalMs * (count + 1)) {
        this.destroy(
          new LibvirtConnectionError(
            'timeout',
            `libvirtd did not answer keepalive probes for ${Math.round(idle / 1000)} s`,
          ),
        );
      } else if (idle >= intervalMs) {
        this.sendKeepalive(KeepaliveProcedure.Ping);
      }
    }, intervalMs);
    this.keepaliveTimer.unref();
  }

  private sendKeepalive(proc: number): void {
    if (this.closedBy) return;
    this.socket.write(
      encodePacket({
        prog: Program.Keepalive,
        proc,
        type: MessageType.Message,
        serial: 0,
        status: MessageStatus.Ok,
      }),
    );
  }

  private onData(chunk: Buffer): void {
    if (this.closedBy) return;
    this.lastReceived = Date.now();
    try {
      for (const packet of this.decoder.push(chunk)) {
        // A packet may have closed the connection (e.g. a keepalive failure); drop the rest.
        if (this.closeReason) return;
        this.dispatch(packet);
      }
    } catch (err: unknown) {
      this.destroy(
        err instanceof LibvirtConnectionError
          ? err
          : protocolError(err instanceof Error ? err.message : String(err), err),
      );
    }
  }

  private dispatch({ header: h, body }: Packet): void {
    if (h.vers !== PROGRAM_VERSION)
      throw protocolError(`packet of program version ${h.vers} (expected ${PROGRAM_VERSION})`);
    if (h.prog === Program.Keepalive) {
      if (h.type === MessageType.Message && h.proc === KeepaliveProcedure.Ping)
        this.sendKeepalive(KeepaliveProcedure.Pong);
      return;
    }
    switch (h.type) {
      case MessageType.Reply:
        this.onReply(h, body);
        return;
      case MessageType.Message:
        this.options.onMessage?.(h, body);
        return;
      case MessageType.Stream:
      case MessageType.StreamHole:
        this.onStream(h, body);
        return;
      default:
        throw protocolError(`unexpected packet type ${h.type} (procedure ${h.proc}, serial ${h.serial})`);
    }
  }

  private onReply(h: PacketHeader, body: Buffer): void {
    const call = this.pending.get(h.serial);
    if (call) {
      if (call.prog !== h.prog || call.proc !== h.proc) {
        throw protocolError(
          `reply with serial ${h.serial} is for procedure ${h.proc}, but ${call.label} was called`,
        );
      }
      this.pending.delete(h.serial);
      this.inFlight--;
      const abandoned = call.settled;
      try {
        call.onReply(h.status, body);
      } catch (err: unknown) {
        const e =
          err instanceof LibvirtConnectionError
            ? err
            : protocolError(`undecodable reply to ${call.label}`, err);
        call.fail(e);
        throw e;
      }
      if (call.stream) {
        if (h.status !== MessageStatus.Ok) this.streams.delete(h.serial);
        else if (abandoned) this.abortOrphanStream(call, h.serial);
      }
      this.pump();
      return;
    }
    const stream = this.streams.get(h.serial)?.sink;
    if (stream) {
      // Write-side and finish failures of a stream arrive as a REPLY with the stream's serial (facts §5.3).
      const err = h.status === MessageStatus.Error ? this.decodeStreamError(body, h) : undefined;
      this.streams.delete(h.serial);
      if (err) stream.onError(err);
      else stream.onFinish();
    }
    // Otherwise nobody waits for this serial any more: ignore.
  }

  /** The caller gave up on a stream call the daemon accepted: abort the daemon's stream and swallow its rest. */
  private abortOrphanStream(call: PendingCall, serial: number): void {
    const drop: StreamSink = {
      onData: () => undefined,
      onHole: () => undefined,
      onEof: () => undefined,
      onFinish: () => undefined,
      onError: () => undefined,
    };
    this.replaceStream(serial, drop);
    this.socket.write(
      encodePacket({
        prog: call.prog,
        proc: call.proc,
        type: MessageType.Stream,
        serial,
        status: MessageStatus.Error,
      }),
    );
  }

  private decodeStreamError(body: Buffer, h: PacketHeader): LibvirtError {
    try {
      return decodeRemoteError(body, this.streams.get(h.serial)?.label);
    } catch (err: unknown) {
      throw protocolError(`undecodable stream error (procedure ${h.proc}, serial ${h.serial})`, err);
    }
  }

  private onStream(h: PacketHeader, body: Buffer): void {
    const sink = this.streams.get(h.serial)?.sink;
    if (!sink) return; // late packets of a stream we already dropped
    if (h.type === MessageType.StreamHole) {
      if (h.status !== MessageStatus.Continue) throw protocolError(`stream hole with status ${h.status}`);
      let length: bigint;
      try {
        length = decode(HoleBody, body).length;
      } catch (err: unknown) {
        throw protocolError(`undecodable stream hole (serial ${h.serial})`, err);
      }
      if (length < 0n) throw protocolError(`negative stream hole length ${length}`);
      sink.onHole(length);
      return;
    }
    switch (h.status) {
      case MessageStatus.Continue:
        if (body.length === 0) sink.onEof();
        else sink.onData(body);
        return;
      case MessageStatus.Ok:
        this.streams.delete(h.serial);
        sink.onFinish();
        return;
      case MessageStatus.Error: {
        const err = this.decodeStreamError(body, h);
        this.streams.delete(h.serial);
        sink.onError(err);
        return;
      }
      default:
        throw protocolError(`stream packet with status ${h.status}`);
    }
  }

  /** Resolves when the connection is gone. */
  whenClosed(): Promise<void> {
    if (this.closedBy) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /**
   * Closes the socket gracefully (after writing what is queued). Pending calls fail with reason `closed`.
   */
  async end(): Promise<void> {
    if (this.closedBy) return;
    this.endedByClient = true;
    const closed = this.whenClosed();
    const fallback = setTimeout(() => this.socket.destroy(), 1000);
    this.socket.end();
    await closed;
    clearTimeout(fallback);
  }

  /** Tears the connection down now: every pending call, queued call and stream fails with `err`. Idempotent. */
  destroy(err: LibvirtConnectionError): void {
    if (this.closedBy) return;
    this.closedBy = err;
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.socket.destroy();
    const fail = (label: string): LibvirtConnectionError =>
      new LibvirtConnectionError(err.reason, `${label}: ${err.message}`, { cause: err });
    for (const call of this.pending.values()) call.fail(fail(call.label));
    this.pending.clear();
    for (const q of this.queue.splice(0)) q.fail(fail(q.label));
    for (const { sink } of this.streams.values()) sink.onError(err);
    this.streams.clear();
    for (const w of this.drainWaiters.splice(0)) w.reject(err);
    for (const w of this.closeWaiters.splice(0)) w();
    this.options.onClose?.(err);
  }
}
