import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCapabilitiesXml } from './capabilities.js';
import { parseDomainCapabilitiesXml } from './domain-capabilities.js';

const readFixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');

describe('parseCapabilitiesXml (libvirt 9.0 / QEMU 7.2 host)', () => {
  const caps = parseCapabilitiesXml(readFixture('libvirt-capabilities.xml'));

  it('reads the host', () => {
    expect(caps.host).toMatchObject({
      arch: 'x86_64',
      cpuModel: 'kvm64',
      cpuVendor: 'AMD',
      topology: { sockets: 1, dies: 1, cores: 2, threads: 1 },
      memoryBytes: 5204172 * 1024,
      secModels: ['none', 'dac'],
    });
    expect(caps.host.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads guest architectures, machines and domain types', () => {
    expect(caps.guests.map((g) => g.arch)).toEqual(['i686', 'x86_64']);
    const x86 = caps.guests.find((g) => g.arch === 'x86_64');
    expect(x86).toMatchObject({
      osType: 'hvm',
      wordsize: 64,
      emulator: '/usr/bin/qemu-system-x86_64',
      domainTypes: ['qemu', 'kvm'],
    });
    expect(x86?.machines).toContainEqual({
      name: 'pc',
      canonical: 'pc-i440fx-7.2',
      maxCpus: 255,
      deprecated: false,
    });
    expect(x86?.machines.some((m) => m.name === 'q35')).toBe(true);
  });

  it('copes with a minimal document', () => {
    expect(parseCapabilitiesXml('<capabilities><host/></capabilities>')).toEqual({
      host: { secModels: [] },
      guests: [],
    });
  });
});

describe('parseDomainCapabilitiesXml (qemu, x86_64, pc)', () => {
  const domcaps = parseDomainCapabilitiesXml(readFixture('libvirt-domcapabilities.xml'));

  it('reads the emulator, machine and limits', () => {
    expect(domcaps).toMatchObject({
      path: '/usr/bin/qemu-system-x86_64',
      domainType: 'qemu',
      machine: 'pc-i440fx-7.2',
      arch: 'x86_64',
      maxVcpus: 255,
    });
  });

  it('detects UEFI support and the firmware images', () => {
    expect(domcaps.efiSupported).toBe(true);
    expect(domcaps.os.firmware).toEqual(['efi']);
    expect(domcaps.os.loader).toEqual({
      supported: true,
      values: ['/usr/share/OVMF/OVMF_CODE_4M.fd'],
      types: ['rom', 'pflash'],
      secure: ['no'],
    });
  });

  it('reads CPU modes, device enums and features', () => {
    expect(domcaps.cpuModes).toEqual({
      'host-passthrough': false,
      maximum: true,
      'host-model': true,
      custom: true,
    });
    expect(domcaps.devices.disk?.enums.bus).toEqual(['ide', 'fdc', 'scsi', 'virtio', 'usb', 'sata']);
    expect(domcaps.devices.video?.enums.modelType).toContain('virtio');
    expect(domcaps.features.backup).toBe(true);
    expect(domcaps.features.sev).toBe(false);
  });

  it('reports no UEFI when neither the firmware enum nor a pflash loader is offered', () => {
    const none = parseDomainCapabilitiesXml(
      `<domainCapabilities><os supported='yes'><enum name='firmware'/><loader supported='yes'><enum name='type'><value>rom</value></enum></loader></os></domainCapabilities>`,
    );
    expect(none.efiSupported).toBe(false);
    expect(parseDomainCapabilitiesXml('<domainCapabilities/>').efiSupported).toBe(false);
  });
});
