// Integration: a transient directory pool in a temp dir, volumes, and 8 MiB through upload/download streams.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient } from './client.js';
import { isLibvirtError } from './errors.js';
import type { Pool, Vol } from './protocol/types.js';
import { StreamHole } from './stream.js';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const id = `${process.pid}-${Date.now().toString(36)}`;
const poolName = `gureum-core-int-${id}`;

let client: LibvirtClient;
let dir: string;
let pool: Pool | undefined;

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

function volumeXml(name: string, capacity: number): string {
  return `<volume><name>${name}</name><capacity unit='bytes'>${capacity}</capacity><target><format type='raw'/></target></volume>`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gureum-core-int-pool-'));
  client = await LibvirtClient.connect('qemu:///system', { callTimeoutMs: 60_000 });
  pool = await client.storagePoolCreateXml({
    xml: `<pool type='dir'><name>${poolName}</name><target><path>${dir}</path></target></pool>`,
    flags: 0,
  });
});

afterAll(async () => {
  try {
    if (pool) {
      const { vols } = await client.storagePoolListAllVolumes({ pool, needResults: 1, flags: 0 });
      for (const vol of vols) await client.storageVolDelete({ vol, flags: 0 });
      await client.storagePoolDestroy({ pool });
    }
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('storage streams against libvirtd', () => {
  it('uploads 8 MiB of random data and downloads the same bytes', async () => {
    if (!pool) throw new Error('no pool');
    const data = randomBytes(8 * MiB);
    const vol: Vol = await client.storageVolCreateXml({
      pool,
      xml: volumeXml('data.img', data.length),
      flags: 0,
    });
    expect(vol.key).toBe(join(dir, 'data.img'));

    // A Readable with uneven chunk sizes, like a network source.
    const pieces: Buffer[] = [];
    for (let off = 0; off < data.length;) {
      const n = Math.min(data.length - off, 100_000 + Math.floor(Math.random() * 900_000));
      pieces.push(data.subarray(off, off + n));
      off += n;
    }
    await client.storageVolUpload(
      { vol, offset: 0n, length: BigInt(data.length), flags: 0 },
      Readable.from(pieces),
    );

    const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 });
    const back = await readAll(download);
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));

    const info = await client.storageVolGetInfo({ vol });
    expect(info.capacity).toBe(BigInt(data.length));
  });

  it('handles sparse uploads and downloads (holes skip, zeros come back)', async () => {
    if (!pool) throw new Error('no pool');
    const vol = await client.storageVolCreateXml({ pool, xml: volumeXml('sparse.img', 2 * MiB), flags: 0 });
    const head = Buffer.alloc(4096, 0x41);
    const tail = Buffer.alloc(4096, 0x42);
    await client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 1 }, [
      head,
      new StreamHole(2 * MiB - 8192),
      tail,
    ]);
    const back = await readAll(await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 1 }));
    expect(back.length).toBe(2 * MiB);
    expect(back.subarray(0, 4096).equals(head)).toBe(true);
    expect(back.subarray(2 * MiB - 4096).equals(tail)).toBe(true);
    expect(back.subarray(4096, 2 * MiB - 4096).every((b) => b === 0)).toBe(true);
  });

  it('reports a daemon-side stream failure as LibvirtError and keeps the connection', async () => {
    if (!pool) throw new Error('no pool');
    const vol = await client.storageVolCreateXml({ pool, xml: volumeXml('small.img', 64 * 1024), flags: 0 });
    // Sending more than the announced length fails on the daemon side ("No space left on device").
    const err = await client
      .storageVolUpload({ vol, offset: 0n, length: 64n * 1024n, flags: 0 }, [
        Buffer.alloc(64 * 1024),
        Buffer.alloc(1024 * 1024),
      ])
      .catch((e: unknown) => e);
    expect(isLibvirtError(err)).toBe(true);
    expect(err).toMatchObject({ procedure: 'storageVolUpload' });
    expect((err as Error).message).toMatch(/No space left/);
    expect(await client.connectGetLibVersion()).toBeGreaterThan(0n);
  });
});
