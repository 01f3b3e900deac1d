import { MessageStatus, MessageType } from '../protocol/constants.js';
import { RemoteError } from '../protocol/types.js';
import { encode, hyper, struct, uint } from '../xdr/codec.js';
import type { FakeConnection } from './fake-libvirtd.js';

/**
 * An error a fake handler throws to make the fake daemon answer with a `remote_error`.
 *
 * @example
 * ```ts
 * throw new FakeLibvirtError(ErrorNumber.NoDomain, 'Domain not found');
 * ```
 */
export class FakeLibvirtError extends Error {
  override readonly name = 'FakeLibvirtError';
  constructor(
    /** `virErrorNumber`, e.g. `ErrorNumber.NoDomain`. */
    readonly code: number,
    message: string,
    /** `virErrorDomain` (default 10, QEMU). */
    readonly domain = 10,
  ) {
    super(message);
  }

  /** The `remote_error` body. */
  encode(): Buffer {
    return encode(RemoteError, {
      code: this.code,
      domain: this.domain,
      message: this.message,
      level: 2,
      dom: null,
      str1: this.message,
      str2: null,
      str3: null,
      int1: -1,
      int2: -1,
      net: null,
    });
  }
}

/**
 * What the client sent on a stream: data, or a hole (sparse streams).
 *
 * @example
 * ```ts
 * expect(stream.items).toEqual([Buffer.from('A'), { hole: 4096n }]);
 * ```
 */
export type FakeStreamItem = Buffer | { readonly hole: bigint };

const HoleBody = struct({ length: hyper, flags: uint });

/**
 * The daemon side of a stream opened by a fake handler (`ctx.openStream()`). Everything it sends waits until the
 * call's reply went out, as in libvirtd.
 *
 * @example
 * ```ts
 * fake.handle(remoteProcedures.storageVolDownload, (_args, ctx) => {
 *   const stream = ctx.openStream();
 *   void (async () => { await stream.write(Buffer.from('hello')); await stream.end(); })();
 * });
 * ```
 */
export class FakeStream {
  /** Everything the client sent, in order. */
  readonly items: FakeStreamItem[] = [];
  /** How the stream ended on the client's side, once it did. */
  clientOutcome: 'finished' | 'aborted' | undefined;
  private waiters: (() => void)[] = [];
  private replied = false;
  private repliedWaiters: (() => void)[] = [];
  private finishError: FakeLibvirtError | undefined;

  /** @internal */
  constructor(
    readonly connection: FakeConnection,
    readonly prog: number,
    readonly proc: number,
    readonly serial: number,
    /** Whether holes are allowed (the call had the sparse flag); a client hole otherwise kills the connection. */
    readonly sparse: boolean,
  ) {}

  /** Bytes received so far (holes not included). */
  get receivedBytes(): number {
    return this.items.reduce((n, i) => n + (Buffer.isBuffer(i) ? i.length : 0), 0);
  }

  /** All data received, holes as zeros. */
  data(): Buffer {
    return Buffer.concat(this.items.map((i) => (Buffer.isBuffer(i) ? i : Buffer.alloc(Number(i.hole)))));
  }

  /** Makes the answer to the client's finish a REPLY error (a write-side failure at the end, facts §5.3). */
  failFinishWith(err: FakeLibvirtError): void {
    this.finishError = err;
  }

  /** @internal The call's reply was written. */
  markReplied(): void {
    this.replied = true;
    for (const w of this.repliedWaiters.splice(0)) w();
  }

  private afterReply(): Promise<void> {
    if (this.replied) return Promise.resolve();
    return new Promise((resolve) => this.repliedWaiters.push(resolve));
  }

  private async send(type: number, status: number, body?: Uint8Array): Promise<void> {
    await this.afterReply();
    await this.connection.send({ prog: this.prog, proc: this.proc, type, serial: this.serial, status }, body);
  }

  /** Sends data (STREAM/CONTINUE); resolves when the socket accepted it (after `drain` if it was full). */
  write(data: Uint8Array): Promise<void> {
    return this.send(MessageType.Stream, MessageStatus.Continue, data);
  }

  /** Sends a hole (STREAM_HOLE). */
  hole(length: bigint): Promise<void> {
    return this.send(MessageType.StreamHole, MessageStatus.Continue, encode(HoleBody, { length, flags: 0 }));
  }

  /** Sends end-of-data (empty CONTINUE), then waits for the client's finish, which is confirmed automatically. */
  async end(): Promise<void> {
    await this.send(MessageType.Stream, MessageStatus.Continue);
    await this.untilClientDone();
  }

  /** Fails the stream with STREAM/ERROR (a read-side error). */
  fail(err: FakeLibvirtError): Promise<void> {
    this.connection.dropStream(this.serial);
    return this.send(MessageType.Stream, MessageStatus.Error, err.encode());
  }

  /** Fails the stream with a REPLY/ERROR carrying the stream's serial (a write-side error, facts §5.3). */
  failAsReply(err: FakeLibvirtError): Promise<void> {
    this.connection.dropStream(this.serial);
    return this.send(MessageType.Reply, MessageStatus.Error, err.encode());
  }

  /** Resolves when the client finished or aborted the stream. */
  untilClientDone(): Promise<void> {
    if (this.clientOutcome) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once at least `bytes` bytes arrived (or the client ended the stream). */
  async untilReceived(bytes: number): Promise<void> {
    while (this.receivedBytes < bytes && !this.clientOutcome) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** @internal A packet of this stream from the client. Returns false when it must kill the connection. */
  onPacket(type: number, status: number, body: Buffer): boolean {
    if (type === MessageType.StreamHole) {
      if (!this.sparse) return false;
      const length = body.readBigInt64BE(0);
      this.items.push({ hole: length });
      this.wake();
      return true;
    }
    if (status === MessageStatus.Continue) {
      if (body.length > 0) this.items.push(Buffer.from(body));
    } else if (status === MessageStatus.Ok) {
      this.clientOutcome = 'finished';
      this.connection.dropStream(this.serial);
      const err = this.finishError;
      if (err) void this.send(MessageType.Reply, MessageStatus.Error, err.encode());
      else void this.send(MessageType.Stream, MessageStatus.Ok);
    } else {
      // Client abort: confirm with STREAM/OK.
      this.clientOutcome = 'aborted';
      this.connection.dropStream(this.serial);
      void this.send(MessageType.Stream, MessageStatus.Ok);
    }
    this.wake();
    return true;
  }
}
