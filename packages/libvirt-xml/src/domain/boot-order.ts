// Boot order modes of the API mapped onto libvirt's per-device <boot order='N'/> (DESIGN.md §5). We never
// write <os><boot dev=…>: libvirt refuses a domain that mixes both styles.

import { LibvirtXmlError, invalidSpec } from '../errors.js';
import { parseXml, serializeXml } from '../xml/codec.js';
import { attr, el, elements, withChildren } from '../xml/tree.js';
import type { XmlElement, XmlNode } from '../xml/tree.js';
import type { BootOrderMode, StorageDeviceSpec } from './domain.types.js';
import type { ParsedDomain } from './parsed.types.js';

const MODES: readonly BootOrderMode[] = ['cdrom_hd', 'hd', 'cdrom', 'hd_cdrom'];

/** Which device kinds boot, in order, for each mode. */
const SEQUENCES: Readonly<Record<BootOrderMode, readonly ('disk' | 'cdrom')[]>> = {
  cdrom_hd: ['cdrom', 'disk'],
  hd: ['disk'],
  cdrom: ['cdrom'],
  hd_cdrom: ['disk', 'cdrom'],
};

function checkMode(mode: BootOrderMode): void {
  if (!MODES.includes(mode)) invalidSpec(`boot order must be one of ${MODES.join(', ')}`);
}

function withBootOrder(device: StorageDeviceSpec, order: number | undefined): StorageDeviceSpec {
  if (device.kind === 'disk') {
    const { bootOrder: _old, ...rest } = device;
    return order === undefined ? rest : { ...rest, bootOrder: order };
  }
  const { bootOrder: _old, ...rest } = device;
  return order === undefined ? rest : { ...rest, bootOrder: order };
}

/**
 * Applies a boot order mode to a VM's disks and cdroms: the first disk (the system disk) and the first
 * cdrom get `bootOrder` 1 or 2 as the mode says, every other device loses its `bootOrder`.
 * `cdrom_hd` → cdrom 1, disk 2; `hd` → disk 1 only; `cdrom` → cdrom 1 only; `hd_cdrom` → disk 1, cdrom 2.
 * Throws `INVALID_SPEC` when the mode needs a device kind the list lacks.
 *
 * @example
 * ```ts
 * const devices = bootOrderFor('cdrom_hd', [
 *   { kind: 'disk', bus: 'virtio', target: 'vda', format: 'qcow2', source: { file: '/p/vda.qcow2' } },
 *   { kind: 'cdrom', bus: 'ide', target: 'hdc', source: { file: '/p/install.iso' } },
 * ]);
 * // devices[1].bootOrder === 1, devices[0].bootOrder === 2
 * ```
 * @see https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms (the `boot` element)
 */
export function bootOrderFor(
  mode: BootOrderMode,
  devices: readonly StorageDeviceSpec[],
): StorageDeviceSpec[] {
  checkMode(mode);
  const chosen = new Map<number, number>();
  SEQUENCES[mode].forEach((kind, i) => {
    const index = devices.findIndex((d) => d.kind === kind);
    if (index === -1) invalidSpec(`boot order ${mode} needs a ${kind}`);
    chosen.set(index, i + 1);
  });
  return devices.map((d, i) => withBootOrder(d, chosen.get(i)));
}

function modeOf(sequence: readonly string[]): BootOrderMode | 'custom' {
  const key = sequence.join(',');
  return MODES.find((m) => SEQUENCES[m].join(',') === key) ?? 'custom';
}

/**
 * The boot order mode of a parsed domain, or `custom` when it is none of the four (a NIC in the boot
 * order, two disks, …). Legacy `<os><boot dev>` entries are understood too; with no boot information at
 * all libvirt boots from the hard disk, so that reads as `hd`.
 *
 * @example
 * ```ts
 * bootOrderOf(parseDomainXml(xml)); // 'cdrom_hd'
 * ```
 * @see https://libvirt.org/formatdomain.html#bios-bootloader
 */
export function bootOrderOf(domain: ParsedDomain): BootOrderMode | 'custom' {
  return bootOrderOfDevices(domain.disks, domain.interfaces, domain.osBootDevices);
}

/** {@link bootOrderOf} on the parts that matter (also used for specs in tests). */
export function bootOrderOfDevices(
  disks: readonly { readonly device: string; readonly bootOrder?: number }[],
  interfaces: readonly { readonly bootOrder?: number }[],
  osBootDevices: readonly string[],
): BootOrderMode | 'custom' {
  const ordered: { order: number; kind: string }[] = [];
  for (const d of disks) if (d.bootOrder !== undefined) ordered.push({ order: d.bootOrder, kind: d.device });
  for (const n of interfaces)
    if (n.bootOrder !== undefined) ordered.push({ order: n.bootOrder, kind: 'network' });
  if (ordered.length > 0) {
    return modeOf(ordered.sort((a, b) => a.order - b.order).map((d) => d.kind));
  }
  const legacy = osBootDevices.length === 0 ? ['hd'] : osBootDevices;
  return modeOf(legacy.map((dev) => (dev === 'hd' ? 'disk' : dev)));
}

// ---- editing an existing definition -------------------------------------------------------------------

function isBlank(node: XmlNode | undefined): boolean {
  return node !== undefined && node.kind === 'text' && node.value.trim() === '';
}

/** Removes the child elements named `name`, together with the indentation in front of each. */
function withoutChildren(parent: XmlElement, name: string): XmlElement {
  const kids: XmlNode[] = [];
  for (const c of parent.children) {
    if (c.kind === 'element' && c.name === name) {
      if (isBlank(kids[kids.length - 1])) kids.pop();
      continue;
    }
    kids.push(c);
  }
  return withChildren(parent, kids);
}

/** Adds `<boot order>` before `<alias>`/`<address>` (where libvirt writes it), keeping the indentation. */
function withBoot(device: XmlElement, order: number): XmlElement {
  const boot = el('boot', { order });
  const kids = [...device.children];
  const indent = kids.find((c) => isBlank(c));
  const at = kids.findIndex((c) => c.kind === 'element' && (c.name === 'alias' || c.name === 'address'));
  if (at !== -1) {
    const before = kids[at - 1];
    kids.splice(at, 0, ...(before !== undefined && isBlank(before) ? [boot, before] : [boot]));
  } else if (isBlank(kids[kids.length - 1])) {
    const last = kids.length - 1;
    kids.splice(last, 0, ...(indent !== undefined && indent !== kids[last] ? [indent, boot] : [boot]));
  } else {
    kids.push(boot);
  }
  return withChildren(device, kids);
}

/**
 * Rewrites the boot order of an existing domain definition (as read with
 * `VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE`) for a redefine: every `<boot>` is removed from `<os>`
 * and from the devices, then the first disk and the first cdrom get `<boot order>` as
 * {@link bootOrderFor} describes. Everything else — unknown elements, attributes such as VNC passwords,
 * comments, layout — is kept as it was (the XML declaration, if any, is dropped).
 *
 * @example
 * ```ts
 * const xml = await conn.domainGetXmlDesc(dom, DomainXmlFlags.Secure | DomainXmlFlags.Inactive);
 * await conn.domainDefineXml(setBootOrder(xml, 'hd'));
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDefineXML
 */
export function setBootOrder(xml: string, mode: BootOrderMode): string {
  checkMode(mode);
  const domain = parseXml(xml, 'domain');
  const devices = elements(domain, 'devices')[0];
  if (devices === undefined) throw new LibvirtXmlError('UNEXPECTED_XML', 'the domain has no <devices>');
  const disks = elements(devices, 'disk');
  const wanted = new Map<XmlElement, number>();
  SEQUENCES[mode].forEach((kind, i) => {
    const found = disks.find((d) => (attr(d, 'device') ?? 'disk') === kind);
    if (found === undefined) invalidSpec(`boot order ${mode} needs a ${kind}, and the domain has none`);
    wanted.set(found, i + 1);
  });
  const newDevices = withChildren(
    devices,
    devices.children.map((c) => {
      if (c.kind !== 'element') return c;
      const cleared = withoutChildren(c, 'boot');
      const order = wanted.get(c);
      return order === undefined ? cleared : withBoot(cleared, order);
    }),
  );
  const newDomain = withChildren(
    domain,
    domain.children.map((c) => {
      if (c === devices) return newDevices;
      if (c.kind === 'element' && c.name === 'os') return withoutChildren(c, 'boot');
      return c;
    }),
  );
  return serializeXml(newDomain, { pretty: false });
}
