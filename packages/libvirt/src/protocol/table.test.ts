/**
 * Walks the whole procedure and event tables: numbering, and for every args/ret/body codec a round trip of
 * generated sample values plus decoder robustness (truncation, corrupted bytes, random bytes).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { decode, encode, type Codec } from '../xdr/codec.js';
import { XdrError } from '../xdr/errors.js';
import { XdrReader } from '../xdr/reader.js';
import { Program } from './constants.js';
import { DomainEventId, NetworkEventId, StoragePoolEventId } from './enums.js';
import { remoteEvents, type EventMessage } from './events.js';
import type { ArgsOf, Procedure, RetOf } from './procedure.js';
import { remoteProcedures, type RemoteProcedures } from './remote.js';
import type { Dom, Snap } from './types.js';

/**
 * Generates a sample value of any codec by decoding from this reader, which makes up each primitive instead of
 * reading it. Its answers are valid in every context they can appear in: `int` cycles through 1..7 (valid typed
 * parameter discriminants), `uint` alternates 1/0 (valid optional flags and booleans), counts are small.
 */
class SampleReader extends XdrReader {
  private n: number;

  constructor(seed: number) {
    super(Buffer.alloc(0));
    this.n = seed;
  }

  private next(): number {
    return this.n++;
  }

  override int(): number {
    return (this.next() % 7) + 1;
  }
  override uint(): number {
    return this.next() % 2 === 0 ? 1 : 0;
  }
  override bool(): boolean {
    return this.uint() === 1;
  }
  override hyper(): bigint {
    return [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n][this.next() % 4] ?? 0n;
  }
  override uhyper(): bigint {
    return [0n, 2n ** 64n - 1n, 4941600n][this.next() % 3] ?? 0n;
  }
  override double(): number {
    return [1.5, -0.25, 1e300][this.next() % 3] ?? 0;
  }
  override string(max = 0xffffffff): string {
    const s = ['', 'a', 'qemu:///system', 'ünïcødé-✓', 'x'.repeat(81)][this.next() % 5] ?? '';
    return Buffer.byteLength(s) <= max ? s : s.slice(0, Math.min(max, 8));
  }
  override fixedOpaque(size: number): Buffer {
    const seed = this.next();
    return Buffer.from(Array.from({ length: size }, (_, i) => (seed * 31 + i * 7) & 0xff));
  }
  override uuid(): string {
    const h = this.fixedOpaque(16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  override varOpaque(max = 0xffffffff): Buffer {
    return this.fixedOpaque(Math.min(this.next() % 6, max));
  }
  override count(max: number): number {
    return Math.min((this.next() % 3) + 1, max);
  }
  override expectEnd(): void {
    // Nothing to check: no bytes were read.
  }
}

function sampleOf<T>(c: Codec<T>, seed: number): T {
  return c.decode(new SampleReader(seed));
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function randomBytes(seed: number, length: number): Buffer {
  let x = seed | 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Decoding must either succeed or throw XdrError: never another error, never hang. */
function decodesOrXdrError<T>(c: Codec<T>, bytes: Buffer): void {
  try {
    decode(c, bytes);
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(XdrError);
  }
}

const procedures = Object.entries(remoteProcedures) as [string, Procedure<unknown, unknown>][];
const events = Object.entries(remoteEvents) as [string, EventMessage<string, unknown>][];
const codecs: [string, Codec<unknown>][] = [
  ...procedures.flatMap(([name, p]): [string, Codec<unknown>][] => [
    [`${name}.args`, p.args],
    [`${name}.ret`, p.ret],
  ]),
  ...events.map(([name, e]): [string, Codec<unknown>] => [`${name}.body`, e.body]),
];

describe('procedure table', () => {
  it('has the procedures the product needs', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(110);
  });

  it('uses each procedure number once per program', () => {
    const seen = new Map<string, string>();
    for (const [name, p] of procedures) {
      const key = `${p.program}:${p.number}`;
      expect(seen.get(key), `${name} reuses ${key}`).toBeUndefined();
      seen.set(key, name);
      expect(Number.isInteger(p.number) && p.number > 0).toBe(true);
      expect([Program.Remote, Program.Qemu]).toContain(p.program);
    }
  });

  it('marks exactly the stream procedures with their direction', () => {
    const streams = Object.fromEntries(procedures.filter(([, p]) => p.stream).map(([n, p]) => [n, p.stream]));
    expect(streams).toEqual({
      domainOpenConsole: 'both',
      domainScreenshot: 'read',
      storageVolUpload: 'write',
      storageVolDownload: 'read',
    });
  });

  it('keeps precise argument and result types through the spread table', () => {
    type P = RemoteProcedures;
    expectTypeOf<ArgsOf<P['domainShutdownFlags']>>().toEqualTypeOf<{ dom: Dom; flags: number }>();
    expectTypeOf<RetOf<P['domainShutdownFlags']>>().toBeVoid();
    expectTypeOf<RetOf<P['domainIsActive']>>().toEqualTypeOf<boolean>();
    expectTypeOf<RetOf<P['connectGetLibVersion']>>().toEqualTypeOf<bigint>();
    expectTypeOf<RetOf<P['connectListAllDomains']>>().toEqualTypeOf<{ domains: Dom[]; ret: number }>();
    expectTypeOf<RetOf<P['domainListAllSnapshots']>>().toEqualTypeOf<{ snapshots: Snap[]; ret: number }>();
    expectTypeOf<RetOf<P['domainScreenshot']>>().toEqualTypeOf<string | null>();
    expectTypeOf<ArgsOf<P['storageVolUpload']>['length']>().toEqualTypeOf<bigint>();
  });

  it('calls the guest agent through the QEMU program', () => {
    expect(remoteProcedures.qemuDomainAgentCommand.program).toBe(Program.Qemu);
    expect(remoteProcedures.qemuDomainAgentCommand.number).toBe(3);
  });
});

describe('event table', () => {
  it('names each entry by its key and uses each message procedure once', () => {
    const procs = new Set<number>();
    for (const [key, e] of events) {
      expect(e.name).toBe(key);
      expect(procs.has(e.msgProc), `${key} reuses ${e.msgProc}`).toBe(false);
      procs.add(e.msgProc);
    }
  });

  it('uses each (object, eventId) once, with the ids of the enums', () => {
    const ids: Record<string, Record<string, number>> = {
      domain: DomainEventId,
      network: NetworkEventId,
      storagePool: StoragePoolEventId,
    };
    const seen = new Set<string>();
    for (const [key, e] of events) {
      const idName = key.slice(e.object.length);
      expect(ids[e.object]?.[idName], key).toBe(e.eventId);
      expect(seen.has(`${e.object}:${e.eventId}`)).toBe(false);
      seen.add(`${e.object}:${e.eventId}`);
    }
  });

  it('covers every domain event id of libvirt 9.0.0', () => {
    const domainIds = events.filter(([, e]) => e.object === 'domain').map(([, e]) => e.eventId);
    expect(domainIds.sort((a, b) => a - b)).toEqual(Object.values(DomainEventId));
  });

  it('starts every body with the callback id', () => {
    for (const [key, e] of events) {
      const body = encode(e.body, sampleOf(e.body, 3));
      const msg = decode(e.body, body) as { callbackID: unknown };
      expect(msg.callbackID, key).toBe(body.readInt32BE(0));
    }
  });
});

describe.each(codecs)('%s', (_name, c) => {
  const samples = [0, 1, 2, 5].map((seed) => sampleOf(c, seed));

  it('round-trips generated samples', () => {
    for (const s of samples) {
      const bytes = encode(c, s);
      expect(bytes.length % 4).toBe(0);
      expect(bytes.length).toBeGreaterThanOrEqual(c.minBytes);
      expect(decode(c, bytes)).toEqual(s);
    }
  });

  it('throws XdrError for every truncation', () => {
    for (const s of samples) {
      const bytes = encode(c, s);
      for (let len = 0; len < bytes.length; len += 4) {
        expect(() => decode(c, bytes.subarray(0, len))).toThrow(XdrError);
      }
      if (bytes.length > 0) expect(() => decode(c, bytes.subarray(0, bytes.length - 1))).toThrow(XdrError);
    }
  });

  it('rejects trailing bytes', () => {
    expect(() => decode(c, Buffer.concat([encode(c, samples[0]), Buffer.alloc(4)]))).toThrow(XdrError);
  });

  it('survives corrupted words and random bytes', () => {
    const bytes = encode(c, samples[1]);
    for (let i = 0; i + 4 <= bytes.length; i += 4) {
      for (const word of [0xffffffff, 0x7fffffff, 0x00000002, 0x80000000]) {
        const bad = Buffer.from(bytes);
        bad.writeUInt32BE(word, i);
        decodesOrXdrError(c, bad);
      }
    }
    for (let seed = 1; seed <= 40; seed++) decodesOrXdrError(c, randomBytes(seed, (seed * 13) % 200));
  });
});
