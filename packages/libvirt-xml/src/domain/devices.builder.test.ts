import { describe, expect, it } from 'vitest';
import { parseXml } from '../xml/codec.js';
import { buildCdromMediaXml, buildDiskDeviceXml, buildInterfaceDeviceXml } from './devices.builder.js';
import { parseDisk, parseInterface } from './devices.parser.js';

describe('device XML for hot-plug and media change', () => {
  it('buildDiskDeviceXml writes a pool volume disk with an alias', () => {
    const xml = buildDiskDeviceXml({
      kind: 'disk',
      bus: 'virtio',
      target: 'vdb',
      format: 'raw',
      source: { pool: 'gureum-disks', volume: 'data.raw' },
      alias: 'ua-data',
      readonly: true,
    });
    expect(xml).toBe(
      [
        '<disk type="volume" device="disk">',
        '  <driver name="qemu" type="raw"/>',
        '  <source pool="gureum-disks" volume="data.raw"/>',
        '  <target dev="vdb" bus="virtio"/>',
        '  <readonly/>',
        '  <alias name="ua-data"/>',
        '</disk>',
        '',
      ].join('\n'),
    );
    expect(parseDisk(parseXml(xml, 'disk'))).toMatchObject({
      device: 'disk',
      source: { pool: 'gureum-disks', volume: 'data.raw' },
      readonly: true,
    });
  });

  it('buildDiskDeviceXml writes a cdrom too', () => {
    const xml = buildDiskDeviceXml({
      kind: 'cdrom',
      bus: 'sata',
      target: 'sdb',
      source: { file: '/i/x.iso' },
    });
    expect(parseDisk(parseXml(xml, 'disk'))).toMatchObject({
      device: 'cdrom',
      bus: 'sata',
      source: { file: '/i/x.iso' },
      readonly: true,
    });
  });

  it('buildCdromMediaXml inserts and ejects', () => {
    expect(buildCdromMediaXml('hdc', '/i/debian.iso')).toBe(
      [
        '<disk type="file" device="cdrom">',
        '  <driver name="qemu" type="raw"/>',
        '  <source file="/i/debian.iso"/>',
        '  <target dev="hdc"/>',
        '  <readonly/>',
        '</disk>',
        '',
      ].join('\n'),
    );
    const eject = buildCdromMediaXml('sda', null, { bus: 'sata' });
    expect(parseDisk(parseXml(eject, 'disk'))).toMatchObject({ target: 'sda', bus: 'sata', source: null });
  });

  it('buildCdromMediaXml refuses bad input', () => {
    expect(() => buildCdromMediaXml('hdc"', null)).toThrow(/device name/);
    expect(() => buildCdromMediaXml('hdc', 'relative.iso')).toThrow(/absolute/);
    expect(() => buildCdromMediaXml('hdc', null, { bus: 'virtio' as 'ide' })).toThrow(/bus/);
  });

  it('buildInterfaceDeviceXml writes network and bridge NICs with a lower-case MAC', () => {
    const onNetwork = buildInterfaceDeviceXml({
      network: 'gureum-nat',
      mac: '52:54:00:AB:CD:EF',
      bootOrder: 3,
      alias: 'ua-nic-1',
    });
    expect(onNetwork).toBe(
      [
        '<interface type="network">',
        '  <mac address="52:54:00:ab:cd:ef"/>',
        '  <source network="gureum-nat"/>',
        '  <model type="virtio"/>',
        '  <boot order="3"/>',
        '  <alias name="ua-nic-1"/>',
        '</interface>',
        '',
      ].join('\n'),
    );
    const onBridge = buildInterfaceDeviceXml({ bridge: 'br0', mac: '52:54:00:00:00:02', model: 'e1000e' });
    expect(parseInterface(parseXml(onBridge, 'interface'))).toEqual({
      type: 'bridge',
      source: { bridge: 'br0' },
      mac: '52:54:00:00:00:02',
      model: 'e1000e',
    });
  });

  it('buildInterfaceDeviceXml refuses bad input', () => {
    expect(() => buildInterfaceDeviceXml({ network: '', mac: '52:54:00:00:00:02' })).toThrow(/network/);
    expect(() => buildInterfaceDeviceXml({ bridge: 'br0', mac: '52:54:00:00:00:02', bootOrder: 0 })).toThrow(
      /bootOrder/,
    );
    expect(() =>
      buildInterfaceDeviceXml({ bridge: 'br0', mac: '52:54:00:00:00:02', model: 'pcnet' as 'virtio' }),
    ).toThrow(/model/);
  });
});
