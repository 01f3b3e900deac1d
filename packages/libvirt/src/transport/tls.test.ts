import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient } from '../client.js';
import { isConnectionError } from '../errors.js';
import { remoteProcedures } from '../protocol/remote.js';
import { FakeLibvirtd } from '../testing/index.js';

// A TLS front for the fake daemon, as libvirtd's TLS listener: client certificates required, then one byte
// (0x01 = accepted) inside TLS before the RPC traffic.
let dir: string;
let fake: FakeLibvirtd;
let server: Server;
let port = 0;
let verdict = 1;
const pem = new Map<string, Buffer>();
function need(name: string): Buffer {
  const value = pem.get(name);
  if (!value) throw new Error(`missing ${name}`);
  return value;
}

function selfSigned(name: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=DNS:${name}`,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
    ],
    { stdio: 'ignore' },
  );
  pem.set(`${name}.key`, readFileSync(join(dir, `${name}.key`)));
  pem.set(`${name}.crt`, readFileSync(join(dir, `${name}.crt`)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
  selfSigned('localhost');
  selfSigned('client');
  fake = await FakeLibvirtd.start();
  fake.handle(remoteProcedures.connectGetHostname, () => 'tls-fake');
  server = createServer(
    {
      key: need('localhost.key'),
      cert: need('localhost.crt'),
      ca: need('client.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (tlsSocket) => {
      tlsSocket.write(Buffer.from([verdict]));
      if (verdict !== 1) {
        tlsSocket.end();
        return;
      }
      const path = fake.socketPath;
      if (path === undefined) throw new Error('fake has no socket path');
      const upstream = netConnect({ path });
      tlsSocket.pipe(upstream).pipe(tlsSocket);
      upstream.on('error', () => tlsSocket.destroy());
      tlsSocket.on('error', () => upstream.destroy());
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address === 'object' && address !== null) port = address.port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const tlsOptions = () => ({ ca: need('localhost.crt'), cert: need('client.crt'), key: need('client.key') });

describe('qemu+tls://', () => {
  it('connects after the certificate check byte, then speaks RPC inside TLS', async () => {
    verdict = 1;
    const client = await LibvirtClient.connect(`qemu+tls://localhost:${port}/system`, {
      tls: tlsOptions(),
      autoReconnect: false,
    });
    expect(await client.connectGetHostname()).toBe('tls-fake');
    expect(fake.calls.at(-1)?.connection.openName).toBe('qemu:///system');
    await client.close();
  });

  it('reports a daemon that refuses the client (byte other than 0x01) as unreachable', async () => {
    verdict = 0;
    const err = await LibvirtClient.connect(`qemu+tls://localhost:${port}/system`, {
      tls: tlsOptions(),
    }).catch((e: unknown) => e);
    expect(isConnectionError(err, 'unreachable')).toBe(true);
    expect((err as Error).message).toMatch(/rejected this client/);
  });

  it('verifies the daemon certificate', async () => {
    verdict = 1;
    const wrongCa = { ...tlsOptions(), ca: need('client.crt') };
    const err = await LibvirtClient.connect(`qemu+tls://localhost:${port}/system`, { tls: wrongCa }).catch(
      (e: unknown) => e,
    );
    expect(isConnectionError(err, 'unreachable')).toBe(true);
    // ?no_verify=1 skips the check, as in libvirt.
    const client = await LibvirtClient.connect(`qemu+tls://localhost:${port}/system?no_verify=1`, {
      tls: { cert: tlsOptions().cert, key: tlsOptions().key },
      autoReconnect: false,
    });
    expect(await client.connectGetHostname()).toBe('tls-fake');
    await client.close();
  });
});
