import { invalidSpec, unexpectedXml } from '../errors.js';
import { parseXml, serializeXml } from '../xml/codec.js';
import { attr, child, childText, compact, el, elements, nonEmpty, textEl, toInt } from '../xml/tree.js';
import { checkAbsolutePath, checkNonEmpty, checkOneOf, checkTarget } from '../validate.js';
import { parseDomainElement } from '../domain/domain.parser.js';
import type { ParsedDomain } from '../domain/parsed.types.js';

/**
 * Where a snapshot keeps memory or a disk: `internal` (inside the qcow2), `external` (a new overlay file)
 * or `no` (not captured).
 *
 * @example
 * ```ts
 * const kind: SnapshotKind = 'external';
 * ```
 * @see https://libvirt.org/formatsnapshot.html
 */
export type SnapshotKind = 'no' | 'internal' | 'external';

/**
 * Per-disk snapshot instructions; `file` names the new overlay of an `external` disk snapshot.
 *
 * @example
 * ```ts
 * const disk: SnapshotDiskSpec = { target: 'vda', snapshot: 'external', file: '/pools/disks/vm-6f1c-root.snap1.qcow2' };
 * ```
 * @see https://libvirt.org/formatsnapshot.html
 */
export interface SnapshotDiskSpec {
  readonly target: string;
  readonly snapshot: SnapshotKind;
  readonly file?: string;
}

/**
 * A snapshot to create with `domainSnapshotCreateXml`. `memory: 'no'` on a running domain with all
 * disks external is a disk-only snapshot (pass the DISK_ONLY flag too).
 *
 * @example
 * ```ts
 * const spec: DomainSnapshotSpec = { name: 'before-upgrade', memory: 'no', disks: [{ target: 'vda', snapshot: 'internal' }] };
 * ```
 * @see https://libvirt.org/formatsnapshot.html
 */
export interface DomainSnapshotSpec {
  readonly name: string;
  readonly description?: string;
  readonly memory: SnapshotKind;
  /** File for the memory state when `memory` is `external`. */
  readonly memoryFile?: string;
  readonly disks?: readonly SnapshotDiskSpec[];
}

/**
 * What {@link parseDomainSnapshotXml} returns.
 *
 * @example
 * ```ts
 * const snap: ParsedDomainSnapshot = parseDomainSnapshotXml(xml);
 * ```
 * @see https://libvirt.org/formatsnapshot.html
 */
export interface ParsedDomainSnapshot {
  readonly name: string;
  readonly description?: string;
  /** Domain state when the snapshot was taken (`running`, `shutoff`, `disk-snapshot`, …). */
  readonly state?: string;
  readonly creationTime?: Date;
  /** Name of the parent snapshot. */
  readonly parent?: string;
  readonly memory?: SnapshotKind;
  readonly memoryFile?: string;
  readonly disks: readonly {
    readonly target: string;
    readonly snapshot?: string;
    readonly file?: string;
    readonly driverType?: string;
  }[];
  /** The domain definition captured with the snapshot, when libvirt includes it. */
  readonly domain?: ParsedDomain;
}

const KINDS = ['no', 'internal', 'external'] as const;

/**
 * Builds snapshot XML for `domainSnapshotCreateXml`.
 *
 * @example
 * ```ts
 * const xml = buildDomainSnapshotXml({
 *   name: 'before-upgrade', description: 'kernel 6.1 → 6.12', memory: 'no',
 *   disks: [{ target: 'vda', snapshot: 'external', file: '/pools/disks/vm-6f1c-root.s1.qcow2' }, { target: 'hdc', snapshot: 'no' }],
 * });
 * ```
 * @see https://libvirt.org/formatsnapshot.html
 */
export function buildDomainSnapshotXml(spec: DomainSnapshotSpec): string {
  checkNonEmpty(spec.name, 'name');
  checkOneOf(spec.memory, KINDS, 'memory');
  if (spec.memoryFile !== undefined) {
    if (spec.memory !== 'external') invalidSpec('memoryFile needs memory "external"');
    checkAbsolutePath(spec.memoryFile, 'memoryFile');
  }
  const disks = (spec.disks ?? []).map((d, i) => {
    checkTarget(d.target, `disks[${i}].target`);
    checkOneOf(d.snapshot, KINDS, `disks[${i}].snapshot`);
    if (d.file !== undefined) {
      if (d.snapshot !== 'external') invalidSpec(`disks[${i}].file needs snapshot "external"`);
      checkAbsolutePath(d.file, `disks[${i}].file`);
    }
    return el('disk', { name: d.target, snapshot: d.snapshot }, [
      d.file !== undefined && el('source', { file: d.file }),
    ]);
  });
  return serializeXml(
    el('domainsnapshot', {}, [
      el('name', {}, [spec.name]),
      textEl('description', spec.description),
      el('memory', { snapshot: spec.memory, file: spec.memoryFile }),
      disks.length > 0 && el('disks', {}, disks),
    ]),
  );
}

/**
 * Parses snapshot XML (`domainSnapshotGetXmlDesc`), including the domain definition it carries.
 *
 * @example
 * ```ts
 * const { name, parent, creationTime, disks } = parseDomainSnapshotXml(xml);
 * ```
 * @see https://libvirt.org/formatsnapshot.html
 */
export function parseDomainSnapshotXml(xml: string): ParsedDomainSnapshot {
  const snapshot = parseXml(xml, 'domainsnapshot');
  const name = childText(snapshot, 'name');
  if (name === undefined) unexpectedXml('<domainsnapshot> without <name>');
  const created = childText(snapshot, 'creationTime');
  const memory = child(snapshot, 'memory');
  const memoryKind = attr(memory, 'snapshot');
  const disksElement = child(snapshot, 'disks');
  const domain = child(snapshot, 'domain');
  return {
    name,
    disks: (disksElement === undefined ? [] : elements(disksElement, 'disk')).map((d) => {
      const target = attr(d, 'name');
      if (target === undefined) unexpectedXml('snapshot <disk> without name');
      return {
        target,
        ...compact({
          snapshot: attr(d, 'snapshot'),
          file: attr(child(d, 'source'), 'file'),
          driverType: attr(child(d, 'driver'), 'type'),
        }),
      };
    }),
    ...compact({
      description: childText(snapshot, 'description'),
      state: childText(snapshot, 'state')?.trim(),
      creationTime: created === undefined ? undefined : new Date(toInt(created, 'creationTime') * 1000),
      parent: nonEmpty(childText(snapshot, 'parent', 'name')),
      memory: KINDS.find((k) => k === memoryKind),
      memoryFile: attr(memory, 'file'),
      domain: domain === undefined ? undefined : parseDomainElement(domain),
    }),
  };
}
