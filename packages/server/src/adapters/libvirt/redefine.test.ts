import { buildDomainXml, parseDomainXml } from '@gureum/libvirt-xml';
import { describe, expect, it } from 'vitest';
import { childElements, mergeRedefinition, startTagAttributes } from './redefine.js';

const UUID = '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab';

/** What libvirt returns for `virsh dumpxml --security-info --inactive` of a domain someone edited by hand. */
const CURRENT = `<domain type='qemu'>
  <name>web-1</name>
  <uuid>${UUID}</uuid>
  <memory unit='KiB'>131072</memory>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/pools/vms/old.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <!-- a comment with <graphics> in it -->
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <graphics type='vnc' port='5977' autoport='no' listen='0.0.0.0' passwd='s3&apos;cr&lt;t' keymap='de'>
      <listen type='address' address='0.0.0.0'/>
    </graphics>
    <video>
      <model type='vga' vram='16384' heads='1' primary='yes'/>
    </video>
  </devices>
</domain>
`;

const NEXT = buildDomainXml({
  type: 'qemu',
  name: 'web-1',
  uuid: UUID,
  memoryBytes: 256 * 1024 * 1024,
  vcpus: 2,
  disks: [
    { kind: 'disk', bus: 'virtio', target: 'vda', format: 'qcow2', source: { file: '/pools/vms/new.qcow2' } },
  ],
  vnc: { listen: '127.0.0.1', port: 'auto' },
  serial: { type: 'pty' },
});

describe('childElements', () => {
  it('finds top-level elements, skipping comments and quoted >', () => {
    const xml = `<a x='1>2'><!-- <b> --><b/><c><d></d></c></a>`;
    const [a] = childElements(xml);
    expect(a?.name).toBe('a');
    const inner = childElements(xml, a?.startTagEnd, a?.contentEnd);
    expect(inner.map((e) => e.name)).toEqual(['b', 'c']);
  });

  it('refuses unbalanced XML', () => {
    expect(() => childElements('<a><b></a>')).toThrow(/cannot merge/);
  });
});

describe('startTagAttributes', () => {
  it('keeps values escaped and remembers the quote', () => {
    expect(startTagAttributes(`<g a='x&apos;y' b="q">`)).toEqual([
      { name: 'a', raw: 'x&apos;y', quote: "'" },
      { name: 'b', raw: 'q', quote: '"' },
    ]);
  });
});

describe('mergeRedefinition', () => {
  const merged = mergeRedefinition(CURRENT, NEXT);
  const parsed = parseDomainXml(merged);

  it('takes everything Gureum manages from the new definition', () => {
    expect(parsed.memoryBytes).toBe(256 * 1024 * 1024);
    expect(parsed.vcpus).toBe(2);
    expect(parsed.disks.map((d) => d.source)).toEqual([{ file: '/pools/vms/new.qcow2' }]);
  });

  it('keeps the VNC password, keymap and hand-set port, but not a public listen address', () => {
    const graphics = /<graphics[^>]*>/.exec(merged)?.[0] ?? '';
    expect(graphics).toContain(`passwd='s3&apos;cr&lt;t'`);
    expect(graphics).toContain(`keymap='de'`);
    expect(graphics).toContain(`port='5977'`);
    expect(graphics).toContain(`autoport='no'`);
    expect(graphics).toContain('listen="127.0.0.1"');
    expect(merged).not.toContain('0.0.0.0');
    expect(parsed.graphics).toEqual([
      expect.objectContaining({ type: 'vnc', listen: '127.0.0.1', port: 5977, autoport: false }),
    ]);
  });

  it('keeps device kinds the VmSpec does not describe, verbatim', () => {
    expect(parsed.interfaces).toEqual([
      expect.objectContaining({ mac: '52:54:00:12:34:56', source: { network: 'default' } }),
    ]);
    expect(merged).toContain(`slot='0x03'`);
    expect(parsed.guestAgent).toBe(true);
    expect(merged).not.toContain('old.qcow2');
    expect(merged).not.toContain('<emulator>');
  });

  it('keeps autoport when the port was automatic', () => {
    const auto = CURRENT.replace(`port='5977' autoport='no'`, `port='-1' autoport='yes'`);
    const graphics = /<graphics[^>]*>/.exec(mergeRedefinition(auto, NEXT))?.[0] ?? '';
    expect(graphics).toContain('autoport="yes"');
    expect(graphics).toContain(`passwd='s3&apos;cr&lt;t'`);
  });

  it('changes nothing but the new definition when there is nothing to keep', () => {
    const bare = `<domain type='qemu'><name>web-1</name><devices><disk type='file' device='disk'/></devices></domain>`;
    expect(mergeRedefinition(bare, NEXT)).toBe(NEXT);
  });
});
