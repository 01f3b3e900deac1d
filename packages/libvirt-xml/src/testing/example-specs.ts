// Example specs behind the golden fixtures (test/fixtures/*.xml). Other packages' tests may use them too,
// through `@gureum/libvirt-xml/testing`. Paths are parameters so that live tests can point them at real
// files; the defaults are the ones in the fixtures.

import type { DomainSpec } from '../domain/domain.types.js';
import type { NetworkSpec } from '../network/network.js';
import type { DomainSnapshotSpec } from '../snapshot/domain-snapshot.js';
import type { StoragePoolSpec } from '../storage/storage-pool.js';
import type { StorageVolumeSpec } from '../storage/storage-volume.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * A BIOS VM created from an image: `pc`, a qcow2 overlay on virtio taken from a pool, an empty IDE
 * cdrom, a NIC on a network, VNC on 127.0.0.1, a pty serial console with a log file, and our metadata.
 *
 * @example
 * ```ts
 * const xml = buildDomainXml(exampleImageVmSpec({ pool: 'my-pool' }));
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export function exampleImageVmSpec(
  options: {
    name?: string;
    uuid?: string;
    pool?: string;
    volume?: string;
    network?: string;
    logFile?: string;
  } = {},
): DomainSpec {
  const uuid = options.uuid ?? '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab';
  return {
    type: 'qemu',
    name: options.name ?? 'web-1',
    uuid,
    title: 'Web server',
    description: 'Created from image debian-12',
    metadata: {
      vmId: uuid,
      ownerId: 'user-1',
      installation: 'installed',
      imageId: 'img-debian-12',
      createdAt: '2025-01-02T03:04:05Z',
      tags: ['web', 'prod'],
    },
    memoryBytes: 128 * MiB,
    vcpus: 1,
    machine: 'pc',
    firmware: 'bios',
    bootOrder: 'hd',
    disks: [
      {
        kind: 'disk',
        bus: 'virtio',
        target: 'vda',
        format: 'qcow2',
        source: { pool: options.pool ?? 'gureum-disks', volume: options.volume ?? 'vm-6f1c9d9e-root.qcow2' },
        serial: 'root',
        alias: 'ua-disk-root',
      },
      { kind: 'cdrom', bus: 'ide', target: 'hdc', source: null, alias: 'ua-cdrom' },
    ],
    nics: [{ network: options.network ?? 'gureum-nat', mac: '52:54:00:6f:1c:9d', alias: 'ua-nic-0' }],
    vnc: { listen: '127.0.0.1', port: 'auto' },
    serial: { type: 'pty', logFile: options.logFile ?? '/var/lib/gureum/logs/6f1c9d9e-serial.log' },
    guestAgent: true,
  };
}

/**
 * A VM installing from an ISO: a blank qcow2 disk, a cdrom holding the ISO, boot order `cdrom_hd`.
 *
 * @example
 * ```ts
 * const xml = buildDomainXml(exampleIsoInstallVmSpec({ diskPath: '/tmp/d.qcow2', isoPath: '/tmp/i.iso' }));
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export function exampleIsoInstallVmSpec(
  options: { name?: string; uuid?: string; diskPath?: string; isoPath?: string } = {},
): DomainSpec {
  const uuid = options.uuid ?? '0b7a4c52-8d1e-4f3a-a6c2-5e9d8f7b6a10';
  return {
    type: 'qemu',
    name: options.name ?? 'install-1',
    uuid,
    metadata: { vmId: uuid, ownerId: 'user-2', installation: 'installing', mediaImageId: 'img-tiny-iso' },
    memoryBytes: 96 * MiB,
    vcpus: 1,
    bootOrder: 'cdrom_hd',
    disks: [
      {
        kind: 'disk',
        bus: 'virtio',
        target: 'vda',
        format: 'qcow2',
        source: { file: options.diskPath ?? '/var/lib/gureum/pools/disks/vm-0b7a4c52-root.qcow2' },
      },
      {
        kind: 'cdrom',
        bus: 'ide',
        target: 'hdc',
        source: { file: options.isoPath ?? '/var/lib/gureum/pools/images/img-tiny.iso' },
      },
    ],
    vnc: { listen: '127.0.0.1', port: 'auto' },
    serial: { type: 'file', path: '/var/lib/gureum/logs/0b7a4c52-serial.log' },
  };
}

/**
 * A UEFI VM on q35 (Secure Boot off), with its NVRAM path, a SATA cdrom, a VNC UNIX socket and a RNG.
 *
 * @example
 * ```ts
 * const xml = buildDomainXml(exampleUefiVmSpec({ nvramPath: '/tmp/vars.fd' }));
 * ```
 * @see https://libvirt.org/formatdomain.html#bios-bootloader
 */
export function exampleUefiVmSpec(
  options: { name?: string; uuid?: string; diskPath?: string; nvramPath?: string; vncSocket?: string } = {},
): DomainSpec {
  const uuid = options.uuid ?? 'c3d2e1f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f';
  return {
    type: 'qemu',
    name: options.name ?? 'uefi-1',
    uuid,
    metadata: { vmId: uuid, ownerId: 'user-1' },
    memoryBytes: 192 * MiB,
    vcpus: 2,
    machine: 'q35',
    firmware: 'uefi',
    nvramPath: options.nvramPath ?? '/var/lib/gureum/nvram/c3d2e1f0_VARS.fd',
    onReboot: 'destroy',
    bootOrder: 'hd_cdrom',
    disks: [
      {
        kind: 'disk',
        bus: 'virtio',
        target: 'vda',
        format: 'raw',
        source: { file: options.diskPath ?? '/var/lib/gureum/pools/disks/vm-c3d2e1f0-root.img' },
      },
      { kind: 'cdrom', bus: 'sata', target: 'sda', source: null },
    ],
    nics: [{ bridge: 'br0', mac: '52:54:00:c3:d2:e1', model: 'virtio' }],
    vnc: { socket: options.vncSocket ?? '/run/gureum/vnc/c3d2e1f0.sock' },
    serial: { type: 'unix', path: '/run/gureum/serial/c3d2e1f0.sock' },
    video: 'virtio',
    rng: true,
  };
}

/**
 * A managed directory pool.
 *
 * @example
 * ```ts
 * const xml = buildStoragePoolXml(exampleDirPoolSpec({ targetPath: '/tmp/pool' }));
 * ```
 * @see https://libvirt.org/formatstorage.html
 */
export function exampleDirPoolSpec(options: { name?: string; targetPath?: string } = {}): StoragePoolSpec {
  return {
    name: options.name ?? 'gureum-disks',
    uuid: '5b0c8a1e-3f2d-4e6a-9b7c-1d2e3f4a5b6c',
    type: 'dir',
    targetPath: options.targetPath ?? '/var/lib/gureum/pools/disks',
    permissions: { mode: '0711', owner: 0, group: 0 },
  };
}

/**
 * A qcow2 overlay of 10 GiB on a base image.
 *
 * @example
 * ```ts
 * const xml = buildStorageVolumeXml(exampleOverlayVolumeSpec({ backingPath: '/tmp/base.qcow2' }));
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-xml
 */
export function exampleOverlayVolumeSpec(
  options: { name?: string; backingPath?: string } = {},
): StorageVolumeSpec {
  return {
    name: options.name ?? 'vm-6f1c9d9e-root.qcow2',
    capacityBytes: 10 * GiB,
    allocationBytes: 0,
    format: 'qcow2',
    backingStore: {
      path: options.backingPath ?? '/var/lib/gureum/pools/images/img-debian-12.qcow2',
      format: 'qcow2',
    },
  };
}

/**
 * An isolated network with DHCP and one fixed lease.
 *
 * @example
 * ```ts
 * const xml = buildNetworkXml(exampleIsolatedNetworkSpec());
 * ```
 * @see https://libvirt.org/formatnetwork.html
 */
export function exampleIsolatedNetworkSpec(options: { name?: string; bridge?: string } = {}): NetworkSpec {
  return {
    name: options.name ?? 'gureum-lab',
    uuid: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
    bridge: options.bridge ?? 'gbr-lab',
    forward: 'isolated',
    mtu: 1500,
    domain: 'lab.internal',
    ipv4: {
      address: '10.77.0.1',
      prefix: 24,
      dhcp: {
        start: '10.77.0.100',
        end: '10.77.0.199',
        hosts: [{ mac: '52:54:00:6f:1c:9d', ip: '10.77.0.10', name: 'web-1' }],
      },
    },
  };
}

/**
 * A snapshot: no memory, the system disk internal, the cdrom left out.
 *
 * @example
 * ```ts
 * const xml = buildDomainSnapshotXml(exampleSnapshotSpec());
 * ```
 * @see https://libvirt.org/formatsnapshot.html
 */
export function exampleSnapshotSpec(options: { name?: string } = {}): DomainSnapshotSpec {
  return {
    name: options.name ?? 'before-upgrade',
    description: 'Before the kernel upgrade',
    memory: 'no',
    disks: [
      { target: 'vda', snapshot: 'internal' },
      { target: 'hdc', snapshot: 'no' },
    ],
  };
}
