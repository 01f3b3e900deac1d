import { describe, expect, it } from 'vitest';
import {
  isConnectionError,
  isLibvirtError,
  isNoDomain,
  isNoNetwork,
  isNoStoragePool,
  isNoStorageVol,
  isNoDomainSnapshot,
  isOperationInvalid,
  isUnsupported,
  LibvirtConnectionError,
  LibvirtError,
} from './errors.js';
import { ErrorNumber } from './protocol/error-numbers.js';
import type { RemoteError } from './protocol/types.js';

const remote = (code: number, message: string | null): RemoteError => ({
  code,
  domain: 10,
  message,
  level: 2,
  dom: null,
  str1: 'Domain not found: %s',
  str2: 'x',
  str3: null,
  int1: -1,
  int2: -1,
  net: null,
});

describe('LibvirtError', () => {
  it('keeps every field of remote_error', () => {
    const err = new LibvirtError(remote(42, 'Domain not found: x'), 'domainLookupByName');
    expect(err).toMatchObject({
      name: 'LibvirtError',
      code: 42,
      domain: 10,
      level: 2,
      message: 'Domain not found: x',
      str1: 'Domain not found: %s',
      str2: 'x',
      str3: null,
      int1: -1,
      int2: -1,
      procedure: 'domainLookupByName',
    });
    expect(err).toBeInstanceOf(Error);
  });

  it('has a message even when the daemon sent none', () => {
    expect(new LibvirtError(remote(1, null)).message).toBe('libvirt error 1 (domain 10)');
  });
});

describe('predicates', () => {
  it('match codes', () => {
    expect(isLibvirtError(new LibvirtError(remote(42, 'x')))).toBe(true);
    expect(isLibvirtError(new LibvirtError(remote(42, 'x')), ErrorNumber.NoNetwork)).toBe(false);
    expect(isLibvirtError(new Error('x'))).toBe(false);
    expect(isNoDomain(new LibvirtError(remote(ErrorNumber.NoDomain, 'x')))).toBe(true);
    expect(isNoNetwork(new LibvirtError(remote(ErrorNumber.NoNetwork, 'x')))).toBe(true);
    expect(isNoStoragePool(new LibvirtError(remote(ErrorNumber.NoStoragePool, 'x')))).toBe(true);
    expect(isNoStorageVol(new LibvirtError(remote(ErrorNumber.NoStorageVol, 'x')))).toBe(true);
    expect(isNoDomainSnapshot(new LibvirtError(remote(ErrorNumber.NoDomainSnapshot, 'x')))).toBe(true);
    expect(isOperationInvalid(new LibvirtError(remote(ErrorNumber.OperationInvalid, 'x')))).toBe(true);
    expect(isNoDomain(new LibvirtError(remote(ErrorNumber.NoNetwork, 'x')))).toBe(false);
  });

  it('detect unsupported procedures and functions', () => {
    expect(isUnsupported(new LibvirtError(remote(ErrorNumber.Rpc, 'unknown procedure: 432')))).toBe(true);
    expect(
      isUnsupported(new LibvirtError(remote(ErrorNumber.NoSupport, 'this function is not supported'))),
    ).toBe(true);
    expect(isUnsupported(new LibvirtError(remote(ErrorNumber.Rpc, 'authentication required')))).toBe(false);
    expect(isUnsupported(new Error('unknown procedure: 1'))).toBe(false);
  });

  it('match connection errors by reason', () => {
    const err = new LibvirtConnectionError('timeout', 'slow');
    expect(isConnectionError(err)).toBe(true);
    expect(isConnectionError(err, 'timeout')).toBe(true);
    expect(isConnectionError(err, 'closed')).toBe(false);
    expect(isLibvirtError(err)).toBe(false);
  });
});
