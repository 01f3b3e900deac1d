import { invalidSpec } from '../errors.js';
import { bytesToKib } from '../units.js';
import { serializeXml } from '../xml/codec.js';
import { el, textEl } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';
import { checkAbsolutePath, checkNonEmpty, checkOneOf, checkPositiveInt, checkUuid } from '../validate.js';
import { bootOrderFor } from './boot-order.js';
import {
  guestAgentElement,
  interfaceElement,
  serialElements,
  storageDeviceElement,
  vncElement,
} from './devices.builder.js';
import type { DomainSpec, StorageDeviceSpec } from './domain.types.js';
import { metadataElement } from './metadata.js';

/**
 * The least memory {@link buildDomainXml} accepts for UEFI: OVMF raises an exception or hangs without a
 * word with 128 MiB.
 *
 * @example
 * ```ts
 * const memoryBytes = Math.max(requested, UEFI_MIN_MEMORY_BYTES);
 * ```
 * @see https://libvirt.org/formatdomain.html#bios-bootloader
 */
export const UEFI_MIN_MEMORY_BYTES = 160 * 1024 * 1024;

const LIFECYCLE = ['destroy', 'restart', 'preserve', 'rename-restart'] as const;
const CRASH = [...LIFECYCLE, 'coredump-destroy', 'coredump-restart'] as const;

function checkSpec(spec: DomainSpec): void {
  checkOneOf(spec.type, ['qemu', 'kvm'], 'type');
  checkNonEmpty(spec.name, 'name');
  checkUuid(spec.uuid, 'uuid');
  if (spec.title?.includes('\n') === true) invalidSpec('title must be a single line');
  checkPositiveInt(spec.vcpus, 'vcpus', 4096);
  checkOneOf(spec.machine ?? 'pc', ['pc', 'q35'], 'machine');
  checkOneOf(spec.firmware ?? 'bios', ['bios', 'uefi'], 'firmware');
  checkOneOf(spec.video ?? 'vga', ['vga', 'virtio', 'none'], 'video');
  checkOneOf(spec.onPoweroff ?? 'destroy', LIFECYCLE, 'onPoweroff');
  checkOneOf(spec.onReboot ?? 'restart', ['restart', 'destroy'], 'onReboot');
  checkOneOf(spec.onCrash ?? 'destroy', CRASH, 'onCrash');
  if (spec.firmware === 'uefi') {
    if (spec.nvramPath === undefined) invalidSpec('nvramPath is required when firmware is "uefi"');
    if (spec.memoryBytes < UEFI_MIN_MEMORY_BYTES) invalidSpec('UEFI guests need at least 160 MiB of memory');
  }
  if (spec.nvramPath !== undefined) {
    if (spec.firmware !== 'uefi') invalidSpec('nvramPath is only meaningful with firmware "uefi"');
    checkAbsolutePath(spec.nvramPath, 'nvramPath');
  }
  if (spec.cpuMode !== undefined) {
    if (spec.type !== 'kvm') invalidSpec('cpuMode needs type "kvm" (TCG cannot pass the host CPU through)');
    checkOneOf(spec.cpuMode, ['host-model', 'host-passthrough'], 'cpuMode');
  }
}

function checkDevices(spec: DomainSpec, disks: readonly StorageDeviceSpec[]): void {
  const targets = new Set<string>();
  for (const d of disks) {
    if (targets.has(d.target)) invalidSpec(`two disks use target ${d.target}`);
    targets.add(d.target);
    if (d.bus === 'ide' && spec.machine === 'q35')
      invalidSpec(`disk ${d.target}: q35 has no IDE bus; use sata or scsi`);
  }
  if (spec.bootOrder !== undefined && (spec.nics ?? []).some((n) => n.bootOrder !== undefined)) {
    invalidSpec('bootOrder (a mode) cannot be combined with NIC boot orders');
  }
  const orders = [...disks, ...(spec.nics ?? [])].flatMap((d) =>
    d.bootOrder === undefined ? [] : [d.bootOrder],
  );
  if (new Set(orders).size !== orders.length) invalidSpec('two devices have the same bootOrder');
  const macs = (spec.nics ?? []).map((n) => n.mac.toLowerCase());
  if (new Set(macs).size !== macs.length) invalidSpec('two NICs have the same MAC address');
}

function osElement(spec: DomainSpec): XmlElement {
  const uefi = spec.firmware === 'uefi';
  return el('os', { firmware: uefi ? 'efi' : undefined }, [
    el('type', { arch: 'x86_64', machine: spec.machine ?? 'pc' }, ['hvm']),
    // Auto-selection would otherwise pick the Secure Boot build, which refuses unsigned kernels.
    uefi &&
      el('firmware', {}, [
        el('feature', { enabled: 'no', name: 'enrolled-keys' }),
        el('feature', { enabled: 'no', name: 'secure-boot' }),
      ]),
    uefi && textEl('nvram', spec.nvramPath),
  ]);
}

function devicesElement(spec: DomainSpec, disks: readonly StorageDeviceSpec[]): XmlElement {
  const hasScsi = disks.some((d) => d.bus === 'scsi');
  const video = spec.video ?? 'vga';
  return el('devices', {}, [
    ...disks.map((d, i) => storageDeviceElement(d, `disks[${i}]`)),
    // Without it libvirt adds an lsilogic controller, which common guest kernels lack.
    hasScsi && el('controller', { type: 'scsi', index: 0, model: 'virtio-scsi' }),
    ...(spec.nics ?? []).map((n, i) => interfaceElement(n, `nics[${i}]`)),
    ...(spec.serial === undefined ? [] : serialElements(spec.serial)),
    spec.guestAgent === true && guestAgentElement(),
    spec.vnc !== undefined && vncElement(spec.vnc),
    el('video', {}, [el('model', { type: video })]),
    el('memballoon', { model: spec.memballoon === true ? 'virtio' : 'none' }),
    spec.rng === true &&
      el('rng', { model: 'virtio' }, [el('backend', { model: 'random' }, ['/dev/urandom'])]),
  ]);
}

/** The `<domain>` element of {@link buildDomainXml}. */
export function domainElement(spec: DomainSpec): XmlElement {
  checkSpec(spec);
  const disks =
    spec.bootOrder === undefined ? (spec.disks ?? []) : bootOrderFor(spec.bootOrder, spec.disks ?? []);
  checkDevices(spec, disks);
  const memoryKib = bytesToKib(spec.memoryBytes, 'memoryBytes');
  const cpuMode = spec.type === 'kvm' ? (spec.cpuMode ?? 'host-model') : undefined;
  return el('domain', { type: spec.type }, [
    el('name', {}, [spec.name]),
    textEl('uuid', spec.uuid),
    textEl('title', spec.title),
    textEl('description', spec.description),
    spec.metadata !== undefined && el('metadata', {}, [metadataElement(spec.metadata)]),
    el('memory', { unit: 'KiB' }, [String(memoryKib)]),
    el('vcpu', { placement: 'static' }, [String(spec.vcpus)]),
    osElement(spec),
    el('features', {}, [el('acpi'), el('apic')]),
    cpuMode !== undefined && el('cpu', { mode: cpuMode }),
    el('clock', { offset: 'utc' }),
    el('on_poweroff', {}, [spec.onPoweroff ?? 'destroy']),
    el('on_reboot', {}, [spec.onReboot ?? 'restart']),
    el('on_crash', {}, [spec.onCrash ?? 'destroy']),
    devicesElement(spec, disks),
  ]);
}

/**
 * Builds a persistent domain definition for `domainDefineXml`. Sizes are bytes (memory is written as KiB);
 * every string is escaped; boot order is per device only. Throws `LibvirtXmlError` (`INVALID_SPEC`) for a
 * spec libvirt would refuse or XML cannot carry.
 *
 * Always present: `<acpi/>` and `<apic/>` (without ACPI a guest's power-off only halts it), `<clock
 * offset='utc'/>`, x86_64, a video device, and `<memballoon model='none'/>` unless `memballoon` is set.
 *
 * @example
 * ```ts
 * const xml = buildDomainXml({
 *   type: 'qemu', name: 'web-1', uuid: '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab',
 *   memoryBytes: 512 * 1024 ** 2, vcpus: 1, bootOrder: 'hd',
 *   disks: [{ kind: 'disk', bus: 'virtio', target: 'vda', format: 'qcow2',
 *             source: { pool: 'gureum-disks', volume: 'vm-6f1c-root.qcow2' } }],
 *   nics: [{ network: 'gureum-nat', mac: '52:54:00:12:34:56' }],
 *   vnc: { listen: '127.0.0.1', port: 'auto' },
 *   serial: { type: 'pty' },
 *   metadata: { vmId: '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab', ownerId: 'u-1' },
 * });
 * ```
 * @see https://libvirt.org/formatdomain.html
 */
export function buildDomainXml(spec: DomainSpec): string {
  return serializeXml(domainElement(spec));
}
