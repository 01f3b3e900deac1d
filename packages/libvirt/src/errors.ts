import { ErrorNumber } from './protocol/error-numbers.js';
import type { RemoteError } from './protocol/types.js';

/**
 * An error reported by libvirtd (a `remote_error` in a failed reply or stream), with every field the daemon sent.
 * Compare {@link LibvirtError.code} with {@link ErrorNumber} values, or use the predicates below.
 *
 * @example
 * ```ts
 * try {
 *   await client.domainLookupByName({ name: 'web-1' });
 * } catch (err) {
 *   if (isLibvirtError(err, ErrorNumber.NoDomain)) return undefined;
 *   throw err;
 * }
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virError
 */
export class LibvirtError extends Error {
  override readonly name = 'LibvirtError';
  /** `virErrorNumber` (an {@link ErrorNumber} value; newer daemons may send numbers this package does not name). */
  readonly code: number;
  /** `virErrorDomain`: the subsystem that raised it (an `ErrorDomain` value). */
  readonly domain: number;
  /** `virErrorLevel`: 0 none, 1 warning, 2 error. */
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;
  /** The client method (procedure name) whose call failed, when known. */
  readonly procedure: string | undefined;

  constructor(remote: RemoteError, procedure?: string) {
    super(remote.message ?? `libvirt error ${remote.code} (domain ${remote.domain})`);
    this.code = remote.code;
    this.domain = remote.domain;
    this.level = remote.level;
    this.str1 = remote.str1;
    this.str2 = remote.str2;
    this.str3 = remote.str3;
    this.int1 = remote.int1;
    this.int2 = remote.int2;
    this.procedure = procedure;
  }
}

/**
 * Why a {@link LibvirtConnectionError} happened:
 * - `closed`: the connection was lost or closed (by the daemon, the network, or `client.close()`), or the client is
 *   not connected right now;
 * - `timeout`: a call exceeded its `timeoutMs`, or the daemon stopped answering keepalive probes;
 * - `aborted`: the caller's `AbortSignal` fired;
 * - `protocol`: the daemon sent something that is not valid libvirt RPC (bad length, undecodable body); the
 *   connection is closed;
 * - `unreachable`: the socket could not be opened (no such socket file, connection refused, TLS rejected);
 * - `auth`: the daemon wants an authentication scheme this client cannot do, or authentication failed.
 *
 * @example
 * ```ts
 * if (isConnectionError(err) && err.reason === 'timeout') retryLater();
 * ```
 */
export type ConnectionErrorReason = 'closed' | 'timeout' | 'aborted' | 'protocol' | 'unreachable' | 'auth';

/**
 * A failure of the connection or of the client side of a call, as opposed to an error reported by libvirtd.
 *
 * @example
 * ```ts
 * try {
 *   await client.domainGetState({ dom, flags: 0 }, { timeoutMs: 2000 });
 * } catch (err) {
 *   if (isConnectionError(err, 'timeout')) console.warn('libvirtd is slow');
 * }
 * ```
 */
export class LibvirtConnectionError extends Error {
  override readonly name = 'LibvirtConnectionError';

  constructor(
    readonly reason: ConnectionErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * True when `err` is a {@link LibvirtError}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isLibvirtError(err, ErrorNumber.OperationInvalid)) console.log('domain is not running');
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isLibvirtError(err: unknown, code?: number): err is LibvirtError {
  return err instanceof LibvirtError && (code === undefined || err.code === code);
}

/**
 * True when `err` is a {@link LibvirtConnectionError}, optionally for the given reason.
 *
 * @example
 * ```ts
 * if (isConnectionError(err, 'closed')) await client.waitUntilConnected({ timeoutMs: 10_000 });
 * ```
 */
export function isConnectionError(
  err: unknown,
  reason?: ConnectionErrorReason,
): err is LibvirtConnectionError {
  return err instanceof LibvirtConnectionError && (reason === undefined || err.reason === reason);
}

/**
 * True for "domain not found" (`VIR_ERR_NO_DOMAIN`).
 *
 * @example
 * ```ts
 * const dom = await client.domainLookupByName({ name }).catch((err: unknown) => (isNoDomain(err) ? null : Promise.reject(err)));
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isNoDomain(err: unknown): err is LibvirtError {
  return isLibvirtError(err, ErrorNumber.NoDomain);
}

/**
 * True for "network not found" (`VIR_ERR_NO_NETWORK`).
 *
 * @example
 * ```ts
 * if (isNoNetwork(err)) return undefined;
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isNoNetwork(err: unknown): err is LibvirtError {
  return isLibvirtError(err, ErrorNumber.NoNetwork);
}

/**
 * True for "storage pool not found" (`VIR_ERR_NO_STORAGE_POOL`).
 *
 * @example
 * ```ts
 * if (isNoStoragePool(err)) return undefined;
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isNoStoragePool(err: unknown): err is LibvirtError {
  return isLibvirtError(err, ErrorNumber.NoStoragePool);
}

/**
 * True for "storage volume not found" (`VIR_ERR_NO_STORAGE_VOL`).
 *
 * @example
 * ```ts
 * if (isNoStorageVol(err)) return undefined;
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isNoStorageVol(err: unknown): err is LibvirtError {
  return isLibvirtError(err, ErrorNumber.NoStorageVol);
}

/**
 * True for "domain snapshot not found" (`VIR_ERR_NO_DOMAIN_SNAPSHOT`).
 *
 * @example
 * ```ts
 * if (isNoDomainSnapshot(err)) return undefined;
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isNoDomainSnapshot(err: unknown): err is LibvirtError {
  return isLibvirtError(err, ErrorNumber.NoDomainSnapshot);
}

/**
 * True for "operation not valid in this state" (`VIR_ERR_OPERATION_INVALID`), e.g. destroying a stopped domain.
 *
 * @example
 * ```ts
 * await client.domainDestroy({ dom }).catch((err: unknown) => { if (!isOperationInvalid(err)) throw err; });
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isOperationInvalid(err: unknown): err is LibvirtError {
  return isLibvirtError(err, ErrorNumber.OperationInvalid);
}

const UNKNOWN_PROCEDURE = /^unknown procedure: -?\d+/;

/**
 * True when the daemon does not implement what was asked: a procedure it does not know (an older libvirt answers
 * `VIR_ERR_RPC` "unknown procedure: N") or a function its driver does not support (`VIR_ERR_NO_SUPPORT`).
 *
 * @example
 * ```ts
 * try {
 *   await client.networkDefineXmlFlags({ xml, flags: 0 });
 * } catch (err) {
 *   if (!isUnsupported(err)) throw err;
 *   await client.networkDefineXml({ xml }); // libvirt < 7.7
 * }
 * ```
 * @see https://libvirt.org/html/libvirt-virterror.html#virErrorNumber
 */
export function isUnsupported(err: unknown): err is LibvirtError {
  if (!(err instanceof LibvirtError)) return false;
  if (err.code === ErrorNumber.NoSupport) return true;
  return err.code === ErrorNumber.Rpc && UNKNOWN_PROCEDURE.test(err.message);
}
