import type { VmRecord, VolumeRecord } from '../domain/model.js';
import type { VmCdromSpec, VmDiskSpec, VmSpec, VolumeRef } from '../ports/hypervisor.js';

const DISK_TARGETS = ['vda', 'vdb', 'vdc', 'vdd', 'vde', 'vdf', 'vdg', 'vdh'];

/** The cdrom every VM has: IDE `hdc` (machine `pc` guests see it as `sr0`), with `media` in it or empty. */
export function cdromWith(media: VolumeRef | null): VmCdromSpec {
  return { bus: 'ide', target: 'hdc', media };
}

export function volumeRef(volume: Pick<VolumeRecord, 'pool' | 'fileName'>): VolumeRef {
  return { pool: volume.pool, name: volume.fileName };
}

/**
 * The hypervisor definition of a VM, derived entirely from Gureum's records: the database holds the intent, and
 * the domain is (re)defined from it. Disk order: the system disk first, then data volumes by creation time.
 */
export function buildVmSpec(vm: VmRecord, volumes: VolumeRecord[], media: VolumeRef | null): VmSpec {
  const disks: VmDiskSpec[] = volumes
    .filter((v) => v.kind === 'system' || v.kind === 'data')
    .sort((a, b) =>
      a.kind === b.kind ? a.createdAt.localeCompare(b.createdAt) : a.kind === 'system' ? -1 : 1,
    )
    .map((v, i) => ({
      id: v.id,
      device: 'disk',
      bus: 'virtio',
      target: DISK_TARGETS[i] ?? `vd${String.fromCharCode(97 + i)}`,
      volume: volumeRef(v),
      format: v.format === 'raw' ? 'raw' : 'qcow2',
    }));
  const nvram = volumes.find((v) => v.kind === 'nvram');
  return {
    id: vm.id,
    name: vm.name,
    description: vm.description,
    vcpus: vm.vcpus,
    memoryBytes: vm.memoryBytes,
    firmware: vm.firmware,
    bootOrder: vm.bootOrder,
    disks,
    cdrom: cdromWith(media),
    nvram: nvram ? volumeRef(nvram) : null,
    metadata: { ownerId: vm.ownerId },
  };
}
