/**
 * Dialers open the byte stream to a daemon: a UNIX socket, plain TCP, or TLS (with libvirt's one-byte
 * certificate-check answer after the handshake).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { LibvirtConnectionError } from '../errors.js';
import type { ConnectTarget } from './uri.js';

/**
 * Opens a byte stream to libvirtd. It must reject with a {@link LibvirtConnectionError} (reason `unreachable` or
 * `aborted`) and destroy what it opened when it fails or `signal` fires.
 *
 * @example
 * ```ts
 * const dialer: Dialer = (signal) => dialUnix('/var/run/libvirt/libvirt-sock', signal);
 * ```
 */
export type Dialer = (signal: AbortSignal) => Promise<Duplex>;

/**
 * TLS material for `qemu+tls://` URIs. Missing items are read from libvirt's default file locations.
 *
 * @example
 * ```ts
 * await LibvirtClient.connect('qemu+tls://h/system', { tls: { ca, cert, key } });
 * ```
 * @see https://libvirt.org/kbase/tlscerts.html
 */
export interface TlsOptions {
  /** CA certificate(s) (PEM) that signed the daemon's certificate. */
  readonly ca?: string | Buffer;
  /** Client certificate (PEM). */
  readonly cert?: string | Buffer;
  /** Client private key (PEM). */
  readonly key?: string | Buffer;
  /** Name expected in the daemon's certificate (defaults to the URI host). */
  readonly servername?: string;
  /** Verify the daemon's certificate (default true; `?no_verify=1` in the URI turns it off). */
  readonly rejectUnauthorized?: boolean;
}

function unreachable(where: string, err: unknown): LibvirtConnectionError {
  const detail = err instanceof Error ? err.message : String(err);
  return new LibvirtConnectionError('unreachable', `cannot connect to libvirtd at ${where}: ${detail}`, {
    cause: err,
  });
}

function aborted(where: string, signal: AbortSignal): LibvirtConnectionError {
  return new LibvirtConnectionError('aborted', `connecting to ${where} was aborted`, {
    cause: signal.reason,
  });
}

/** Waits for `event` on a freshly created socket, honouring the abort signal; destroys the socket on failure. */
function whenOpen<S extends Socket>(
  socket: S,
  event: string,
  where: string,
  signal: AbortSignal,
): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    const cleanup = (): void => {
      socket.off(event, onOpen);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onOpen = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(unreachable(where, err));
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(aborted(where, signal));
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    socket.once(event, onOpen);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Connects to a UNIX socket (`qemu:///system`, `qemu+unix:///system?socket=…`).
 *
 * @example
 * ```ts
 * const socket = await dialUnix('/var/run/libvirt/libvirt-sock', AbortSignal.timeout(5000));
 * ```
 * @see https://libvirt.org/remote.html#transports
 */
export function dialUnix(path: string, signal: AbortSignal): Promise<Duplex> {
  return whenOpen(netConnect({ path }), 'connect', path, signal);
}

/**
 * Connects over plain TCP (`qemu+tcp://host/system`, port 16509). The daemon usually demands SASL there.
 *
 * @example
 * ```ts
 * const socket = await dialTcp('10.0.0.5', 16509, AbortSignal.timeout(5000));
 * ```
 * @see https://libvirt.org/remote.html#transports
 */
export async function dialTcp(host: string, port: number, signal: AbortSignal): Promise<Duplex> {
  const socket = await whenOpen(netConnect({ host, port }), 'connect', `${host}:${port}`, signal);
  socket.setNoDelay(true);
  return socket;
}

/**
 * Connects over TLS (`qemu+tls://host/system`, port 16514). After the handshake libvirtd sends one byte inside
 * TLS: `0x01` when it accepts the client certificate; anything else (or EOF) means it refused us.
 *
 * @example
 * ```ts
 * const socket = await dialTls('host.example', 16514, { ca, cert, key }, AbortSignal.timeout(5000));
 * ```
 * @see https://libvirt.org/kbase/tlscerts.html
 */
export async function dialTls(
  host: string,
  port: number,
  tls: TlsOptions,
  signal: AbortSignal,
): Promise<Duplex> {
  const where = `${host}:${port} (TLS)`;
  const socket = await whenOpen<TLSSocket>(
    tlsConnect({
      host,
      port,
      servername: tls.servername ?? host,
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    }),
    'secureConnect',
    where,
    signal,
  );
  socket.setNoDelay(true);
  await readCertificateCheck(socket, where, signal);
  return socket;
}

function readCertificateCheck(socket: TLSSocket, where: string, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (err: LibvirtConnectionError): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      cleanup();
      socket.pause();
      if (chunk[0] !== 1) {
        fail(
          new LibvirtConnectionError(
            'unreachable',
            `libvirtd at ${where} rejected this client's certificate or address`,
          ),
        );
        return;
      }
      if (chunk.length > 1) socket.unshift(chunk.subarray(1));
      resolve();
    };
    const onClose = (err?: unknown): void => {
      fail(unreachable(where, err ?? new Error('the daemon closed the connection after the TLS handshake')));
    };
    const onAbort = (): void => {
      fail(aborted(where, signal));
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function readIfExists(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

/**
 * Fills missing TLS material from `?pkipath=` or libvirt's default locations (root: `/etc/pki/CA/cacert.pem`,
 * `/etc/pki/libvirt/clientcert.pem`, `/etc/pki/libvirt/private/clientkey.pem`; others: `~/.pki/libvirt/`).
 *
 * @example
 * ```ts
 * const tls = resolveTlsFiles({}, '/srv/pki');
 * ```
 * @see https://libvirt.org/kbase/tlscerts.html
 */
export function resolveTlsFiles(tls: TlsOptions, pkiPath?: string): TlsOptions {
  const isRoot = process.getuid?.() === 0;
  const userDir = join(homedir(), '.pki', 'libvirt');
  const caPath = pkiPath
    ? join(pkiPath, 'cacert.pem')
    : isRoot
      ? '/etc/pki/CA/cacert.pem'
      : join(userDir, 'cacert.pem');
  const certPath = pkiPath
    ? join(pkiPath, 'clientcert.pem')
    : isRoot
      ? '/etc/pki/libvirt/clientcert.pem'
      : join(userDir, 'clientcert.pem');
  const keyPath = pkiPath
    ? join(pkiPath, 'clientkey.pem')
    : isRoot
      ? '/etc/pki/libvirt/private/clientkey.pem'
      : join(userDir, 'clientkey.pem');
  const ca = tls.ca ?? readIfExists(caPath);
  const cert = tls.cert ?? readIfExists(certPath);
  const key = tls.key ?? readIfExists(keyPath);
  return {
    ...tls,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

/**
 * The dialer for a parsed URI.
 *
 * @example
 * ```ts
 * const dial = dialerFor(parseLibvirtUri('qemu:///system'));
 * const socket = await dial(AbortSignal.timeout(5000));
 * ```
 */
export function dialerFor(target: ConnectTarget, tls: TlsOptions = {}): Dialer {
  switch (target.transport) {
    case 'unix': {
      const path = target.socketPath ?? '/var/run/libvirt/libvirt-sock';
      return (signal) => dialUnix(path, signal);
    }
    case 'tcp': {
      const { host = 'localhost', port = 16509 } = target;
      return (signal) => dialTcp(host, port, signal);
    }
    case 'tls': {
      const { host = 'localhost', port = 16514 } = target;
      const opts = { ...(target.noVerify ? { rejectUnauthorized: false } : {}), ...tls };
      return (signal) => dialTls(host, port, resolveTlsFiles(opts, target.pkiPath), signal);
    }
  }
}
