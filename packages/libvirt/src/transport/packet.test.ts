import { describe, expect, it } from 'vitest';
import { isConnectionError } from '../errors.js';
import { MessageStatus, MessageType, Program } from '../protocol/constants.js';
import { encodePacket, MAX_PACKET_BYTES, PacketDecoder } from './packet.js';

const header = (serial: number) =>
  ({ prog: Program.Remote, proc: 66, type: MessageType.Call, serial, status: MessageStatus.Ok }) as const;

describe('encodePacket', () => {
  it('writes the AUTH_LIST call exactly as libvirt does (facts §1.8)', () => {
    expect(encodePacket(header(1)).toString('hex')).toBe(
      '0000001c200080860000000100000042000000000000000100000000',
    );
  });

  it('refuses packets over the 32 MiB limit', () => {
    expect(() => encodePacket(header(1), Buffer.alloc(MAX_PACKET_BYTES))).toThrow(RangeError);
  });
});

describe('PacketDecoder', () => {
  const packets = [
    encodePacket(header(1)),
    encodePacket(header(2), Buffer.from('abcdefgh')),
    encodePacket(header(3), Buffer.alloc(1000, 7)),
  ];
  const stream = Buffer.concat(packets);

  it('decodes a packet split into single bytes', () => {
    const d = new PacketDecoder();
    const out = [];
    for (const byte of stream) out.push(...d.push(Buffer.from([byte])));
    expect(out.map((p) => p.header.serial)).toEqual([1, 2, 3]);
    expect(out[1]?.body.toString()).toBe('abcdefgh');
    expect(out[2]?.body.equals(Buffer.alloc(1000, 7))).toBe(true);
    expect(d.pendingBytes).toBe(0);
  });

  it('decodes many packets from one chunk', () => {
    const d = new PacketDecoder();
    const out = d.push(Buffer.concat([stream, stream, stream]));
    expect(out.map((p) => p.header.serial)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });

  it('decodes packets split at every possible offset', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const d = new PacketDecoder();
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(out.map((p) => p.header.serial)).toEqual([1, 2, 3]);
    }
  });

  it('reads all header fields', () => {
    const d = new PacketDecoder();
    const [p] = d.push(
      encodePacket({
        prog: Program.Keepalive,
        proc: 2,
        type: MessageType.Message,
        serial: 0xfffffffe,
        status: MessageStatus.Error,
      }),
    );
    expect(p?.header).toEqual({
      prog: Program.Keepalive,
      vers: 1,
      proc: 2,
      type: 2,
      serial: 0xfffffffe,
      status: 1,
    });
  });

  it.each([
    ['shorter than a header', 27],
    ['zero', 0],
    ['over 32 MiB + 4', MAX_PACKET_BYTES + 1],
  ])('rejects a length word %s as a protocol error', (_, len) => {
    const d = new PacketDecoder();
    const word = Buffer.alloc(4);
    word.writeUInt32BE(len);
    let caught: unknown;
    try {
      d.push(word);
    } catch (err) {
      caught = err;
    }
    expect(isConnectionError(caught, 'protocol')).toBe(true);
  });

  it('accepts the largest legal length word and waits for the rest', () => {
    const d = new PacketDecoder();
    const word = Buffer.alloc(4);
    word.writeUInt32BE(MAX_PACKET_BYTES);
    expect(d.push(word)).toEqual([]);
    expect(d.pendingBytes).toBe(4);
  });
});
