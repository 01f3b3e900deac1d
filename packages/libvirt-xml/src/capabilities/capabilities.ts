import { parseScaledBytes, toByteCount } from '../units.js';
import type { ByteCount } from '../units.js';
import { parseXml } from '../xml/codec.js';
import { attr, child, childText, compact, elements, nonEmpty, textOf, toIntOpt } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';

/**
 * A machine type a guest architecture offers (`pc` with `canonical` `pc-i440fx-7.2`).
 *
 * @example
 * ```ts
 * const m: GuestMachine = { name: 'pc', canonical: 'pc-i440fx-7.2', maxCpus: 255, deprecated: false };
 * ```
 * @see https://libvirt.org/formatcaps.html
 */
export interface GuestMachine {
  readonly name: string;
  readonly canonical?: string;
  readonly maxCpus?: number;
  readonly deprecated: boolean;
}

/**
 * One `<guest>` of the capabilities: an OS type on an architecture, its emulator, machines and the
 * domain types (`qemu`, `kvm`) that can run it.
 *
 * @example
 * ```ts
 * const kvm = caps.guests.some((g) => g.arch === 'x86_64' && g.domainTypes.includes('kvm'));
 * ```
 * @see https://libvirt.org/formatcaps.html#guest-capabilities
 */
export interface GuestCapabilities {
  readonly osType: string;
  readonly arch: string;
  readonly wordsize?: number;
  readonly emulator?: string;
  readonly machines: readonly GuestMachine[];
  readonly domainTypes: readonly string[];
}

/**
 * What {@link parseCapabilitiesXml} returns.
 *
 * @example
 * ```ts
 * const caps: ParsedCapabilities = parseCapabilitiesXml(xml);
 * ```
 * @see https://libvirt.org/formatcaps.html
 */
export interface ParsedCapabilities {
  readonly host: {
    readonly uuid?: string;
    readonly arch?: string;
    readonly cpuModel?: string;
    readonly cpuVendor?: string;
    readonly topology?: {
      readonly sockets: number;
      readonly dies?: number;
      readonly cores: number;
      readonly threads: number;
    };
    /** Sum of the NUMA cells' memory, when libvirt reports the topology. */
    readonly memoryBytes?: ByteCount;
    /** Security drivers (`none`, `dac`, `apparmor`, `selinux`). */
    readonly secModels: readonly string[];
  };
  readonly guests: readonly GuestCapabilities[];
}

function parseTopology(cpu: XmlElement | undefined): ParsedCapabilities['host']['topology'] {
  const t = child(cpu, 'topology');
  const sockets = toIntOpt(attr(t, 'sockets'), 'topology sockets');
  const cores = toIntOpt(attr(t, 'cores'), 'topology cores');
  const threads = toIntOpt(attr(t, 'threads'), 'topology threads');
  if (sockets === undefined || cores === undefined || threads === undefined) return undefined;
  return { sockets, cores, threads, ...compact({ dies: toIntOpt(attr(t, 'dies'), 'topology dies') }) };
}

function hostMemory(host: XmlElement): ByteCount | undefined {
  const cells = child(host, 'topology', 'cells');
  if (cells === undefined) return undefined;
  let total = 0n;
  let seen = false;
  for (const cell of elements(cells, 'cell')) {
    const memory = child(cell, 'memory');
    if (memory === undefined) continue;
    total += BigInt(parseScaledBytes(textOf(memory), attr(memory, 'unit'), 'KiB'));
    seen = true;
  }
  if (!seen) return undefined;
  return toByteCount(total);
}

function parseGuest(guest: XmlElement): GuestCapabilities {
  const arch = child(guest, 'arch');
  return {
    osType: childText(guest, 'os_type')?.trim() ?? 'hvm',
    arch: attr(arch, 'name') ?? '',
    machines: (arch === undefined ? [] : elements(arch, 'machine')).map((m) => ({
      name: textOf(m).trim(),
      deprecated: attr(m, 'deprecated') === 'yes',
      ...compact({
        canonical: attr(m, 'canonical'),
        maxCpus: toIntOpt(attr(m, 'maxCpus'), 'machine maxCpus'),
      }),
    })),
    domainTypes: (arch === undefined ? [] : elements(arch, 'domain')).flatMap((d) => attr(d, 'type') ?? []),
    ...compact({
      wordsize: toIntOpt(childText(arch, 'wordsize'), 'wordsize'),
      emulator: nonEmpty(childText(arch, 'emulator')),
    }),
  };
}

/**
 * Parses the host capabilities (`connectGetCapabilities`): host CPU and memory, and which guest
 * architectures, machine types and domain types (`qemu`, `kvm`) the host can run. For `gureum doctor`
 * and for choosing a domain type.
 *
 * @example
 * ```ts
 * const caps = parseCapabilitiesXml(xml);
 * const canKvm = caps.guests.some((g) => g.arch === caps.host.arch && g.domainTypes.includes('kvm'));
 * ```
 * @see https://libvirt.org/formatcaps.html
 */
export function parseCapabilitiesXml(xml: string): ParsedCapabilities {
  const caps = parseXml(xml, 'capabilities');
  const host = child(caps, 'host');
  const cpu = child(host, 'cpu');
  return {
    host: {
      secModels:
        host === undefined
          ? []
          : elements(host, 'secmodel').flatMap((s) => childText(s, 'model')?.trim() ?? []),
      ...compact({
        uuid: childText(host, 'uuid')?.trim(),
        arch: childText(cpu, 'arch')?.trim(),
        cpuModel: childText(cpu, 'model')?.trim(),
        cpuVendor: childText(cpu, 'vendor')?.trim(),
        topology: parseTopology(cpu),
        memoryBytes: host === undefined ? undefined : hostMemory(host),
      }),
    },
    guests: elements(caps, 'guest').map(parseGuest),
  };
}
