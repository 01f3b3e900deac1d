// Output types of the domain parser.

import type { ParsedBackingStore } from '../storage/backing-store.js';
import type { DiskSource, Firmware } from './domain.types.js';
import type { GureumVmMetadata } from './metadata.js';

/**
 * A `<disk>` as {@link parseDomainXml} reads it.
 *
 * @example
 * ```ts
 * const root = parseDomainXml(xml).disks.find((d) => d.device === 'disk');
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 */
export interface ParsedDisk {
  /** `disk`, `cdrom`, `floppy` or `lun`. */
  readonly device: string;
  /** `file`, `volume`, `block`, `network`, … */
  readonly type: string;
  readonly bus?: string;
  readonly target: string;
  /** A removable drive's tray as libvirt tracks it (`open` / `closed`; live XML only). */
  readonly tray?: string;
  /** `null` for an empty cdrom tray or a source type we do not model (see `type`). */
  readonly source: DiskSource | { readonly dev: string } | null;
  readonly driverType?: string;
  readonly bootOrder?: number;
  readonly readonly: boolean;
  readonly serial?: string;
  readonly alias?: string;
  readonly backingStore?: ParsedBackingStore;
}

/**
 * An `<interface>` as {@link parseDomainXml} reads it.
 *
 * @example
 * ```ts
 * const macs = parseDomainXml(xml).interfaces.map((n) => n.mac);
 * ```
 * @see https://libvirt.org/formatdomain.html#network-interfaces
 */
export interface ParsedInterface {
  /** `network`, `bridge`, `user`, `direct`, … */
  readonly type: string;
  readonly mac?: string;
  readonly source: { readonly network: string } | { readonly bridge: string } | null;
  readonly model?: string;
  readonly alias?: string;
  readonly bootOrder?: number;
  /** Host-side device name (`vnet0`); present in live XML only. */
  readonly targetDev?: string;
}

/**
 * A `<graphics>` as {@link parseDomainXml} reads it.
 *
 * @example
 * ```ts
 * const vnc = parseDomainXml(xml).graphics.find((g) => g.type === 'vnc');
 * ```
 * @see https://libvirt.org/formatdomain.html#graphical-framebuffers
 */
export interface ParsedGraphics {
  /** `vnc`, `spice`, … */
  readonly type: string;
  readonly listen?: string;
  /** The port; `-1` means not yet allocated (autoport on an inactive domain). */
  readonly port?: number;
  readonly autoport: boolean;
  readonly socket?: string;
}

/**
 * A `<serial>` or `<console>` as {@link parseDomainXml} reads it.
 *
 * @example
 * ```ts
 * const pty = parseDomainXml(liveXml).serials[0]?.sourcePath; // '/dev/pts/4'
 * ```
 * @see https://libvirt.org/formatdomain.html#consoles-serial-parallel-channel-devices
 */
export interface ParsedCharDevice {
  /** `pty`, `file`, `unix`, … */
  readonly type: string;
  /** `<source path>`: the file, socket, or (live) the pty. */
  readonly sourcePath?: string;
  readonly logFile?: string;
  readonly targetType?: string;
  readonly targetPort?: number;
}

/**
 * The `<os><loader>` element (explicit firmware image).
 *
 * @example
 * ```ts
 * parseDomainXml(xml).loader?.path; // '/usr/share/OVMF/OVMF_CODE_4M.fd'
 * ```
 * @see https://libvirt.org/formatdomain.html#bios-bootloader
 */
export interface ParsedLoader {
  readonly path?: string;
  readonly type?: string;
  readonly readonly?: boolean;
  readonly secure?: boolean;
}

/**
 * What {@link parseDomainXml} returns. Sizes are bytes.
 *
 * @example
 * ```ts
 * const { name, memoryBytes, firmware, disks } = parseDomainXml(xml);
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export interface ParsedDomain {
  readonly type: string;
  readonly name: string;
  readonly uuid?: string;
  /** libvirt's runtime id; live XML of a running domain only. */
  readonly id?: number;
  readonly title?: string;
  readonly description?: string;
  /** Our metadata, or `undefined` when the domain was not created by Gureum. */
  readonly metadata?: GureumVmMetadata;
  readonly memoryBytes: number;
  readonly currentMemoryBytes?: number;
  /** Maximum vCPUs (the `<vcpu>` text). */
  readonly vcpus: number;
  /** vCPUs online at boot when fewer than `vcpus` (`<vcpu current>`). */
  readonly currentVcpus?: number;
  readonly arch?: string;
  /** As libvirt stores it, e.g. `pc-i440fx-7.2`; see {@link machineFamily}. */
  readonly machine?: string;
  readonly firmware: Firmware;
  readonly loader?: ParsedLoader;
  readonly nvramPath?: string;
  /** Legacy `<os><boot dev>` entries (`hd`, `cdrom`, `network`, `fd`), in order. */
  readonly osBootDevices: readonly string[];
  readonly cpuMode?: string;
  readonly onPoweroff?: string;
  readonly onReboot?: string;
  readonly onCrash?: string;
  readonly disks: readonly ParsedDisk[];
  readonly interfaces: readonly ParsedInterface[];
  readonly graphics: readonly ParsedGraphics[];
  readonly serials: readonly ParsedCharDevice[];
  readonly consoles: readonly ParsedCharDevice[];
  readonly guestAgent: boolean;
}
