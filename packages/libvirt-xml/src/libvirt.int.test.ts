// Live acceptance against the real libvirtd (qemu:///system): what the builders write, libvirt accepts,
// and what libvirt writes back, the parsers read as the spec said. `virsh` is only an independent observer
// here (the product talks to libvirt through @gureum/libvirt). Nothing is started: domains are defined,
// inspected and undefined; the network is defined but never started, so no packet can leave.
//
// Real: libvirtd, virsh, qemu-img, files in a temp dir. Fake: nothing.

import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootOrderOf,
  buildCdromMediaXml,
  buildDiskDeviceXml,
  buildDomainSnapshotXml,
  buildDomainXml,
  buildInterfaceDeviceXml,
  buildNetworkXml,
  buildStoragePoolXml,
  buildStorageVolumeXml,
  parseDomainSnapshotXml,
  parseDomainXml,
  parseNetworkXml,
  parseStoragePoolXml,
  parseStorageVolumeXml,
  setBootOrder,
} from './index.js';
import type { BootOrderMode, DomainSpec } from './index.js';
import {
  domainViewOfParsed,
  domainViewOfSpec,
  exampleDirPoolSpec,
  exampleImageVmSpec,
  exampleIsoInstallVmSpec,
  exampleIsolatedNetworkSpec,
  exampleOverlayVolumeSpec,
  exampleSnapshotSpec,
  exampleUefiVmSpec,
} from './testing/index.js';

const tag = randomBytes(3).toString('hex');
const prefix = `lvxml-test-${tag}`;
const poolName = `${prefix}-pool`;
const networkName = `${prefix}-net`;
const dir = mkdtempSync(join(tmpdir(), 'lvxml-int-'));
const defined: { domains: string[]; networks: string[]; pools: string[] } = {
  domains: [],
  networks: [],
  pools: [],
};

function virsh(...args: string[]): string {
  return execFileSync('virsh', ['-c', 'qemu:///system', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function virshXml(xml: string, ...args: string[]): string {
  const file = join(dir, `${randomBytes(4).toString('hex')}.xml`);
  writeFileSync(file, xml);
  return virsh(...args.map((a) => (a === '{file}' ? file : a)));
}

function qemuImg(...args: string[]): void {
  execFileSync('qemu-img', args, { stdio: 'ignore' });
}

function defineDomain(spec: DomainSpec): void {
  virshXml(buildDomainXml(spec), 'define', '{file}');
  defined.domains.push(spec.name);
}

function bestEffort(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // Cleanup goes on; whatever is left carries the lvxml-test- prefix and is easy to find.
  }
}

const images = join(dir, 'images');
const poolDir = join(dir, 'pool');
const specs = {
  bios: exampleImageVmSpec({
    name: `${prefix}-bios`,
    uuid: randomUUID(),
    pool: poolName,
    volume: 'overlay.qcow2',
    network: networkName,
    logFile: join(dir, 'bios-serial.log'),
  }),
  iso: exampleIsoInstallVmSpec({
    name: `${prefix}-iso`,
    uuid: randomUUID(),
    diskPath: join(images, 'blank.qcow2'),
    isoPath: join(images, 'install.iso'),
  }),
  uefi: exampleUefiVmSpec({
    name: `${prefix}-uefi`,
    uuid: randomUUID(),
    diskPath: join(images, 'uefi.img'),
    nvramPath: join(images, 'uefi_VARS.fd'),
    vncSocket: join(dir, 'vnc.sock'),
  }),
};

beforeAll(() => {
  virsh('version'); // fails loudly when libvirtd is not there
  mkdirSync(images, { recursive: true });
  qemuImg('create', '-q', '-f', 'qcow2', join(images, 'base.qcow2'), '64M');
  qemuImg('create', '-q', '-f', 'qcow2', join(images, 'blank.qcow2'), '256M');
  qemuImg('create', '-q', '-f', 'raw', join(images, 'install.iso'), '1M');
  qemuImg('create', '-q', '-f', 'raw', join(images, 'uefi.img'), '16M');
});

afterAll(() => {
  for (const name of defined.domains)
    bestEffort(() => virsh('undefine', name, '--nvram', '--snapshots-metadata'));
  for (const name of defined.networks) bestEffort(() => virsh('net-undefine', name));
  for (const name of defined.pools) {
    bestEffort(() => virsh('vol-delete', '--pool', name, 'overlay.qcow2'));
    bestEffort(() => virsh('vol-delete', '--pool', name, 'data.raw'));
    bestEffort(() => virsh('pool-destroy', name));
    bestEffort(() => virsh('pool-undefine', name));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('storage, against libvirtd', () => {
  it('defines and starts a dir pool from buildStoragePoolXml', () => {
    const spec = { ...exampleDirPoolSpec({ name: poolName, targetPath: poolDir }), uuid: randomUUID() };
    virshXml(buildStoragePoolXml(spec), 'pool-define', '{file}');
    defined.pools.push(poolName);
    virsh('pool-build', poolName);
    virsh('pool-start', poolName);
    const pool = parseStoragePoolXml(virsh('pool-dumpxml', poolName));
    expect(pool).toMatchObject({
      type: 'dir',
      name: poolName,
      targetPath: poolDir,
      uuid: spec.uuid,
      permissions: spec.permissions,
    });
    expect(typeof pool.capacityBytes).toBe('number');
  });

  it('creates a qcow2 overlay and a raw volume from buildStorageVolumeXml', () => {
    const overlay = exampleOverlayVolumeSpec({
      name: 'overlay.qcow2',
      backingPath: join(images, 'base.qcow2'),
    });
    virshXml(buildStorageVolumeXml(overlay), 'vol-create', poolName, '{file}');
    const vol = parseStorageVolumeXml(virsh('vol-dumpxml', '--pool', poolName, 'overlay.qcow2'));
    expect(vol).toMatchObject({
      name: 'overlay.qcow2',
      path: join(poolDir, 'overlay.qcow2'),
      capacityBytes: overlay.capacityBytes,
      format: 'qcow2',
      backingStore: { path: join(images, 'base.qcow2'), format: 'qcow2' },
    });
    virshXml(
      buildStorageVolumeXml({ name: 'data.raw', capacityBytes: 1024 * 1024, format: 'raw' }),
      'vol-create',
      poolName,
      '{file}',
    );
    expect(parseStorageVolumeXml(virsh('vol-dumpxml', '--pool', poolName, 'data.raw'))).toMatchObject({
      capacityBytes: 1024 * 1024,
      format: 'raw',
    });
  });
});

describe('network, against libvirtd (defined, never started)', () => {
  it('defines an isolated network with DHCP from buildNetworkXml', () => {
    const spec = {
      ...exampleIsolatedNetworkSpec({ name: networkName, bridge: `lvx${tag}` }),
      uuid: randomUUID(),
    };
    virshXml(buildNetworkXml(spec), 'net-define', '{file}');
    defined.networks.push(networkName);
    expect(parseNetworkXml(virsh('net-dumpxml', networkName))).toEqual(spec);
  });
});

describe.each(Object.entries(specs))('%s domain, against libvirtd', (kind, spec) => {
  it('is accepted by define and read back as specified (dumpxml --inactive)', () => {
    defineDomain(spec);
    const parsed = parseDomainXml(virsh('dumpxml', '--inactive', spec.name));
    expect(domainViewOfParsed(parsed)).toEqual(domainViewOfSpec(spec));
    expect(parsed.memoryBytes).toBe(spec.memoryBytes);
    expect(parsed.firmware).toBe(spec.firmware ?? 'bios');
    expect(bootOrderOf(parsed)).toBe(spec.bootOrder);
    expect(parsed.type).toBe('qemu');
    if (kind === 'uefi') expect(parsed.nvramPath).toBe(spec.nvramPath);
  });

  it.each<BootOrderMode>(['cdrom_hd', 'hd', 'cdrom', 'hd_cdrom'])(
    'takes boot order %s through setBootOrder and a redefine',
    (mode) => {
      const current = virsh('dumpxml', '--inactive', '--security-info', spec.name);
      virshXml(setBootOrder(current, mode), 'define', '{file}');
      expect(bootOrderOf(parseDomainXml(virsh('dumpxml', '--inactive', spec.name)))).toBe(mode);
    },
  );
});

describe('device XML, against libvirtd (persistent config of the ISO VM)', () => {
  const name = specs.iso.name;
  const cdrom = (): { source: unknown } | undefined =>
    parseDomainXml(virsh('dumpxml', '--inactive', name)).disks.find((d) => d.target === 'hdc');

  it('ejects and inserts media with buildCdromMediaXml', () => {
    virshXml(buildCdromMediaXml('hdc', null), 'update-device', name, '{file}', '--config');
    expect(cdrom()?.source).toBeNull();
    virshXml(
      buildCdromMediaXml('hdc', join(images, 'install.iso'), { bus: 'ide' }),
      'update-device',
      name,
      '{file}',
      '--config',
    );
    expect(cdrom()?.source).toEqual({ file: join(images, 'install.iso') });
  });

  it('attaches and detaches a disk and a NIC with buildDiskDeviceXml / buildInterfaceDeviceXml', () => {
    const disk = buildDiskDeviceXml({
      kind: 'disk',
      bus: 'virtio',
      target: 'vdb',
      format: 'raw',
      source: { pool: poolName, volume: 'data.raw' },
      alias: 'ua-data',
    });
    const nic = buildInterfaceDeviceXml({
      network: networkName,
      mac: '52:54:00:aa:bb:cc',
      alias: 'ua-nic-x',
    });
    virshXml(disk, 'attach-device', name, '{file}', '--config');
    virshXml(nic, 'attach-device', name, '{file}', '--config');
    let parsed = parseDomainXml(virsh('dumpxml', '--inactive', name));
    expect(parsed.disks.find((d) => d.target === 'vdb')).toMatchObject({
      source: { pool: poolName, volume: 'data.raw' },
      alias: 'ua-data',
    });
    expect(parsed.interfaces.find((n) => n.mac === '52:54:00:aa:bb:cc')).toMatchObject({
      source: { network: networkName },
      model: 'virtio',
    });
    virshXml(disk, 'detach-device', name, '{file}', '--config');
    virshXml(nic, 'detach-device', name, '{file}', '--config');
    parsed = parseDomainXml(virsh('dumpxml', '--inactive', name));
    expect(parsed.disks.map((d) => d.target)).toEqual(['vda', 'hdc']);
    expect(parsed.interfaces).toEqual([]);
  });
});

describe('snapshot, against libvirtd', () => {
  it('creates an internal snapshot of the stopped ISO VM from buildDomainSnapshotXml', () => {
    const name = specs.iso.name;
    const spec = exampleSnapshotSpec({ name: 'before-upgrade' });
    virshXml(buildDomainSnapshotXml(spec), 'snapshot-create', name, '{file}');
    const snapshot = parseDomainSnapshotXml(virsh('snapshot-dumpxml', name, spec.name));
    expect(snapshot).toMatchObject({
      name: spec.name,
      description: spec.description,
      state: 'shutoff',
      memory: 'no',
      disks: [
        { target: 'vda', snapshot: 'internal' },
        { target: 'hdc', snapshot: 'no' },
      ],
    });
    expect(snapshot.creationTime?.getTime()).toBeGreaterThan(Date.now() - 600_000);
    expect(snapshot.domain?.name).toBe(name);
    virsh('snapshot-delete', name, spec.name);
  });
});
