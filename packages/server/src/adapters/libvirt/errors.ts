/**
 * The one place where libvirt's errors become Gureum's (STYLE §2.5). libvirt's own message never becomes an
 * AppError message (API users see those): it stays in `cause`, and the numbers go to `meta` for the logs.
 */
import {
  ErrorNumber,
  isConnectionError,
  isLibvirtError,
  LibvirtConnectionError,
  LibvirtError,
} from '@gureum/libvirt';
import { LibvirtXmlError } from '@gureum/libvirt-xml';
import { AppError, UnavailableError } from '../../domain/errors.js';
import type { VmState } from '../../domain/model.js';
import type { VolumeRef } from '../../ports/hypervisor.js';

/** What an operation was about, for the message and meta of the translated error. */
export interface ErrorContext {
  /** The adapter method, e.g. `startVm`. */
  readonly operation: string;
  readonly vm?: string;
  readonly volume?: VolumeRef;
  readonly pool?: string;
  /** The VM's state when known (named in a VM_INVALID_STATE message). */
  readonly state?: VmState | undefined;
  /** The caller's signal: an abort rethrows its reason (e.g. the task's cancellation error). */
  readonly signal?: AbortSignal | undefined;
}

function libvirtMeta(err: LibvirtError, ctx: ErrorContext): Record<string, unknown> {
  return {
    operation: ctx.operation,
    ...(ctx.vm === undefined ? {} : { vm: ctx.vm }),
    ...(ctx.volume === undefined ? {} : { volume: `${ctx.volume.pool}/${ctx.volume.name}` }),
    ...(ctx.pool === undefined ? {} : { pool: ctx.pool }),
    libvirt: { code: err.code, domain: err.domain, procedure: err.procedure },
  };
}

function volumeName(ctx: ErrorContext): string {
  return ctx.volume ? `${ctx.volume.pool}/${ctx.volume.name}` : 'the volume';
}

function fromLibvirtError(err: LibvirtError, ctx: ErrorContext): AppError {
  const meta = libvirtMeta(err, ctx);
  const options = { cause: err };
  switch (err.code) {
    case ErrorNumber.NoDomain:
      return new AppError(
        'VM_NOT_FOUND',
        'not_found',
        `No VM '${ctx.vm ?? 'unknown'}' exists.`,
        meta,
        options,
      );
    case ErrorNumber.OperationInvalid:
      return new AppError(
        'VM_INVALID_STATE',
        'conflict',
        ctx.state === undefined
          ? 'The VM is not in a state that allows this operation.'
          : `The VM is ${ctx.state}, which does not allow this operation.`,
        { ...meta, ...(ctx.state === undefined ? {} : { state: ctx.state }) },
        options,
      );
    case ErrorNumber.OperationTimeout:
      // "cannot acquire state change lock": another job holds the domain.
      if (ctx.vm !== undefined) {
        return new AppError(
          'VM_BUSY',
          'conflict',
          'Another operation on this VM is still running.',
          meta,
          options,
        );
      }
      break;
    case ErrorNumber.NoStorageVol:
      return new AppError(
        'VOLUME_NOT_FOUND',
        'not_found',
        `No volume ${volumeName(ctx)} exists.`,
        meta,
        options,
      );
    case ErrorNumber.StorageVolExist:
      return new AppError(
        'VOLUME_NAME_TAKEN',
        'conflict',
        `The volume ${volumeName(ctx)} already exists.`,
        meta,
        options,
      );
    case ErrorNumber.NoDomainSnapshot:
      return new AppError('SNAPSHOT_NOT_FOUND', 'not_found', 'No such snapshot exists.', meta, options);
    case ErrorNumber.ConfigUnsupported:
    case ErrorNumber.OperationUnsupported:
      if (ctx.operation.endsWith('Snapshot')) {
        return new AppError(
          'SNAPSHOT_UNSUPPORTED',
          'conflict',
          "This host's libvirt cannot take this snapshot of this VM.",
          meta,
          options,
        );
      }
      break;
    case ErrorNumber.NoConnect:
    case ErrorNumber.InvalidConn:
      return new UnavailableError('LIBVIRT_UNAVAILABLE', 'libvirt cannot be reached.', options);
    default:
      break;
  }
  return new AppError('INTERNAL', 'internal', `The hypervisor refused ${ctx.operation}.`, meta, options);
}

function fromConnectionError(err: LibvirtConnectionError, ctx: ErrorContext): Error {
  if (err.reason === 'aborted' && ctx.signal?.aborted === true && ctx.signal.reason instanceof Error) {
    return ctx.signal.reason;
  }
  if (err.reason === 'aborted') {
    return new AppError(
      'INTERNAL',
      'internal',
      `${ctx.operation} was aborted.`,
      { operation: ctx.operation },
      { cause: err },
    );
  }
  // closed, unreachable, timeout (no answer, or keepalive), protocol, auth: libvirt is not usable right now.
  return new UnavailableError('LIBVIRT_UNAVAILABLE', 'libvirt cannot be reached.', { cause: err });
}

/**
 * Turns anything a libvirt call threw into an AppError:
 * - `NoDomain` → `VM_NOT_FOUND`; `OperationInvalid` → `VM_INVALID_STATE`; `OperationTimeout` on a VM → `VM_BUSY`;
 * - `NoStorageVol` → `VOLUME_NOT_FOUND`; `StorageVolExist` → `VOLUME_NAME_TAKEN`; `NoDomainSnapshot` →
 *   `SNAPSHOT_NOT_FOUND`; an unsupported snapshot operation → `SNAPSHOT_UNSUPPORTED`;
 * - a lost or unusable connection (`LibvirtConnectionError`, `NoConnect`) → `LIBVIRT_UNAVAILABLE` (kind `unavailable`);
 * - an abort by the caller's signal → the signal's reason;
 * - a spec the XML builders refuse → `VALIDATION_FAILED`;
 * - anything else → `INTERNAL`.
 * AppErrors pass through unchanged; the original error is always the `cause`.
 */
export function translateError(err: unknown, ctx: ErrorContext): Error {
  if (err instanceof AppError) return err;
  if (err instanceof LibvirtError) return fromLibvirtError(err, ctx);
  if (err instanceof LibvirtConnectionError) return fromConnectionError(err, ctx);
  if (err instanceof LibvirtXmlError) {
    if (err.code === 'INVALID_SPEC') {
      return new AppError(
        'VALIDATION_FAILED',
        'invalid',
        `The VM definition is not valid: ${err.message}`,
        { operation: ctx.operation },
        { cause: err },
      );
    }
    return new AppError(
      'INTERNAL',
      'internal',
      'libvirt returned XML Gureum cannot read.',
      { operation: ctx.operation },
      { cause: err },
    );
  }
  if (ctx.signal?.aborted === true && ctx.signal.reason instanceof Error && err === ctx.signal.reason)
    return ctx.signal.reason;
  return new AppError(
    'INTERNAL',
    'internal',
    `${ctx.operation} failed.`,
    { operation: ctx.operation },
    { cause: err },
  );
}

/** Runs `work` and translates whatever it throws. */
export async function translated<T>(ctx: ErrorContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err: unknown) {
    throw translateError(err, ctx);
  }
}

// ---- raw predicates for idempotency (used before translation) -------------------------------------------------

/** The domain does not exist. */
export function isMissingDomain(err: unknown): boolean {
  return isLibvirtError(err, ErrorNumber.NoDomain);
}

/** The volume (or the pool holding it) does not exist. */
export function isMissingVolume(err: unknown): boolean {
  return isLibvirtError(err, ErrorNumber.NoStorageVol) || isLibvirtError(err, ErrorNumber.NoStoragePool);
}

/** The pool does not exist. */
export function isMissingPool(err: unknown): boolean {
  return isLibvirtError(err, ErrorNumber.NoStoragePool);
}

/** libvirt refused the call because of the domain's state (e.g. destroying a stopped domain). */
export function isInvalidState(err: unknown): boolean {
  return isLibvirtError(err, ErrorNumber.OperationInvalid);
}

/** The daemon does not know a flag (older libvirt): `NoSupport`, `InvalidArg` or `ArgumentUnsupported`. */
export function isUnsupportedFlag(err: unknown): boolean {
  return (
    isLibvirtError(err, ErrorNumber.NoSupport) ||
    isLibvirtError(err, ErrorNumber.InvalidArg) ||
    isLibvirtError(err, ErrorNumber.ArgumentUnsupported)
  );
}

/** Defining failed because another domain holds the name (libvirt reports `OperationFailed` or `DomExist`). */
export function isNameClash(err: unknown): boolean {
  return isLibvirtError(err, ErrorNumber.OperationFailed) || isLibvirtError(err, ErrorNumber.DomExist);
}

/** The connection is gone or unusable. */
export function isConnectionLoss(err: unknown): boolean {
  return isConnectionError(err) && err.reason !== 'aborted';
}
