import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { domainViewOfParsed, domainViewOfSpec } from '../testing/domain-view.js';
import { exampleImageVmSpec, exampleUefiVmSpec } from '../testing/example-specs.js';
import { bootOrderOf } from './boot-order.js';
import { machineFamily, parseDomainXml } from './domain.parser.js';
import { GUREUM_VM_NAMESPACE } from './metadata.js';

const readFixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');

describe('parseDomainXml on what libvirt 9.0 wrote back (virsh dumpxml --inactive)', () => {
  it('reads the BIOS image VM as defined', () => {
    const parsed = parseDomainXml(readFixture('libvirt-domain-bios-inactive.xml'));
    const spec = exampleImageVmSpec({
      name: 'lvxml-cap-bios',
      pool: 'lvxml-cap-pool',
      volume: 'overlay.qcow2',
      logFile: '/tmp/lvx-cap/serial.log',
    });
    expect(domainViewOfParsed(parsed)).toEqual(domainViewOfSpec(spec));
    expect(parsed.machine).toBe('pc-i440fx-7.2');
    expect(parsed.currentMemoryBytes).toBe(128 * 1024 * 1024);
    expect(parsed.cpuMode).toBe('custom');
    expect(parsed.consoles).toEqual([
      { type: 'pty', logFile: '/tmp/lvx-cap/serial.log', targetType: 'serial', targetPort: 0 },
    ]);
    expect(parsed.serials[0]?.targetType).toBe('isa-serial');
  });

  it('reads the UEFI VM as defined', () => {
    const parsed = parseDomainXml(readFixture('libvirt-domain-uefi-inactive.xml'));
    const spec = exampleUefiVmSpec({
      name: 'lvxml-cap-uefi',
      diskPath: '/tmp/lvx-cap/imgs/uefi.img',
      nvramPath: '/tmp/lvx-cap/imgs/uefi_VARS.fd',
      vncSocket: '/tmp/lvx-cap/vnc.sock',
    });
    expect(domainViewOfParsed(parsed)).toEqual(domainViewOfSpec(spec));
    expect(parsed.firmware).toBe('uefi');
    expect(machineFamily(parsed.machine)).toBe('q35');
  });
});

describe('parseDomainXml', () => {
  const minimal = (inner: string, attrs = ''): string =>
    `<domain type='kvm' ${attrs}><name>x</name><memory>1024</memory>${inner}</domain>`;

  it('applies libvirt defaults: KiB memory, one vcpu, BIOS, boot from hd', () => {
    const parsed = parseDomainXml(minimal(''));
    expect(parsed).toMatchObject({
      type: 'kvm',
      name: 'x',
      memoryBytes: 1024 * 1024,
      vcpus: 1,
      firmware: 'bios',
    });
    expect(bootOrderOf(parsed)).toBe('hd');
    expect(parsed.metadata).toBeUndefined();
  });

  it('reads memory in any unit, and the runtime id of a running domain', () => {
    const parsed = parseDomainXml(
      `<domain type='qemu' id='7'><name>x</name><memory unit='GiB'>2</memory></domain>`,
    );
    expect(parsed.memoryBytes).toBe(2 * 1024 ** 3);
    expect(parsed.id).toBe(7);
  });

  it('recognises UEFI from an explicit pflash loader', () => {
    const parsed = parseDomainXml(
      minimal(
        `<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><loader readonly='yes' secure='no' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader><nvram>/var/lib/libvirt/qemu/nvram/x_VARS.fd</nvram></os>`,
      ),
    );
    expect(parsed.firmware).toBe('uefi');
    expect(parsed.loader).toEqual({
      path: '/usr/share/OVMF/OVMF_CODE_4M.fd',
      type: 'pflash',
      readonly: true,
      secure: false,
    });
    expect(parsed.nvramPath).toBe('/var/lib/libvirt/qemu/nvram/x_VARS.fd');
  });

  it('reads legacy <os><boot dev> as a boot order mode', () => {
    const os = (devs: string[]): string =>
      `<os><type>hvm</type>${devs.map((d) => `<boot dev='${d}'/>`).join('')}</os>`;
    expect(bootOrderOf(parseDomainXml(minimal(os(['cdrom', 'hd']))))).toBe('cdrom_hd');
    expect(bootOrderOf(parseDomainXml(minimal(os(['hd', 'cdrom']))))).toBe('hd_cdrom');
    expect(bootOrderOf(parseDomainXml(minimal(os(['cdrom']))))).toBe('cdrom');
    expect(bootOrderOf(parseDomainXml(minimal(os(['network']))))).toBe('custom');
  });

  it('reads live-only details: interface target, pty path, allocated VNC port', () => {
    const parsed = parseDomainXml(
      minimal(`<devices>
        <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default' portid='1' bridge='virbr0'/><target dev='vnet3'/><model type='virtio'/></interface>
        <serial type='pty'><source path='/dev/pts/4'/><target port='0'/></serial>
        <graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
        <disk type='block' device='disk'><source dev='/dev/vg/lv'/><target dev='vdb' bus='virtio'/></disk>
        <disk type='network' device='disk'><source protocol='rbd' name='pool/img'/><target dev='vdc'/></disk>
      </devices>`),
    );
    expect(parsed.interfaces[0]).toEqual({
      type: 'network',
      source: { network: 'default' },
      mac: '52:54:00:00:00:01',
      model: 'virtio',
      targetDev: 'vnet3',
    });
    expect(parsed.serials[0]?.sourcePath).toBe('/dev/pts/4');
    expect(parsed.graphics[0]).toEqual({ type: 'vnc', listen: '127.0.0.1', port: 5901, autoport: true });
    expect(parsed.disks.map((d) => d.source)).toEqual([{ dev: '/dev/vg/lv' }, null]);
  });

  it('reads a disk backing chain', () => {
    const parsed = parseDomainXml(
      minimal(`<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/p/top.qcow2'/>
        <backingStore type='file'><format type='qcow2'/><source file='/p/mid.qcow2'/>
          <backingStore type='file'><format type='raw'/><source file='/p/base.raw'/><backingStore/></backingStore>
        </backingStore><target dev='vda' bus='virtio'/></disk></devices>`),
    );
    expect(parsed.disks[0]?.backingStore).toEqual({
      path: '/p/mid.qcow2',
      format: 'qcow2',
      backingStore: { path: '/p/base.raw', format: 'raw' },
    });
  });

  it('finds our metadata whatever prefix it was written with, and ignores foreign metadata', () => {
    const parsed = parseDomainXml(
      minimal(`<metadata>
        <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="x"/></libosinfo:libosinfo>
        <g:vm xmlns:g="${GUREUM_VM_NAMESPACE}"><g:vmId>id-1</g:vmId><g:installation>bogus</g:installation><g:future>x</g:future></g:vm>
      </metadata>`),
    );
    expect(parsed.metadata).toEqual({ vmId: 'id-1' });
    const other = parseDomainXml(
      minimal(`<metadata><vm xmlns="https://example.com/other"><vmId>x</vmId></vm></metadata>`),
    );
    expect(other.metadata).toBeUndefined();
    const defaultNs = parseDomainXml(
      minimal(`<metadata><vm xmlns="${GUREUM_VM_NAMESPACE}"><vmId>y</vmId></vm></metadata>`),
    );
    expect(defaultNs.metadata).toEqual({ vmId: 'y' });
  });

  it.each([
    ['no name', `<domain><memory>1</memory></domain>`, 'UNEXPECTED_XML'],
    ['no memory', `<domain><name>x</name></domain>`, 'UNEXPECTED_XML'],
    ['bad vcpu', `<domain><name>x</name><memory>1</memory><vcpu>two</vcpu></domain>`, 'UNEXPECTED_XML'],
    [
      'disk without target',
      `<domain><name>x</name><memory>1</memory><devices><disk/></devices></domain>`,
      'UNEXPECTED_XML',
    ],
    ['not a domain', `<network/>`, 'UNEXPECTED_XML'],
    ['not XML', `<domain>`, 'MALFORMED_XML'],
  ])('refuses %s', (_label, xml, code) => {
    expect(() => parseDomainXml(xml)).toThrow(expect.objectContaining({ code }) as Error);
  });

  it('maps machine types to their family', () => {
    expect(machineFamily('pc-i440fx-7.2')).toBe('pc');
    expect(machineFamily('pc')).toBe('pc');
    expect(machineFamily('pc-q35-8.0')).toBe('q35');
    expect(machineFamily('microvm')).toBeUndefined();
    expect(machineFamily(undefined)).toBeUndefined();
  });
});
