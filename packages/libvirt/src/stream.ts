/**
 * libvirt streams (volume upload/download, screenshots, consoles) on top of a {@link Connection}: back-pressure in
 * both directions, the finish handshake, aborts, and sparse holes.
 */
import { Duplex, Readable } from 'node:stream';
import type { CallOptions, Connection, StreamSink } from './connection.js';
import { LibvirtConnectionError } from './errors.js';
import { MessageStatus, MessageType, Program, STREAM_CHUNK_BYTES } from './protocol/constants.js';
import type { Procedure } from './protocol/procedure.js';
import { encode, hyper, struct, uint } from './xdr/codec.js';

/**
 * Options of stream methods. `timeoutMs` applies to the call that opens the stream; `signal` also aborts an upload.
 *
 * @example
 * ```ts
 * const img = await client.storageVolDownload(args, { highWaterMark: 4 << 20, timeoutMs: 10_000 });
 * ```
 */
export interface StreamOptions extends CallOptions {
  /** Bytes per data packet sent (default 256 KiB; larger writes are split). */
  readonly chunkBytes?: number;
  /** Bytes the readable side buffers before the socket stops being read (default 1 MiB). */
  readonly highWaterMark?: number;
}

/**
 * Marks a hole (a run of bytes to skip) in the source of a sparse upload. libvirtd seeks over it: existing bytes
 * under the hole are kept, not zeroed. Only valid when the upload was opened with the sparse flag
 * (`StorageVolUploadFlags.SparseStream` = 1); otherwise the daemon would drop the connection, so the client
 * refuses to send it.
 *
 * @example
 * ```ts
 * await client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 1 }, [head, new StreamHole(1n << 20n), tail]);
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-stream.html#virStreamSendHole
 */
export class StreamHole {
  readonly length: bigint;
  constructor(length: number | bigint) {
    this.length = BigInt(length);
    if (this.length < 0n) throw new RangeError('a stream hole cannot have a negative length');
  }
}

/**
 * What an upload reads from: bytes, or an (async) iterable of byte chunks and holes, e.g. a Node `Readable`.
 *
 * @example
 * ```ts
 * await client.storageVolUpload(args, createReadStream('/srv/images/debian.qcow2'));
 * ```
 */
export type UploadSource =
  Uint8Array | AsyncIterable<Uint8Array | StreamHole> | Iterable<Uint8Array | StreamHole>;

const HoleBody = struct({ length: hyper, flags: uint });
const ZERO_CHUNK_BYTES = 1024 * 1024;
const END = Symbol('end');
const DROP: StreamSink = {
  onData: () => undefined,
  onHole: () => undefined,
  onEof: () => undefined,
  onFinish: () => undefined,
  onError: () => undefined,
};

// Procedures whose flag value 1 is VIR_STORAGE_VOL_UPLOAD/DOWNLOAD_SPARSE_STREAM (REMOTE program).
const SPARSE_CAPABLE = new Set([208, 209]);

function isSparseCall(p: Procedure<unknown, unknown>, args: unknown): boolean {
  if (p.program !== Program.Remote || !SPARSE_CAPABLE.has(p.number)) return false;
  if (typeof args !== 'object' || args === null || !('flags' in args)) return false;
  return typeof args.flags === 'number' && (args.flags & 1) === 1;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The incoming side of a stream: an ordered queue of data, holes (as zeros) and the end, pushed into a Readable
 * only as fast as it is consumed. While the consumer lags, the connection stops reading its socket.
 */
class Incoming {
  private readonly items: (Buffer | bigint | typeof END)[] = [];
  private wantMore = true;
  private resume: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly conn: Connection,
    private readonly push: (chunk: Buffer | null) => boolean,
  ) {}

  add(item: Buffer | bigint | typeof END): void {
    if (this.stopped) return;
    if (typeof item === 'bigint' && item === 0n) return;
    this.items.push(item);
    this.pump();
  }

  /** The consumer wants more (`_read`). */
  more(): void {
    this.wantMore = true;
    this.pump();
  }

  /** No more pushes (destroyed); releases the socket. */
  stop(): void {
    this.stopped = true;
    this.items.length = 0;
    this.setPaused(false);
  }

  private pump(): void {
    while (this.wantMore && !this.stopped) {
      const item = this.items[0];
      if (item === undefined) break;
      if (item === END) {
        this.items.shift();
        this.push(null);
        this.stopped = true;
        break;
      }
      if (typeof item === 'bigint') {
        const n = item > BigInt(ZERO_CHUNK_BYTES) ? ZERO_CHUNK_BYTES : Number(item);
        const rest = item - BigInt(n);
        if (rest === 0n) this.items.shift();
        else this.items[0] = rest;
        this.wantMore = this.push(Buffer.alloc(n));
      } else {
        this.items.shift();
        this.wantMore = this.push(item);
      }
    }
    this.setPaused(!this.stopped && (this.items.length > 0 || !this.wantMore));
  }

  private setPaused(paused: boolean): void {
    if (paused && !this.resume) this.resume = this.conn.pauseReading();
    else if (!paused && this.resume) {
      const resume = this.resume;
      this.resume = undefined;
      resume();
    }
  }
}

/**
 * Holds a stream error that arrives before the stream is handed to the caller (e.g. in the same read as the
 * opening reply): emitting it at once would be an 'error' event nobody can listen to yet.
 */
class DeferredErrors {
  private active = false;
  private pending: Error | undefined;

  fail(err: Error, emit: (err: Error) => void): void {
    if (this.active) emit(err);
    else this.pending ??= err;
  }

  activate(emit: (err: Error) => void): void {
    this.active = true;
    const err = this.pending;
    // After the caller's `await` continuation has attached its listeners.
    if (err) {
      setImmediate(() => {
        emit(err);
      });
    }
  }
}

/** State shared by the stream classes: the serial, the finish handshake and aborts. */
class StreamControl {
  serial = 0;
  /** True once the daemon's stream is gone (finish confirmed, error, or connection closed). */
  done = false;
  finishSent = false;
  private finishWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(
    readonly conn: Connection,
    readonly p: Procedure<unknown, unknown>,
  ) {}

  send(type: number, status: number, body?: Uint8Array): Promise<void> {
    return this.conn.sendStream(this.p, this.serial, type, status, body);
  }

  /** Sends the client's finish (STREAM/OK, empty) once. */
  sendFinish(): void {
    if (this.finishSent || this.done) return;
    this.finishSent = true;
    this.send(MessageType.Stream, MessageStatus.Ok).catch(() => undefined);
  }

  /** Resolves when the daemon confirms the finish; rejects on a stream error. */
  whenFinished(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.done) return Promise.resolve();
    return new Promise((resolve, reject) => this.finishWaiters.push({ resolve, reject }));
  }

  get error(): Error | undefined {
    return this.failure;
  }

  finished(): void {
    this.done = true;
    for (const w of this.finishWaiters.splice(0)) w.resolve();
  }

  failed(err: Error): void {
    this.done = true;
    this.failure ??= err;
    for (const w of this.finishWaiters.splice(0)) w.reject(err);
  }

  /** Aborts the daemon's stream (STREAM/ERROR, empty) and ignores whatever it still sends for it. */
  abort(): void {
    if (this.done || this.serial === 0) return;
    this.done = true;
    this.conn.replaceStream(this.serial, DROP);
    this.send(MessageType.Stream, MessageStatus.Error).catch(() => undefined);
  }
}

/**
 * The sink of a stream whose daemon side produces data (downloads, screenshots, consoles): data and holes go to the
 * reader, the daemon's EOF is answered with our finish, and its finish or error ends the stream.
 */
function receivingSink(control: StreamControl, incoming: Incoming, fail: (err: Error) => void): StreamSink {
  return {
    bind: (serial) => (control.serial = serial),
    onData: (chunk) => {
      incoming.add(chunk);
    },
    onHole: (length) => {
      incoming.add(length);
    },
    onEof: () => {
      // The daemon has nothing more to say (a download ended, a console's domain stopped): finish our side too.
      control.sendFinish();
    },
    onFinish: () => {
      control.finished();
      incoming.add(END);
    },
    onError: (err) => {
      control.failed(err);
      fail(err);
    },
  };
}

/**
 * A stream of bytes from libvirtd (volume download, screenshot): a Node `Readable` with back-pressure — while the
 * consumer lags, the connection stops reading its socket. It ends only after the daemon confirmed the finish
 * handshake; a daemon-side error destroys it with a `LibvirtError`; destroying it early aborts the daemon's stream.
 * Holes of sparse downloads arrive as zeros. {@link LibvirtReadStream.reply} holds the opening call's result.
 *
 * @example
 * ```ts
 * const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 });
 * await pipeline(download, createWriteStream('/tmp/disk.img'));
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-stream.html
 */
export class LibvirtReadStream<R = void> extends Readable {
  private readonly control: StreamControl;
  private readonly incoming: Incoming;
  private result: { value: R } | undefined;
  private readonly errors = new DeferredErrors();
  /** @internal */
  readonly sink: StreamSink;

  /** @internal Use the client's stream methods. */
  constructor(conn: Connection, p: Procedure<unknown, unknown>, options: StreamOptions = {}) {
    super({ highWaterMark: options.highWaterMark ?? 1024 * 1024 });
    const control = new StreamControl(conn, p);
    const incoming = new Incoming(conn, (chunk) => this.push(chunk));
    this.control = control;
    this.incoming = incoming;
    this.sink = receivingSink(control, incoming, (err) => this.fail(err));
  }

  /** The result of the call that opened the stream (e.g. the MIME type of a screenshot). */
  get reply(): R {
    if (!this.result) throw new Error('the stream has not been opened yet');
    return this.result.value;
  }

  /** @internal Called when the stream is handed to the caller: from now on errors are emitted. */
  setReply(value: R): void {
    this.result = { value };
    this.errors.activate((err) => this.destroy(err));
  }

  private fail(err: Error): void {
    this.errors.fail(err, (e) => this.destroy(e));
  }

  override _read(): void {
    this.incoming.more();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.incoming.stop();
    this.control.abort();
    callback(err);
  }
}

/**
 * A bidirectional stream (a domain console or channel): a Node `Duplex`. Writes become data packets (waiting for
 * the socket to drain when it is full); `end()` sends the finish and completes once the daemon confirms it; the
 * readable side ends when the daemon finishes (e.g. the domain stopped). Destroying it aborts the stream.
 *
 * @example
 * ```ts
 * const console = await client.domainOpenConsole({ dom, devName: null, flags: 0 });
 * console.pipe(process.stdout);
 * console.write('root\n');
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainOpenConsole
 */
export class LibvirtDuplexStream<R = void> extends Duplex {
  private readonly control: StreamControl;
  private readonly incoming: Incoming;
  private readonly chunkBytes: number;
  private result: { value: R } | undefined;
  private readonly errors = new DeferredErrors();
  /** @internal */
  readonly sink: StreamSink;

  /** @internal Use the client's stream methods. */
  constructor(conn: Connection, p: Procedure<unknown, unknown>, options: StreamOptions = {}) {
    super({ readableHighWaterMark: options.highWaterMark ?? 1024 * 1024, allowHalfOpen: true });
    this.chunkBytes = options.chunkBytes ?? STREAM_CHUNK_BYTES;
    const control = new StreamControl(conn, p);
    const incoming = new Incoming(conn, (chunk) => this.push(chunk));
    this.control = control;
    this.incoming = incoming;
    this.sink = receivingSink(control, incoming, (err) => this.fail(err));
  }

  /** The result of the call that opened the stream. */
  get reply(): R {
    if (!this.result) throw new Error('the stream has not been opened yet');
    return this.result.value;
  }

  /** @internal Called when the stream is handed to the caller: from now on errors are emitted. */
  setReply(value: R): void {
    this.result = { value };
    this.errors.activate((err) => this.destroy(err));
  }

  private fail(err: Error): void {
    this.errors.fail(err, (e) => this.destroy(e));
  }

  override _read(): void {
    this.incoming.more();
  }

  override _write(chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.control.done || this.control.finishSent) {
      callback(new LibvirtConnectionError('closed', 'the stream is finished; nothing more can be written'));
      return;
    }
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, encoding)
        : chunk instanceof Uint8Array
          ? chunk
          : undefined;
    if (!bytes) {
      callback(new TypeError('a libvirt stream accepts only bytes or strings'));
      return;
    }
    void this.writeChunks(bytes).then(() => {
      callback();
    }, callback);
  }

  private async writeChunks(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length; off += this.chunkBytes) {
      await this.control.send(
        MessageType.Stream,
        MessageStatus.Continue,
        bytes.subarray(off, off + this.chunkBytes),
      );
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.control.sendFinish();
    this.control.whenFinished().then(() => {
      callback();
    }, callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.incoming.stop();
    this.control.abort();
    callback(err);
  }
}

/**
 * Opens a stream procedure whose data flows from the daemon (`stream: 'read'`).
 * @internal Used by the client's generated methods.
 */
export async function openReadStream<A, R>(
  conn: Connection,
  p: Procedure<A, R>,
  args: A,
  options: StreamOptions,
  label: string,
): Promise<LibvirtReadStream<R>> {
  const stream = new LibvirtReadStream<R>(conn, p, options);
  try {
    stream.setReply(await conn.callStream(p, args, stream.sink, options, label));
    return stream;
  } catch (err: unknown) {
    stream.destroy();
    throw err;
  }
}

/**
 * Opens a bidirectional stream procedure (`stream: 'both'`).
 * @internal Used by the client's generated methods.
 */
export async function openDuplexStream<A, R>(
  conn: Connection,
  p: Procedure<A, R>,
  args: A,
  options: StreamOptions,
  label: string,
): Promise<LibvirtDuplexStream<R>> {
  const stream = new LibvirtDuplexStream<R>(conn, p, options);
  try {
    stream.setReply(await conn.callStream(p, args, stream.sink, options, label));
    return stream;
  } catch (err: unknown) {
    stream.destroy();
    throw err;
  }
}

function asBytes(item: unknown, label: string): Uint8Array {
  // A Readable with an encoding set yields strings.
  if (typeof item === 'string') return Buffer.from(item);
  if (item instanceof Uint8Array) return item;
  throw new TypeError(`${label}: the upload source yielded something that is neither bytes nor a StreamHole`);
}

function iterate(
  source: UploadSource,
): AsyncIterator<Uint8Array | StreamHole> | Iterator<Uint8Array | StreamHole> {
  if (source instanceof Uint8Array) return [source][Symbol.iterator]();
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  return source[Symbol.iterator]();
}

/**
 * Runs a stream procedure whose data flows to the daemon (`stream: 'write'`): opens it, sends `source` in chunks
 * (waiting whenever the socket's buffer is full), sends the finish and resolves with the call's result once the
 * daemon confirmed it. On any failure (the source throws, `signal` fires, the daemon reports an error) the daemon's
 * stream is aborted and the promise rejects.
 * @internal Used by the client's generated methods.
 */
export async function runUpload<A, R>(
  conn: Connection,
  p: Procedure<A, R>,
  args: A,
  source: UploadSource,
  options: StreamOptions,
  label: string,
): Promise<R> {
  const sparse = isSparseCall(p, args);
  const chunkBytes = options.chunkBytes ?? STREAM_CHUNK_BYTES;
  const control = new StreamControl(conn, p);
  const sink: StreamSink = {
    bind: (serial) => (control.serial = serial),
    onData: () => undefined,
    onHole: () => undefined,
    onEof: () => undefined,
    onFinish: () => {
      control.finished();
    },
    onError: (err) => {
      control.failed(err);
    },
  };
  const ret = await conn.callStream(p, args, sink, options, label);

  // Everything below races against a daemon-side failure and the caller's signal.
  let stop: (err: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => undefined);
  const onAbort = (): void => {
    stop(new LibvirtConnectionError('aborted', `${label} was aborted`, { cause: options.signal?.reason }));
  };
  void control.whenFinished().catch((err: unknown) => {
    stop(toError(err));
  });
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const it = iterate(source);
  try {
    for (;;) {
      const step = await Promise.race([it.next(), stopped]);
      if (step.done === true) break;
      const item = step.value;
      if (item instanceof StreamHole) {
        if (!sparse) {
          throw new TypeError(
            `${label}: a StreamHole needs the sparse-stream flag (1) on the call; libvirtd would drop the connection`,
          );
        }
        if (item.length === 0n) continue;
        const body = encode(HoleBody, { length: item.length, flags: 0 });
        await Promise.race([control.send(MessageType.StreamHole, MessageStatus.Continue, body), stopped]);
        continue;
      }
      const bytes = asBytes(item, label);
      // Never send an empty data packet: the daemon reads it as end-of-stream.
      for (let off = 0; off < bytes.length; off += chunkBytes) {
        const chunk = bytes.subarray(off, off + chunkBytes);
        await Promise.race([control.send(MessageType.Stream, MessageStatus.Continue, chunk), stopped]);
      }
    }
    control.sendFinish();
    await Promise.race([control.whenFinished(), stopped]);
    return ret;
  } catch (err: unknown) {
    control.abort();
    try {
      await it.return?.();
    } catch {
      // the source failing to close does not change the outcome
    }
    throw control.error ?? toError(err);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
