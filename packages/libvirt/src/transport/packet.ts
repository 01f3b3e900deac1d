/**
 * Packet framing of libvirt RPC: a 4-byte big-endian length word that counts itself, a 24-byte header of six
 * XDR words, then the XDR body.
 */
import { LibvirtConnectionError } from '../errors.js';
import { MESSAGE_MAX_BYTES, PACKET_HEADER_BYTES, PROGRAM_VERSION } from '../protocol/constants.js';

/**
 * The six header words of a packet.
 *
 * @example
 * ```ts
 * const h: PacketHeader = { prog: Program.Remote, vers: 1, proc: 66, type: MessageType.Call, serial: 1, status: 0 };
 * ```
 * @see https://libvirt.org/kbase/internals/rpc.html
 */
export interface PacketHeader {
  readonly prog: number;
  readonly vers: number;
  /** Procedure number (int32). */
  readonly proc: number;
  /** A `MessageType` value. */
  readonly type: number;
  readonly serial: number;
  /** A `MessageStatus` value. */
  readonly status: number;
}

/**
 * One decoded packet: its header and its raw body.
 *
 * @example
 * ```ts
 * for (const { header, body } of decoder.push(chunk)) console.log(header.proc, body.length);
 * ```
 */
export interface Packet {
  readonly header: PacketHeader;
  readonly body: Buffer;
}

/**
 * Largest value of the length word libvirtd accepts or sends (the length word itself plus 32 MiB).
 *
 * @example
 * ```ts
 * if (packet.length > MAX_PACKET_BYTES) throw new RangeError('too big');
 * ```
 */
export const MAX_PACKET_BYTES = MESSAGE_MAX_BYTES + 4;

/**
 * Writes the length word and header into the first 28 bytes of `packet` (whose body is already in place).
 *
 * @example
 * ```ts
 * const packet = Buffer.alloc(28);
 * writeHeader(packet, { prog: Program.Keepalive, vers: 1, proc: 1, type: MessageType.Message, serial: 0, status: 0 });
 * ```
 */
export function writeHeader(packet: Buffer, h: Omit<PacketHeader, 'vers'> & { vers?: number }): void {
  if (packet.length > MAX_PACKET_BYTES) {
    throw new RangeError(
      `a packet of ${packet.length} bytes exceeds libvirt's limit of ${MAX_PACKET_BYTES} bytes`,
    );
  }
  packet.writeUInt32BE(packet.length, 0);
  packet.writeUInt32BE(h.prog >>> 0, 4);
  packet.writeUInt32BE(h.vers ?? PROGRAM_VERSION, 8);
  packet.writeInt32BE(h.proc, 12);
  packet.writeInt32BE(h.type, 16);
  packet.writeUInt32BE(h.serial >>> 0, 20);
  packet.writeInt32BE(h.status, 24);
}

/**
 * Builds a whole packet from a header and a body.
 *
 * @example
 * ```ts
 * const ping = encodePacket({ prog: Program.Keepalive, proc: 1, type: MessageType.Message, serial: 0, status: 0 });
 * socket.write(ping);
 * ```
 */
export function encodePacket(h: Omit<PacketHeader, 'vers'> & { vers?: number }, body?: Uint8Array): Buffer {
  const packet = Buffer.allocUnsafe(PACKET_HEADER_BYTES + (body?.length ?? 0));
  if (body) packet.set(body, PACKET_HEADER_BYTES);
  writeHeader(packet, h);
  return packet;
}

function parsePacket(bytes: Buffer): Packet {
  return {
    header: {
      prog: bytes.readUInt32BE(4),
      vers: bytes.readUInt32BE(8),
      proc: bytes.readInt32BE(12),
      type: bytes.readInt32BE(16),
      serial: bytes.readUInt32BE(20),
      status: bytes.readInt32BE(24),
    },
    body: bytes.subarray(PACKET_HEADER_BYTES),
  };
}

function checkLength(len: number): void {
  if (len < PACKET_HEADER_BYTES || len > MAX_PACKET_BYTES) {
    throw new LibvirtConnectionError(
      'protocol',
      `libvirt protocol error: libvirtd sent a packet length of ${len} bytes (valid: ${PACKET_HEADER_BYTES}..${MAX_PACKET_BYTES})`,
    );
  }
}

/**
 * Cuts a byte stream into packets. Chunks may split packets anywhere or hold many packets; each byte is copied at
 * most once per packet (chunks are concatenated only when a packet spans them).
 *
 * @example
 * ```ts
 * const decoder = new PacketDecoder();
 * socket.on('data', (chunk: Buffer) => { for (const p of decoder.push(chunk)) dispatch(p); });
 * ```
 */
export class PacketDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the packet at the head of the buffer, once its length word has arrived. */
  private expected = 0;

  /** Bytes received but not yet returned as packets. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds received bytes and returns the packets they complete.
   * @throws LibvirtConnectionError (reason `protocol`) on an impossible length word.
   */
  push(chunk: Buffer): Packet[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Packet[] = [];
    for (;;) {
      if (this.expected === 0) {
        if (this.buffered < 4) break;
        this.expected = this.peekLength();
        checkLength(this.expected);
      }
      if (this.buffered < this.expected) break;
      const whole =
        this.chunks.length === 1
          ? (this.chunks[0] ?? Buffer.alloc(0))
          : Buffer.concat(this.chunks, this.buffered);
      let off = 0;
      // Take every complete packet in `whole` without further copies.
      while (whole.length - off >= 4) {
        const len = whole.readUInt32BE(off);
        checkLength(len);
        if (whole.length - off < len) break;
        out.push(parsePacket(whole.subarray(off, off + len)));
        off += len;
      }
      const rest = whole.subarray(off);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.expected = 0;
    }
    return out;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first && first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks, this.buffered).readUInt32BE(0);
  }
}
