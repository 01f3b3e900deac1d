// Input types of the domain builder (specs). The parser's output types are in parsed.types.ts.

import type { GureumVmMetadata } from './metadata.js';

/**
 * `qemu` (TCG emulation; what tests use) or `kvm` (hardware acceleration).
 *
 * @example
 * ```ts
 * const type: DomainType = 'qemu';
 * ```
 * @see https://libvirt.org/formatdomain.html#element-and-attribute-overview
 */
export type DomainType = 'qemu' | 'kvm';

/**
 * Guest firmware as the API names it: `uefi` becomes `<os firmware='efi'>`.
 *
 * @example
 * ```ts
 * const firmware: Firmware = 'uefi';
 * ```
 * @see https://libvirt.org/formatdomain.html#bios-bootloader
 */
export type Firmware = 'bios' | 'uefi';

/**
 * Machine family; libvirt expands it to a versioned name (`pc` → `pc-i440fx-7.2`, see {@link machineFamily}).
 *
 * @example
 * ```ts
 * const machine: MachineType = 'pc';
 * ```
 * @see https://libvirt.org/formatdomain.html#bios-bootloader
 */
export type MachineType = 'pc' | 'q35';

/**
 * Boot order modes of the API (see {@link bootOrderFor}).
 *
 * @example
 * ```ts
 * const mode: BootOrderMode = 'cdrom_hd'; // install from the ISO, then boot the disk
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export type BootOrderMode = 'cdrom_hd' | 'hd' | 'cdrom' | 'hd_cdrom';

/**
 * Bus of a hard disk. `virtio` is the fast default; `ide` exists only on `pc`.
 *
 * @example
 * ```ts
 * const bus: DiskBus = 'virtio';
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export type DiskBus = 'virtio' | 'sata' | 'scsi' | 'ide';

/**
 * Bus of a cdrom: `ide` on `pc` (guest sees `sr0` with `hdc`), `sata` or `scsi` on `q35`.
 *
 * @example
 * ```ts
 * const bus: CdromBus = 'ide';
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export type CdromBus = 'ide' | 'sata' | 'scsi';

/**
 * Image format of a hard disk (`<driver type>`).
 *
 * @example
 * ```ts
 * const format: DiskFormat = 'qcow2';
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export type DiskFormat = 'qcow2' | 'raw';

/**
 * Emulated NIC model; `virtio` unless a guest lacks the driver.
 *
 * @example
 * ```ts
 * const model: NicModel = 'virtio';
 * ```
 * @see https://libvirt.org/formatdomain.html#setting-the-nic-model
 */
export type NicModel = 'virtio' | 'e1000e' | 'e1000' | 'rtl8139';

/**
 * CPU mode of a `kvm` domain.
 *
 * @example
 * ```ts
 * const cpuMode: CpuMode = 'host-model';
 * ```
 * @see https://libvirt.org/formatdomain.html#cpu-model-and-topology
 */
export type CpuMode = 'host-model' | 'host-passthrough';

/**
 * What libvirt does on guest power-off or reboot.
 *
 * @example
 * ```ts
 * const onReboot: LifecycleAction = 'restart';
 * ```
 * @see https://libvirt.org/formatdomain.html#events-configuration
 */
export type LifecycleAction = 'destroy' | 'restart' | 'preserve' | 'rename-restart';

/**
 * What libvirt does when the guest crashes.
 *
 * @example
 * ```ts
 * const onCrash: CrashAction = 'destroy';
 * ```
 * @see https://libvirt.org/formatdomain.html#events-configuration
 */
export type CrashAction = LifecycleAction | 'coredump-destroy' | 'coredump-restart';

/**
 * Where a disk's data lives: a host file, or a volume of a libvirt storage pool.
 *
 * @example
 * ```ts
 * const source: DiskSource = { pool: 'gureum-disks', volume: 'vm-6f1c-root.qcow2' };
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export type DiskSource = { readonly file: string } | { readonly pool: string; readonly volume: string };

/**
 * A hard disk. `target` is the guest device name (`vda`, `sda`, `hda`).
 *
 * @example
 * ```ts
 * const disk: DiskSpec = { kind: 'disk', bus: 'virtio', target: 'vda', format: 'qcow2', source: { file: '/pools/disks/vm-6f1c-root.qcow2' } };
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export interface DiskSpec {
  readonly kind: 'disk';
  readonly bus: DiskBus;
  readonly target: string;
  readonly source: DiskSource;
  readonly format: DiskFormat;
  /** Per-device boot priority, 1 first. */
  readonly bootOrder?: number;
  readonly readonly?: boolean;
  /** Serial number the guest sees (`/dev/disk/by-id/virtio-<serial>`). */
  readonly serial?: string;
  /** User alias; libvirt requires the `ua-` prefix. Stable across redefines, unlike generated aliases. */
  readonly alias?: string;
}

/**
 * A CD-ROM drive; `source: null` (or absent) is an empty tray. Always read-only, raw.
 *
 * @example
 * ```ts
 * const cdrom: CdromSpec = { kind: 'cdrom', bus: 'ide', target: 'hdc', source: null };
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export interface CdromSpec {
  readonly kind: 'cdrom';
  readonly bus: CdromBus;
  readonly target: string;
  readonly source?: DiskSource | null;
  readonly bootOrder?: number;
  readonly alias?: string;
}

/**
 * A disk or a cdrom: the entries of {@link DomainSpec.disks}.
 *
 * @example
 * ```ts
 * const devices: StorageDeviceSpec[] = [disk, cdrom];
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export type StorageDeviceSpec = DiskSpec | CdromSpec;

/**
 * A NIC on a libvirt network or a host bridge.
 *
 * @example
 * ```ts
 * const nic: NicSpec = { network: 'gureum-nat', mac: '52:54:00:12:34:56' };
 * ```
 * @see https://libvirt.org/formatdomain.html#network-interfaces
 */
export type NicSpec = ({ readonly network: string } | { readonly bridge: string }) & {
  /** `52:54:00:xx:xx:xx` style unicast MAC; the caller allocates it so duplicates can be found. */
  readonly mac: string;
  /** Defaults to `virtio`. */
  readonly model?: NicModel;
  readonly bootOrder?: number;
  readonly alias?: string;
};

/**
 * VNC on a TCP address (default `127.0.0.1`, `port: 'auto'`) or on a UNIX socket; never on a public address unless the caller writes one.
 *
 * @example
 * ```ts
 * const vnc: VncSpec = { socket: '/run/gureum/vnc/6f1c.sock' };
 * ```
 * @see https://libvirt.org/formatdomain.html#graphical-framebuffers
 */
export type VncSpec =
  { readonly listen?: string; readonly port?: 'auto' | number } | { readonly socket: string };

/**
 * The guest's first serial port, with a matching `<console>` for `pty`: `pty` (works with `virsh console`; optional log file written by virtlogd), `file`, or a `unix` socket.
 *
 * @example
 * ```ts
 * const serial: SerialSpec = { type: 'pty', logFile: '/var/lib/gureum/logs/6f1c-serial.log' };
 * ```
 * @see https://libvirt.org/formatdomain.html#serial-port
 */
export type SerialSpec =
  | { readonly type: 'pty'; readonly logFile?: string; readonly logAppend?: boolean }
  | { readonly type: 'file'; readonly path: string; readonly append?: boolean }
  | { readonly type: 'unix'; readonly path: string };

/**
 * Everything {@link buildDomainXml} needs. Sizes are bytes.
 *
 * @example
 * ```ts
 * const spec: DomainSpec = { type: 'qemu', name: 'web-1', memoryBytes: 512 * 1024 ** 2, vcpus: 1 };
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export interface DomainSpec {
  readonly type: DomainType;
  readonly name: string;
  readonly uuid?: string;
  /** One line: libvirt refuses newlines in titles. */
  readonly title?: string;
  readonly description?: string;
  /** Our `<metadata>` element; its presence marks the domain as managed by Gureum. */
  readonly metadata?: GureumVmMetadata;
  /** Memory in bytes; a positive multiple of 1024 (written as KiB). */
  readonly memoryBytes: number;
  readonly vcpus: number;
  /** Defaults to `pc`. */
  readonly machine?: MachineType;
  /** Defaults to `bios`. `uefi` needs `nvramPath` and at least 160 MiB of memory. */
  readonly firmware?: Firmware;
  /** Path of the VM's UEFI variable store (named from ids, in a directory the server owns). */
  readonly nvramPath?: string;
  /** Only for `kvm` (default `host-model`); `qemu` domains get libvirt's default CPU model. */
  readonly cpuMode?: CpuMode;
  /** Default `destroy`. */
  readonly onPoweroff?: LifecycleAction;
  /** Default `restart`. */
  readonly onReboot?: 'restart' | 'destroy';
  /** Default `destroy`. */
  readonly onCrash?: CrashAction;
  readonly disks?: readonly StorageDeviceSpec[];
  readonly nics?: readonly NicSpec[];
  /**
   * Sets per-device boot order on the first disk / first cdrom (overriding their `bootOrder`), as
   * {@link bootOrderFor} does. Leave it out to use the devices' own `bootOrder` values.
   */
  readonly bootOrder?: BootOrderMode;
  readonly vnc?: VncSpec;
  readonly serial?: SerialSpec;
  /** Adds the qemu-guest-agent channel (`org.qemu.guest_agent.0`). */
  readonly guestAgent?: boolean;
  /** Default `vga` (so the VNC console shows text mode); `none` writes `<model type='none'/>`. */
  readonly video?: 'vga' | 'virtio' | 'none';
  /** Default `false`: `<memballoon model='none'/>` (libvirt would otherwise add one). */
  readonly memballoon?: boolean;
  /** Adds a virtio RNG fed from `/dev/urandom`. */
  readonly rng?: boolean;
}
