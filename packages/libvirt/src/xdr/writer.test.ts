import { describe, expect, it } from 'vitest';
import { XdrError } from './errors.js';
import { XdrWriter } from './writer.js';

const hexOf = (w: XdrWriter): string => w.toBuffer().toString('hex');

describe('XdrWriter', () => {
  it('writes big-endian scalars', () => {
    const w = new XdrWriter();
    w.int(-1);
    w.uint(0xfffffffe);
    w.hyper(-(2n ** 63n));
    w.uhyper(2n ** 64n - 1n);
    w.double(1.5);
    w.bool(true);
    w.bool(false);
    expect(hexOf(w)).toBe(
      'ffffffff' +
        'fffffffe' +
        '8000000000000000' +
        'ffffffffffffffff' +
        '3ff8000000000000' +
        '00000001' +
        '00000000',
    );
    expect(w.length).toBe(40);
  });

  it('rejects values outside the 32-bit ranges or not integers', () => {
    const w = new XdrWriter();
    expect(() => {
      w.int(0x80000000);
    }).toThrow(XdrError);
    expect(() => {
      w.int(-0x80000001);
    }).toThrow(XdrError);
    expect(() => {
      w.int(1.5);
    }).toThrow(/not an int32/);
    expect(() => {
      w.uint(-1);
    }).toThrow(/not a uint32/);
    expect(() => {
      w.uint(2 ** 32);
    }).toThrow(XdrError);
    expect(() => {
      w.uint(Number.NaN);
    }).toThrow(XdrError);
    expect(w.length).toBe(0);
  });

  it('rejects bigints outside the 64-bit ranges', () => {
    const w = new XdrWriter();
    expect(() => {
      w.hyper(2n ** 63n);
    }).toThrow(/not an int64/);
    expect(() => {
      w.hyper(-(2n ** 63n) - 1n);
    }).toThrow(XdrError);
    expect(() => {
      w.uhyper(-1n);
    }).toThrow(/not a uint64/);
    expect(() => {
      w.uhyper(2n ** 64n);
    }).toThrow(XdrError);
    w.hyper(2n ** 63n - 1n);
    w.uhyper(0n);
    expect(hexOf(w)).toBe('7fffffffffffffff0000000000000000');
  });

  it('pads strings and opaque data with zeros to 4 bytes', () => {
    const w = new XdrWriter(4); // also exercises growth
    w.string('qemu:///system');
    w.varOpaque(Buffer.from([1, 2, 3, 4, 5]));
    w.fixedOpaque(Buffer.from([9]), 1);
    w.string('');
    expect(hexOf(w)).toBe(
      '0000000e' +
        '71656d753a2f2f2f73797374656d0000' +
        '00000005' +
        '0102030405000000' +
        '09000000' +
        '00000000',
    );
  });

  it('writes explicit zeros in the padding (its buffer comes from allocUnsafe)', () => {
    for (let i = 0; i < 50; i++) {
      const w = new XdrWriter(64);
      w.string('a');
      w.fixedOpaque(Buffer.from([1, 2, 3]), 3);
      expect(hexOf(w)).toBe('000000016100000001020300');
    }
  });

  it('encodes strings as UTF-8 and checks the byte length against the maximum', () => {
    const w = new XdrWriter();
    w.string('é');
    expect(hexOf(w)).toBe('00000002c3a90000');
    expect(() => {
      w.string('éé', 3);
    }).toThrow(/exceeds its maximum 3/);
    expect(() => {
      w.varOpaque(Buffer.alloc(5), 4);
    }).toThrow(XdrError);
  });

  it('requires fixed opaque data of exactly the declared size', () => {
    const w = new XdrWriter();
    expect(() => {
      w.fixedOpaque(Buffer.alloc(15), 16);
    }).toThrow(/needs 16 bytes, got 15/);
  });

  it('grows for large writes and keeps earlier bytes', () => {
    const w = new XdrWriter(8);
    w.uint(7);
    const big = Buffer.alloc(100_000, 0xab);
    w.varOpaque(big);
    const out = w.toBuffer();
    expect(out.length).toBe(4 + 4 + 100_000);
    expect(out.readUInt32BE(0)).toBe(7);
    expect(out.readUInt32BE(4)).toBe(100_000);
    expect(out.subarray(8).equals(big)).toBe(true);
  });

  it('reserves a prefix and patches it later', () => {
    const w = new XdrWriter(16, 4);
    expect(w.length).toBe(4);
    w.uint(0x01020304);
    w.patchUint(0, w.length);
    expect(hexOf(w)).toBe('0000000801020304');
  });
});
