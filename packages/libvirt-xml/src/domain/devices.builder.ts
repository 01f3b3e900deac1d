// Elements under <devices>, and the stand-alone device documents used for hot-plug and media change.

import { serializeXml } from '../xml/codec.js';
import { el } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';
import { invalidSpec } from '../errors.js';
import {
  checkAbsolutePath,
  checkAlias,
  checkMac,
  checkNonEmpty,
  checkOneOf,
  checkPositiveInt,
  checkTarget,
} from '../validate.js';
import type {
  CdromBus,
  CdromSpec,
  DiskSource,
  DiskSpec,
  NicSpec,
  SerialSpec,
  StorageDeviceSpec,
  VncSpec,
} from './domain.types.js';

const DISK_BUSES = ['virtio', 'sata', 'scsi', 'ide'] as const;
const CDROM_BUSES = ['ide', 'sata', 'scsi'] as const;

function bootEl(order: number | undefined, what: string): XmlElement | undefined {
  if (order === undefined) return undefined;
  checkPositiveInt(order, `${what}.bootOrder`, 65535);
  return el('boot', { order });
}

function aliasEl(alias: string | undefined, what: string): XmlElement | undefined {
  checkAlias(alias, `${what}.alias`);
  return alias === undefined ? undefined : el('alias', { name: alias });
}

function sourceParts(
  source: DiskSource | null | undefined,
  what: string,
): { type: string; source?: XmlElement } {
  if (source === null || source === undefined) return { type: 'file' };
  if ('file' in source) {
    checkAbsolutePath(source.file, `${what}.source.file`);
    return { type: 'file', source: el('source', { file: source.file }) };
  }
  checkNonEmpty(source.pool, `${what}.source.pool`);
  checkNonEmpty(source.volume, `${what}.source.volume`);
  return { type: 'volume', source: el('source', { pool: source.pool, volume: source.volume }) };
}

function diskEl(disk: DiskSpec, what: string): XmlElement {
  checkOneOf(disk.bus, DISK_BUSES, `${what}.bus`);
  checkOneOf(disk.format, ['qcow2', 'raw'], `${what}.format`);
  checkTarget(disk.target, `${what}.target`);
  const { type, source } = sourceParts(disk.source, what);
  return el('disk', { type, device: 'disk' }, [
    el('driver', { name: 'qemu', type: disk.format }),
    source,
    el('target', { dev: disk.target, bus: disk.bus }),
    disk.readonly === true && el('readonly'),
    disk.serial !== undefined && el('serial', {}, [disk.serial]),
    bootEl(disk.bootOrder, what),
    aliasEl(disk.alias, what),
  ]);
}

function cdromEl(cdrom: CdromSpec, what: string): XmlElement {
  checkOneOf(cdrom.bus, CDROM_BUSES, `${what}.bus`);
  checkTarget(cdrom.target, `${what}.target`);
  const { type, source } = sourceParts(cdrom.source, what);
  return el('disk', { type, device: 'cdrom' }, [
    el('driver', { name: 'qemu', type: 'raw' }),
    source,
    el('target', { dev: cdrom.target, bus: cdrom.bus }),
    el('readonly'),
    bootEl(cdrom.bootOrder, what),
    aliasEl(cdrom.alias, what),
  ]);
}

/** `<disk>` for a disk or a cdrom. */
export function storageDeviceElement(device: StorageDeviceSpec, what = 'disk'): XmlElement {
  switch (device.kind) {
    case 'disk':
      return diskEl(device, what);
    case 'cdrom':
      return cdromEl(device, what);
    default:
      return invalidSpec(`${what}.kind must be "disk" or "cdrom"`);
  }
}

/** `<interface>` on a network or a bridge. */
export function interfaceElement(nic: NicSpec, what = 'nic'): XmlElement {
  checkMac(nic.mac, `${what}.mac`);
  checkOneOf(nic.model ?? 'virtio', ['virtio', 'e1000e', 'e1000', 'rtl8139'], `${what}.model`);
  let type: string;
  let source: XmlElement;
  if ('network' in nic) {
    checkNonEmpty(nic.network, `${what}.network`);
    type = 'network';
    source = el('source', { network: nic.network });
  } else {
    checkNonEmpty(nic.bridge, `${what}.bridge`);
    type = 'bridge';
    source = el('source', { bridge: nic.bridge });
  }
  return el('interface', { type }, [
    el('mac', { address: nic.mac.toLowerCase() }),
    source,
    el('model', { type: nic.model ?? 'virtio' }),
    bootEl(nic.bootOrder, what),
    aliasEl(nic.alias, what),
  ]);
}

/** `<graphics type='vnc'>`: never on a public address unless the caller writes one explicitly. */
export function vncElement(vnc: VncSpec): XmlElement {
  if ('socket' in vnc) {
    checkAbsolutePath(vnc.socket, 'vnc.socket');
    return el('graphics', { type: 'vnc' }, [el('listen', { type: 'socket', socket: vnc.socket })]);
  }
  const listen = vnc.listen ?? '127.0.0.1';
  checkNonEmpty(listen, 'vnc.listen');
  const port = vnc.port ?? 'auto';
  if (port !== 'auto') checkPositiveInt(port, 'vnc.port', 65535);
  return el(
    'graphics',
    { type: 'vnc', port: port === 'auto' ? -1 : port, autoport: port === 'auto' ? 'yes' : 'no', listen },
    [el('listen', { type: 'address', address: listen })],
  );
}

/** `<serial>` (+ `<console>` for a pty) on port 0. */
export function serialElements(serial: SerialSpec): XmlElement[] {
  const target = el('target', { port: 0 });
  switch (serial.type) {
    case 'pty': {
      if (serial.logFile !== undefined) checkAbsolutePath(serial.logFile, 'serial.logFile');
      const log =
        serial.logFile === undefined
          ? undefined
          : el('log', { file: serial.logFile, append: serial.logAppend === true ? 'on' : 'off' });
      return [
        el('serial', { type: 'pty' }, [log, target]),
        el('console', { type: 'pty' }, [el('target', { type: 'serial', port: 0 })]),
      ];
    }
    case 'file':
      checkAbsolutePath(serial.path, 'serial.path');
      return [
        el('serial', { type: 'file' }, [
          el('source', {
            path: serial.path,
            append: serial.append === undefined ? undefined : serial.append ? 'on' : 'off',
          }),
          target,
        ]),
      ];
    case 'unix':
      checkAbsolutePath(serial.path, 'serial.path');
      return [el('serial', { type: 'unix' }, [el('source', { mode: 'bind', path: serial.path }), target])];
    default:
      return invalidSpec('serial.type must be pty, file or unix');
  }
}

/** The qemu-guest-agent channel; libvirt picks the socket path. */
export function guestAgentElement(): XmlElement {
  return el('channel', { type: 'unix' }, [el('target', { type: 'virtio', name: 'org.qemu.guest_agent.0' })]);
}

// ---- stand-alone device documents --------------------------------------------------------------------

/**
 * XML of one disk or cdrom, for `domainAttachDeviceFlags` / `domainDetachDeviceFlags` (hot-plug).
 *
 * @example
 * ```ts
 * const xml = buildDiskDeviceXml({
 *   kind: 'disk', bus: 'virtio', target: 'vdb', format: 'qcow2',
 *   source: { pool: 'gureum-disks', volume: '3f0c….qcow2' }, alias: 'ua-disk-3f0c',
 * });
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainAttachDeviceFlags
 */
export function buildDiskDeviceXml(disk: StorageDeviceSpec): string {
  return serializeXml(storageDeviceElement(disk));
}

/**
 * XML for a live (or persistent) media change of an existing cdrom through `domainUpdateDeviceFlags`:
 * insert or replace the ISO at `file`, or eject with `null`. libvirt finds the drive by `target`; give
 * the drive's `bus` when it is not the one libvirt infers from the name (`hd*` → ide, `sd*` → scsi).
 *
 * @example
 * ```ts
 * buildCdromMediaXml('hdc', '/var/lib/gureum/images/9a7e.iso'); // insert
 * buildCdromMediaXml('hdc', null);                                // eject
 * buildCdromMediaXml('sda', null, { bus: 'sata' });
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainUpdateDeviceFlags
 */
export function buildCdromMediaXml(
  target: string,
  file: string | null,
  options: { readonly bus?: CdromBus } = {},
): string {
  checkTarget(target, 'target');
  if (options.bus !== undefined) checkOneOf(options.bus, CDROM_BUSES, 'bus');
  if (file !== null) checkAbsolutePath(file, 'file');
  return serializeXml(
    el('disk', { type: 'file', device: 'cdrom' }, [
      el('driver', { name: 'qemu', type: 'raw' }),
      file !== null && el('source', { file }),
      el('target', { dev: target, bus: options.bus }),
      el('readonly'),
    ]),
  );
}

/**
 * XML of one NIC, for hot-plug (`domainAttachDeviceFlags`) and unplug (`domainDetachDeviceFlags`, which
 * matches on the MAC).
 *
 * @example
 * ```ts
 * buildInterfaceDeviceXml({ network: 'gureum-nat', mac: '52:54:00:12:34:56' });
 * ```
 * @see https://libvirt.org/formatdomain.html#network-interfaces
 */
export function buildInterfaceDeviceXml(nic: NicSpec): string {
  return serializeXml(interfaceElement(nic));
}
