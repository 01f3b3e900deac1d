/**
 * A tiny raw libvirt client for the protocol layout checks (`src/protocol/*.int.test.ts`): framing, serials,
 * replies, raw stream packets and a log of event messages, on top of the procedure table's own codecs. It is
 * deliberately independent of the connection core (`LibvirtClient`), so that the table can be checked on its own.
 * Test-only: not part of the package build.
 */

import { createConnection, type Socket } from 'node:net';
import { expect } from 'vitest';
import { decode, encode, type Codec } from '../src/xdr/codec.js';
import { MessageStatus, MessageType, Program, PROGRAM_VERSION } from '../src/protocol/constants.js';
import { DomainEventId, NetworkEventId, StoragePoolEventId } from '../src/protocol/enums.js';
import { remoteEvents } from '../src/protocol/events.js';
import type { Procedure } from '../src/protocol/procedure.js';
import { remoteProcedures as rp } from '../src/protocol/remote.js';
import { RemoteError, type Dom, type Net, type Pool } from '../src/protocol/types.js';

export const LIBVIRT_SOCKET = '/var/run/libvirt/libvirt-sock';
/** The checks need the system daemon's read-write socket as root. */

export const KiB = 1024n;
export const MiB = 1024n * KiB;

/** A unique object name prefix for one test file. */
export function randomTag(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Awaits a clean-up step and ignores its failure. */
export async function quietly(p: Promise<unknown>): Promise<void> {
  await p.catch(() => undefined);
}

export class RawLibvirtError extends Error {
  constructor(readonly error: RemoteError) {
    super(error.message ?? `libvirt error ${error.code}`);
  }
}

export interface Packet {
  type: number;
  status: number;
  body: Buffer;
}

/**
 * Just enough of the wire protocol to make calls: framing, serials, replies, raw stream packets, and a log of
 * the REMOTE program's event messages. No keepalive (never enabled here).
 */
export class RawClient {
  /** Event messages received, in order: their procedure number and body. */
  readonly events: { proc: number; body: Buffer }[] = [];
  private buf = Buffer.alloc(0);
  private serial = 0;
  private readonly pending = new Map<number, { resolve: (p: Packet) => void; reject: (e: Error) => void }>();
  private readonly streams = new Map<number, { packets: Packet[]; wake: (() => void) | null }>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.onData(chunk);
    });
    socket.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('socket closed'));
      this.pending.clear();
    });
  }

  static async connect(path: string): Promise<RawClient> {
    const socket = createConnection(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 4 && this.buf.length >= this.buf.readUInt32BE(0)) {
      const len = this.buf.readUInt32BE(0);
      const prog = this.buf.readUInt32BE(4);
      const proc = this.buf.readInt32BE(12);
      const packet = {
        type: this.buf.readInt32BE(16),
        status: this.buf.readInt32BE(24),
        body: Buffer.from(this.buf.subarray(28, len)),
      };
      const serial = this.buf.readUInt32BE(20);
      this.buf = this.buf.subarray(len);
      const call = this.pending.get(serial);
      const stream = this.streams.get(serial);
      if (packet.type === MessageType.Message) {
        if (prog === Program.Remote) this.events.push({ proc, body: packet.body });
      } else if (packet.type === MessageType.Reply && call) {
        this.pending.delete(serial);
        call.resolve(packet);
      } else if (stream) {
        // Stream data, or a REPLY-typed error of a stream whose call already returned.
        stream.packets.push(packet);
        stream.wake?.();
      }
    }
  }

  private send(
    program: number,
    proc: number,
    type: number,
    serial: number,
    status: number,
    body: Buffer,
  ): void {
    const head = Buffer.alloc(28);
    head.writeUInt32BE(28 + body.length, 0);
    head.writeUInt32BE(program, 4);
    head.writeUInt32BE(PROGRAM_VERSION, 8);
    head.writeInt32BE(proc, 12);
    head.writeInt32BE(type, 16);
    head.writeUInt32BE(serial, 20);
    head.writeInt32BE(status, 24);
    this.socket.write(Buffer.concat([head, body]));
  }

  private async exchange<A, R>(p: Procedure<A, R>, args: A, serial: number): Promise<R> {
    const reply = new Promise<Packet>((resolve, reject) => {
      this.pending.set(serial, { resolve, reject });
    });
    this.send(p.program, p.number, MessageType.Call, serial, MessageStatus.Ok, encode(p.args, args));
    const { status, body } = await reply;
    if (status === MessageStatus.Error) throw new RawLibvirtError(decode(RemoteError, body));
    return decode(p.ret, body);
  }

  /** Calls a procedure of the table; rejects with RawLibvirtError on an error reply. */
  async call<A, R>(p: Procedure<A, R>, args: A): Promise<R> {
    return this.exchange(p, args, ++this.serial);
  }

  /** Calls a stream procedure and keeps its serial registered for the stream packets that follow. */
  async openStream<A, R>(p: Procedure<A, R>, args: A): Promise<{ ret: R; serial: number }> {
    const serial = ++this.serial;
    this.streams.set(serial, { packets: [], wake: null });
    try {
      return { ret: await this.exchange(p, args, serial), serial };
    } catch (err: unknown) {
      this.streams.delete(serial);
      throw err;
    }
  }

  /** The next packet of an open stream. */
  async nextStreamPacket(serial: number): Promise<Packet> {
    const s = this.streams.get(serial);
    if (!s) throw new Error(`no stream ${serial}`);
    while (s.packets.length === 0) {
      await new Promise<void>((resolve) => {
        s.wake = resolve;
      });
      s.wake = null;
    }
    const next = s.packets.shift();
    if (!next) throw new Error('unreachable');
    if (next.status === MessageStatus.Error) throw new RawLibvirtError(decode(RemoteError, next.body));
    return next;
  }

  /** Sends a stream packet (data: CONTINUE; end: OK; abort: ERROR with an empty body). */
  sendStream(p: Procedure<unknown, unknown>, serial: number, status: number, body = Buffer.alloc(0)): void {
    this.send(p.program, p.number, MessageType.Stream, serial, status, body);
  }

  /** Reads a server-to-client stream to its end and completes the finish handshake. */
  async readStream(p: Procedure<unknown, unknown>, serial: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (;;) {
      const pkt = await this.nextStreamPacket(serial);
      if (pkt.body.length > 0) {
        chunks.push(pkt.body);
        continue;
      }
      this.sendStream(p, serial, MessageStatus.Ok); // EOF: confirm, then wait for the daemon's OK
      expect(await this.nextStreamPacket(serial)).toMatchObject({
        type: MessageType.Stream,
        status: MessageStatus.Ok,
      });
      this.streams.delete(serial);
      return Buffer.concat(chunks);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The error code a call fails with (the test fails if it succeeds). */
export async function errorCode(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err: unknown) {
    if (err instanceof RawLibvirtError) return err.error.code;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** AUTH_LIST, CONNECT_OPEN qemu:///system. */
export async function openRawClient(): Promise<RawClient> {
  const c = await RawClient.connect(LIBVIRT_SOCKET);
  expect(await c.call(rp.authList, undefined)).toContain(0);
  await c.call(rp.connectOpen, { name: 'qemu:///system', flags: 0 });
  return c;
}

export interface Callbacks {
  domain: number[];
  network: number[];
  storagePool: number[];
}

/** Registers for every domain, network and storage pool event id, for all objects. */
export async function registerAllEvents(c: RawClient): Promise<Callbacks> {
  const cb: Callbacks = { domain: [], network: [], storagePool: [] };
  for (const eventID of Object.values(DomainEventId)) {
    cb.domain.push(await c.call(rp.connectDomainEventCallbackRegisterAny, { eventID, dom: null }));
  }
  for (const eventID of Object.values(NetworkEventId)) {
    cb.network.push(await c.call(rp.connectNetworkEventRegisterAny, { eventID, net: null }));
  }
  for (const eventID of Object.values(StoragePoolEventId)) {
    cb.storagePool.push(await c.call(rp.connectStoragePoolEventRegisterAny, { eventID, pool: null }));
  }
  return cb;
}

/** Deregisters everything {@link registerAllEvents} registered. */
export async function deregisterAllEvents(c: RawClient, cb: Callbacks): Promise<void> {
  for (const callbackID of cb.domain)
    await c.call(rp.connectDomainEventCallbackDeregisterAny, { callbackID });
  for (const callbackID of cb.network) await c.call(rp.connectNetworkEventDeregisterAny, { callbackID });
  for (const callbackID of cb.storagePool)
    await c.call(rp.connectStoragePoolEventDeregisterAny, { callbackID });
}

/**
 * Decodes every event message received so far with the event table (each must be a known message procedure,
 * consume its whole body and carry one of our callback ids) and lists those about objects named `tag…` as
 * `name:suffix[:event]`, e.g. `domainLifecycle::2` or `storagePoolLifecycle:-p:0`.
 */
function collectEvents(c: RawClient, cb: Callbacks, tag: string): string[] {
  const byProc = new Map(Object.values(remoteEvents).map((e) => [e.msgProc, e] as const));
  const ours = new Set([...cb.domain, ...cb.network, ...cb.storagePool]);
  const seen: string[] = [];
  for (const { proc, body } of c.events) {
    const e = byProc.get(proc);
    expect(e, `message procedure ${proc}`).toBeDefined();
    if (!e) continue;
    const msg = decode(e.body as Codec<unknown>, body) as {
      callbackID: number;
      dom?: Dom;
      net?: Net;
      pool?: Pool;
      event?: number;
    };
    expect(ours.has(msg.callbackID)).toBe(true);
    const name = msg.dom?.name ?? msg.net?.name ?? msg.pool?.name ?? '';
    if (!name.startsWith(tag)) continue; // other users' objects
    seen.push(`${e.name}:${name.slice(tag.length)}${msg.event === undefined ? '' : `:${msg.event}`}`);
  }
  return seen;
}

/**
 * The events received so far for objects named `tag…`, as `<event>:<name suffix>:<event code>`. Events may trail
 * the replies of the calls that caused them, so this waits (up to `timeoutMs`) until every `expected` one is in.
 */
export async function seenEvents(
  c: RawClient,
  cb: Callbacks,
  tag: string,
  expected: readonly string[] = [],
  timeoutMs = 10_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = collectEvents(c, cb, tag);
    if (expected.every((e) => seen.includes(e)) || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
