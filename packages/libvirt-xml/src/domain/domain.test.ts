import { describe, expect, it } from 'vitest';
import { LibvirtXmlError } from '../errors.js';
import { domainViewOfParsed, domainViewOfSpec } from '../testing/domain-view.js';
import { exampleImageVmSpec, exampleIsoInstallVmSpec, exampleUefiVmSpec } from '../testing/example-specs.js';
import { HOSTILE_STRINGS } from '../testing/hostile-strings.js';
import { buildDomainXml } from './domain.builder.js';
import { parseDomainXml } from './domain.parser.js';
import type { DomainSpec } from './domain.types.js';

type Patch = { [K in keyof DomainSpec]?: DomainSpec[K] | undefined };

const fixture = (name: string): string => new URL(`../../test/fixtures/${name}`, import.meta.url).pathname;

const GOLDEN: readonly [string, DomainSpec][] = [
  ['domain-bios-image.xml', exampleImageVmSpec()],
  ['domain-iso-install.xml', exampleIsoInstallVmSpec()],
  ['domain-uefi.xml', exampleUefiVmSpec()],
];

describe('buildDomainXml golden fixtures', () => {
  it.each(GOLDEN)('%s', async (file, spec) => {
    await expect(buildDomainXml(spec)).toMatchFileSnapshot(fixture(file));
  });

  it.each(GOLDEN)('%s parses back to the same spec-level data', (_file, spec) => {
    expect(domainViewOfParsed(parseDomainXml(buildDomainXml(spec)))).toEqual(domainViewOfSpec(spec));
  });
});

describe('buildDomainXml', () => {
  const base = exampleImageVmSpec();

  it('writes memory as KiB, per-device boot order only, ACPI, and no balloon by default', () => {
    const xml = buildDomainXml(base);
    expect(xml).toContain('<memory unit="KiB">131072</memory>');
    expect(xml).not.toMatch(/<boot dev=/);
    expect(xml).toContain('<acpi/>');
    expect(xml).toContain('<memballoon model="none"/>');
    expect(xml).toContain('<model type="vga"/>');
    expect(xml).not.toContain('<cpu');
  });

  it('gives kvm domains a host-model CPU unless told otherwise', () => {
    expect(buildDomainXml({ ...base, type: 'kvm' })).toContain('<cpu mode="host-model"/>');
    expect(buildDomainXml({ ...base, type: 'kvm', cpuMode: 'host-passthrough' })).toContain(
      '<cpu mode="host-passthrough"/>',
    );
  });

  it('writes UEFI as firmware auto-selection with Secure Boot off and the caller’s NVRAM path', () => {
    const xml = buildDomainXml(exampleUefiVmSpec());
    expect(xml).toContain('<os firmware="efi">');
    expect(xml).toContain('<feature enabled="no" name="secure-boot"/>');
    expect(xml).toContain('<feature enabled="no" name="enrolled-keys"/>');
    expect(xml).toContain('<nvram>/var/lib/gureum/nvram/c3d2e1f0_VARS.fd</nvram>');
  });

  it('adds a virtio-scsi controller when a device sits on the scsi bus', () => {
    const xml = buildDomainXml({
      ...base,
      bootOrder: 'cdrom',
      disks: [{ kind: 'cdrom', bus: 'scsi', target: 'sda' }],
    });
    expect(xml).toContain('<controller type="scsi" index="0" model="virtio-scsi"/>');
  });

  it('never listens on 0.0.0.0 by default', () => {
    expect(buildDomainXml({ ...base, vnc: {} })).toContain('listen="127.0.0.1"');
  });

  it('writes file and unix serial ports', () => {
    expect(buildDomainXml({ ...base, serial: { type: 'file', path: '/l/s.log', append: true } })).toContain(
      '<source path="/l/s.log" append="on"/>',
    );
    expect(buildDomainXml({ ...base, serial: { type: 'unix', path: '/run/s.sock' } })).toContain(
      '<source mode="bind" path="/run/s.sock"/>',
    );
  });

  it('writes optional devices only when asked', () => {
    const xml = buildDomainXml({ ...base, memballoon: true, rng: true, video: 'none', vnc: { port: 5905 } });
    expect(xml).toContain('<memballoon model="virtio"/>');
    expect(xml).toContain('<backend model="random">/dev/urandom</backend>');
    expect(xml).toContain('<model type="none"/>');
    expect(xml).toContain('port="5905" autoport="no"');
  });

  it.each<[string, Patch, RegExp]>([
    ['a bad uuid', { uuid: 'nope' }, /uuid/],
    ['memory that is not whole KiB', { memoryBytes: 1000 }, /multiple of 1024/],
    ['zero vcpus', { vcpus: 0 }, /vcpus/],
    ['a multi-line title', { title: 'a\nb' }, /title/],
    ['UEFI without NVRAM', { firmware: 'uefi', memoryBytes: 256 * 1024 ** 2 }, /nvramPath/],
    ['UEFI with too little memory', { firmware: 'uefi', nvramPath: '/n.fd' }, /160 MiB/],
    ['NVRAM without UEFI', { nvramPath: '/n.fd' }, /nvramPath/],
    ['a host CPU on TCG', { cpuMode: 'host-model' }, /kvm/],
    ['IDE on q35', { machine: 'q35' }, /IDE/],
    [
      'duplicate targets',
      {
        bootOrder: undefined,
        disks: [
          { kind: 'cdrom', bus: 'ide', target: 'hdc' },
          { kind: 'cdrom', bus: 'ide', target: 'hdc' },
        ],
      },
      /hdc/,
    ],
    [
      'duplicate boot orders',
      {
        bootOrder: undefined,
        disks: [
          { kind: 'cdrom', bus: 'ide', target: 'hdc', bootOrder: 1 },
          { kind: 'cdrom', bus: 'ide', target: 'hdd', bootOrder: 1 },
        ],
      },
      /same bootOrder/,
    ],
    [
      'a mode plus NIC boot order',
      { nics: [{ network: 'n', mac: '52:54:00:00:00:01', bootOrder: 3 }] },
      /NIC boot/,
    ],
    ['a multicast MAC', { nics: [{ network: 'n', mac: '01:00:5e:00:00:01' }] }, /unicast/],
    ['a malformed MAC', { nics: [{ network: 'n', mac: '52:54:00:00:00' }] }, /52:54:00/],
    [
      'a user alias without ua-',
      { nics: [{ network: 'n', mac: '52:54:00:00:00:01', alias: 'nic0' }] },
      /ua-/,
    ],
    [
      'a path with a line break',
      { nvramPath: '/n\n.fd', firmware: 'uefi', memoryBytes: 256 * 1024 ** 2 },
      /line breaks/,
    ],
    [
      'a relative disk path',
      {
        disks: [{ kind: 'disk', bus: 'virtio', target: 'vda', format: 'raw', source: { file: 'disk.img' } }],
      },
      /absolute/,
    ],
    [
      'a bad target',
      { disks: [{ kind: 'disk', bus: 'virtio', target: '../vda', format: 'raw', source: { file: '/d' } }] },
      /device name/,
    ],
    ['a mode without its device', { bootOrder: 'cdrom', disks: [] }, /needs a cdrom/],
  ])('refuses %s', (_label, patch, message) => {
    const attempt = (): string => buildDomainXml({ ...base, ...patch } as DomainSpec);
    expect(attempt).toThrow(LibvirtXmlError);
    expect(attempt).toThrow(message);
  });
});

describe('hostile strings', () => {
  it.each(HOSTILE_STRINGS)('%j round-trips through name, title, description, metadata and paths', (value) => {
    const path = value.replace(/[\r\n]/g, ' ');
    const spec: DomainSpec = {
      ...exampleImageVmSpec(),
      name: value,
      title: value.replace(/[\r\n]/g, ' '),
      description: value,
      metadata: { vmId: value, ownerId: value, tags: [value, 'x'] },
      disks: [
        {
          kind: 'disk',
          bus: 'virtio',
          target: 'vda',
          format: 'qcow2',
          source: { file: `/p/${path}` },
          serial: value,
        },
        { kind: 'cdrom', bus: 'ide', target: 'hdc', source: { pool: value, volume: value } },
      ],
      nics: [{ network: value, mac: '52:54:00:00:00:01' }],
      serial: { type: 'pty', logFile: `/l/${path}` },
      vnc: { socket: `/s/${path}` },
    };
    const xml = buildDomainXml(spec);
    const parsed = parseDomainXml(xml);
    expect(domainViewOfParsed(parsed)).toEqual(domainViewOfSpec(spec));
    // Nothing was injected: the document has exactly the elements we wrote.
    expect(xml.match(/<name>/g)).toHaveLength(1);
    expect(parsed.disks).toHaveLength(2);
    expect(parsed.interfaces).toHaveLength(1);
  });
});
