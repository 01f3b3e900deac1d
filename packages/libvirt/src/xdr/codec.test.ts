import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  array,
  bool,
  charArray,
  charVarArray,
  decode,
  double,
  encode,
  fixedArray,
  fixedOpaque,
  hyper,
  int,
  opaque,
  optString,
  optional,
  string,
  STRING_MAX,
  struct,
  transform,
  uhyper,
  uint,
  union,
  xstring,
  xvoid,
  type Codec,
  type Infer,
} from './codec.js';
import { XdrError } from './errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const roundTrip = <T>(c: Codec<T>, v: T): T => decode(c, encode(c, v));

describe('scalar codecs', () => {
  it('round-trip their extreme values', () => {
    for (const v of [0, 1, -1, 0x7fffffff, -0x80000000]) expect(roundTrip(int, v)).toBe(v);
    for (const v of [0, 1, 0xffffffff]) expect(roundTrip(uint, v)).toBe(v);
    for (const v of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) expect(roundTrip(hyper, v)).toBe(v);
    for (const v of [0n, 2n ** 64n - 1n]) expect(roundTrip(uhyper, v)).toBe(v);
    for (const v of [0, -0, 1.5, Number.MAX_VALUE, Number.POSITIVE_INFINITY])
      expect(roundTrip(double, v)).toBe(v);
    expect(roundTrip(double, Number.NaN)).toBeNaN();
    expect(roundTrip(bool, true)).toBe(true);
    expect(roundTrip(bool, false)).toBe(false);
  });

  it('declare their wire size', () => {
    expect([xvoid, int, uint, bool, hyper, uhyper, double].map((c) => c.minBytes)).toEqual([
      0, 4, 4, 4, 8, 8, 8,
    ]);
    expect(encode(xvoid, undefined).length).toBe(0);
    expect(() => {
      decode(xvoid, Buffer.alloc(0));
    }).not.toThrow();
  });

  it('encode bool as 0/1 but read any non-zero word as true', () => {
    expect(encode(bool, true).toString('hex')).toBe('00000001');
    expect(decode(bool, hex('00000002'))).toBe(true);
  });

  it('reject out-of-range values with XdrError', () => {
    expect(() => encode(int, 2 ** 31)).toThrow(XdrError);
    expect(() => encode(uint, -1)).toThrow(XdrError);
    expect(() => encode(hyper, 2n ** 63n)).toThrow(XdrError);
    expect(() => encode(uhyper, 2n ** 64n)).toThrow(XdrError);
    expect(() => encode(uhyper, -1n)).toThrow(XdrError);
  });
});

describe('strings and opaque data', () => {
  it('encode the length, the bytes and zero padding', () => {
    expect(encode(string, 'qemu:///system').toString('hex')).toBe('0000000e71656d753a2f2f2f73797374656d0000');
    expect(encode(string, 'abcd').toString('hex')).toBe('0000000461626364');
    expect(roundTrip(string, '한글 ✓')).toBe('한글 ✓');
  });

  it('enforce their maximum on both sides', () => {
    const s4 = xstring(4);
    expect(() => encode(s4, 'abcde')).toThrow(XdrError);
    expect(() => decode(s4, hex('00000005 6162636465000000'))).toThrow(XdrError);
    expect(STRING_MAX).toBe(4 * 1024 * 1024);
    expect(() => decode(string, hex('00400001'))).toThrow(/exceeds its maximum/);
  });

  it('handle fixed and variable opaque data', () => {
    const f5 = fixedOpaque(5);
    expect(f5.minBytes).toBe(8);
    expect(encode(f5, Buffer.from('abcde')).toString('hex')).toBe('6162636465000000');
    expect(roundTrip(f5, Buffer.from('abcde'))).toEqual(Buffer.from('abcde'));
    expect(() => encode(f5, Buffer.from('abc'))).toThrow(XdrError);
    expect(roundTrip(opaque(), Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
    expect(() => encode(opaque(1), Buffer.from([1, 2]))).toThrow(XdrError);
    expect(() => decode(opaque(1), hex('00000002 01020000'))).toThrow(XdrError);
  });
});

describe('optional', () => {
  const o = optional(int);

  it('writes a 0/1 flag then the value', () => {
    expect(encode(o, null).toString('hex')).toBe('00000000');
    expect(encode(o, 7).toString('hex')).toBe('0000000100000007');
    expect(roundTrip(optString, null)).toBeNull();
    expect(roundTrip(optString, '')).toBe('');
  });

  it('rejects a flag that is neither 0 nor 1', () => {
    expect(() => decode(o, hex('00000002 00000007'))).toThrow(/optional flag must be 0 or 1, got 2/);
    expect(() => decode(o, hex('ffffffff 00000007'))).toThrow(XdrError);
  });

  it('fails on a present flag without a value', () => {
    expect(() => decode(o, hex('00000001'))).toThrow(XdrError);
  });
});

describe('arrays', () => {
  it('write a count then the elements', () => {
    expect(encode(array(int), [1, -1]).toString('hex')).toBe('00000002' + '00000001' + 'ffffffff');
    expect(roundTrip(array(string), ['a', 'bc', ''])).toEqual(['a', 'bc', '']);
    expect(roundTrip(array(int), [])).toEqual([]);
  });

  it('enforce the maximum on both sides', () => {
    expect(() => encode(array(int, 1), [1, 2])).toThrow(/exceeds its maximum 1/);
    expect(() => decode(array(int, 1), hex('00000002 00000001 00000002'))).toThrow(XdrError);
  });

  it('refuse counts larger than the data can hold, before allocating', () => {
    const big = struct({ a: hyper, b: hyper, c: string });
    const started = Date.now();
    expect(() => decode(array(big), hex('ffffffff 00000000'))).toThrow(/exceeds the data left/);
    expect(() => decode(array(xvoid), hex('ffffffff'))).toThrow(XdrError); // zero-size elements count as 1 byte
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fixed arrays take exactly N elements and no count', () => {
    const f = fixedArray(int, 2);
    expect(f.minBytes).toBe(8);
    expect(encode(f, [1, 2]).toString('hex')).toBe('0000000100000002');
    expect(roundTrip(f, [3, 4])).toEqual([3, 4]);
    expect(() => encode(f, [1])).toThrow(/needs 2 elements, got 1/);
    expect(() => decode(f, hex('00000001'))).toThrow(XdrError);
  });
});

describe('char arrays (4 bytes per char)', () => {
  it('charArray(32) takes 128 bytes and stops at the first NUL', () => {
    const c = charArray(32);
    expect(c.minBytes).toBe(128);
    const bytes = encode(c, 'x86_64');
    expect(bytes.length).toBe(128);
    expect(bytes.subarray(0, 24).toString('hex')).toBe(
      '000000780000003800000036' + '0000005f0000003600000034',
    );
    expect(bytes.subarray(24).every((b) => b === 0)).toBe(true);
    expect(decode(c, bytes)).toBe('x86_64');
    expect(roundTrip(c, 'a'.repeat(32))).toBe('a'.repeat(32));
    expect(roundTrip(c, '')).toBe('');
  });

  it('charArray ignores what follows the NUL and the high bytes of each word', () => {
    const c = charArray(3);
    expect(decode(c, hex('00000041 00000000 00000042'))).toBe('A');
    expect(decode(c, hex('ffffff41 ffffffe9 00000000'))).toBe('Aé'); // sign-extended chars
    expect(roundTrip(c, 'é')).toBe('é'); // latin-1
  });

  it('charArray rejects text longer than the array and truncated data', () => {
    expect(() => encode(charArray(2), 'abc')).toThrow(/char\[2\] cannot hold 3 chars/);
    expect(() => decode(charArray(2), hex('00000041'))).toThrow(XdrError);
  });

  it('charVarArray writes a count and one signed word per byte', () => {
    const c = charVarArray(8);
    const bytes = encode(c, Buffer.from([0x01, 0x7f, 0x80, 0xff]));
    expect(bytes.toString('hex')).toBe('00000004' + '00000001' + '0000007f' + 'ffffff80' + 'ffffffff');
    expect(decode(c, bytes)).toEqual(Buffer.from([0x01, 0x7f, 0x80, 0xff]));
    expect(() => encode(c, Buffer.alloc(9))).toThrow(/char<8> cannot hold 9 bytes/);
    expect(() => decode(c, hex('00000009'))).toThrow(XdrError);
    expect(() => decode(c, hex('00000002 00000001'))).toThrow(XdrError);
  });
});

describe('struct', () => {
  const S = struct({ b: int, a: string, c: optional(uhyper) });

  it('encodes fields in declaration order with no padding between them', () => {
    expect(S.minBytes).toBe(12);
    expect(encode(S, { b: 1, a: 'x', c: null }).toString('hex')).toBe(
      '00000001' + '0000000178000000' + '00000000',
    );
    expect(roundTrip(S, { b: -5, a: 'hello', c: 9n })).toEqual({ b: -5, a: 'hello', c: 9n });
  });

  it('infers the value type', () => {
    expectTypeOf<Infer<typeof S>>().toEqualTypeOf<{ b: number; a: string; c: bigint | null }>();
  });

  it('requires the whole body to be consumed by decode()', () => {
    expect(() => decode(S, hex('00000001 00000000 00000000 00'))).toThrow(/trailing/);
  });
});

describe('union', () => {
  const U = union({ 1: int, 7: string });

  it('writes the discriminant then the selected arm', () => {
    expect(encode(U, { type: 1, value: 5 }).toString('hex')).toBe('0000000100000005');
    expect(encode(U, { type: 7, value: 'a' }).toString('hex')).toBe('000000070000000161000000');
    expect(roundTrip(U, { type: 7, value: 'abc' })).toEqual({ type: 7, value: 'abc' });
  });

  it('rejects unknown arms on both sides', () => {
    expect(() => decode(U, hex('00000002 00000005'))).toThrow(/union has no arm 2/);
    expect(() => decode(U, hex('ffffffff'))).toThrow(XdrError);
    // A value the type system would refuse, as if it came from untyped code.
    const bogus = JSON.parse('{"type": 3, "value": 1}') as Infer<typeof U>;
    expect(() => encode(U, bogus)).toThrow(/union has no arm 3/);
  });

  it('types each arm', () => {
    expectTypeOf<Infer<typeof U>>().toEqualTypeOf<{ type: 1; value: number } | { type: 7; value: string }>();
  });
});

describe('transform', () => {
  const Hex = transform(
    fixedOpaque(2),
    (b) => b.toString('hex'),
    (s: string) => Buffer.from(s, 'hex'),
  );

  it('maps values both ways and keeps the inner wire size', () => {
    expect(Hex.minBytes).toBe(4);
    expect(encode(Hex, 'abcd').toString('hex')).toBe('abcd0000');
    expect(decode(Hex, hex('beef0000'))).toBe('beef');
  });
});
