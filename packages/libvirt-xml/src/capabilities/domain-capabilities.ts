import { parseXml } from '../xml/codec.js';
import {
  attr,
  child,
  childText,
  compact,
  elements,
  localName,
  nonEmpty,
  textOf,
  toIntOpt,
} from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';

/**
 * A device or feature block of the domain capabilities: whether it is supported, and its `<enum>` lists
 * (`bus: ['ide', 'scsi', 'virtio', …]`).
 *
 * @example
 * ```ts
 * domcaps.devices.disk?.enums.bus?.includes('virtio');
 * ```
 * @see https://libvirt.org/formatdomaincaps.html#devices
 */
export interface CapabilityBlock {
  readonly supported: boolean;
  readonly enums: Readonly<Record<string, readonly string[]>>;
}

/**
 * What {@link parseDomainCapabilitiesXml} returns.
 *
 * @example
 * ```ts
 * const domcaps: ParsedDomainCapabilities = parseDomainCapabilitiesXml(xml);
 * ```
 * @see https://libvirt.org/formatdomaincaps.html
 */
export interface ParsedDomainCapabilities {
  /** Emulator binary. */
  readonly path?: string;
  readonly domainType?: string;
  /** Canonical machine type these answers are for. */
  readonly machine?: string;
  readonly arch?: string;
  readonly maxVcpus?: number;
  readonly os: {
    readonly supported: boolean;
    /** Values of `<enum name='firmware'>` (`efi`, `bios`): what `<os firmware=…>` auto-selection can pick. */
    readonly firmware: readonly string[];
    readonly loader?: {
      readonly supported: boolean;
      /** Firmware images libvirt knows (`/usr/share/OVMF/OVMF_CODE_4M.fd`). */
      readonly values: readonly string[];
      readonly types: readonly string[];
      readonly secure: readonly string[];
    };
  };
  /** Whether a UEFI guest can be defined (`<os firmware='efi'>` or a pflash loader is available). */
  readonly efiSupported: boolean;
  /** CPU modes (`host-passthrough`, `host-model`, `maximum`, `custom`) and whether each is usable. */
  readonly cpuModes: Readonly<Record<string, boolean>>;
  /** `<devices>` children by name (`disk`, `graphics`, `video`, `rng`, …). */
  readonly devices: Readonly<Record<string, CapabilityBlock>>;
  /** `<features>` children by name and whether each is supported (`backup`, `sev`, …). */
  readonly features: Readonly<Record<string, boolean>>;
}

function enumsOf(element: XmlElement | undefined): Record<string, string[]> {
  if (element === undefined) return {};
  return Object.fromEntries(
    elements(element, 'enum').map((e) => [
      attr(e, 'name') ?? '',
      elements(e, 'value').map((v) => textOf(v).trim()),
    ]),
  );
}

function block(element: XmlElement): CapabilityBlock {
  return { supported: attr(element, 'supported') === 'yes', enums: enumsOf(element) };
}

/**
 * Parses domain capabilities (`connectGetDomainCapabilities` for an emulator, arch, machine and domain
 * type): firmware choices, CPU modes, device buses and models. Use it to decide what to offer, e.g.
 * UEFI only where `efiSupported`.
 *
 * @example
 * ```ts
 * const domcaps = parseDomainCapabilitiesXml(xml);
 * if (!domcaps.efiSupported) console.warn('no UEFI firmware installed (ovmf)');
 * ```
 * @see https://libvirt.org/formatdomaincaps.html
 */
export function parseDomainCapabilitiesXml(xml: string): ParsedDomainCapabilities {
  const caps = parseXml(xml, 'domainCapabilities');
  const os = child(caps, 'os');
  const osEnums = enumsOf(os);
  const loaderElement = child(os, 'loader');
  const loaderEnums = enumsOf(loaderElement);
  const loader =
    loaderElement === undefined
      ? undefined
      : {
          supported: attr(loaderElement, 'supported') === 'yes',
          values: elements(loaderElement, 'value').map((v) => textOf(v).trim()),
          types: loaderEnums.type ?? [],
          secure: loaderEnums.secure ?? [],
        };
  const firmware = osEnums.firmware ?? [];
  const osSupported = attr(os, 'supported') === 'yes';
  const efiSupported =
    osSupported &&
    (firmware.includes('efi') ||
      (loader !== undefined &&
        loader.supported &&
        loader.values.length > 0 &&
        loader.types.includes('pflash')));
  const cpu = child(caps, 'cpu');
  const devices = child(caps, 'devices');
  const features = child(caps, 'features');
  return {
    os: { supported: osSupported, firmware, ...compact({ loader }) },
    efiSupported,
    cpuModes: Object.fromEntries(
      (cpu === undefined ? [] : elements(cpu, 'mode')).map((m) => [
        attr(m, 'name') ?? '',
        attr(m, 'supported') === 'yes',
      ]),
    ),
    devices: Object.fromEntries(
      (devices === undefined ? [] : elements(devices)).map((d) => [localName(d.name), block(d)]),
    ),
    features: Object.fromEntries(
      (features === undefined ? [] : elements(features)).map((f) => [
        localName(f.name),
        attr(f, 'supported') === 'yes',
      ]),
    ),
    ...compact({
      path: nonEmpty(childText(caps, 'path')),
      domainType: childText(caps, 'domain')?.trim(),
      machine: childText(caps, 'machine')?.trim(),
      arch: childText(caps, 'arch')?.trim(),
      maxVcpus: toIntOpt(attr(child(caps, 'vcpu'), 'max'), 'vcpu max'),
    }),
  };
}
