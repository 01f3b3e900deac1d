/**
 * libvirt connection URIs: `driver[+transport]://[user@][host][:port]/path[?params]`.
 */

/**
 * How the client reaches the daemon.
 *
 * @example
 * ```ts
 * parseLibvirtUri('qemu+tls://h/system').transport; // 'tls'
 * ```
 * @see https://libvirt.org/remote.html#transports
 */
export type Transport = 'unix' | 'tcp' | 'tls';

/**
 * Where to connect, and what to send as the name of `CONNECT_OPEN`.
 *
 * @example
 * ```ts
 * const { socketPath, name } = parseLibvirtUri('qemu:///system');
 * ```
 */
export interface ConnectTarget {
  readonly transport: Transport;
  /** UNIX socket path (transport `unix`). */
  readonly socketPath?: string;
  /** Host name or address (transports `tcp` and `tls`), without IPv6 brackets. */
  readonly host?: string;
  readonly port?: number;
  /** The URI the daemon opens: no transport, user, host, port or client-only parameters. */
  readonly name: string;
  /** True when the URI asked for no certificate verification (`?no_verify=1`). */
  readonly noVerify: boolean;
  /** Directory of `cacert.pem`, `clientcert.pem` and `private/clientkey.pem` (`?pkipath=`). */
  readonly pkiPath?: string;
}

/**
 * Default system socket of libvirtd / virtproxyd.
 *
 * @example
 * ```ts
 * await dialUnix(SYSTEM_SOCKET_PATH, AbortSignal.timeout(5000));
 * ```
 * @see https://libvirt.org/daemons.html
 */
export const SYSTEM_SOCKET_PATH = '/var/run/libvirt/libvirt-sock';
/**
 * Read-only system socket.
 *
 * @example
 * ```ts
 * await dialUnix(SYSTEM_SOCKET_PATH_RO, AbortSignal.timeout(5000));
 * ```
 * @see https://libvirt.org/daemons.html
 */
export const SYSTEM_SOCKET_PATH_RO = '/var/run/libvirt/libvirt-sock-ro';
/**
 * Default TCP port (`listen_tcp`).
 *
 * @example
 * ```ts
 * await dialTcp('10.0.0.5', TCP_PORT, AbortSignal.timeout(5000));
 * ```
 * @see https://libvirt.org/remote.html
 */
export const TCP_PORT = 16509;
/**
 * Default TLS port (`listen_tls`).
 *
 * @example
 * ```ts
 * await dialTls('h.example', TLS_PORT, {}, AbortSignal.timeout(5000));
 * ```
 * @see https://libvirt.org/remote.html
 */
export const TLS_PORT = 16514;

// Query parameters that configure the client side and are never sent to the daemon (remote_driver.c).
const CLIENT_ONLY_PARAMS = new Set([
  'name',
  'command',
  'socket',
  'auth',
  'netcat',
  'keyfile',
  'pkipath',
  'known_hosts',
  'known_hosts_verify',
  'sshauth',
  'tls_priority',
  'no_sanity',
  'no_verify',
  'no_tty',
  'authfile',
  'mode',
  'proxy',
]);

/**
 * Parses a libvirt URI into a {@link ConnectTarget}. `qemu:///system` is the local system socket; a host without a
 * transport means TLS (as in libvirt). SSH and other transports are rejected with a clear error.
 *
 * @example
 * ```ts
 * parseLibvirtUri('qemu+tcp://10.0.0.5/system');
 * // { transport: 'tcp', host: '10.0.0.5', port: 16509, name: 'qemu:///system', noVerify: false }
 * ```
 * @see https://libvirt.org/uri.html
 * @see https://libvirt.org/remote.html#remote-uri-parameters
 */
export function parseLibvirtUri(uri: string, options: { readOnly?: boolean } = {}): ConnectTarget {
  const m = /^([A-Za-z][A-Za-z0-9-]*)(?:\+([A-Za-z0-9-]+))?:\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/.exec(
    uri,
  );
  if (!m) throw new TypeError(`not a libvirt URI: '${uri}' (expected e.g. qemu:///system)`);
  const [, driver = '', explicitTransport, authority = '', path = '', query = ''] = m;
  const { host, port } = parseAuthority(authority, uri);
  const params = new URLSearchParams(query);

  let transport: Transport;
  if (explicitTransport === undefined) transport = host ? 'tls' : 'unix';
  else if (explicitTransport === 'unix' || explicitTransport === 'tcp' || explicitTransport === 'tls')
    transport = explicitTransport;
  else
    throw new TypeError(
      `transport '${explicitTransport}' of '${uri}' is not supported (use unix, tcp or tls)`,
    );

  const kept = [...params].filter(([k]) => !CLIENT_ONLY_PARAMS.has(k));
  const keptQuery = kept.length > 0 ? `?${new URLSearchParams(kept).toString()}` : '';
  const name = params.get('name') ?? `${driver}://${path}${keptQuery}`;
  const noVerify = params.get('no_verify') === '1';
  const pkiPath = params.get('pkipath') ?? undefined;

  if (transport === 'unix') {
    if (host) throw new TypeError(`a unix transport URI cannot name a host: '${uri}'`);
    const socketPath = params.get('socket') ?? defaultSocketPath(path, options.readOnly === true);
    return { transport, socketPath, name, noVerify };
  }
  if (!host) throw new TypeError(`transport '${transport}' needs a host: '${uri}'`);
  const target = {
    transport,
    host,
    port: port ?? (transport === 'tcp' ? TCP_PORT : TLS_PORT),
    name,
    noVerify,
  };
  return pkiPath === undefined ? target : { ...target, pkiPath };
}

function parseAuthority(authority: string, uri: string): { host: string; port: number | undefined } {
  const hostPort = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(hostPort);
  if (!m) throw new TypeError(`bad host in libvirt URI '${uri}'`);
  const rawHost = m[1] ?? '';
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535))
    throw new TypeError(`bad port in libvirt URI '${uri}'`);
  return { host: decodeURIComponent(host), port };
}

function defaultSocketPath(path: string, readOnly: boolean): string {
  if (path === '/session') {
    const runtime = process.env['XDG_RUNTIME_DIR'];
    const base = runtime ?? `${process.env['HOME'] ?? ''}/.cache`;
    return `${base}/libvirt/libvirt-sock`;
  }
  return readOnly ? SYSTEM_SOCKET_PATH_RO : SYSTEM_SOCKET_PATH;
}
