/**
 * VM consoles for the console proxy: VNC as a TCP (or UNIX) connection to the VNC server QEMU listens on, serial
 * as libvirt's console stream. No file-descriptor passing (`DOMAIN_OPEN_GRAPHICS_FD` needs SCM_RIGHTS, which
 * Node's `net` cannot receive), so the VNC address is read from the live definition and dialled directly: Gureum
 * defines VNC on 127.0.0.1, so the server must run on the hypervisor host for VNC consoles.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { DomainConsoleFlags, LibvirtClient } from '@gureum/libvirt';
import { parseDomainXml, type ParsedGraphics } from '@gureum/libvirt-xml';
import { ConflictError } from '../../domain/errors.js';
import { domHandle } from './vms.js';
import type { CallOpts } from './storage.js';

/** How long dialling the VNC server or opening the dedicated serial connection may take. */
const CONNECT_TIMEOUT_MS = 10_000;
/** What the serial stream buffers before it stops reading its (dedicated) connection. */
const SERIAL_HIGH_WATER_BYTES = 256 * 1024;

/** Where a VNC server listens, as `net.connect` takes it. */
export type VncTarget = { host: string; port: number } | { path: string };

const notRunning = (what: string): ConflictError =>
  new ConflictError('VM_INVALID_STATE', `The VM has no ${what} to connect to; is it running?`);

/**
 * The address to dial for a `<graphics type='vnc'>` of a live definition. A wildcard listen address is reached on
 * the loopback of the same family; a port of -1 (or none) means the display is not started (the VM is off).
 */
export function vncTarget(graphics: readonly ParsedGraphics[]): VncTarget {
  const vnc = graphics.find((g) => g.type === 'vnc');
  if (!vnc) throw new ConflictError('VM_INVALID_STATE', 'The VM has no VNC display.');
  if (vnc.socket !== undefined) return { path: vnc.socket };
  if (vnc.port === undefined || vnc.port <= 0) throw notRunning('VNC server');
  const listen = vnc.listen ?? '127.0.0.1';
  const host = listen === '0.0.0.0' ? '127.0.0.1' : listen === '::' ? '::1' : listen;
  return { host, port: vnc.port };
}

/** Dials `target`; resolves once connected. Aborting (or the timeout) destroys the socket and rejects. */
export function dialVnc(target: VncTarget, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = 'path' in target ? connect({ path: target.path }) : connect(target);
    const stop = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const fail = (err: Error): void => {
      stop(unreachable(err));
    };
    const onAbort = (): void => {
      stop(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      fail(new Error(`no answer from the VNC server within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', fail);
      signal?.removeEventListener('abort', onAbort);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      cleanup();
      socket.setNoDelay(true);
      resolve(socket);
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function unreachable(err: Error): ConflictError {
  return new ConflictError('VM_INVALID_STATE', 'The VM’s VNC server cannot be reached.', {}, { cause: err });
}

/** Opens a TCP connection to the VNC server of a running VM, found in its live definition. */
export async function openVncConsole(client: LibvirtClient, id: string, o: CallOpts): Promise<Duplex> {
  const xml = await client.domainGetXmlDesc({ dom: domHandle(id), flags: 0 }, o);
  return dialVnc(vncTarget(parseDomainXml(xml).graphics), o.signal);
}

/**
 * Opens the first serial console of a VM through libvirt's console stream, with FORCE (a stale session, e.g. a
 * `virsh console` left behind, is taken over instead of blocking). The stream gets its OWN connection: a console
 * whose reader lags stops reading its connection (back-pressure), which must never stall the shared connection
 * that carries every other call and the event stream. Destroying the stream closes that connection.
 */
export async function openSerialConsole(uri: string, id: string, o: CallOpts): Promise<Duplex> {
  const dom = domHandle(id);
  const client = await LibvirtClient.connect(uri, {
    autoReconnect: false,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  try {
    const stream = await client.domainOpenConsole(
      { dom, devName: null, flags: DomainConsoleFlags.Force },
      { highWaterMark: SERIAL_HIGH_WATER_BYTES, timeoutMs: CONNECT_TIMEOUT_MS, signal: o.signal },
    );
    stream.once('close', () => {
      void client.close().catch(() => undefined);
    });
    client.on('state', (state) => {
      if (state === 'closed' || state === 'disconnected') stream.destroy();
    });
    return stream;
  } catch (err: unknown) {
    await client.close().catch(() => undefined);
    throw err;
  }
}
