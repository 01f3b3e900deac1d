import type { Duplex } from 'node:stream';
import type { BootOrder, Firmware, VmState } from '../domain/model.js';

/** A volume inside a storage pool Gureum manages. */
export interface VolumeRef {
  pool: string;
  name: string;
}

export interface VolumeInfo {
  ref: VolumeRef;
  path: string;
  format: 'qcow2' | 'raw' | 'iso' | 'unknown';
  capacityBytes: number;
  allocationBytes: number;
  backing: { path: string; format: string } | null;
}

/** A snapshot of a VM as libvirt keeps it (internal: inside the VM's qcow2 disks). */
export interface VmSnapshotInfo {
  name: string;
  description: string;
  /** The VM's state when it was taken, in libvirt's words (`running`, `shutoff`, `paused`, …). */
  state: string;
  createdAt: string;
  parent: string | null;
  /** The guest's memory was saved too: reverting resumes the VM where it was. */
  memory: boolean;
}

export interface VmDiskSpec {
  /** Stable id (the volume id for disks); used for the device alias `ua-<id>`. */
  id: string;
  device: 'disk';
  bus: 'virtio' | 'sata' | 'scsi' | 'ide';
  target: string;
  volume: VolumeRef;
  format: 'qcow2' | 'raw';
}

export interface VmCdromSpec {
  bus: 'ide' | 'sata' | 'scsi';
  target: string;
  /** The inserted ISO, or null for an empty tray. */
  media: VolumeRef | null;
}

/**
 * Everything the hypervisor needs to define a VM: ids and references only, never user-provided paths.
 * The adapter turns it into domain XML with a typed builder.
 */
export interface VmSpec {
  id: string;
  name: string;
  description: string;
  vcpus: number;
  memoryBytes: number;
  firmware: Firmware;
  bootOrder: BootOrder;
  disks: VmDiskSpec[];
  cdrom: VmCdromSpec | null;
  /** Per-VM UEFI variables file (uefi only). */
  nvram: VolumeRef | null;
  /** What the adapter records in the domain's metadata so drift checks can tell Gureum's domains apart. */
  metadata: { ownerId: string };
}

/** Bulk view of one VM's runtime as libvirt reports it. */
export interface VmRuntime {
  id: string;
  name: string;
  state: VmState;
  /** libvirt's reason for the state, as a word (`booted`, `destroyed`, `shutdown`, `crashed`, `user`, …). */
  reason: string;
}

export type LifecycleCause =
  | 'defined'
  | 'undefined'
  | 'started'
  | 'suspended'
  | 'resumed'
  | 'stopped'
  | 'shutdown'
  | 'pmsuspended'
  | 'crashed';

/** Events from the hypervisor, in Gureum's vocabulary. */
export type HypervisorEvent =
  | {
      kind: 'lifecycle';
      vmId: string;
      name: string;
      cause: LifecycleCause;
      /** libvirt's detail as a word (`destroyed`, `shutdown`, `booted`, `paused`, `guest`, …). */
      detail: string;
      /** The state this event leaves the VM in (`unknown` for events that do not change it, e.g. shutdown begun). */
      state: VmState | null;
    }
  | { kind: 'reboot'; vmId: string; name: string }
  | { kind: 'tray-change'; vmId: string; name: string; device: string; open: boolean }
  | {
      kind: 'disk-change';
      vmId: string;
      name: string;
      device: string;
      oldSource: string | null;
      newSource: string | null;
    }
  | { kind: 'device-removed'; vmId: string; name: string; device: string }
  | { kind: 'block-job'; vmId: string; name: string; disk: string; type: string; status: string };

export type HypervisorStatus = 'up' | 'down';
export type Unsubscribe = () => void;

export interface HostInfo {
  hostname: string;
  libvirtVersion: string;
  hypervisorVersion: string;
  domainType: 'kvm' | 'qemu';
  cpus: number;
  memoryBytes: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** How a VM boots, as one of its definitions (persistent or live) says. */
export interface VmBootConfig {
  /** The boot order mode, or `custom` when the devices' boot order is none of the four. */
  bootOrder: BootOrder | 'custom';
  /** True when the cdrom has media in it. */
  hasMedia: boolean;
}

/** What the host's hypervisor can give a VM (from libvirt's domain capabilities, not from guessing paths). */
export interface FirmwareSupport {
  /** UEFI (OVMF) is installed and usable for the machine type Gureum defines. */
  uefi: boolean;
}

/** A VM's console: `vnc` carries RFB (the VM's VNC server), `serial` the bytes of its first serial port. */
export type ConsoleKind = 'vnc' | 'serial';

/**
 * The one door to the hypervisor. Implemented by the libvirt adapter (LibvirtHypervisor) and by an in-memory
 * fake for unit tests. Every mutating method is idempotent where that is meaningful for crash recovery:
 * deleting what is already gone, destroying what is already off, or undefining a missing VM succeeds.
 */
export interface Hypervisor {
  readonly status: HypervisorStatus;
  /** Fires 'up' after every (re)connection, once event subscriptions are in place; the caller then reconciles. */
  onStatus(listener: (status: HypervisorStatus) => void): Unsubscribe;
  onEvent(listener: (event: HypervisorEvent) => void): Unsubscribe;

  hostInfo(options?: CallOptions): Promise<HostInfo>;
  /** All VMs on the host with their state, in O(1) libvirt calls. */
  listVms(options?: CallOptions): Promise<VmRuntime[]>;
  /** The runtime of one VM, or null when no such domain exists. */
  getVm(idOrName: { id: string } | { name: string }, options?: CallOptions): Promise<VmRuntime | null>;

  defineVm(spec: VmSpec, options?: CallOptions): Promise<void>;
  /** Removes the definition with its NVRAM, snapshot and managed-save metadata; a missing VM is not an error. */
  undefineVm(id: string, options?: CallOptions): Promise<void>;
  startVm(id: string, options?: CallOptions): Promise<void>;
  /** Asks the guest to power off (ACPI). Returns at once; the stop arrives as a lifecycle event. */
  shutdownVm(id: string, options?: CallOptions): Promise<void>;
  /** Powers off at once; an already stopped VM is not an error. */
  destroyVm(id: string, options?: CallOptions): Promise<void>;
  rebootVm(id: string, options?: CallOptions): Promise<void>;
  resetVm(id: string, options?: CallOptions): Promise<void>;
  pauseVm(id: string, options?: CallOptions): Promise<void>;
  resumeVm(id: string, options?: CallOptions): Promise<void>;
  /**
   * Changes the media of a running VM's cdrom, live only (the persistent definition is `defineVm`'s business):
   * inserts `cdrom.media`, or ejects when it is null. Forces the tray open when the guest locked it.
   */
  changeMedia(id: string, cdrom: VmCdromSpec, options?: CallOptions): Promise<void>;
  /**
   * Boot order and media as the persistent definition (`live: false`) or the running domain (`live: true`) has
   * them; null when the VM does not exist, or for `live` when it is not running.
   */
  bootConfig(id: string, which: { live: boolean }, options?: CallOptions): Promise<VmBootConfig | null>;
  /** The VM's snapshots, parents before children. VM_NOT_FOUND for an unknown VM. */
  listSnapshots(id: string, options?: CallOptions): Promise<VmSnapshotInfo[]>;
  /**
   * Takes an internal snapshot of the disks at `targets` (and of the memory when the VM runs: QEMU's internal
   * snapshots of a running guest always include it). SNAPSHOT_UNSUPPORTED when libvirt cannot.
   */
  createSnapshot(
    id: string,
    spec: { name: string; description: string; targets: string[] },
    options?: CallOptions,
  ): Promise<void>;
  /** Reverts the VM to a snapshot (its disks, and its memory and run state when saved). SNAPSHOT_NOT_FOUND. */
  revertSnapshot(id: string, name: string, options?: CallOptions): Promise<void>;
  /** Deletes a snapshot (its children take its parent); a missing one is not an error. */
  deleteSnapshot(id: string, name: string, options?: CallOptions): Promise<void>;
  /** Which firmware the host offers for new VMs. */
  firmwareSupport(options?: CallOptions): Promise<FirmwareSupport>;
  /** Volumes the VM's definition references, as refs inside managed pools (for delete plans and drift). */
  vmVolumes(id: string, options?: CallOptions): Promise<VolumeRef[]>;

  /** Makes sure a directory storage pool exists, is active and autostarts. */
  ensurePool(name: string, directory: string, options?: CallOptions): Promise<void>;
  createVolume(
    spec: {
      ref: VolumeRef;
      capacityBytes: number;
      format: 'qcow2' | 'raw';
      backing?: { ref: VolumeRef; format: 'qcow2' | 'raw' };
    },
    options?: CallOptions,
  ): Promise<VolumeInfo>;
  /** Deletes a volume; a missing one is not an error. */
  deleteVolume(ref: VolumeRef, options?: CallOptions): Promise<void>;
  volumeInfo(ref: VolumeRef, options?: CallOptions): Promise<VolumeInfo | null>;
  listVolumes(pool: string, options?: CallOptions): Promise<VolumeInfo[]>;
  /**
   * Grows a volume no running VM uses to `capacityBytes` (never shrinks: a smaller or equal size is a no-op).
   * VOLUME_NOT_FOUND (404) when it does not exist.
   */
  resizeVolume(ref: VolumeRef, capacityBytes: number, options?: CallOptions): Promise<void>;
  /**
   * Grows the disk at `target` (e.g. `vda`) of a running or paused VM to `capacityBytes`, live: the guest sees the
   * new size. VM_NOT_FOUND for an unknown VM, VM_INVALID_STATE when it is not running.
   */
  resizeVmDisk(id: string, target: string, capacityBytes: number, options?: CallOptions): Promise<void>;
  /**
   * Opens a byte stream to a running (or paused) VM's console, for the console proxy. `vnc`: a TCP (or UNIX)
   * connection to the VNC server QEMU listens on (127.0.0.1, read from the live definition); `serial`: libvirt's
   * console stream, taking the console over from any stale session. The stream ends when the VM's side closes
   * (the VM stopped); `destroy()` releases it. Back-pressure is the Duplex's own (`write()` false, `pause()`).
   * VM_NOT_FOUND for an unknown VM, VM_INVALID_STATE when it is not running or has no such console.
   */
  openConsole(id: string, kind: ConsoleKind, options?: CallOptions): Promise<Duplex>;
  /** Streams bytes into an existing volume from offset 0, with back-pressure. */
  uploadVolume(
    ref: VolumeRef,
    source: AsyncIterable<Uint8Array>,
    options: CallOptions & { lengthBytes: number },
  ): Promise<void>;
}
