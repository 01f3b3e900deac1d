/**
 * VmSpec → the libvirt-xml `DomainSpec`. Pure: the volume paths are resolved by the caller (disks are written as
 * `<disk type='file'>` with the path libvirt reports for the volume).
 */
import { join } from 'node:path';
import type { BootOrderMode, DomainSpec, StorageDeviceSpec } from '@gureum/libvirt-xml';
import type { BootOrder } from '../../domain/model.js';
import type { VmSpec } from '../../ports/hypervisor.js';

/** Host paths of the volumes a VmSpec references. */
export interface ResolvedVolumes {
  /** By `VmDiskSpec.id`. */
  readonly disks: ReadonlyMap<string, string>;
  readonly cdrom: string | null;
  readonly nvram: string | null;
}

export interface DomainSpecOptions {
  readonly domainType: 'qemu' | 'kvm';
  /** Directory of the serial console logs (virtlogd writes them); no log when absent. */
  readonly serialLogDir?: string | undefined;
}

/** Where a VM's serial console log goes: `<dir>/<vmId>.log`, named from the id only. */
export function serialLogPath(dir: string, vmId: string): string {
  return join(dir, `${vmId}.log`);
}

/**
 * The boot order mode that can actually be written: a mode naming a device kind the VM lacks falls back to the
 * kinds it has (`cdrom_hd` without a cdrom boots the disk), instead of refusing the definition.
 */
export function effectiveBootOrder(
  mode: BootOrder,
  hasDisk: boolean,
  hasCdrom: boolean,
): BootOrderMode | undefined {
  if (hasDisk && hasCdrom) return mode;
  if (hasDisk) return 'hd';
  if (hasCdrom) return 'cdrom';
  return undefined;
}

function storageDevices(spec: VmSpec, volumes: ResolvedVolumes): StorageDeviceSpec[] {
  const devices: StorageDeviceSpec[] = spec.disks.map((disk) => {
    const path = volumes.disks.get(disk.id);
    if (path === undefined) throw new TypeError(`no path resolved for disk ${disk.id}`);
    return {
      kind: 'disk',
      bus: disk.bus,
      target: disk.target,
      format: disk.format,
      source: { file: path },
      alias: `ua-${disk.id}`,
    };
  });
  if (spec.cdrom) {
    devices.push({
      kind: 'cdrom',
      bus: spec.cdrom.bus,
      target: spec.cdrom.target,
      source: volumes.cdrom === null ? null : { file: volumes.cdrom },
    });
  }
  return devices;
}

/**
 * The domain definition of a VM: machine `pc`, ACPI, per-device boot order, virtio/IDE devices as the spec says,
 * a pty serial console logged to `<serialLogDir>/<vmId>.log`, VNC on 127.0.0.1 with an automatic port, VGA video,
 * UEFI without Secure Boot when asked, and Gureum's metadata (vmId, ownerId).
 */
export function domainSpecOf(spec: VmSpec, volumes: ResolvedVolumes, options: DomainSpecOptions): DomainSpec {
  const disks = storageDevices(spec, volumes);
  const bootOrder = effectiveBootOrder(spec.bootOrder, spec.disks.length > 0, spec.cdrom !== null);
  const uefi = spec.firmware === 'uefi';
  if (uefi && volumes.nvram === null) throw new TypeError('a UEFI VM needs an NVRAM volume');
  return {
    type: options.domainType,
    name: spec.name,
    uuid: spec.id,
    ...(spec.description === '' ? {} : { description: spec.description }),
    metadata: { vmId: spec.id, ownerId: spec.metadata.ownerId },
    memoryBytes: spec.memoryBytes,
    vcpus: spec.vcpus,
    machine: 'pc',
    firmware: spec.firmware,
    ...(uefi && volumes.nvram !== null ? { nvramPath: volumes.nvram } : {}),
    disks,
    ...(bootOrder === undefined ? {} : { bootOrder }),
    vnc: { listen: '127.0.0.1', port: 'auto' },
    serial:
      options.serialLogDir === undefined
        ? { type: 'pty' }
        : { type: 'pty', logFile: serialLogPath(options.serialLogDir, spec.id), logAppend: false },
    video: 'vga',
  };
}
