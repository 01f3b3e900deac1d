/**
 * The connection set-up of libvirt RPC: dial, AUTH_LIST (mandatory, even for root), AUTH_POLKIT when that is
 * the scheme offered, CONNECT_OPEN exactly once, and keepalive (CONNECT_SUPPORTS_FEATURE(10)).
 */
import type { LibvirtClientOptions } from './client-types.js';
import { Connection, type KeepaliveOptions } from './connection.js';
import { deadlineSignal } from './deadline.js';
import { LibvirtConnectionError, LibvirtError } from './errors.js';
import { DEFAULT_MAX_CONCURRENT_CALLS } from './protocol/constants.js';
import { proc } from './protocol/procedure.js';
import type { Dialer } from './transport/dial.js';
import type { PacketHeader } from './transport/packet.js';
import { array, int, optString, struct, uint, xvoid } from './xdr/codec.js';

// Declared here rather than taken from the procedure table, so the core does not depend on table details.
const AUTH_LIST = proc(66, xvoid, array(int, 20));
const AUTH_POLKIT = proc(70, xvoid, int);
const CONNECT_OPEN = proc(1, struct({ name: optString, flags: uint }), xvoid);
const CONNECT_CLOSE = proc(2, xvoid, xvoid);
const CONNECT_SUPPORTS_FEATURE = proc(60, struct({ feature: int }), int);
const AuthType = { None: 0, Sasl: 1, Polkit: 2 } as const;
const FEATURE_PROGRAM_KEEPALIVE = 10;
const CONNECT_RO = 1;
const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 5000, count: 5 };

/** What one connection attempt needs. @internal */
export interface OpenConnectionParams {
  readonly uri: string;
  /** The name sent with CONNECT_OPEN. */
  readonly openName: string;
  readonly dialer: Dialer;
  readonly options: LibvirtClientOptions;
  /** Abort the attempt (besides its own `connectTimeoutMs`). */
  readonly signals: readonly AbortSignal[];
  readonly onMessage: (header: PacketHeader, body: Buffer) => void;
  readonly onClose: (conn: Connection, err: LibvirtConnectionError) => void;
}

/** Wraps anything thrown while connecting as a connection error (daemon errors excepted). @internal */
export function asConnectionError(err: unknown): LibvirtConnectionError {
  if (err instanceof LibvirtConnectionError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new LibvirtConnectionError('unreachable', `cannot connect to libvirtd: ${message}`, { cause: err });
}

/**
 * Opens and sets up one connection. Rejects with a {@link LibvirtConnectionError} (`unreachable`, `timeout`,
 * `aborted`, `auth`) or the daemon's {@link LibvirtError}; the socket is closed on failure.
 * @internal Used by `LibvirtClient`.
 */
export async function openConnection(p: OpenConnectionParams): Promise<Connection> {
  const timeoutMs = p.options.connectTimeoutMs ?? 10_000;
  // Not AbortSignal.any(AbortSignal.timeout(…)): on Node 20 that timeout can be collected and never fire.
  const deadline = deadlineSignal(timeoutMs, ...p.signals);
  const attempt = deadline.signal;
  let conn: Connection | undefined;
  try {
    const socket = await p.dialer(attempt);
    const opened: Connection = new Connection(socket, {
      maxConcurrentCalls: p.options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS,
      onMessage: p.onMessage,
      onClose: (err) => {
        p.onClose(opened, err);
      },
    });
    conn = opened;
    await handshake(opened, p, attempt);
    return opened;
  } catch (err: unknown) {
    let failure: LibvirtError | LibvirtConnectionError;
    if (err instanceof LibvirtError) failure = err;
    else if (deadline.timedOut) {
      failure = new LibvirtConnectionError(
        'timeout',
        `connecting to ${p.uri} timed out after ${timeoutMs} ms`,
        {
          cause: err,
        },
      );
    } else failure = asConnectionError(err);
    conn?.destroy(
      failure instanceof LibvirtConnectionError
        ? failure
        : new LibvirtConnectionError('closed', failure.message),
    );
    throw failure;
  } finally {
    deadline.clear();
  }
}

async function handshake(conn: Connection, p: OpenConnectionParams, signal: AbortSignal): Promise<void> {
  const opts = { signal };
  const types = await conn.call(AUTH_LIST, undefined, opts, 'authList');
  if (types.length > 0 && !types.includes(AuthType.None)) {
    if (!types.includes(AuthType.Polkit)) {
      throw new LibvirtConnectionError(
        'auth',
        `libvirtd at ${p.uri} requires SASL authentication, which this client does not support ` +
          `(offered: ${types.join(', ')}); use the UNIX socket as root, polkit, or TLS client certificates`,
      );
    }
    try {
      await conn.call(AUTH_POLKIT, undefined, opts, 'authPolkit');
    } catch (err: unknown) {
      if (!(err instanceof LibvirtError)) throw err;
      throw new LibvirtConnectionError('auth', `polkit authentication with libvirtd failed: ${err.message}`, {
        cause: err,
      });
    }
  }
  const flags = p.options.readOnly === true ? CONNECT_RO : 0;
  await conn.call(CONNECT_OPEN, { name: p.openName, flags }, opts, 'connectOpen');
  const keepalive = p.options.keepalive ?? DEFAULT_KEEPALIVE;
  if (keepalive === false) return;
  try {
    // Also switches the daemon's own PINGs on; the reader answers them.
    const feature = { feature: FEATURE_PROGRAM_KEEPALIVE };
    await conn.call(CONNECT_SUPPORTS_FEATURE, feature, opts, 'connectSupportsFeature');
  } catch (err: unknown) {
    if (!(err instanceof LibvirtError)) throw err;
  }
  // Our own probes are answered by any daemon, whether or not it sends PINGs itself.
  conn.startKeepalive(keepalive);
}

/** CONNECT_CLOSE, best effort and briefly (the socket is closed right after anyway). @internal */
export async function closeConnection(conn: Connection): Promise<void> {
  await conn.call(CONNECT_CLOSE, undefined, { timeoutMs: 1000 }, 'connectClose').catch(() => undefined);
}
