import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibvirtClient } from './client.js';
import { isConnectionError, isLibvirtError } from './errors.js';
import { ErrorNumber } from './protocol/error-numbers.js';
import { remoteProcedures } from './protocol/remote.js';
import type { Dom, Vol } from './protocol/types.js';
import { StreamHole } from './stream.js';
import { deferred, FakeLibvirtd, FakeLibvirtError, waitUntil, type FakeStream } from './testing/index.js';

const vol: Vol = { pool: 'images', name: 'disk.img', key: '/var/lib/images/disk.img' };
const dom: Dom = { name: 'web-1', uuid: '0f9d7b1e-3a52-4c1b-9f4e-6d2a8b7c5e01', id: 3 };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const KiB = 1024;
const MiB = 1024 * KiB;

let fake: FakeLibvirtd;
let client: LibvirtClient;

beforeEach(async () => {
  fake = await FakeLibvirtd.start();
  fake.handle(remoteProcedures.connectGetHostname, () => 'fakehost');
  client = await LibvirtClient.connect(fake.uri, { autoReconnect: false });
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Programs storageVolDownload to stream `produce`'s output; returns the fake side of the last stream. */
function serveDownload(produce: (stream: FakeStream) => Promise<void>): {
  current: () => FakeStream | undefined;
  done: Promise<void>;
} {
  let current: FakeStream | undefined;
  const done = deferred();
  fake.handle(remoteProcedures.storageVolDownload, (args, ctx) => {
    current = ctx.openStream({ sparse: (args.flags & 1) === 1 });
    produce(current).then(
      () => {
        done.resolve();
      },
      (err: unknown) => {
        done.reject(err);
      },
    );
  });
  return { current: () => current, done: done.promise };
}

describe('download (stream: read)', () => {
  it('delivers the data, and ends only after the finish handshake', async () => {
    const data = randomBytes(3 * MiB + 17);
    const server = serveDownload(async (s) => {
      for (let off = 0; off < data.length; off += 262_120) await s.write(data.subarray(off, off + 262_120));
      await s.end(); // empty CONTINUE, then waits for the client's OK, then sends OK
    });
    const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 });
    const received = await readAll(download);
    expect(sha(received)).toBe(sha(data));
    await server.done;
    expect(server.current()?.clientOutcome).toBe('finished');
    expect(await client.connectGetHostname()).toBe('fakehost'); // the connection is fine afterwards
  });

  it('exposes the opening call result (screenshot MIME type)', async () => {
    fake.handle(remoteProcedures.domainScreenshot, (_args, ctx) => {
      const s = ctx.openStream();
      void (async () => {
        await s.write(Buffer.from('\x89PNG....', 'latin1'));
        await s.end();
      })();
      return 'image/png';
    });
    const shot = await client.domainScreenshot({ dom, screen: 0, flags: 0 });
    expect(shot.reply).toBe('image/png');
    expect((await readAll(shot)).toString('latin1')).toBe('\x89PNG....');
  });

  it('applies back-pressure: a slow consumer stops the socket from being read', async () => {
    const chunk = 256 * KiB;
    const total = 64;
    let written = 0;
    const server = serveDownload(async (s) => {
      for (let i = 0; i < total; i++) {
        await s.write(Buffer.alloc(chunk, i));
        written++;
      }
      await s.end();
    });
    const download = await client.storageVolDownload(
      { vol, offset: 0n, length: 0n, flags: 0 },
      { highWaterMark: 512 * KiB },
    );
    await new Promise((r) => setTimeout(r, 300));
    // The daemon side could not push 16 MiB: the client buffered about its high-water mark and stopped reading.
    expect(written).toBeLessThan(total / 2);
    expect(download.readableLength).toBeLessThanOrEqual(512 * KiB + chunk);
    // Other traffic waits while paused, then flows again once the consumer reads.
    const received = await readAll(download);
    expect(received.length).toBe(total * chunk);
    for (let i = 0; i < total; i++) expect(received[i * chunk]).toBe(i);
    await server.done;
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('turns holes of a sparse download into zeros', async () => {
    serveDownload(async (s) => {
      await s.write(Buffer.from('head'));
      await s.hole(BigInt(3 * MiB + 5));
      await s.write(Buffer.from('tail'));
      await s.end();
    });
    const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 1 });
    const received = await readAll(download);
    expect(received.length).toBe(4 + 3 * MiB + 5 + 4);
    expect(received.subarray(0, 4).toString()).toBe('head');
    expect(received.subarray(4, 4 + 3 * MiB + 5).every((b) => b === 0)).toBe(true);
    expect(received.subarray(-4).toString()).toBe('tail');
  });

  it('aborts the daemon stream when destroyed early, and the connection stays usable', async () => {
    const server = serveDownload(async (s) => {
      for (let i = 0; i < 1000 && !s.clientOutcome; i++) await s.write(Buffer.alloc(64 * KiB, 1));
    });
    const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 });
    for await (const chunk of download) {
      expect((chunk as Buffer).length).toBeGreaterThan(0);
      break; // destroys the stream
    }
    await server.done;
    await waitUntil(() => server.current()?.clientOutcome === 'aborted');
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('fails with the daemon error sent as STREAM/ERROR', async () => {
    serveDownload(async (s) => {
      await s.write(Buffer.from('partial'));
      await s.fail(new FakeLibvirtError(ErrorNumber.SystemError, 'cannot read /dev/sdz: I/O error', 18));
    });
    const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 });
    const err = await readAll(download).catch((e: unknown) => e);
    expect(isLibvirtError(err, ErrorNumber.SystemError)).toBe(true);
    expect((err as Error).message).toMatch(/I\/O error/);
  });

  it('rejects when the opening call fails', async () => {
    fake.handle(remoteProcedures.storageVolDownload, () => {
      throw new FakeLibvirtError(ErrorNumber.NoStorageVol, 'Storage volume not found');
    });
    const err = await client
      .storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 })
      .catch((e: unknown) => e);
    expect(isLibvirtError(err, ErrorNumber.NoStorageVol)).toBe(true);
  });

  it('aborts the daemon stream of a call abandoned before its reply', async () => {
    const gate = deferred();
    let fakeSide: FakeStream | undefined;
    fake.handle(remoteProcedures.storageVolDownload, async (_args, ctx) => {
      await gate.promise;
      fakeSide = ctx.openStream();
      const s = fakeSide;
      void (async () => {
        for (let i = 0; i < 100 && !s.clientOutcome; i++) await s.write(Buffer.alloc(16 * KiB));
      })();
    });
    const ac = new AbortController();
    const pending = client.storageVolDownload(
      { vol, offset: 0n, length: 0n, flags: 0 },
      { signal: ac.signal },
    );
    await waitUntil(() => fake.callsTo(remoteProcedures.storageVolDownload).length === 1);
    ac.abort();
    expect(isConnectionError(await pending.catch((e: unknown) => e), 'aborted')).toBe(true);
    gate.resolve();
    await waitUntil(() => fakeSide?.clientOutcome === 'aborted');
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('errors the stream when the connection is lost', async () => {
    serveDownload(async (s) => {
      await s.write(Buffer.from('x'));
      s.connection.destroy();
    });
    const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 });
    expect(isConnectionError(await readAll(download).catch((e: unknown) => e), 'closed')).toBe(true);
  });
});

function serveUpload(
  options: { sparse?: boolean; setup?: (s: FakeStream) => void } = {},
): Promise<FakeStream> {
  const opened = deferred<FakeStream>();
  fake.handle(remoteProcedures.storageVolUpload, (args, ctx) => {
    const s = ctx.openStream({ sparse: options.sparse ?? (args.flags & 1) === 1 });
    options.setup?.(s);
    opened.resolve(s);
  });
  return opened.promise;
}

describe('upload (stream: write)', () => {
  it('sends the source in chunks and resolves after the daemon confirmed the finish', async () => {
    const opened = serveUpload();
    const data = randomBytes(2 * MiB + 3);
    await client.storageVolUpload(
      { vol, offset: 0n, length: 0n, flags: 0 },
      Readable.from([data.subarray(0, MiB), data.subarray(MiB)]),
    );
    const s = await opened;
    expect(s.clientOutcome).toBe('finished');
    expect(sha(s.data())).toBe(sha(data));
    expect(s.items.every((i) => Buffer.isBuffer(i) && i.length <= 256 * KiB && i.length > 0)).toBe(true);
  });

  it('accepts plain bytes and small chunk sizes; never sends empty data packets', async () => {
    const opened = serveUpload();
    await client.storageVolUpload(
      { vol, offset: 0n, length: 0n, flags: 0 },
      [Buffer.alloc(0), Buffer.from('abc'), new Uint8Array(0)],
      { chunkBytes: 2 },
    );
    const s = await opened;
    expect(s.items.map((i) => (Buffer.isBuffer(i) ? i.toString() : 'hole'))).toEqual(['ab', 'c']);
    const opened2 = serveUpload();
    await client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 0 }, Buffer.from('whole'));
    expect((await opened2).data().toString()).toBe('whole');
  });

  it('waits for the socket to drain: a slow daemon slows the source down', async () => {
    const opened = serveUpload({
      setup: (s) => {
        s.connection.pauseReading();
      },
    });
    let pulled = 0;
    function* source(): Generator<Uint8Array> {
      for (let i = 0; i < 64; i++) {
        pulled++;
        yield Buffer.alloc(256 * KiB, i);
      }
    }
    const upload = client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 0 }, source());
    const s = await opened;
    await new Promise((r) => setTimeout(r, 300));
    expect(pulled).toBeLessThan(32); // not the whole 16 MiB: the client waited for 'drain'
    s.connection.resumeReading();
    await upload;
    expect(pulled).toBe(64);
    expect(s.receivedBytes).toBe(64 * 256 * KiB);
  });

  it('fails with the REPLY-typed error libvirtd sends for write-side failures (§5.3)', async () => {
    const opened = serveUpload();
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.alloc(64 * KiB, 1);
        await new Promise((r) => setImmediate(r));
      }
    }
    const upload = client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 0 }, source());
    const s = await opened;
    await s.untilReceived(256 * KiB);
    await s.failAsReply(
      new FakeLibvirtError(ErrorNumber.SystemError, 'write failed: No space left on device', 18),
    );
    const err = await upload.catch((e: unknown) => e);
    expect(isLibvirtError(err, ErrorNumber.SystemError)).toBe(true);
    expect((err as Error).message).toMatch(/No space/);
    expect(pulled).toBeLessThan(1000);
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('fails when the daemon rejects the finish', async () => {
    void serveUpload({
      setup: (s) => {
        s.failFinishWith(new FakeLibvirtError(ErrorNumber.SystemError, 'fsync failed', 18));
      },
    });
    const err = await client
      .storageVolUpload({ vol, offset: 0n, length: 0n, flags: 0 }, [Buffer.from('x')])
      .catch((e: unknown) => e);
    expect(isLibvirtError(err, ErrorNumber.SystemError)).toBe(true);
  });

  it('aborts the daemon stream when the signal fires', async () => {
    const opened = serveUpload();
    const ac = new AbortController();
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        yield Buffer.alloc(16 * KiB);
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    const upload = client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 0 }, endless(), {
      signal: ac.signal,
    });
    const s = await opened;
    await s.untilReceived(64 * KiB);
    ac.abort();
    expect(isConnectionError(await upload.catch((e: unknown) => e), 'aborted')).toBe(true);
    await waitUntil(() => s.clientOutcome === 'aborted');
  });

  it('aborts the daemon stream when the source fails, and rejects with its error', async () => {
    const opened = serveUpload();
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('some');
      await new Promise((r) => setImmediate(r));
      throw new Error('disk read error');
    }
    await expect(
      client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 0 }, broken()),
    ).rejects.toThrow('disk read error');
    const s = await opened;
    await waitUntil(() => s.clientOutcome === 'aborted');
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('sends holes only on sparse uploads', async () => {
    const opened = serveUpload();
    await client.storageVolUpload({ vol, offset: 0n, length: 0n, flags: 1 }, [
      Buffer.from('A'),
      new StreamHole(4096),
      Buffer.from('B'),
    ]);
    expect((await opened).items).toEqual([Buffer.from('A'), { hole: 4096n }, Buffer.from('B')]);

    const opened2 = serveUpload();
    const err = await client
      .storageVolUpload({ vol, offset: 0n, length: 0n, flags: 0 }, [Buffer.from('A'), new StreamHole(4096)])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/sparse/);
    const s2 = await opened2;
    await waitUntil(() => s2.clientOutcome === 'aborted');
    expect(await client.connectGetHostname()).toBe('fakehost'); // the daemon did not drop us
  });
});

describe('console (stream: both)', () => {
  it('writes and reads, and finishes with the handshake on end()', async () => {
    let fakeSide: FakeStream | undefined;
    fake.handle(remoteProcedures.domainOpenConsole, (_args, ctx) => {
      fakeSide = ctx.openStream();
      void fakeSide.write(Buffer.from('login: '));
    });
    const tty = await client.domainOpenConsole({ dom, devName: null, flags: 0 });
    const output: Buffer[] = [];
    tty.on('data', (c: Buffer) => output.push(c));
    await waitUntil(() => Buffer.concat(output).toString() === 'login: ');
    tty.write('root\n');
    await waitUntil(() => fakeSide?.data().toString() === 'root\n');
    const finished = new Promise((resolve) => tty.on('finish', resolve));
    const ended = new Promise((resolve) => tty.on('end', resolve));
    tty.end();
    await finished;
    await ended;
    expect(fakeSide?.clientOutcome).toBe('finished');
  });

  it('ends when the daemon ends the console (domain stopped)', async () => {
    fake.handle(remoteProcedures.domainOpenConsole, (_args, ctx) => {
      const s = ctx.openStream();
      void (async () => {
        await s.write(Buffer.from('bye'));
        await s.end();
      })();
    });
    const tty = await client.domainOpenConsole({ dom, devName: null, flags: 0 });
    const output: Buffer[] = [];
    tty.on('data', (c: Buffer) => output.push(c));
    await new Promise((resolve) => tty.on('end', resolve));
    expect(Buffer.concat(output).toString()).toBe('bye');
    const emitted = new Promise<Error>((resolve) => tty.once('error', resolve));
    tty.write('late');
    expect((await emitted).message).toMatch(/finished/);
  });
});
