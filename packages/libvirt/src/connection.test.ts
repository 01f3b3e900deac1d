import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibvirtClient } from './client.js';
import { Connection } from './connection.js';
import { isConnectionError, isLibvirtError, LibvirtConnectionError } from './errors.js';
import { MessageStatus, MessageType, Program } from './protocol/constants.js';
import { proc } from './protocol/procedure.js';
import { remoteProcedures } from './protocol/remote.js';
import { FakeLibvirtd, FakeLibvirtError, waitUntil } from './testing/index.js';
import { dialUnix } from './transport/dial.js';
import { encodePacket, PacketDecoder, type Packet } from './transport/packet.js';
import { encode, int, string, struct, uint, xvoid } from './xdr/codec.js';

const getHostname = proc(59, xvoid, string);
const getState = proc(212, xvoid, struct({ state: int, reason: int }));

/** A raw peer: the test writes whatever bytes it wants and sees the packets the client sends. */
interface RawPeer {
  readonly socket: Socket;
  readonly received: Packet[];
}

let dir: string;
let server: Server;
let peers: RawPeer[];
let conn: Connection | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conn-test-'));
  peers = [];
  server = createServer((socket) => {
    const decoder = new PacketDecoder();
    const peer: RawPeer = { socket, received: [] };
    socket.on('data', (chunk: Buffer) => peer.received.push(...decoder.push(chunk)));
    socket.on('error', () => undefined);
    peers.push(peer);
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
});

afterEach(async () => {
  conn?.destroy(new LibvirtConnectionError('closed', 'test over'));
  conn = undefined;
  for (const p of peers) p.socket.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<{ conn: Connection; peer: RawPeer; closed: Promise<Error> }> {
  let onClose: (err: Error) => void = () => undefined;
  const closed = new Promise<Error>((resolve) => (onClose = resolve));
  const c = new Connection(await dialUnix(join(dir, 'sock'), AbortSignal.timeout(1000)), { onClose });
  conn = c;
  await waitUntil(() => peers.length === 1);
  const peer = peers[0];
  if (!peer) throw new Error('no peer');
  return { conn: c, peer, closed };
}

function reply(call: Packet, body: Uint8Array, status: number = MessageStatus.Ok): Buffer {
  return encodePacket(
    {
      prog: call.header.prog,
      proc: call.header.proc,
      type: MessageType.Reply,
      serial: call.header.serial,
      status,
    },
    body,
  );
}

describe('Connection framing', () => {
  it('decodes replies split into single bytes and many replies in one chunk, out of order', async () => {
    const { conn: c, peer } = await open();
    const results = [
      c.call(getHostname, undefined),
      c.call(getHostname, undefined),
      c.call(getHostname, undefined),
    ];
    await waitUntil(() => peer.received.length === 3);
    const [a, b, d] = peer.received;
    if (!a || !b || !d) throw new Error('missing calls');
    expect(new Set([a.header.serial, b.header.serial, d.header.serial]).size).toBe(3);
    // Reply to the third call byte by byte, then to the first two in one chunk (second first).
    const third = reply(d, encode(string, 'third'));
    for (const byte of third) {
      peer.socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    peer.socket.write(Buffer.concat([reply(b, encode(string, 'second')), reply(a, encode(string, 'first'))]));
    expect(await Promise.all(results)).toEqual(['first', 'second', 'third']);
  });

  it('answers a PING with a PONG at once, and PONGs do not disturb calls', async () => {
    const { conn: c, peer } = await open();
    const ping = encodePacket({
      prog: Program.Keepalive,
      proc: 1,
      type: MessageType.Message,
      serial: 0,
      status: 0,
    });
    const pending = c.call(getHostname, undefined);
    await waitUntil(() => peer.received.length === 1);
    peer.socket.write(ping);
    await waitUntil(() => peer.received.length === 2);
    expect(peer.received[1]?.header).toMatchObject({
      prog: Program.Keepalive,
      proc: 2,
      type: MessageType.Message,
      serial: 0,
    });
    const call = peer.received[0];
    if (!call) throw new Error('no call');
    peer.socket.write(reply(call, encode(string, 'ok')));
    expect(await pending).toBe('ok');
  });

  it('ignores replies nobody waits for and events without a listener', async () => {
    const { conn: c, peer } = await open();
    peer.socket.write(
      encodePacket({ prog: Program.Remote, proc: 59, type: MessageType.Reply, serial: 777, status: 0 }),
    );
    peer.socket.write(
      encodePacket(
        { prog: Program.Remote, proc: 318, type: MessageType.Message, serial: 1, status: 0 },
        Buffer.alloc(8),
      ),
    );
    const pending = c.call(getHostname, undefined);
    await waitUntil(() => peer.received.length === 1);
    const call = peer.received[0];
    if (!call) throw new Error('no call');
    peer.socket.write(reply(call, encode(string, 'fine')));
    expect(await pending).toBe('fine');
  });

  it('decodes a remote_error reply into a LibvirtError', async () => {
    const { conn: c, peer } = await open();
    const pending = c.call(getHostname, undefined, {}, 'connectGetHostname');
    await waitUntil(() => peer.received.length === 1);
    const call = peer.received[0];
    if (!call) throw new Error('no call');
    peer.socket.write(reply(call, new FakeLibvirtError(38, 'boom', 7).encode(), MessageStatus.Error));
    const err = await pending.catch((e: unknown) => e);
    expect(isLibvirtError(err, 38)).toBe(true);
    expect(err).toMatchObject({ domain: 7, message: 'boom', procedure: 'connectGetHostname' });
  });

  const malformed: [string, (call: Packet) => Buffer][] = [
    ['a length word below 28', () => Buffer.from([0, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8])],
    ['a length word over 32 MiB + 4', () => Buffer.from([0x02, 0x00, 0x00, 0x05])],
    ['an undecodable reply body', (call) => reply(call, Buffer.from([0, 0, 0]))],
    [
      'a reply body with trailing bytes',
      (call) => reply(call, Buffer.concat([encode(getState.ret, { state: 1, reason: 1 }), Buffer.alloc(4)])),
    ],
    ['an undecodable error body', (call) => reply(call, Buffer.from([0, 0, 0, 1]), MessageStatus.Error)],
    [
      'a reply naming another procedure',
      (call) =>
        encodePacket({
          prog: Program.Remote,
          proc: 1,
          type: MessageType.Reply,
          serial: call.header.serial,
          status: 0,
        }),
    ],
    [
      'an unknown packet type',
      (call) =>
        encodePacket({ prog: Program.Remote, proc: 212, type: 9, serial: call.header.serial, status: 0 }),
    ],
    [
      'a wrong program version',
      (call) =>
        encodePacket({
          prog: Program.Remote,
          vers: 2,
          proc: 212,
          type: 1,
          serial: call.header.serial,
          status: 0,
        }),
    ],
  ];

  it.each(malformed)(
    'closes the connection with a protocol error on %s, failing pending calls',
    async (_, bytes) => {
      const { conn: c, peer, closed } = await open();
      const pending = c.call(getState, undefined);
      const other = c.call(getHostname, undefined);
      await waitUntil(() => peer.received.length === 2);
      const call = peer.received[0];
      if (!call) throw new Error('no call');
      peer.socket.write(bytes(call));
      const [err, otherErr, closeErr] = await Promise.all([
        pending.catch((e: unknown) => e),
        other.catch((e: unknown) => e),
        closed,
      ]);
      expect(isConnectionError(err, 'protocol')).toBe(true);
      expect(isConnectionError(otherErr, 'protocol')).toBe(true);
      expect(isConnectionError(closeErr, 'protocol')).toBe(true);
      expect(closeErr.message).toMatch(/protocol error/);
      await waitUntil(() => peer.socket.destroyed || peer.socket.readableEnded, 1000, 'the socket to close');
      expect(isConnectionError(await c.call(getHostname, undefined).catch((e: unknown) => e), 'closed')).toBe(
        true,
      );
    },
  );

  it('refuses to send a call over 32 MiB without closing the connection', async () => {
    const { conn: c, peer } = await open();
    const big = proc(350, struct({ xml: string, flags: uint }), xvoid);
    await expect(c.call(big, { xml: 'x'.repeat(33 * 1024 * 1024), flags: 0 })).rejects.toThrow();
    const pending = c.call(getHostname, undefined);
    await waitUntil(() => peer.received.length === 1);
    const call = peer.received[0];
    if (!call) throw new Error('no call');
    peer.socket.write(reply(call, encode(string, 'still fine')));
    expect(await pending).toBe('still fine');
  });

  it('wraps serial numbers around without reusing one in flight', async () => {
    const { conn: c, peer } = await open();
    Reflect.set(c, 'nextSerial', 0xffffffff);
    const calls = [c.call(getHostname, undefined), c.call(getHostname, undefined)];
    await waitUntil(() => peer.received.length === 2);
    expect(peer.received.map((p) => p.header.serial)).toEqual([0xffffffff, 1]);
    for (const p of peer.received) peer.socket.write(reply(p, encode(string, String(p.header.serial))));
    expect(await Promise.all(calls)).toEqual(['4294967295', '1']);
  });
});

describe('keepalive', () => {
  let fake: FakeLibvirtd;
  afterEach(async () => {
    await fake.close();
  });

  it('enables the daemon PINGs with feature 10 and answers every PING', async () => {
    fake = await FakeLibvirtd.start({ keepaliveIntervalMs: 20 });
    const client = await LibvirtClient.connect(fake.uri, { autoReconnect: false });
    const peer = await fake.waitForConnection(true);
    await waitUntil(() => peer.pongsReceived >= 3, 2000, 'three PONGs');
    expect(client.state).toBe('connected');
    await client.close();
  });

  it('probes a quiet daemon with PINGs and declares a silent one dead (reason timeout)', async () => {
    fake = await FakeLibvirtd.start();
    fake.handle(remoteProcedures.connectGetHostname, () => new Promise<string>(() => undefined));
    const client = await LibvirtClient.connect(fake.uri, {
      autoReconnect: false,
      keepalive: { intervalMs: 20, count: 3 },
    });
    const peer = await fake.waitForConnection(true);
    await waitUntil(() => peer.pingsReceived >= 2, 2000, 'client PINGs');
    expect(client.state).toBe('connected'); // the fake answers the probes

    const lost = new Promise<Error | undefined>((resolve) => {
      client.on('state', (s, err) => {
        if (s === 'disconnected') resolve(err);
      });
    });
    const pending = client.connectGetHostname();
    await waitUntil(() => fake.callsTo(remoteProcedures.connectGetHostname).length === 1);
    peer.silent = true;
    const started = Date.now();
    const err = await lost;
    expect(isConnectionError(err, 'timeout')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(isConnectionError(await pending.catch((e: unknown) => e), 'timeout')).toBe(true);
    expect(client.state).toBe('closed');
  });

  it('can be turned off', async () => {
    fake = await FakeLibvirtd.start({ keepaliveIntervalMs: 20 });
    const client = await LibvirtClient.connect(fake.uri, { autoReconnect: false, keepalive: false });
    expect(fake.calls.map((c) => c.proc)).toEqual([66, 1]);
    await client.close();
  });

  it('reports a daemon error for the keepalive probe without failing the connection', async () => {
    fake = await FakeLibvirtd.start();
    fake.handle(remoteProcedures.connectSupportsFeature, () => {
      throw new FakeLibvirtError(3, 'not supported');
    });
    const client = await LibvirtClient.connect(fake.uri, { autoReconnect: false });
    expect(client.state).toBe('connected');
    await client.close();
  });
});
