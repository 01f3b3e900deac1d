import { describe, expect, it } from 'vitest';
import { detectImageFormat, FORMAT_PROBE_BYTES } from './image-format.js';

function qcow2Header(
  opts: { version?: number; backing?: bigint; size?: bigint; incompat?: bigint } = {},
): Buffer {
  const b = Buffer.alloc(FORMAT_PROBE_BYTES);
  b.writeUInt32BE(0x514649fb, 0);
  b.writeUInt32BE(opts.version ?? 3, 4);
  b.writeBigUInt64BE(opts.backing ?? 0n, 8);
  b.writeBigUInt64BE(opts.size ?? 64n * 1024n * 1024n, 24);
  b.writeBigUInt64BE(opts.incompat ?? 0n, 72);
  return b;
}

describe('detectImageFormat', () => {
  it('reads a qcow2 header and its virtual size', () => {
    expect(detectImageFormat(qcow2Header())).toEqual({
      format: 'qcow2',
      virtualSizeBytes: 67108864,
      problem: null,
    });
  });

  it('refuses qcow2 images that name a backing file (they could read host files)', () => {
    expect(detectImageFormat(qcow2Header({ backing: 512n })).problem).toMatch(/backing file/);
  });

  it('refuses qcow2 images with an external data file', () => {
    expect(detectImageFormat(qcow2Header({ incompat: 4n })).problem).toMatch(/data file/);
  });

  it('refuses unknown qcow2 versions', () => {
    expect(detectImageFormat(qcow2Header({ version: 9 })).problem).toMatch(/version 9/);
  });

  it('detects an ISO 9660 volume descriptor', () => {
    const b = Buffer.alloc(FORMAT_PROBE_BYTES);
    b.write('CD001', 0x8001, 'latin1');
    expect(detectImageFormat(b).format).toBe('iso');
  });

  it('treats anything else, including short input, as raw', () => {
    expect(detectImageFormat(Buffer.from('hello')).format).toBe('raw');
    expect(detectImageFormat(Buffer.alloc(0)).format).toBe('raw');
  });
});
