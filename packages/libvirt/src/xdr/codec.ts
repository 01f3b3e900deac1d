import { XdrError } from './errors.js';
import { XdrReader } from './reader.js';
import { XdrWriter } from './writer.js';

/**
 * A pair of functions that write and read one XDR type. Codecs compose: the procedure table of the
 * protocol is written with the combinators below, and TypeScript infers each call's argument and result types.
 *
 * @example
 * ```ts
 * const Point = struct({ x: int, y: int });
 * type Point = Infer<typeof Point>; // { x: number; y: number }
 * const bytes = encode(Point, { x: 1, y: 2 });
 * ```
 */
export interface Codec<T> {
  encode(w: XdrWriter, v: T): void;
  decode(r: XdrReader): T;
  /** Smallest number of bytes one value takes on the wire; bounds array counts read from hostile data. */
  readonly minBytes: number;
}

/** The TypeScript type a codec reads and writes. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

function codec<T>(
  minBytes: number,
  encode: (w: XdrWriter, v: T) => void,
  decode: (r: XdrReader) => T,
): Codec<T> {
  return { minBytes, encode, decode };
}

/** XDR `void`: zero bytes. */
export const xvoid: Codec<void> = codec(
  0,
  () => undefined,
  () => undefined,
);
/** XDR `int` (also enums, `char`, `short`: libvirt sends every scalar as 4 bytes). */
export const int: Codec<number> = codec(
  4,
  (w, v) => {
    w.int(v);
  },
  (r) => r.int(),
);
/** XDR `unsigned int` (also `unsigned char`/`unsigned short`). */
export const uint: Codec<number> = codec(
  4,
  (w, v) => {
    w.uint(v);
  },
  (r) => r.uint(),
);
/** XDR `hyper` as a bigint. */
export const hyper: Codec<bigint> = codec(
  8,
  (w, v) => {
    w.hyper(v);
  },
  (r) => r.hyper(),
);
/** XDR `unsigned hyper` as a bigint. */
export const uhyper: Codec<bigint> = codec(
  8,
  (w, v) => {
    w.uhyper(v);
  },
  (r) => r.uhyper(),
);
/** XDR `double`. */
export const double: Codec<number> = codec(
  8,
  (w, v) => {
    w.double(v);
  },
  (r) => r.double(),
);
/** XDR `bool` (any non-zero word reads as true). */
export const bool: Codec<boolean> = codec(
  4,
  (w, v) => {
    w.bool(v);
  },
  (r) => r.bool(),
);

/** libvirt's longest string: 4 MiB. */
export const STRING_MAX = 4 * 1024 * 1024;

/** XDR `string<max>` (libvirt's `remote_nonnull_string`). */
export function xstring(max = STRING_MAX): Codec<string> {
  return codec(
    4,
    (w, v) => {
      w.string(v, max);
    },
    (r) => r.string(max),
  );
}
/** `remote_nonnull_string`. */
export const string = xstring();

/** XDR `opaque[size]`: fixed-length bytes. */
export function fixedOpaque(size: number): Codec<Buffer> {
  return codec(
    (size + 3) & ~3,
    (w, v) => {
      w.fixedOpaque(v, size);
    },
    (r) => r.fixedOpaque(size),
  );
}

/** XDR `opaque<max>`: variable-length bytes. */
export function opaque(max = 0xffffffff): Codec<Buffer> {
  return codec(
    4,
    (w, v) => {
      w.varOpaque(v, max);
    },
    (r) => r.varOpaque(max),
  );
}

/** XDR `T *x`: a 0/1 flag then the value; `null` when absent. */
export function optional<T>(inner: Codec<T>): Codec<T | null> {
  return codec(
    4,
    (w, v) => {
      if (v === null) {
        w.uint(0);
      } else {
        w.uint(1);
        inner.encode(w, v);
      }
    },
    (r) => {
      const present = r.uint();
      if (present === 0) return null;
      if (present !== 1) throw new XdrError(`optional flag must be 0 or 1, got ${present}`);
      return inner.decode(r);
    },
  );
}

/** `remote_string`: an optional string. */
export const optString = optional(string);

/** XDR `T x<max>`: a count, then the elements. */
export function array<T>(inner: Codec<T>, max = 0xffffffff): Codec<T[]> {
  return codec(
    4,
    (w, v) => {
      if (v.length > max) throw new XdrError(`array of ${v.length} exceeds its maximum ${max}`);
      w.uint(v.length);
      for (const item of v) inner.encode(w, item);
    },
    (r) => {
      const n = r.count(max, Math.max(inner.minBytes, 1));
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = inner.decode(r);
      return out;
    },
  );
}

/** XDR `T x[size]`: exactly `size` elements, no count. */
export function fixedArray<T>(inner: Codec<T>, size: number): Codec<T[]> {
  return codec(
    inner.minBytes * size,
    (w, v) => {
      if (v.length !== size) throw new XdrError(`fixed array needs ${size} elements, got ${v.length}`);
      for (const item of v) inner.encode(w, item);
    },
    (r) => {
      const out = new Array<T>(size);
      for (let i = 0; i < size; i++) out[i] = inner.decode(r);
      return out;
    },
  );
}

/**
 * `char x[size]` read as text: libvirt sends each char as a 4-byte word, so 32 chars take 128 bytes.
 * Decoding stops at the first NUL.
 */
export function charArray(size: number): Codec<string> {
  return codec(
    size * 4,
    (w, v) => {
      const bytes = Buffer.from(v, 'latin1');
      if (bytes.length > size) throw new XdrError(`char[${size}] cannot hold ${bytes.length} chars`);
      for (let i = 0; i < size; i++) w.int(i < bytes.length ? (bytes[i] ?? 0) : 0);
    },
    (r) => {
      const bytes: number[] = [];
      let ended = false;
      for (let i = 0; i < size; i++) {
        const c = r.int() & 0xff;
        if (c === 0) ended = true;
        if (!ended) bytes.push(c);
      }
      return Buffer.from(bytes).toString('latin1');
    },
  );
}

/** `char x<max>` as bytes: a count, then one 4-byte word per byte (libvirt's SASL data, security labels). */
export function charVarArray(max: number): Codec<Buffer> {
  return codec(
    4,
    (w, v) => {
      if (v.length > max) throw new XdrError(`char<${max}> cannot hold ${v.length} bytes`);
      w.uint(v.length);
      for (const b of v) w.int(b >= 128 ? b - 256 : b);
    },
    (r) => {
      const n = r.count(max, 4);
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = r.int() & 0xff;
      return out;
    },
  );
}

type Fields = Record<string, Codec<unknown>>;
/** The object type of a struct codec's fields. */
export type StructOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** XDR `struct`: the fields in declaration (object key) order, no names, no padding. */
export function struct<F extends Fields>(fields: F): Codec<StructOf<F>> {
  const entries = Object.entries(fields);
  const keys = entries.map(([k]) => k);
  const codecs = entries.map(([, c]) => c);
  const n = keys.length;
  return codec(
    codecs.reduce((sum, c) => sum + c.minBytes, 0),
    (w, v) => {
      for (let i = 0; i < n; i++) (codecs[i] as Codec<unknown>).encode(w, v[keys[i] as keyof typeof v]);
    },
    (r) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[keys[i] as string] = (codecs[i] as Codec<unknown>).decode(r);
      // Validated field by field above: the object has exactly the declared fields.
      return out as StructOf<F>;
    },
  );
}

/** One arm of a discriminated union: `{ type: discriminant, value }`. */
export type UnionOf<A extends Record<number, Codec<unknown>>> = {
  [K in keyof A]: { type: K extends `${infer N extends number}` ? N : K; value: Infer<A[K]> };
}[keyof A];

/** XDR `union switch (int type)`: a discriminant word selects one arm. Unknown discriminants are an error. */
export function union<A extends Record<number, Codec<unknown>>>(arms: A): Codec<UnionOf<A>> {
  // Discriminants are small non-negative numbers: an array lookup beats a Map on hot paths (typed params).
  const lookup: (Codec<unknown> | undefined)[] = [];
  for (const [k, c] of Object.entries(arms)) lookup[Number(k)] = c;
  const armOf = (type: number): Codec<unknown> | undefined =>
    type >= 0 && type < lookup.length ? lookup[type] : undefined;
  return codec(
    4,
    (w, v) => {
      const arm = armOf(Number(v.type));
      if (!arm) throw new XdrError(`union has no arm ${String(v.type)}`);
      w.int(Number(v.type));
      arm.encode(w, v.value);
    },
    (r) => {
      const type = r.int();
      const arm = armOf(type);
      if (!arm) throw new XdrError(`union has no arm ${type}`);
      // The arm codec matches the discriminant by construction of `lookup`.
      return { type, value: arm.decode(r) } as UnionOf<A>;
    },
  );
}

/** Maps a codec's value to another representation (e.g. a 16-byte UUID to its text form). */
export function transform<T, U>(inner: Codec<T>, to: (v: T) => U, from: (v: U) => T): Codec<U> {
  return codec(
    inner.minBytes,
    (w, v) => {
      inner.encode(w, from(v));
    },
    (r) => to(inner.decode(r)),
  );
}

/** Encodes one value to bytes. */
export function encode<T>(c: Codec<T>, v: T): Buffer {
  const w = new XdrWriter();
  c.encode(w, v);
  return w.toBuffer();
}

/** Decodes one value and requires that every byte was used. */
export function decode<T>(c: Codec<T>, bytes: Buffer): T {
  const r = new XdrReader(bytes);
  const v = c.decode(r);
  r.expectEnd();
  return v;
}
