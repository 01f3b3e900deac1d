import { describe, expect, it } from 'vitest';
import { bytesToKib, checkBytes, parseScaledBytes } from './units.js';

describe('parseScaledBytes', () => {
  it.each([
    ['1', 'bytes', 1],
    ['1', 'b', 1],
    ['1', 'byte', 1],
    ['2', 'k', 2048],
    ['2', 'KiB', 2048],
    ['2', 'kib', 2048],
    ['2', 'KB', 2000],
    ['3', 'M', 3 * 1024 ** 2],
    ['3', 'MiB', 3 * 1024 ** 2],
    ['3', 'MB', 3_000_000],
    ['10', 'G', 10 * 1024 ** 3],
    ['10', 'GiB', 10 * 1024 ** 3],
    ['10', 'GB', 10_000_000_000],
    ['1', 'T', 1024 ** 4],
    ['1', 'TB', 1e12],
    ['1', 'P', 1024 ** 5],
    [' 7 ', 'bytes', 7],
  ])('%s %s → %d bytes', (value, unit, bytes) => {
    expect(parseScaledBytes(value, unit)).toBe(bytes);
  });

  it('uses the default unit when there is no unit attribute', () => {
    expect(parseScaledBytes('5', undefined)).toBe(5);
    expect(parseScaledBytes('5', undefined, 'KiB')).toBe(5120);
  });

  it('returns a number up to 2^53 - 1 and a bigint above, never rounding', () => {
    expect(parseScaledBytes(String(Number.MAX_SAFE_INTEGER), 'bytes')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseScaledBytes('9007199254740993', 'bytes')).toBe(9007199254740993n);
    expect(parseScaledBytes('16', 'EiB')).toBe(16n * 1024n ** 6n);
    expect(parseScaledBytes('1', 'E')).toBe(1024n ** 6n);
  });

  it.each([
    ['-1', 'bytes'],
    ['1.5', 'GiB'],
    ['', 'bytes'],
    ['1e3', 'bytes'],
    ['1', 'parsecs'],
    ['1', 'KiBB'],
  ])('refuses %j %s', (value, unit) => {
    expect(() => parseScaledBytes(value, unit)).toThrow(
      expect.objectContaining({ code: 'UNEXPECTED_XML' }) as Error,
    );
  });
});

describe('bytesToKib / checkBytes', () => {
  it('converts whole KiB and refuses the rest', () => {
    expect(bytesToKib(128 * 1024 * 1024, 'memoryBytes')).toBe(131072n);
    expect(bytesToKib(2n ** 60n, 'memoryBytes')).toBe(2n ** 50n);
    expect(() => bytesToKib(1000, 'memoryBytes')).toThrow(/multiple of 1024/);
    expect(() => bytesToKib(0, 'memoryBytes')).toThrow(/positive/);
  });

  it('refuses negative, fractional and unsafe sizes', () => {
    expect(() => checkBytes(-1, 'x')).toThrow(/non-negative integer/);
    expect(() => checkBytes(1.5, 'x')).toThrow(/non-negative integer/);
    expect(() => checkBytes(2 ** 60, 'x')).toThrow(/non-negative integer/);
    expect(() => checkBytes(-1n, 'x')).toThrow(/negative/);
    expect(checkBytes(2n ** 60n, 'x')).toBe(2n ** 60n);
  });
});
