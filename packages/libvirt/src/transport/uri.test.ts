import { describe, expect, it } from 'vitest';
import { parseLibvirtUri } from './uri.js';

describe('parseLibvirtUri', () => {
  it('maps qemu:///system to the system socket', () => {
    expect(parseLibvirtUri('qemu:///system')).toEqual({
      transport: 'unix',
      socketPath: '/var/run/libvirt/libvirt-sock',
      name: 'qemu:///system',
      noVerify: false,
    });
  });

  it('uses the read-only socket for read-only connections', () => {
    expect(parseLibvirtUri('qemu:///system', { readOnly: true }).socketPath).toBe(
      '/var/run/libvirt/libvirt-sock-ro',
    );
  });

  it('honours ?socket= and strips it from the open name', () => {
    const t = parseLibvirtUri('qemu+unix:///system?socket=/tmp/x.sock');
    expect(t).toMatchObject({ transport: 'unix', socketPath: '/tmp/x.sock', name: 'qemu:///system' });
  });

  it('keeps daemon-side parameters and drops client-only ones', () => {
    const t = parseLibvirtUri('qemu+tcp://root@10.0.0.5:1234/system?keyfile=/k&foo=bar&no_verify=1');
    expect(t).toMatchObject({
      transport: 'tcp',
      host: '10.0.0.5',
      port: 1234,
      name: 'qemu:///system?foo=bar',
      noVerify: true,
    });
  });

  it('uses default ports', () => {
    expect(parseLibvirtUri('qemu+tcp://h/system')).toMatchObject({ host: 'h', port: 16509 });
    expect(parseLibvirtUri('qemu+tls://h/system')).toMatchObject({
      transport: 'tls',
      host: 'h',
      port: 16514,
    });
  });

  it('means TLS for a host without a transport, as libvirt does', () => {
    expect(parseLibvirtUri('qemu://h.example/system')).toMatchObject({
      transport: 'tls',
      host: 'h.example',
      name: 'qemu:///system',
    });
  });

  it('parses IPv6 hosts and pkipath', () => {
    expect(parseLibvirtUri('qemu+tls://[::1]:9999/system?pkipath=/srv/pki')).toMatchObject({
      host: '::1',
      port: 9999,
      pkiPath: '/srv/pki',
      name: 'qemu:///system',
    });
  });

  it('sends ?name= verbatim', () => {
    expect(parseLibvirtUri('qemu+tcp://h/?name=qemu:///session').name).toBe('qemu:///session');
  });

  it('handles other drivers and the session socket', () => {
    process.env['XDG_RUNTIME_DIR'] = '/run/user/1000';
    expect(parseLibvirtUri('qemu:///session')).toMatchObject({
      socketPath: '/run/user/1000/libvirt/libvirt-sock',
      name: 'qemu:///session',
    });
    expect(parseLibvirtUri('test:///default').name).toBe('test:///default');
  });

  it.each([
    'nonsense',
    'qemu+ssh://h/system',
    'qemu+tcp:///system',
    'qemu+unix://h/system',
    'qemu+tcp://h:99999/system',
  ])('rejects %s', (uri) => {
    expect(() => parseLibvirtUri(uri)).toThrow(TypeError);
  });
});
