import { createServer, type AddressInfo } from 'node:net';
import { parseDomainXml } from '@gureum/libvirt-xml';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { dialVnc, vncTarget } from './consoles.js';

// Pure parts of the console adapter (the VNC address of a live definition) and dialling a real local TCP server.
const domain = (graphics: string): string =>
  `<domain type='qemu'><name>d</name><uuid>6f1c2f4e-8a0d-4f35-9d59-1f0f4b6c7a10</uuid><memory>131072</memory>` +
  `<os><type>hvm</type></os><devices>${graphics}</devices></domain>`;
const targetOf = (graphics: string) => vncTarget(parseDomainXml(domain(graphics)).graphics);

describe('vncTarget', () => {
  it('reads the port and the listen address of a running VM', () => {
    expect(
      targetOf(
        "<graphics type='vnc' port='5903' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>",
      ),
    ).toEqual({ host: '127.0.0.1', port: 5903 });
  });

  it('reaches a wildcard listen address on the loopback of its family', () => {
    expect(targetOf("<graphics type='vnc' port='5900' listen='0.0.0.0'/>")).toEqual({
      host: '127.0.0.1',
      port: 5900,
    });
    expect(targetOf("<graphics type='vnc' port='5900' listen='::'/>")).toEqual({ host: '::1', port: 5900 });
  });

  it('uses a UNIX socket when the display listens on one', () => {
    expect(
      targetOf("<graphics type='vnc'><listen type='socket' socket='/run/vnc/d.sock'/></graphics>"),
    ).toEqual({ path: '/run/vnc/d.sock' });
  });

  it.each([
    ['an unallocated port (the VM is off)', "<graphics type='vnc' port='-1' autoport='yes'/>"],
    ['no VNC display', "<graphics type='spice' port='5930'/>"],
    ['no display at all', ''],
  ])('refuses %s with VM_INVALID_STATE', (_name, graphics) => {
    expect(() => targetOf(graphics)).toThrow(
      expect.objectContaining({ code: 'VM_INVALID_STATE' }) as unknown,
    );
  });
});

describe('dialVnc', () => {
  it('connects to a listening server', async () => {
    const server = createServer((s) => s.end('RFB 003.008\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = await dialVnc({ host: '127.0.0.1', port });
    const banner = await new Promise<string>((resolve) =>
      socket.once('data', (d: Buffer) => resolve(d.toString())),
    );
    expect(banner).toBe('RFB 003.008\n');
    socket.destroy();
    server.close();
  });

  it('turns a refused connection into VM_INVALID_STATE, keeping the cause', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = await dialVnc({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'VM_INVALID_STATE',
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
  });

  it('gives up at once when the signal aborts, with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('the client left');
    controller.abort(reason);
    await expect(dialVnc({ host: '127.0.0.1', port: 9 }, controller.signal)).rejects.toBe(reason);
  });
});
