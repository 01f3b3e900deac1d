// A comparable "spec-level" view of a domain, computed either from a DomainSpec (defaults applied) or from
// a ParsedDomain (what libvirt gave back). Round-trip tests compare the two: what we asked for is what
// libvirt kept, ignoring what libvirt adds (addresses, controllers, emulator, versioned machine names).

import { bootOrderFor, bootOrderOf, bootOrderOfDevices } from '../domain/boot-order.js';
import { machineFamily } from '../domain/domain.parser.js';
import type { BootOrderMode, DiskSource, DomainSpec, MachineType } from '../domain/domain.types.js';
import type { ParsedDomain } from '../domain/parsed.types.js';
import type { GureumVmMetadata } from '../domain/metadata.js';
import { compact } from '../xml/tree.js';

/**
 * The spec-level facts of a domain. See {@link domainViewOfSpec} and {@link domainViewOfParsed}.
 *
 * @example
 * ```ts
 * expect(domainViewOfParsed(parseDomainXml(xml))).toEqual(domainViewOfSpec(spec));
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export interface DomainView {
  readonly type: string;
  readonly name: string;
  readonly uuid?: string;
  readonly title?: string;
  readonly description?: string;
  readonly metadata?: GureumVmMetadata;
  readonly memoryBytes: number;
  readonly vcpus: number;
  readonly machine?: MachineType;
  readonly firmware: string;
  readonly nvramPath?: string;
  readonly bootOrder: BootOrderMode | 'custom';
  readonly onPoweroff?: string;
  readonly onReboot?: string;
  readonly onCrash?: string;
  readonly disks: readonly {
    readonly device: string;
    readonly bus?: string;
    readonly target: string;
    readonly source: DiskSource | { readonly dev: string } | null;
    readonly format?: string;
    readonly bootOrder?: number;
    readonly readonly: boolean;
    readonly serial?: string;
    readonly alias?: string;
  }[];
  readonly nics: readonly {
    readonly source: { readonly network: string } | { readonly bridge: string } | null;
    readonly mac?: string;
    readonly model?: string;
    readonly bootOrder?: number;
    readonly alias?: string;
  }[];
  readonly vnc?: {
    readonly listen?: string;
    readonly autoport?: boolean;
    readonly port?: number;
    readonly socket?: string;
  };
  readonly serial?: { readonly type: string; readonly path?: string; readonly logFile?: string };
  readonly guestAgent: boolean;
}

/**
 * The view a spec should produce once built and parsed back (defaults applied, boot order mode expanded).
 *
 * @example
 * ```ts
 * domainViewOfSpec(exampleImageVmSpec()).bootOrder; // 'hd'
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export function domainViewOfSpec(spec: DomainSpec): DomainView {
  const devices =
    spec.bootOrder === undefined ? (spec.disks ?? []) : bootOrderFor(spec.bootOrder, spec.disks ?? []);
  const vnc = spec.vnc;
  const serial = spec.serial;
  const disks = devices.map((d) =>
    compact({
      device: d.kind,
      bus: d.bus,
      target: d.target,
      source: d.kind === 'cdrom' ? (d.source ?? null) : d.source,
      format: d.kind === 'cdrom' ? 'raw' : d.format,
      bootOrder: d.bootOrder,
      readonly: d.kind === 'cdrom' || d.readonly === true,
      serial: d.kind === 'disk' ? d.serial : undefined,
      alias: d.alias,
    }),
  );
  const view: DomainView = {
    type: spec.type,
    name: spec.name,
    memoryBytes: spec.memoryBytes,
    vcpus: spec.vcpus,
    firmware: spec.firmware ?? 'bios',
    bootOrder: bootOrderOfDevices(disks, spec.nics ?? [], []),
    onPoweroff: spec.onPoweroff ?? 'destroy',
    onReboot: spec.onReboot ?? 'restart',
    onCrash: spec.onCrash ?? 'destroy',
    disks,
    nics: (spec.nics ?? []).map((n) =>
      compact({
        source: 'network' in n ? { network: n.network } : { bridge: n.bridge },
        mac: n.mac.toLowerCase(),
        model: n.model ?? 'virtio',
        bootOrder: n.bootOrder,
        alias: n.alias,
      }),
    ),
    guestAgent: spec.guestAgent === true,
    ...compact({
      uuid: spec.uuid,
      title: spec.title,
      description: spec.description,
      metadata: spec.metadata,
      machine: spec.machine ?? 'pc',
      nvramPath: spec.nvramPath,
      vnc:
        vnc === undefined
          ? undefined
          : 'socket' in vnc
            ? { socket: vnc.socket }
            : compact({
                listen: vnc.listen ?? '127.0.0.1',
                autoport: (vnc.port ?? 'auto') === 'auto',
                port: vnc.port === undefined || vnc.port === 'auto' ? undefined : vnc.port,
              }),
      serial:
        serial === undefined
          ? undefined
          : serial.type === 'pty'
            ? compact({ type: 'pty', logFile: serial.logFile })
            : { type: serial.type, path: serial.path },
    }),
  };
  return view;
}

/**
 * The view of a parsed domain (libvirt's additions ignored; `machine` reduced to its family).
 *
 * @example
 * ```ts
 * domainViewOfParsed(parseDomainXml(dumpxml)).disks[0]?.target; // 'vda'
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export function domainViewOfParsed(parsed: ParsedDomain): DomainView {
  const graphics = parsed.graphics.find((g) => g.type === 'vnc');
  const serial = parsed.serials[0];
  return {
    type: parsed.type,
    name: parsed.name,
    memoryBytes: parsed.memoryBytes,
    vcpus: parsed.vcpus,
    firmware: parsed.firmware,
    bootOrder: bootOrderOf(parsed),
    disks: parsed.disks.map((d) =>
      compact({
        device: d.device,
        bus: d.bus,
        target: d.target,
        source: d.source,
        format: d.driverType,
        bootOrder: d.bootOrder,
        readonly: d.readonly,
        serial: d.serial,
        alias: d.alias,
      }),
    ),
    nics: parsed.interfaces.map((n) =>
      compact({ source: n.source, mac: n.mac, model: n.model, bootOrder: n.bootOrder, alias: n.alias }),
    ),
    guestAgent: parsed.guestAgent,
    ...compact({
      uuid: parsed.uuid,
      title: parsed.title,
      description: parsed.description,
      metadata: parsed.metadata,
      machine: machineFamily(parsed.machine),
      nvramPath: parsed.nvramPath,
      onPoweroff: parsed.onPoweroff,
      onReboot: parsed.onReboot,
      onCrash: parsed.onCrash,
      vnc:
        graphics === undefined
          ? undefined
          : graphics.socket !== undefined
            ? { socket: graphics.socket }
            : compact({
                listen: graphics.listen,
                autoport: graphics.autoport,
                port: graphics.autoport ? undefined : graphics.port,
              }),
      serial:
        serial === undefined
          ? undefined
          : serial.type === 'pty'
            ? compact({ type: 'pty', logFile: serial.logFile })
            : compact({ type: serial.type, path: serial.sourcePath }),
    }),
  };
}
