import { XdrError } from './errors.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `n` rounded up to a multiple of 4, in plain arithmetic: `(n + 3) & ~3` wraps for lengths of 2^31 and more. */
function padTo4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

/**
 * Reads XDR (RFC 4506) values from a buffer, checking every bound.
 *
 * @example
 * ```ts
 * const r = new XdrReader(body);
 * const count = r.uint();
 * r.expectEnd();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4506
 */
export class XdrReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new XdrError(`truncated XDR data: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  hyper(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  uhyper(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  fixedOpaque(size: number): Buffer {
    const padded = padTo4(size);
    this.need(padded);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + size));
    this.pos += padded;
    return out;
  }

  varOpaque(max = 0xffffffff): Buffer {
    const len = this.uint();
    if (len > max) throw new XdrError(`opaque length ${len} exceeds its maximum ${max}`);
    return this.fixedOpaque(len);
  }

  string(max = 0xffffffff): string {
    const len = this.uint();
    if (len > max) throw new XdrError(`string length ${len} exceeds its maximum ${max}`);
    const padded = padTo4(len);
    this.need(padded);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += padded;
    return s;
  }

  /** 16 raw bytes as a canonical lower-case 8-4-4-4-12 UUID, without intermediate buffers (hot in bulk listings). */
  uuid(): string {
    this.need(16);
    const b = this.buf;
    const p = this.pos;
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += HEX[b[p + i] ?? 0] ?? '00';
    }
    this.pos += 16;
    return s;
  }

  /** Reads a count and checks it against a maximum and against the bytes left (each element ≥ `minElementBytes`). */
  count(max: number, minElementBytes = 4): number {
    const n = this.uint();
    if (n > max) throw new XdrError(`array length ${n} exceeds its maximum ${max}`);
    if (n * minElementBytes > this.remaining) throw new XdrError(`array length ${n} exceeds the data left`);
    return n;
  }

  /** Throws unless every byte was consumed. */
  expectEnd(): void {
    if (this.pos !== this.buf.length) throw new XdrError(`${this.remaining} unexpected trailing bytes`);
  }
}
