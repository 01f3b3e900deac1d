import { describe, expect, it } from 'vitest';
import { XdrError } from './errors.js';
import { XdrReader } from './reader.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('XdrReader', () => {
  it('reads big-endian scalars and tracks what is left', () => {
    const r = new XdrReader(
      hex('ffffffff fffffffe 7fffffff 80000000 ffffffffffffffff 7fffffffffffffff 3ff8000000000000 00000002'),
    );
    expect(r.int()).toBe(-1);
    expect(r.uint()).toBe(0xfffffffe);
    expect(r.int()).toBe(0x7fffffff);
    expect(r.int()).toBe(-0x80000000);
    expect(r.remaining).toBe(28);
    expect(r.uhyper()).toBe(0xffffffffffffffffn);
    expect(r.hyper()).toBe(0x7fffffffffffffffn);
    expect(r.double()).toBe(1.5);
    expect(r.bool()).toBe(true); // any non-zero word is true
    r.expectEnd();
  });

  it('reads hyper as signed and uhyper as unsigned', () => {
    expect(new XdrReader(hex('8000000000000000')).hyper()).toBe(-(2n ** 63n));
    expect(new XdrReader(hex('8000000000000000')).uhyper()).toBe(2n ** 63n);
    expect(new XdrReader(hex('00000000')).bool()).toBe(false);
  });

  it('starts at an offset', () => {
    const r = new XdrReader(hex('00000001 00000002'), 4);
    expect(r.uint()).toBe(2);
  });

  it('skips the zero padding of strings and opaque data', () => {
    const r = new XdrReader(hex('00000005 68656c6c 6f000000 00000003 010203 00 0a0b0c0d'));
    expect(r.string()).toBe('hello');
    expect(r.varOpaque()).toEqual(Buffer.from([1, 2, 3]));
    expect(r.fixedOpaque(4)).toEqual(hex('0a0b0c0d'));
    r.expectEnd();
  });

  it('decodes UTF-8 strings by byte length', () => {
    const r = new XdrReader(hex('00000002 c3a90000'));
    expect(r.string()).toBe('é');
  });

  it('returns copies of opaque data, not views into the packet', () => {
    const buf = hex('00000001 aa000000');
    const out = new XdrReader(buf).varOpaque();
    buf[4] = 0xbb;
    expect(out[0]).toBe(0xaa);
  });

  it('throws XdrError on truncated data', () => {
    expect(() => new XdrReader(hex('000000')).int()).toThrow(XdrError);
    expect(() => new XdrReader(hex('000000')).uint()).toThrow(XdrError);
    expect(() => new XdrReader(hex('00000000 000000')).hyper()).toThrow(XdrError);
    expect(() => new XdrReader(hex('00000000 000000')).uhyper()).toThrow(XdrError);
    expect(() => new XdrReader(hex('00000000')).double()).toThrow(/truncated/);
    // The padding is required too.
    expect(() => new XdrReader(hex('00000001 61')).string()).toThrow(XdrError);
    expect(() => new XdrReader(hex('00000005 68656c6c 6f')).string()).toThrow(XdrError);
    expect(() => new XdrReader(hex('0102')).fixedOpaque(2)).toThrow(XdrError);
  });

  it('rejects lengths above the maximum before reading the data', () => {
    expect(() => new XdrReader(hex('00000005 68656c6c 6f000000')).string(4)).toThrow(/exceeds its maximum 4/);
    expect(() => new XdrReader(hex('00000005 0102030405000000')).varOpaque(4)).toThrow(XdrError);
  });

  it('rejects huge lengths without wrapping the padding arithmetic', () => {
    // (len + 3) & ~3 is 0 for these lengths in 32-bit arithmetic; the reader must still see them as too long.
    for (const len of ['ffffffff', 'fffffffe', 'fffffffd', '80000000', '7ffffffd']) {
      expect(() => new XdrReader(hex(`${len} 61626364`)).string()).toThrow(XdrError);
      expect(() => new XdrReader(hex(`${len} 61626364`)).varOpaque()).toThrow(XdrError);
    }
  });

  it('checks array counts against the maximum and the bytes left', () => {
    expect(new XdrReader(hex('00000002 00000000 00000000')).count(10)).toBe(2);
    expect(() => new XdrReader(hex('00000003 00000000 00000000')).count(10)).toThrow(/exceeds the data left/);
    expect(() => new XdrReader(hex('0000000b')).count(10)).toThrow(/exceeds its maximum 10/);
    expect(() => new XdrReader(hex('ffffffff 00000000')).count(0xffffffff, 24)).toThrow(XdrError);
    // Elements of at least 24 bytes: 2 need 48.
    expect(() => new XdrReader(Buffer.concat([hex('00000002'), Buffer.alloc(40)])).count(10, 24)).toThrow(
      XdrError,
    );
  });

  it('expectEnd reports trailing bytes', () => {
    const r = new XdrReader(hex('00000001 00'));
    r.uint();
    expect(() => {
      r.expectEnd();
    }).toThrow(/1 unexpected trailing bytes/);
  });
});

describe('XdrReader.uuid', () => {
  it('formats 16 bytes as a lower-case 8-4-4-4-12 UUID and advances by 16', () => {
    const bytes = Buffer.from('efafbf34f65342b0a6738594024a4ed3ff', 'hex');
    const r = new XdrReader(bytes);
    expect(r.uuid()).toBe('efafbf34-f653-42b0-a673-8594024a4ed3');
    expect(r.remaining).toBe(1);
    expect(() => new XdrReader(Buffer.alloc(15)).uuid()).toThrow(/truncated/);
  });
});
