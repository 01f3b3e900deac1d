import { invalidSpec, unexpectedXml } from '../errors.js';
import { parseScaledBytes } from '../units.js';
import type { ByteCount } from '../units.js';
import { parseXml, serializeXml } from '../xml/codec.js';
import { attr, child, childText, compact, el, nonEmpty, textEl, textOf } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';
import { checkAbsolutePath, checkNonEmpty, checkOneOf, checkUuid } from '../validate.js';

/**
 * Ownership and mode of a pool's or volume's target. `mode` is an octal string (`'0711'`); `owner` and
 * `group` are numeric ids.
 *
 * @example
 * ```ts
 * const permissions: StoragePermissions = { mode: '0711', owner: 0, group: 0 };
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-pool-target-elements
 */
export interface StoragePermissions {
  readonly mode?: string;
  readonly owner?: number;
  readonly group?: number;
  readonly label?: string;
}

/**
 * A managed directory pool.
 *
 * @example
 * ```ts
 * const spec: StoragePoolSpec = { name: 'gureum-disks', type: 'dir', targetPath: '/var/lib/gureum/pools/disks' };
 * ```
 * @see https://libvirt.org/formatstorage.html
 */
export interface StoragePoolSpec {
  readonly name: string;
  readonly uuid?: string;
  readonly type: 'dir';
  readonly targetPath: string;
  readonly permissions?: StoragePermissions;
}

/**
 * What {@link parseStoragePoolXml} returns. Sizes are bytes (see {@link ByteCount}); they are 0 for a pool
 * that is not running.
 *
 * @example
 * ```ts
 * const pool: ParsedStoragePool = parseStoragePoolXml(xml);
 * ```
 * @see https://libvirt.org/formatstorage.html
 */
export interface ParsedStoragePool {
  /** `dir`, `fs`, `logical`, … */
  readonly type: string;
  readonly name: string;
  readonly uuid?: string;
  readonly capacityBytes?: ByteCount;
  readonly allocationBytes?: ByteCount;
  readonly availableBytes?: ByteCount;
  readonly targetPath?: string;
  readonly permissions?: StoragePermissions;
}

/** `<permissions>` shared by pools and volumes. */
export function permissionsElement(p: StoragePermissions | undefined, what: string): XmlElement | undefined {
  if (p === undefined) return undefined;
  if (p.mode !== undefined && !/^0?[0-7]{3,4}$/.test(p.mode))
    invalidSpec(`${what}.mode must be an octal mode like 0711`);
  for (const id of [p.owner, p.group]) {
    if (id !== undefined && (!Number.isSafeInteger(id) || id < 0))
      invalidSpec(`${what} owner/group must be numeric ids`);
  }
  return el('permissions', {}, [
    textEl('mode', p.mode),
    textEl('owner', p.owner),
    textEl('group', p.group),
    textEl('label', p.label),
  ]);
}

function toId(value: string | undefined): number | undefined {
  // libvirt writes -1 for "unchanged" (root-squashed NFS and similar).
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/** Reads `<permissions>` shared by pools and volumes. */
export function parsePermissions(p: XmlElement | undefined): StoragePermissions | undefined {
  if (p === undefined) return undefined;
  return compact({
    mode: childText(p, 'mode')?.trim(),
    owner: toId(childText(p, 'owner')),
    group: toId(childText(p, 'group')),
    label: childText(p, 'label'),
  });
}

/** Optional scaled size element (`<capacity unit='bytes'>`). */
export function sizeOf(element: XmlElement | undefined): ByteCount | undefined {
  return element === undefined ? undefined : parseScaledBytes(textOf(element), attr(element, 'unit'));
}

/**
 * Builds a storage pool definition for `storagePoolDefineXml`. Only directory pools: Gureum's managed
 * pools are directories it owns.
 *
 * @example
 * ```ts
 * const xml = buildStoragePoolXml({
 *   name: 'gureum-images', type: 'dir', targetPath: '/var/lib/gureum/pools/images',
 *   permissions: { mode: '0711', owner: 0, group: 0 },
 * });
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-pool-xml
 */
export function buildStoragePoolXml(spec: StoragePoolSpec): string {
  checkNonEmpty(spec.name, 'name');
  checkUuid(spec.uuid, 'uuid');
  checkOneOf(spec.type, ['dir'], 'type');
  checkAbsolutePath(spec.targetPath, 'targetPath');
  return serializeXml(
    el('pool', { type: spec.type }, [
      el('name', {}, [spec.name]),
      textEl('uuid', spec.uuid),
      el('target', {}, [
        el('path', {}, [spec.targetPath]),
        permissionsElement(spec.permissions, 'permissions'),
      ]),
    ]),
  );
}

/**
 * Parses storage pool XML (`storagePoolGetXmlDesc`).
 *
 * @example
 * ```ts
 * const { name, targetPath, availableBytes } = parseStoragePoolXml(xml);
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-pool-xml
 */
export function parseStoragePoolXml(xml: string): ParsedStoragePool {
  const pool = parseXml(xml, 'pool');
  const name = childText(pool, 'name');
  if (name === undefined) unexpectedXml('<pool> without <name>');
  const target = child(pool, 'target');
  return {
    type: attr(pool, 'type') ?? 'dir',
    name,
    ...compact({
      uuid: childText(pool, 'uuid')?.trim(),
      capacityBytes: sizeOf(child(pool, 'capacity')),
      allocationBytes: sizeOf(child(pool, 'allocation')),
      availableBytes: sizeOf(child(pool, 'available')),
      targetPath: nonEmpty(childText(target, 'path')),
      permissions: parsePermissions(child(target, 'permissions')),
    }),
  };
}
