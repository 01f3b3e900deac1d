import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleIsoInstallVmSpec } from '../testing/example-specs.js';
import { bootOrderFor, bootOrderOf, setBootOrder } from './boot-order.js';
import { buildDomainXml } from './domain.builder.js';
import { parseDomainXml } from './domain.parser.js';
import type { BootOrderMode, StorageDeviceSpec } from './domain.types.js';

const readFixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');

const DEVICES: readonly StorageDeviceSpec[] = [
  {
    kind: 'disk',
    bus: 'virtio',
    target: 'vda',
    format: 'qcow2',
    source: { file: '/p/root.qcow2' },
    bootOrder: 7,
  },
  {
    kind: 'disk',
    bus: 'virtio',
    target: 'vdb',
    format: 'raw',
    source: { file: '/p/data.raw' },
    bootOrder: 8,
  },
  { kind: 'cdrom', bus: 'ide', target: 'hdc', source: { file: '/p/install.iso' } },
];

const MODES: readonly [BootOrderMode, Record<string, number>][] = [
  ['cdrom_hd', { hdc: 1, vda: 2 }],
  ['hd', { vda: 1 }],
  ['cdrom', { hdc: 1 }],
  ['hd_cdrom', { vda: 1, hdc: 2 }],
];

const ordersOf = (devices: readonly { target: string; bootOrder?: number }[]): Record<string, number> =>
  Object.fromEntries(devices.flatMap((d) => (d.bootOrder === undefined ? [] : [[d.target, d.bootOrder]])));

describe('bootOrderFor', () => {
  it.each(MODES)('%s → %j (first disk / first cdrom only; other orders cleared)', (mode, expected) => {
    const devices = bootOrderFor(mode, DEVICES);
    expect(ordersOf(devices)).toEqual(expected);
    expect(devices.map((d) => d.target)).toEqual(['vda', 'vdb', 'hdc']);
    expect(devices[1]).not.toHaveProperty('bootOrder');
  });

  it('refuses a mode whose device is missing', () => {
    expect(() => bootOrderFor('cdrom_hd', [DEVICES[0] as StorageDeviceSpec])).toThrow(/needs a cdrom/);
    expect(() => bootOrderFor('hd', [DEVICES[2] as StorageDeviceSpec])).toThrow(/needs a disk/);
    expect(() => bootOrderFor('floppy' as BootOrderMode, DEVICES)).toThrow(/one of/);
  });
});

describe('bootOrderOf', () => {
  it.each(MODES)('reads %s back from built XML', (mode) => {
    const spec = { ...exampleIsoInstallVmSpec(), bootOrder: mode };
    expect(bootOrderOf(parseDomainXml(buildDomainXml(spec)))).toBe(mode);
  });

  it('answers custom for orders outside the four modes', () => {
    const custom = (disks: StorageDeviceSpec[], nicOrder?: number): string =>
      bootOrderOf(
        parseDomainXml(
          buildDomainXml({
            ...exampleIsoInstallVmSpec(),
            bootOrder: undefined,
            disks,
            nics:
              nicOrder === undefined ? [] : [{ network: 'n', mac: '52:54:00:00:00:01', bootOrder: nicOrder }],
          } as never),
        ),
      );
    expect(
      custom([
        { ...(DEVICES[0] as StorageDeviceSpec), bootOrder: 1 },
        { ...(DEVICES[1] as StorageDeviceSpec), bootOrder: 2 },
      ]),
    ).toBe('custom');
    expect(custom([{ ...(DEVICES[0] as StorageDeviceSpec), bootOrder: 2 }], 1)).toBe('custom');
    expect(custom([{ ...(DEVICES[0] as StorageDeviceSpec), bootOrder: 5 }])).toBe('hd');
  });
});

describe('setBootOrder', () => {
  const libvirtXml = readFixture('libvirt-domain-uefi-inactive.xml');

  it.each(MODES)('rewrites a libvirt definition to %s', (mode, expected) => {
    const out = setBootOrder(libvirtXml, mode);
    const parsed = parseDomainXml(out);
    expect(bootOrderOf(parsed)).toBe(mode);
    const byTarget = Object.fromEntries(parsed.disks.map((d) => [d.target, d.bootOrder]));
    expect(byTarget).toEqual({ vda: expected.vda, sda: expected.hdc });
  });

  it('keeps everything else: unknown elements, attributes, comments and layout', () => {
    const out = setBootOrder(libvirtXml, 'cdrom_hd');
    const strip = (xml: string): string =>
      xml
        .replace(/\s*<boot order=["']\d+["']\/>/g, '')
        .replace(/'/g, '"')
        .trim();
    expect(strip(out)).toBe(strip(libvirtXml));
    expect(out).toMatch(/<readonly\/>\n {6}<boot order="1"\/>\n {6}<address type="drive"/);
  });

  it('replaces legacy <os><boot dev> and NIC boot entries, keeps comments and secrets', () => {
    const xml = `<domain type='qemu'>
  <!-- managed by hand -->
  <name>x</name><memory>1024</memory>
  <os><type>hvm</type><boot dev='network'/><boot dev='hd'/><bootmenu enable='yes'/></os>
  <devices>
    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
    <disk type='file'><source file='/p/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='n'/><boot order='1'/></interface>
    <graphics type='vnc' passwd='s3cr&amp;t' autoport='yes'/>
  </devices>
</domain>`;
    const out = setBootOrder(xml, 'hd_cdrom');
    const parsed = parseDomainXml(out);
    expect(parsed.osBootDevices).toEqual([]);
    expect(parsed.interfaces[0]?.bootOrder).toBeUndefined();
    expect(parsed.disks.map((d) => [d.target, d.bootOrder])).toEqual([
      ['hdc', 2],
      ['vda', 1],
    ]);
    expect(out).toContain('<!-- managed by hand -->');
    expect(out).toContain('<bootmenu enable="yes"/>');
    expect(out).toContain('passwd="s3cr&amp;t"');
  });

  it('refuses a mode the domain cannot satisfy, and XML that is not a domain', () => {
    const noCdrom = `<domain><name>x</name><memory>1</memory><devices><disk><target dev='vda'/></disk></devices></domain>`;
    expect(() => setBootOrder(noCdrom, 'cdrom')).toThrow(/needs a cdrom/);
    expect(() => setBootOrder('<domain><name>x</name></domain>', 'hd')).toThrow(/no <devices>/);
    expect(() => setBootOrder('<pool/>', 'hd')).toThrow(
      expect.objectContaining({ code: 'UNEXPECTED_XML' }) as Error,
    );
  });
});
