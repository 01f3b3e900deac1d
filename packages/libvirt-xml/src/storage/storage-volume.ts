import { invalidSpec, unexpectedXml } from '../errors.js';
import { checkBytes } from '../units.js';
import type { ByteCount } from '../units.js';
import { parseXml, serializeXml } from '../xml/codec.js';
import { attr, child, childText, compact, el, nonEmpty } from '../xml/tree.js';
import { checkAbsolutePath, checkNonEmpty, checkOneOf } from '../validate.js';
import { parseBackingStore } from './backing-store.js';
import type { ParsedBackingStore } from './backing-store.js';
import { parsePermissions, permissionsElement, sizeOf } from './storage-pool.js';
import type { StoragePermissions } from './storage-pool.js';

/**
 * Volume formats Gureum creates: `qcow2` disks and overlays, `raw` disks, `iso` images.
 *
 * @example
 * ```ts
 * const format: VolumeFormat = 'qcow2';
 * ```
 * @see https://libvirt.org/storage.html#valid-volume-formats
 */
export type VolumeFormat = 'qcow2' | 'raw' | 'iso';

/**
 * A volume to create with `storageVolCreateXml`. An overlay names its base image in `backingStore`.
 *
 * @example
 * ```ts
 * const spec: StorageVolumeSpec = { name: 'vm-6f1c-root.qcow2', capacityBytes: 10 * 1024 ** 3, format: 'qcow2' };
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-xml
 */
export interface StorageVolumeSpec {
  readonly name: string;
  readonly capacityBytes: ByteCount;
  /** Bytes to allocate up front; `0` (the default for qcow2 and sparse raw) allocates lazily. */
  readonly allocationBytes?: ByteCount;
  readonly format: VolumeFormat;
  readonly backingStore?: { readonly path: string; readonly format: 'qcow2' | 'raw' };
  readonly permissions?: StoragePermissions;
}

/**
 * What {@link parseStorageVolumeXml} returns. Sizes are bytes ({@link ByteCount}).
 *
 * @example
 * ```ts
 * const vol: ParsedStorageVolume = parseStorageVolumeXml(xml);
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-xml
 */
export interface ParsedStorageVolume {
  /** `file`, `block`, `dir`, … */
  readonly type?: string;
  readonly name: string;
  readonly key?: string;
  readonly path?: string;
  readonly capacityBytes: ByteCount;
  readonly allocationBytes?: ByteCount;
  /** Size on the host (file size); libvirt reports it only for some volumes. */
  readonly physicalBytes?: ByteCount;
  readonly format?: string;
  /** The backing chain, nearest first (libvirt's volume XML gives one level; nested levels are read too). */
  readonly backingStore?: ParsedBackingStore;
  readonly permissions?: StoragePermissions;
}

/**
 * Builds a volume definition for `storageVolCreateXml`. Sizes are written `unit='bytes'`, exactly.
 *
 * @example
 * ```ts
 * const xml = buildStorageVolumeXml({
 *   name: 'vm-6f1c-root.qcow2', capacityBytes: 10 * 1024 ** 3, format: 'qcow2',
 *   backingStore: { path: '/var/lib/gureum/pools/images/img-9a7e.qcow2', format: 'qcow2' },
 * });
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-xml
 */
export function buildStorageVolumeXml(spec: StorageVolumeSpec): string {
  checkNonEmpty(spec.name, 'name');
  checkOneOf(spec.format, ['qcow2', 'raw', 'iso'], 'format');
  const capacity = checkBytes(spec.capacityBytes, 'capacityBytes');
  const allocation =
    spec.allocationBytes === undefined ? undefined : checkBytes(spec.allocationBytes, 'allocationBytes');
  if (allocation !== undefined && allocation > capacity)
    invalidSpec('allocationBytes must not exceed capacityBytes');
  const backing = spec.backingStore;
  if (backing !== undefined) {
    if (spec.format !== 'qcow2') invalidSpec('only qcow2 volumes can have a backing store');
    checkAbsolutePath(backing.path, 'backingStore.path');
    checkOneOf(backing.format, ['qcow2', 'raw'], 'backingStore.format');
  }
  return serializeXml(
    el('volume', { type: 'file' }, [
      el('name', {}, [spec.name]),
      el('capacity', { unit: 'bytes' }, [capacity.toString()]),
      allocation !== undefined && el('allocation', { unit: 'bytes' }, [allocation.toString()]),
      el('target', {}, [
        el('format', { type: spec.format }),
        permissionsElement(spec.permissions, 'permissions'),
      ]),
      backing !== undefined &&
        el('backingStore', {}, [el('path', {}, [backing.path]), el('format', { type: backing.format })]),
    ]),
  );
}

/**
 * Parses volume XML (`storageVolGetXmlDesc`). Any libvirt size unit is accepted and converted to bytes.
 *
 * @example
 * ```ts
 * const vol = parseStorageVolumeXml(xml);
 * vol.capacityBytes;            // 10737418240
 * vol.backingStore?.path;       // '/var/lib/gureum/pools/images/img-9a7e.qcow2'
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-xml
 */
export function parseStorageVolumeXml(xml: string): ParsedStorageVolume {
  const volume = parseXml(xml, 'volume');
  const name = childText(volume, 'name');
  if (name === undefined) unexpectedXml('<volume> without <name>');
  const capacity = sizeOf(child(volume, 'capacity'));
  if (capacity === undefined) unexpectedXml('<volume> without <capacity>');
  const target = child(volume, 'target');
  return {
    name,
    capacityBytes: capacity,
    ...compact({
      type: attr(volume, 'type'),
      key: nonEmpty(childText(volume, 'key')),
      path: nonEmpty(childText(target, 'path')),
      allocationBytes: sizeOf(child(volume, 'allocation')),
      physicalBytes: sizeOf(child(volume, 'physical')),
      format: attr(child(target, 'format'), 'type'),
      backingStore: parseBackingStore(child(volume, 'backingStore')),
      permissions: parsePermissions(child(target, 'permissions')),
    }),
  };
}
