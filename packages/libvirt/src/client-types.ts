import type { CallOptions, KeepaliveOptions } from './connection.js';
import type { LibvirtConnectionError } from './errors.js';
import type { Procedure } from './protocol/procedure.js';
import type { RemoteProcedures } from './protocol/remote.js';
import type { LibvirtDuplexStream, LibvirtReadStream, StreamOptions, UploadSource } from './stream.js';
import type { Dialer, TlsOptions } from './transport/dial.js';

/**
 * Where the client is:
 * - `connecting`: opening a connection (first connect or a reconnect attempt: dial, auth, open, re-subscribe);
 * - `connected`: calls can be made;
 * - `disconnected`: the connection was lost; with `autoReconnect` a new attempt is scheduled;
 * - `closed`: `close()` was called, or the connection was lost without `autoReconnect`. Final.
 *
 * @example
 * ```ts
 * if (client.state !== 'connected') return reply.code(503).send();
 * ```
 */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * Events of {@link LibvirtClient}.
 *
 * @example
 * ```ts
 * client.on('state', (state, err) => log.info({ state, err: err?.message }, 'libvirt'));
 * ```
 */
export interface LibvirtClientEvents {
  /** The state changed; `error` says why when the connection was lost or an attempt failed. */
  state: [state: ConnectionState, error: LibvirtConnectionError | undefined];
}

/**
 * Options of {@link LibvirtClient.connect}.
 *
 * @example
 * ```ts
 * await LibvirtClient.connect('qemu:///system', { callTimeoutMs: 30_000, reconnectMaxDelayMs: 5000 });
 * ```
 */
export interface LibvirtClientOptions {
  /** Open a read-only connection (`VIR_CONNECT_RO`; the `-ro` socket for local URIs). Default false. */
  readonly readOnly?: boolean;
  /** Reconnect by itself after losing the connection, and re-register subscriptions. Default true. */
  readonly autoReconnect?: boolean;
  /** First reconnect delay (ms, default 100); it doubles per failed attempt, with jitter. */
  readonly reconnectInitialDelayMs?: number;
  /** Longest reconnect delay (ms, default 5000). */
  readonly reconnectMaxDelayMs?: number;
  /** Limit for one connection attempt: dial, authentication and open (ms, default 10 000). */
  readonly connectTimeoutMs?: number;
  /** Default `timeoutMs` of calls that do not give one (default: none). */
  readonly callTimeoutMs?: number;
  /** Dead-peer detection (default 5 s × 5, as libvirtd's own). `false` turns it off. */
  readonly keepalive?: KeepaliveOptions | false;
  /** Calls in flight at once; more wait client-side (default 5, libvirtd's `max_client_requests`). */
  readonly maxConcurrentCalls?: number;
  /** Certificates for `qemu+tls://` (default: libvirt's standard files). */
  readonly tls?: TlsOptions;
  /** A custom way to open the byte stream (e.g. an SSH tunnel); the URI then only supplies the open name. */
  readonly dialer?: Dialer;
  /** Aborts the first connection attempt. */
  readonly signal?: AbortSignal;
}

type CallMethod<A, R> = [undefined] extends [A]
  ? (options?: CallOptions) => Promise<R>
  : (args: A, options?: CallOptions) => Promise<R>;

/**
 * The client method of one procedure-table entry, by its stream direction.
 *
 * @example
 * ```ts
 * type GetState = ProcedureMethod<typeof remoteProcedures.domainGetState>;
 * // (args: { dom: Dom; flags: number }, options?: CallOptions) => Promise<{ state: number; reason: number }>
 * ```
 */
export type ProcedureMethod<P> =
  P extends Procedure<infer A, infer R, infer S>
    ? [S] extends ['write']
      ? (args: A, source: UploadSource, options?: StreamOptions) => Promise<R>
      : [S] extends ['read']
        ? (args: A, options?: StreamOptions) => Promise<LibvirtReadStream<R>>
        : [S] extends ['both']
          ? (args: A, options?: StreamOptions) => Promise<LibvirtDuplexStream<R>>
          : CallMethod<A, R>
    : never;

/**
 * One typed method per entry of `remoteProcedures`, with the entry's name.
 *
 * @example
 * ```ts
 * const list: ProcedureMethods['connectListAllDomains'] = client.connectListAllDomains.bind(client);
 * ```
 */
export type ProcedureMethods = {
  readonly [K in keyof RemoteProcedures]: ProcedureMethod<RemoteProcedures[K]>;
};
