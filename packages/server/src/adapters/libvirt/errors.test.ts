import { ErrorNumber, LibvirtConnectionError, LibvirtError } from '@gureum/libvirt';
import { LibvirtXmlError } from '@gureum/libvirt-xml';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { translateError } from './errors.js';

function libvirtError(code: number, message: string): LibvirtError {
  return new LibvirtError(
    {
      code,
      domain: 10,
      message,
      level: 2,
      dom: null,
      str1: null,
      str2: null,
      str3: null,
      int1: -1,
      int2: -1,
      net: null,
    },
    'domainCreateWithFlags',
  );
}

const ctx = { operation: 'startVm', vm: '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab' };

describe('translateError', () => {
  it.each([
    [ErrorNumber.NoDomain, 'VM_NOT_FOUND', 'not_found'],
    [ErrorNumber.OperationInvalid, 'VM_INVALID_STATE', 'conflict'],
    [ErrorNumber.OperationTimeout, 'VM_BUSY', 'conflict'],
    [ErrorNumber.NoStorageVol, 'VOLUME_NOT_FOUND', 'not_found'],
    [ErrorNumber.StorageVolExist, 'VOLUME_NAME_TAKEN', 'conflict'],
    [ErrorNumber.NoConnect, 'LIBVIRT_UNAVAILABLE', 'unavailable'],
    [ErrorNumber.InternalError, 'INTERNAL', 'internal'],
  ])(
    'libvirt error %i → %s (%s), original kept as cause, raw text kept out of the message',
    (code, appCode, kind) => {
      const raw = libvirtError(code, 'Requested operation is not valid: /var/lib/secret/path is busy');
      const err = translateError(raw, ctx);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: appCode, kind });
      expect(err.cause).toBe(raw);
      expect(err.message).not.toContain('/var/lib/secret');
      expect(err.message).not.toContain('Requested operation');
    },
  );

  it('names the VM state in VM_INVALID_STATE when it is known', () => {
    const err = translateError(libvirtError(ErrorNumber.OperationInvalid, 'domain is not running'), {
      ...ctx,
      state: 'stopped',
    });
    expect(err).toMatchObject({
      code: 'VM_INVALID_STATE',
      message: 'The VM is stopped, which does not allow this operation.',
      meta: { state: 'stopped' },
    });
  });

  it.each(['closed', 'unreachable', 'timeout', 'protocol', 'auth'] as const)(
    'a %s connection → LIBVIRT_UNAVAILABLE (unavailable)',
    (reason) => {
      const raw = new LibvirtConnectionError(reason, 'socket closed');
      const err = translateError(raw, ctx);
      expect(err).toMatchObject({ code: 'LIBVIRT_UNAVAILABLE', kind: 'unavailable' });
      expect(err.cause).toBe(raw);
    },
  );

  it("rethrows the signal's reason when the caller aborted", () => {
    const controller = new AbortController();
    const reason = new AppError('TASK_CANCELLED', 'conflict', 'cancelled');
    controller.abort(reason);
    expect(
      translateError(new LibvirtConnectionError('aborted', 'aborted'), { ...ctx, signal: controller.signal }),
    ).toBe(reason);
  });

  it('passes AppErrors through and wraps the rest', () => {
    const app = new AppError('VM_BUSY', 'conflict', 'busy');
    expect(translateError(app, ctx)).toBe(app);
    expect(
      translateError(new LibvirtXmlError('INVALID_SPEC', 'vcpus must be a positive integer'), ctx),
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      kind: 'invalid',
    });
    expect(translateError(new LibvirtXmlError('MALFORMED_XML', 'bad'), ctx)).toMatchObject({
      code: 'INTERNAL',
      kind: 'internal',
    });
    expect(translateError(new TypeError('boom'), ctx)).toMatchObject({ code: 'INTERNAL', kind: 'internal' });
  });
});
