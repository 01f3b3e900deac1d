import { XdrError } from './errors.js';

/**
 * Appends XDR (RFC 4506) values to a growable big-endian buffer.
 *
 * @example
 * ```ts
 * const w = new XdrWriter();
 * w.uint(1); w.string('qemu:///system');
 * const bytes = w.toBuffer();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4506
 */
export class XdrWriter {
  private buf: Buffer;
  private pos: number;

  constructor(initialSize = 256, reserve = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(initialSize, reserve));
    this.pos = reserve;
  }

  /** Number of bytes written so far (including any reserved prefix). */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new XdrError(`not an int32: ${v}`);
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new XdrError(`not a uint32: ${v}`);
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  hyper(v: bigint): void {
    if (v < -(1n << 63n) || v >= 1n << 63n) throw new XdrError(`not an int64: ${v}`);
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  uhyper(v: bigint): void {
    if (v < 0n || v >= 1n << 64n) throw new XdrError(`not a uint64: ${v}`);
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.uint(v ? 1 : 0);
  }

  /** Raw bytes plus zero padding to a multiple of 4, no length prefix. */
  fixedOpaque(bytes: Uint8Array, size: number): void {
    if (bytes.length !== size) throw new XdrError(`fixed opaque needs ${size} bytes, got ${bytes.length}`);
    this.raw(bytes);
  }

  /** Length-prefixed bytes plus padding. */
  varOpaque(bytes: Uint8Array, max = 0xffffffff): void {
    if (bytes.length > max) throw new XdrError(`opaque of ${bytes.length} bytes exceeds its maximum ${max}`);
    this.uint(bytes.length);
    this.raw(bytes);
  }

  /** Length-prefixed UTF-8 bytes plus padding. */
  string(s: string, max = 0xffffffff): void {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > max) throw new XdrError(`string of ${bytes.length} bytes exceeds its maximum ${max}`);
    this.varOpaque(bytes);
  }

  private raw(bytes: Uint8Array): void {
    const padded = (bytes.length + 3) & ~3;
    this.ensure(padded);
    this.buf.set(bytes, this.pos);
    this.buf.fill(0, this.pos + bytes.length, this.pos + padded);
    this.pos += padded;
  }

  /** Overwrites a uint32 at an absolute offset (used for length prefixes written last). */
  patchUint(offset: number, v: number): void {
    this.buf.writeUInt32BE(v, offset);
  }

  /** A view of the written bytes (not a copy). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
