import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleIsolatedNetworkSpec } from '../testing/example-specs.js';
import { HOSTILE_STRINGS } from '../testing/hostile-strings.js';
import { buildNetworkXml, parseNetworkXml } from './network.js';
import type { NetworkSpec } from './network.js';

const fixture = (name: string): string => new URL(`../../test/fixtures/${name}`, import.meta.url).pathname;

describe('network', () => {
  it('builds the golden isolated network with DHCP', async () => {
    await expect(buildNetworkXml(exampleIsolatedNetworkSpec())).toMatchFileSnapshot(
      fixture('network-isolated-dhcp.xml'),
    );
  });

  it('round-trips', () => {
    const spec = exampleIsolatedNetworkSpec();
    expect(parseNetworkXml(buildNetworkXml(spec))).toEqual(spec);
  });

  it('reads what libvirt wrote back (with its generated bridge MAC)', () => {
    const { name: _name, bridge: _bridge, ...rest } = exampleIsolatedNetworkSpec();
    expect(parseNetworkXml(readFileSync(fixture('libvirt-network-isolated.xml'), 'utf8'))).toEqual({
      ...rest,
      name: 'lvxml-cap-net',
      bridge: 'lvxcap0',
    });
  });

  it('writes NAT and routed networks with <forward>, isolated ones without', () => {
    const ipv4 = { address: '10.77.1.1', prefix: 24 };
    expect(buildNetworkXml({ name: 'n', bridge: 'b', forward: 'nat', ipv4 })).toContain(
      '<forward mode="nat"/>',
    );
    expect(buildNetworkXml({ name: 'n', bridge: 'b', forward: 'route', ipv4 })).toContain(
      '<forward mode="route"/>',
    );
    expect(buildNetworkXml({ name: 'n', bridge: 'b', forward: 'isolated' })).not.toContain('<forward');
    expect(parseNetworkXml(buildNetworkXml({ name: 'n', bridge: 'b', forward: 'nat', ipv4 }))).toEqual({
      name: 'n',
      bridge: 'b',
      forward: 'nat',
      ipv4,
    });
  });

  it('reads netmask-style addresses and the default NAT network', () => {
    const parsed = parseNetworkXml(`<network><name>default</name><forward/><bridge name='virbr0'/>
      <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
      <ip family='ipv6' address='fd00::1' prefix='64'/></network>`);
    expect(parsed).toEqual({
      name: 'default',
      forward: 'nat',
      bridge: 'virbr0',
      ipv4: {
        address: '192.168.122.1',
        prefix: 24,
        dhcp: { start: '192.168.122.2', end: '192.168.122.254' },
      },
    });
  });

  it.each(HOSTILE_STRINGS)('keeps %j intact in names and DHCP host names', (value) => {
    const spec: NetworkSpec = {
      ...exampleIsolatedNetworkSpec(),
      name: value,
      domain: value,
      ipv4: {
        address: '10.0.0.1',
        prefix: 8,
        dhcp: {
          start: '10.0.0.2',
          end: '10.0.0.9',
          hosts: [{ mac: '52:54:00:00:00:01', ip: '10.0.0.3', name: value }],
        },
      },
    };
    expect(parseNetworkXml(buildNetworkXml(spec))).toEqual(spec);
  });

  it.each<[string, Partial<NetworkSpec>, RegExp]>([
    ['a long bridge name', { bridge: 'a-very-long-bridge-name' }, /bridge/],
    ['a bridge name with a slash', { bridge: 'br/0' }, /bridge/],
    ['NAT without an address', { forward: 'nat', ipv4: undefined as never }, /needs ipv4/],
    ['a bad address', { ipv4: { address: '10.0.0.256', prefix: 24 } }, /IPv4/],
    ['a bad prefix', { ipv4: { address: '10.0.0.1', prefix: 33 } }, /prefix/],
    ['a bad MTU', { mtu: 0 }, /mtu/],
    [
      'a bad DHCP MAC',
      {
        ipv4: {
          address: '10.0.0.1',
          prefix: 24,
          dhcp: { start: '10.0.0.2', end: '10.0.0.3', hosts: [{ mac: 'x', ip: '10.0.0.2' }] },
        },
      },
      /mac/,
    ],
  ])('refuses %s', (_label, patch, message) => {
    expect(() => buildNetworkXml({ ...exampleIsolatedNetworkSpec(), ...patch })).toThrow(message);
  });
});
