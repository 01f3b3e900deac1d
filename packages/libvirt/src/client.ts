import { EventEmitter } from 'node:events';
import type {
  ConnectionState,
  LibvirtClientEvents,
  LibvirtClientOptions,
  ProcedureMethods,
} from './client-types.js';
import type { CallOptions, Connection } from './connection.js';
import { EventHub, type EventBody, type SubscribeOptions } from './event-hub.js';
import type { EventSubscription, WaitOptions } from './event-subscription.js';
import { LibvirtConnectionError } from './errors.js';
import { asConnectionError, closeConnection, openConnection } from './handshake.js';
import type { RemoteEventName } from './protocol/events.js';
import type { Procedure, StreamDirection } from './protocol/procedure.js';
import { remoteProcedures } from './protocol/remote.js';
import {
  openDuplexStream,
  openReadStream,
  runUpload,
  type LibvirtDuplexStream,
  type LibvirtReadStream,
  type StreamOptions,
  type UploadSource,
} from './stream.js';
import { dialerFor, type Dialer } from './transport/dial.js';
import { parseLibvirtUri } from './transport/uri.js';
import { xvoid } from './xdr/codec.js';

export type {
  ConnectionState,
  LibvirtClientEvents,
  LibvirtClientOptions,
  ProcedureMethod,
  ProcedureMethods,
} from './client-types.js';

const procedureNames = new Map<string, string>(
  Object.entries(remoteProcedures).map(([name, p]): [string, string] => [`${p.program}:${p.number}`, name]),
);
function labelOf(p: Procedure<unknown, unknown>): string {
  return procedureNames.get(`${p.program}:${p.number}`) ?? `procedure ${p.number}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The typed procedure methods of {@link LibvirtClient} (declaration merging: they are installed on the prototype
 * from `remoteProcedures` by the class's static block).
 *
 * @example
 * ```ts
 * const { state, reason } = await client.domainGetState({ dom, flags: 0 });
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- see above
export interface LibvirtClient extends ProcedureMethods {}

/**
 * A client of libvirtd over its RPC protocol, in pure TypeScript. It keeps one connection: authentication,
 * `CONNECT_OPEN`, keepalive, at most five calls in flight (more wait client-side), per-call abort and timeout,
 * typed event subscriptions, streams, and automatic reconnection.
 *
 * Every entry of `remoteProcedures` is a typed method of the same name (`virDomainGetState` →
 * `client.domainGetState(args, options)`); single-field results resolve to the value itself. Stream procedures:
 * - `stream: 'write'` (e.g. `storageVolUpload(args, source, options)`) sends `source` (bytes, an iterable or a
 *   `Readable`) and resolves once the daemon confirmed the end;
 * - `stream: 'read'` (e.g. `storageVolDownload`, `domainScreenshot`) resolves to a {@link LibvirtReadStream};
 * - `stream: 'both'` (e.g. `domainOpenConsole`) resolves to a {@link LibvirtDuplexStream}.
 *
 * Calls fail at once with a {@link LibvirtConnectionError} (reason `closed`) while the client is not connected;
 * when the connection is lost, every pending call fails at once the same way.
 *
 * @example
 * ```ts
 * const client = await LibvirtClient.connect('qemu:///system');
 * const { domains } = await client.connectListAllDomains({ needResults: 1, flags: 0 });
 * for (const dom of domains) console.log(dom.name, await client.domainGetState({ dom, flags: 0 }));
 * await client.close();
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectOpen
 * @see https://libvirt.org/kbase/internals/rpc.html
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class LibvirtClient extends EventEmitter<LibvirtClientEvents> {
  static {
    for (const [name, p] of Object.entries(remoteProcedures)) {
      if (name in LibvirtClient.prototype) continue; // never shadow a real member (a test checks there is none)
      Object.defineProperty(LibvirtClient.prototype, name, {
        value: LibvirtClient.methodFor(name, p),
        writable: true,
        configurable: true,
      });
    }
  }

  private static methodFor(
    name: string,
    p: Procedure<unknown, unknown>,
  ): (this: LibvirtClient, ...a: unknown[]) => unknown {
    const direction: StreamDirection | undefined = p.stream;
    switch (direction) {
      case 'write':
        return function (args, source, options) {
          return this.upload(p, args, source as UploadSource, options as StreamOptions | undefined, name);
        };
      case 'read':
        return function (args, options) {
          return this.download(p, args, options as StreamOptions | undefined, name);
        };
      case 'both':
        return function (args, options) {
          return this.duplex(p, args, options as StreamOptions | undefined, name);
        };
      case undefined:
        if (p.args === xvoid) {
          return function (options) {
            return this.invoke(p, undefined, options as CallOptions | undefined, name);
          };
        }
        return function (args, options) {
          return this.invoke(p, args, options as CallOptions | undefined, name);
        };
    }
  }

  private currentState: ConnectionState = 'connecting';
  private connection: Connection | undefined;
  private readonly hub = new EventHub(() => this.connection);
  private readonly lifetime = new AbortController();
  private closing: Promise<void> | undefined;

  private constructor(
    /** The URI this client connects to. */
    readonly uri: string,
    private readonly openName: string,
    private readonly dialer: Dialer,
    private readonly options: LibvirtClientOptions,
  ) {
    super();
  }

  /**
   * Connects to libvirtd: dials the URI's socket, lists auth schemes (`AUTH_LIST`, required even for root),
   * authenticates with polkit when that is what the daemon offers, opens the hypervisor connection exactly once
   * (`CONNECT_OPEN`), and turns keepalive on (`CONNECT_SUPPORTS_FEATURE(10)`). Rejects with a
   * {@link LibvirtConnectionError} (`unreachable`, `timeout`, `aborted`, `auth`) or the daemon's
   * {@link LibvirtError} (e.g. no driver for the URI).
   *
   * Supported URIs: `qemu:///system` (UNIX socket; `?socket=/path` overrides it), `qemu+unix:///system`,
   * `qemu+tcp://host[:16509]/system`, `qemu+tls://host[:16514]/system` (or `qemu://host/system`).
   *
   * @example
   * ```ts
   * const client = await LibvirtClient.connect('qemu:///system', { callTimeoutMs: 30_000 });
   * client.on('state', (state, err) => log.info({ state, err }, 'libvirt connection'));
   * ```
   * @see https://libvirt.org/uri.html
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectOpen
   */
  static async connect(uri = 'qemu:///system', options: LibvirtClientOptions = {}): Promise<LibvirtClient> {
    const target = parseLibvirtUri(uri, { readOnly: options.readOnly === true });
    const dialer = options.dialer ?? dialerFor(target, options.tls);
    const client = new LibvirtClient(uri, target.name, dialer, options);
    try {
      const conn = await client.open(options.signal);
      if (conn.closeReason) throw conn.closeReason;
      client.connection = conn;
    } catch (err: unknown) {
      client.currentState = 'closed';
      client.lifetime.abort();
      throw err;
    }
    client.currentState = 'connected';
    return client;
  }

  /** The connection state; changes are announced by the `state` event. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /**
   * Calls any procedure (also ones not in `remoteProcedures`, e.g. declared with `proc()`); resolves with the
   * decoded result, rejects with a {@link LibvirtError} from the daemon or a {@link LibvirtConnectionError}.
   *
   * @example
   * ```ts
   * const hostname = await client.call(proc(59, xvoid, string), undefined, { timeoutMs: 5000 });
   * ```
   */
  call<A, R>(procedure: Procedure<A, R>, args: A, options?: CallOptions): Promise<R> {
    if (procedure.stream) {
      return Promise.reject(
        new TypeError(`${labelOf(procedure)} opens a stream: use callUpload, callDownload or callDuplex`),
      );
    }
    return this.invoke(procedure, args, options, labelOf(procedure));
  }

  /**
   * Runs any `stream: 'write'` procedure: sends `source` and resolves with the call's result once the daemon
   * confirmed the end of the stream.
   *
   * @example
   * ```ts
   * await client.callUpload(remoteProcedures.storageVolUpload, { vol, offset: 0n, length: 0n, flags: 0 }, createReadStream(file));
   * ```
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolUpload
   */
  callUpload<A, R>(
    procedure: Procedure<A, R>,
    args: A,
    source: UploadSource,
    options?: StreamOptions,
  ): Promise<R> {
    return this.upload(procedure, args, source, options, labelOf(procedure));
  }

  /**
   * Opens any `stream: 'read'` procedure and resolves to its data as a {@link LibvirtReadStream}.
   *
   * @example
   * ```ts
   * const data = await client.callDownload(remoteProcedures.storageVolDownload, { vol, offset: 0n, length: 0n, flags: 0 });
   * ```
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolDownload
   */
  callDownload<A, R>(
    procedure: Procedure<A, R>,
    args: A,
    options?: StreamOptions,
  ): Promise<LibvirtReadStream<R>> {
    return this.download(procedure, args, options, labelOf(procedure));
  }

  /**
   * Opens any `stream: 'both'` procedure as a {@link LibvirtDuplexStream}.
   *
   * @example
   * ```ts
   * const tty = await client.callDuplex(remoteProcedures.domainOpenConsole, { dom, devName: null, flags: 0 });
   * ```
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainOpenConsole
   */
  callDuplex<A, R>(
    procedure: Procedure<A, R>,
    args: A,
    options?: StreamOptions,
  ): Promise<LibvirtDuplexStream<R>> {
    return this.duplex(procedure, args, options, labelOf(procedure));
  }

  /**
   * Subscribes to an event of the `remoteEvents` table. Resolves once the daemon registered it, so events caused
   * by anything you do afterwards are delivered (even those that arrive before the reply of the call that caused
   * them). The subscription is registered again after every reconnect.
   *
   * @example
   * ```ts
   * const lifecycle = await client.subscribe('domainLifecycle', { dom });
   * for await (const { dom, event, detail } of lifecycle) console.log(dom.name, event, detail);
   * ```
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventRegisterAny
   */
  subscribe<K extends RemoteEventName>(
    event: K,
    options?: SubscribeOptions<K>,
  ): Promise<EventSubscription<EventBody<K>>> {
    const conn = this.usableConnection(`subscribe(${event})`);
    if (conn instanceof Error) return Promise.reject(conn);
    return this.hub.subscribe(conn, event, options);
  }

  /**
   * Resolves when the client is connected (at once if it is); rejects when it is closed first, or on timeout/abort.
   *
   * @example
   * ```ts
   * await client.waitUntilConnected({ timeoutMs: 30_000 });
   * ```
   */
  waitUntilConnected(options: WaitOptions = {}): Promise<void> {
    if (this.currentState === 'connected') return Promise.resolve();
    if (this.currentState === 'closed')
      return Promise.reject(new LibvirtConnectionError('closed', 'the client is closed'));
    return new Promise((resolve, reject) => {
      const { signal, timeoutMs } = options;
      const cleanup = (): void => {
        this.off('state', onState);
        signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      };
      const onState = (state: ConnectionState): void => {
        if (state === 'connected') {
          cleanup();
          resolve();
        } else if (state === 'closed') {
          cleanup();
          reject(new LibvirtConnectionError('closed', 'the client was closed before it connected'));
        }
      };
      const onAbort = (): void => {
        cleanup();
        reject(
          new LibvirtConnectionError('aborted', 'waiting for the connection was aborted', {
            cause: signal?.reason,
          }),
        );
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              cleanup();
              reject(
                new LibvirtConnectionError('timeout', `not connected to libvirtd within ${timeoutMs} ms`),
              );
            }, timeoutMs);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.on('state', onState);
    });
  }

  /**
   * Closes the client: `CONNECT_CLOSE` when nothing is in flight, then the socket; pending calls fail with reason
   * `closed`, subscriptions end, reconnection stops. Later calls fail at once. Idempotent.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => void client.close());
   * ```
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectClose
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const conn = this.connection;
    this.connection = undefined;
    this.lifetime.abort();
    this.setState('closed', undefined);
    this.hub.endAll();
    if (!conn) return;
    if (conn.load.inFlight === 0 && conn.load.queued === 0) await closeConnection(conn);
    await conn.end();
  }

  private isShutDown(): boolean {
    return this.lifetime.signal.aborted;
  }

  private setState(state: ConnectionState, error: LibvirtConnectionError | undefined): void {
    if (this.currentState === state) return;
    this.currentState = state;
    try {
      this.emit('state', state, error);
    } catch (err: unknown) {
      // A throwing listener must not break the reconnect machinery (this runs inside socket handlers).
      const detail = err instanceof Error ? err.message : String(err);
      process.emitWarning(`a libvirt 'state' listener threw: ${detail}`, {
        type: 'LibvirtStateListenerWarning',
      });
    }
  }

  private usableConnection(label: string): Connection | LibvirtConnectionError {
    if (this.currentState === 'closed')
      return new LibvirtConnectionError('closed', `${label}: the client is closed`);
    const conn = this.connection;
    if (!conn || this.currentState !== 'connected') {
      return new LibvirtConnectionError(
        'closed',
        `${label}: not connected to libvirtd (state: ${this.currentState})`,
      );
    }
    return conn;
  }

  private withDefaults<O extends CallOptions>(options: O | undefined): O | CallOptions {
    const timeoutMs = this.options.callTimeoutMs;
    if (options?.timeoutMs !== undefined || timeoutMs === undefined) return options ?? {};
    return { ...options, timeoutMs };
  }

  private invoke<A, R>(
    p: Procedure<A, R>,
    args: A,
    options: CallOptions | undefined,
    label: string,
  ): Promise<R> {
    const conn = this.usableConnection(label);
    if (conn instanceof Error) return Promise.reject(conn);
    return conn.call(p, args, this.withDefaults(options), label);
  }

  private upload<A, R>(
    p: Procedure<A, R>,
    args: A,
    source: UploadSource,
    options: StreamOptions | undefined,
    label: string,
  ): Promise<R> {
    const conn = this.usableConnection(label);
    if (conn instanceof Error) return Promise.reject(conn);
    return runUpload(
      conn,
      p,
      args,
      source,
      { ...this.withDefaults(options), ...pickStreamOptions(options) },
      label,
    );
  }

  private download<A, R>(
    p: Procedure<A, R>,
    args: A,
    options: StreamOptions | undefined,
    label: string,
  ): Promise<LibvirtReadStream<R>> {
    const conn = this.usableConnection(label);
    if (conn instanceof Error) return Promise.reject(conn);
    return openReadStream(
      conn,
      p,
      args,
      { ...this.withDefaults(options), ...pickStreamOptions(options) },
      label,
    );
  }

  private duplex<A, R>(
    p: Procedure<A, R>,
    args: A,
    options: StreamOptions | undefined,
    label: string,
  ): Promise<LibvirtDuplexStream<R>> {
    const conn = this.usableConnection(label);
    if (conn instanceof Error) return Promise.reject(conn);
    return openDuplexStream(
      conn,
      p,
      args,
      { ...this.withDefaults(options), ...pickStreamOptions(options) },
      label,
    );
  }

  /** One connection attempt: dial, authenticate, open, keepalive. */
  private open(signal?: AbortSignal): Promise<Connection> {
    return openConnection({
      uri: this.uri,
      openName: this.openName,
      dialer: this.dialer,
      options: this.options,
      signals: signal ? [signal, this.lifetime.signal] : [this.lifetime.signal],
      onMessage: (header, body) => {
        this.hub.onMessage(header, body);
      },
      onClose: (conn, err) => {
        this.onConnectionClosed(conn, err);
      },
    });
  }

  private onConnectionClosed(conn: Connection, err: LibvirtConnectionError): void {
    if (conn !== this.connection) return; // an attempt that never became current
    this.connection = undefined;
    this.hub.connectionLost();
    if (this.currentState === 'closed') return;
    this.setState('disconnected', err);
    if (this.options.autoReconnect === false) {
      this.lifetime.abort();
      this.setState('closed', err);
      this.hub.endAll(err);
      return;
    }
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const initial = this.options.reconnectInitialDelayMs ?? 100;
    const max = this.options.reconnectMaxDelayMs ?? 5000;
    for (let attempt = 0; ; attempt++) {
      const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
      await sleep(base / 2 + Math.random() * (base / 2), this.lifetime.signal);
      if (this.isShutDown()) return;
      this.setState('connecting', undefined);
      let conn: Connection | undefined;
      try {
        conn = await this.open();
        // Re-register before announcing `connected`, so a consumer reconciling on `connected` misses nothing.
        await this.hub.registerAll(conn);
        if (conn.closeReason) throw conn.closeReason;
        if (this.isShutDown()) {
          await conn.end();
          return;
        }
        this.connection = conn;
        this.setState('connected', undefined);
        return;
      } catch (err: unknown) {
        conn?.destroy(asConnectionError(err));
        if (this.isShutDown()) return;
        this.hub.connectionLost();
        this.setState('disconnected', asConnectionError(err));
      }
    }
  }
}

function pickStreamOptions(
  options: StreamOptions | undefined,
): Pick<StreamOptions, 'chunkBytes' | 'highWaterMark'> {
  return {
    ...(options?.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
    ...(options?.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
  };
}
