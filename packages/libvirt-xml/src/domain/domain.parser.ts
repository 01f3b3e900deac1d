import { unexpectedXml } from '../errors.js';
import { parseScaledBytes } from '../units.js';
import { parseXml } from '../xml/codec.js';
import { attr, child, childText, compact, elements, nonEmpty, textOf, toInt, toIntOpt } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';
import {
  hasGuestAgentChannel,
  parseCharDevice,
  parseDisk,
  parseGraphics,
  parseInterface,
} from './devices.parser.js';
import type { Firmware, MachineType } from './domain.types.js';
import type { ParsedDomain, ParsedLoader } from './parsed.types.js';
import { findMetadataElement, parseMetadataElement } from './metadata.js';

function memoryBytes(element: XmlElement | undefined, what: string): number | undefined {
  if (element === undefined) return undefined;
  const bytes = parseScaledBytes(textOf(element), attr(element, 'unit'), 'KiB');
  if (typeof bytes === 'bigint') unexpectedXml(`${what} is implausibly large`);
  return bytes;
}

function yesNo(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : value === 'yes';
}

function parseLoader(os: XmlElement | undefined): ParsedLoader | undefined {
  const loader = child(os, 'loader');
  if (loader === undefined) return undefined;
  return compact({
    path: nonEmpty(textOf(loader)),
    type: attr(loader, 'type'),
    readonly: yesNo(attr(loader, 'readonly')),
    secure: yesNo(attr(loader, 'secure')),
  });
}

function firmwareOf(os: XmlElement | undefined, loader: ParsedLoader | undefined): Firmware {
  if (attr(os, 'firmware') === 'efi') return 'uefi';
  if (loader?.type === 'pflash' || /ovmf|edk2|efi/i.test(loader?.path ?? '')) return 'uefi';
  return 'bios';
}

/** The `<domain>` element of a parsed document (also used for the domain inside a snapshot). */
export function parseDomainElement(domain: XmlElement): ParsedDomain {
  const name = childText(domain, 'name');
  if (name === undefined) unexpectedXml('<domain> without <name>');
  const memory = memoryBytes(child(domain, 'memory'), 'memory');
  if (memory === undefined) unexpectedXml('<domain> without <memory>');
  const vcpu = child(domain, 'vcpu');
  const os = child(domain, 'os');
  const osType = child(os, 'type');
  const loader = parseLoader(os);
  const devices = child(domain, 'devices');
  const deviceList = (kind: string): XmlElement[] => (devices === undefined ? [] : elements(devices, kind));
  const metadataElement = findMetadataElement(child(domain, 'metadata'));
  const id = attr(domain, 'id');
  return {
    type: attr(domain, 'type') ?? 'qemu',
    name,
    memoryBytes: memory,
    vcpus: vcpu === undefined ? 1 : toInt(textOf(vcpu), 'vcpu'),
    firmware: firmwareOf(os, loader),
    osBootDevices: os === undefined ? [] : elements(os, 'boot').flatMap((b) => attr(b, 'dev') ?? []),
    disks: deviceList('disk').map(parseDisk),
    interfaces: deviceList('interface').map(parseInterface),
    graphics: deviceList('graphics').map(parseGraphics),
    serials: deviceList('serial').map(parseCharDevice),
    consoles: deviceList('console').map(parseCharDevice),
    guestAgent: hasGuestAgentChannel(devices),
    ...compact({
      uuid: childText(domain, 'uuid')?.trim(),
      id: id === undefined || id === '-1' ? undefined : toInt(id, 'domain id'),
      title: childText(domain, 'title'),
      description: childText(domain, 'description'),
      metadata: metadataElement === undefined ? undefined : parseMetadataElement(metadataElement),
      currentMemoryBytes: memoryBytes(child(domain, 'currentMemory'), 'currentMemory'),
      currentVcpus: toIntOpt(attr(vcpu, 'current'), 'vcpu current'),
      arch: attr(osType, 'arch'),
      machine: attr(osType, 'machine'),
      loader,
      nvramPath: nonEmpty(childText(os, 'nvram')),
      cpuMode: attr(child(domain, 'cpu'), 'mode'),
      onPoweroff: childText(domain, 'on_poweroff')?.trim(),
      onReboot: childText(domain, 'on_reboot')?.trim(),
      onCrash: childText(domain, 'on_crash')?.trim(),
    }),
  };
}

/**
 * Parses domain XML as `domainGetXmlDesc` returns it (live or `INACTIVE`, with or without `SECURE`).
 * Sizes come back in bytes. Unknown elements are ignored; a missing `<name>` or `<memory>` is an
 * `UNEXPECTED_XML` error, text that is not XML a `MALFORMED_XML` one.
 *
 * @example
 * ```ts
 * const dom = parseDomainXml(xml);
 * dom.memoryBytes;          // 536870912
 * dom.disks[0]?.source;     // { pool: 'gureum-disks', volume: 'vm-6f1c-root.qcow2' }
 * bootOrderOf(dom);         // 'hd'
 * dom.metadata?.vmId;       // defined only for domains Gureum created
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export function parseDomainXml(xml: string): ParsedDomain {
  return parseDomainElement(parseXml(xml, 'domain'));
}

/**
 * The machine family of a machine type as libvirt stores it: `pc-i440fx-7.2` → `pc`, `pc-q35-7.2` → `q35`;
 * `undefined` for anything else.
 *
 * @example
 * ```ts
 * machineFamily(parseDomainXml(xml).machine); // 'pc'
 * ```
 * @see https://libvirt.org/formatdomain.html#bios-bootloader
 */
export function machineFamily(machine: string | undefined): MachineType | undefined {
  if (machine === undefined) return undefined;
  if (machine === 'q35' || machine.startsWith('pc-q35-')) return 'q35';
  if (machine === 'pc' || machine.startsWith('pc-i440fx-')) return 'pc';
  return undefined;
}
