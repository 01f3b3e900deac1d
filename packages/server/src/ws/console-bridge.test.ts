import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { ConsoleCloseCode } from '@gureum/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { bridgeConsole, closeReason, type BridgeEnd, type BridgeOptions } from './console-bridge.js';

// The bridge between a real WebSocket pair (the `ws` package on 127.0.0.1) and a hand-driven Duplex standing in
// for the VM's console (fake): back-pressure both ways, ends, idle and ping limits.

/** The VM's side: output is pushed by the test; input is kept, and can be stalled (callbacks held). */
class VmSide extends Duplex {
  received = Buffer.alloc(0);
  stalled = false;
  private held: (() => void)[] = [];

  constructor() {
    super({ readableHighWaterMark: 16 * 1024, writableHighWaterMark: 16 * 1024 });
  }

  override _read(): void {
    // pushed by the test
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: () => void): void {
    this.received = Buffer.concat([this.received, chunk]);
    if (this.stalled) this.held.push(callback);
    else callback();
  }

  release(): void {
    this.stalled = false;
    for (const cb of this.held.splice(0)) cb();
  }
}

interface Pair {
  client: WebSocket;
  server: WebSocket;
  vm: VmSide;
  ended: Promise<BridgeEnd>;
  clientClosed: Promise<{ code: number; reason: string }>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function bridged(options: Partial<BridgeOptions> = {}, clientOptions = {}): Promise<Pair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => {
          resolve();
        });
      }),
  );
  const vm = new VmSide();
  let onEnd: (end: BridgeEnd) => void = () => undefined;
  const ended = new Promise<BridgeEnd>((resolve) => (onEnd = resolve));
  const serverSide = new Promise<WebSocket>((resolve) => {
    wss.once('connection', (ws) => {
      bridgeConsole(ws, vm, {
        idleTimeoutMs: 60_000,
        pingIntervalMs: 60_000,
        vmStopped: () => new Promise(() => undefined),
        isVmUp: () => true,
        onEnd,
        ...options,
      });
      resolve(ws);
    });
  });
  const { port } = wss.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${String(port)}`, clientOptions);
  const clientClosed = new Promise<{ code: number; reason: string }>((resolve) => {
    client.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
    });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => {
      resolve();
    });
    client.once('error', reject);
  });
  return { client, server: await serverSide, vm, ended, clientClosed };
}

function collect(ws: WebSocket): { bytes: () => Buffer } {
  let all = Buffer.alloc(0);
  ws.on('message', (data: Buffer) => {
    all = Buffer.concat([all, data]);
  });
  return { bytes: () => all };
}

describe('bridgeConsole', () => {
  it('carries bytes both ways', async () => {
    const { client, vm } = await bridged();
    const got = collect(client);
    vm.push(Buffer.from('login: '));
    client.send(Buffer.from('root\r'));
    await expect.poll(() => got.bytes().toString()).toBe('login: ');
    await expect.poll(() => vm.received.toString()).toBe('root\r');
  });

  it('pauses the VM’s output while the client does not read, and loses nothing', async () => {
    const { client, vm } = await bridged();
    const got = collect(client);
    client.pause(); // the browser stops reading: the server's socket buffer fills, then the WebSocket's
    const chunk = Buffer.alloc(64 * 1024, 7);
    let pushed = 0;
    let refused = false;
    for (let i = 0; i < 1024 && !refused; i++) {
      refused = !vm.push(chunk);
      pushed += chunk.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The VM side was told to stop: it does not keep reading into memory (64 MiB would have gone through).
    expect(refused).toBe(true);
    await expect.poll(() => vm.isPaused()).toBe(true);
    expect(pushed).toBeLessThan(32 * 1024 * 1024);
    client.resume();
    await expect.poll(() => got.bytes().length, { timeout: 5_000 }).toBe(pushed);
    await expect.poll(() => vm.isPaused()).toBe(false);
  });

  it('stops reading the client while the VM does not take input, and loses nothing', async () => {
    const { client, server, vm } = await bridged();
    vm.stalled = true;
    const frame = Buffer.alloc(8 * 1024, 1);
    for (let i = 0; i < 8; i++) client.send(frame);
    await expect.poll(() => server.isPaused).toBe(true);
    vm.release();
    await expect.poll(() => vm.received.length).toBe(8 * frame.length);
    expect(server.isPaused).toBe(false);
  });

  it('closes the client with 4409 when the VM stops, and ends the VM side', async () => {
    let stop: () => void = () => undefined;
    const { vm, ended, clientClosed } = await bridged({
      vmStopped: () => new Promise<void>((resolve) => (stop = resolve)),
    });
    stop();
    expect(await clientClosed).toEqual({ code: ConsoleCloseCode.VmStopped, reason: 'the VM stopped' });
    expect((await ended).code).toBe(ConsoleCloseCode.VmStopped);
    expect(vm.destroyed).toBe(true);
  });

  it('says 4409 at once when the VM side ends and the VM is no longer up', async () => {
    const { vm, clientClosed } = await bridged({ isVmUp: () => false });
    vm.push(null);
    expect((await clientClosed).code).toBe(ConsoleCloseCode.VmStopped);
  });

  it('says 4000 when the VM side ends while the VM stays up', async () => {
    const { vm, clientClosed } = await bridged({ stopGraceMs: 50 });
    vm.destroy();
    expect(await clientClosed).toEqual({
      code: ConsoleCloseCode.ConsoleClosed,
      reason: 'the console was closed on the VM side',
    });
  });

  it('ends the VM side when the client closes, with the client’s code and byte counts', async () => {
    const { client, vm, ended } = await bridged();
    vm.push(Buffer.from('abc'));
    client.send(Buffer.from('12345'));
    await expect.poll(() => vm.received.length).toBe(5);
    client.close(1000, 'bye');
    expect(await ended).toMatchObject({ code: 1000, reason: 'bye', bytesToVm: 5, bytesFromVm: 3 });
    expect(vm.destroyed).toBe(true);
  });

  it('closes an idle session with 4408', async () => {
    const { ended, clientClosed } = await bridged({ idleTimeoutMs: 200 });
    expect(await clientClosed).toEqual({ code: ConsoleCloseCode.IdleTimeout, reason: 'idle for 0 s' });
    expect((await ended).durationMs).toBeGreaterThanOrEqual(190);
  });

  it('drops a client that stops answering pings', async () => {
    const { ended, vm } = await bridged({ pingIntervalMs: 50 }, { autoPong: false });
    expect((await ended).code).toBe(ConsoleCloseCode.IdleTimeout);
    expect(vm.destroyed).toBe(true);
  });

  it('cuts close reasons to 123 bytes on a character boundary', () => {
    expect(Buffer.byteLength(closeReason('é'.repeat(100)))).toBe(122);
    expect(closeReason('short')).toBe('short');
  });
});
