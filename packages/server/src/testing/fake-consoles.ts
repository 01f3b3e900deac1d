/**
 * The consoles of the FakeHypervisor's VMs, close to what QEMU and libvirt give the proxy:
 * - `vnc`: a real TCP server on 127.0.0.1 per running VM (QEMU's VNC server) that greets with an RFB version banner
 *   and then echoes every byte back; the proxy dials it with `net`, as it dials QEMU.
 * - `serial`: an in-memory Duplex that echoes what is typed (a terminal with echo on); tests push guest output with
 *   `print()`.
 * Stopping the VM closes both, as QEMU exiting does. Not imported by application code.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { ConsoleKind } from '../ports/hypervisor.js';

export const FAKE_RFB_BANNER = 'RFB 003.008\n';

/** The guest's end of a fake serial console. */
export class FakeSerialConsole extends Duplex {
  /** Everything typed into the console (written by the proxy). */
  typed = Buffer.alloc(0);
  /** When false, typed bytes are not echoed back. */
  echo = true;

  constructor(readonly vmId: string) {
    super({ readableHighWaterMark: 16 * 1024, writableHighWaterMark: 16 * 1024 });
  }

  /** Output of the guest: pushed to the reader (the proxy); false when the reader is not keeping up. */
  print(text: string | Buffer): boolean {
    return this.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  }

  override _read(): void {
    // Output is pushed by print(); nothing to fetch.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.typed = Buffer.concat([this.typed, chunk]);
    if (this.echo) this.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.push(null);
    callback();
  }
}

interface VncDisplay {
  server: Server;
  port: number;
  sockets: Set<Socket>;
}

export class FakeConsoles {
  private readonly displays = new Map<string, Promise<VncDisplay>>();
  readonly serial = new Map<string, Set<FakeSerialConsole>>();
  /** Bytes the fake VNC servers received, per VM (what the proxy forwarded from clients). */
  readonly vncReceived = new Map<string, Buffer>();
  /** How long opening a console takes (libvirt opens a connection and a stream for serial ones). */
  openDelayMs = 0;

  /** Opens a console of a running VM (the caller checked the state). */
  async open(vmId: string, kind: ConsoleKind): Promise<Duplex> {
    if (this.openDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.openDelayMs));
    if (kind === 'serial') {
      const console = new FakeSerialConsole(vmId);
      const set = this.serial.get(vmId) ?? new Set();
      set.add(console);
      this.serial.set(vmId, set);
      console.once('close', () => set.delete(console));
      return console;
    }
    const display = await this.display(vmId);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: display.port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
    });
  }

  /** The open serial consoles of a VM, newest last. */
  serialOf(vmId: string): FakeSerialConsole[] {
    return [...(this.serial.get(vmId) ?? [])];
  }

  /** The VNC port of a VM, once a VNC console was opened. */
  async vncPort(vmId: string): Promise<number | undefined> {
    return (await this.displays.get(vmId))?.port;
  }

  /** The VNC server-side sockets of a VM (to close or stall them from a test). */
  async vncSockets(vmId: string): Promise<Socket[]> {
    return [...((await this.displays.get(vmId))?.sockets ?? [])];
  }

  /** The VM stopped: its QEMU process, and with it every console, is gone. */
  vmStopped(vmId: string): void {
    for (const console of this.serial.get(vmId) ?? []) console.destroy();
    this.serial.delete(vmId);
    const display = this.displays.get(vmId);
    this.displays.delete(vmId);
    void display?.then((d) => {
      for (const socket of d.sockets) socket.destroy();
      d.server.close();
    });
  }

  private display(vmId: string): Promise<VncDisplay> {
    let display = this.displays.get(vmId);
    if (!display) {
      display = listen(vmId, this.vncReceived);
      this.displays.set(vmId, display);
    }
    return display;
  }
}

function listen(vmId: string, received: Map<string, Buffer>): Promise<VncDisplay> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write(FAKE_RFB_BANNER);
    socket.on('data', (chunk: Buffer) => {
      received.set(vmId, Buffer.concat([received.get(vmId) ?? Buffer.alloc(0), chunk]));
      socket.write(chunk);
    });
  });
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) {
        reject(new Error('the fake VNC server has no port'));
        return;
      }
      resolve({ server, port: address.port, sockets });
    });
  });
}
