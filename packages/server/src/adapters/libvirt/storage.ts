/**
 * Storage pools and volumes through libvirt's storage API (never qemu-img): managed directory pools, qcow2
 * overlays, blank disks, uploads. Every function lets libvirt errors through untranslated; the adapter class
 * translates them.
 */
import { posix } from 'node:path';
import type { LibvirtClient, Pool, Vol } from '@gureum/libvirt';
import {
  buildStoragePoolXml,
  buildStorageVolumeXml,
  parseStoragePoolXml,
  parseStorageVolumeXml,
  type ByteCount,
} from '@gureum/libvirt-xml';
import { AppError } from '../../domain/errors.js';
import type { VolumeInfo, VolumeRef } from '../../ports/hypervisor.js';
import { isMissingPool, isMissingVolume } from './errors.js';

/** Per-call options passed to every libvirt call. */
export interface CallOpts {
  readonly signal?: AbortSignal | undefined;
}

export interface VolumeCreateSpec {
  ref: VolumeRef;
  capacityBytes: number;
  format: 'qcow2' | 'raw';
  backing?: { ref: VolumeRef; format: 'qcow2' | 'raw' };
}

const toNumber = (n: ByteCount | bigint): number => Number(n);

function formatOf(format: string | undefined): VolumeInfo['format'] {
  return format === 'qcow2' || format === 'raw' || format === 'iso' ? format : 'unknown';
}

/** Trailing slashes off, for comparing directories. */
function normalDir(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function lookupPool(client: LibvirtClient, name: string, o: CallOpts): Promise<Pool> {
  return client.storagePoolLookupByName({ name }, o);
}

export async function lookupVolume(client: LibvirtClient, ref: VolumeRef, o: CallOpts): Promise<Vol> {
  const pool = await lookupPool(client, ref.pool, o);
  return client.storageVolLookupByName({ pool, name: ref.name }, o);
}

/** The pool's target directory. */
export async function poolDirectory(
  client: LibvirtClient,
  pool: Pool,
  o: CallOpts,
): Promise<string | undefined> {
  const xml = await client.storagePoolGetXmlDesc({ pool, flags: 0 }, o);
  const dir = parseStoragePoolXml(xml).targetPath;
  return dir === undefined ? undefined : normalDir(dir);
}

/**
 * Makes sure a directory pool exists, is built, active and autostarts. Idempotent; after a libvirtd restart a
 * pool can exist but be inactive, and it is then started.
 */
export async function ensurePool(
  client: LibvirtClient,
  name: string,
  directory: string,
  o: CallOpts,
): Promise<void> {
  let pool: Pool;
  try {
    pool = await lookupPool(client, name, o);
  } catch (err: unknown) {
    if (!isMissingPool(err)) throw err;
    const xml = buildStoragePoolXml({ name, type: 'dir', targetPath: directory });
    // Another process may define it at the same moment: then use theirs.
    pool = await client.storagePoolDefineXml({ xml, flags: 0 }, o).catch(async (defineErr: unknown) => {
      const again = await lookupPool(client, name, o).catch(() => undefined);
      if (again) return again;
      throw defineErr;
    });
  }
  const actual = await poolDirectory(client, pool, o);
  if (actual !== normalDir(directory)) {
    throw new AppError('INTERNAL', 'internal', `Storage pool '${name}' exists with another directory.`, {
      pool: name,
      expected: directory,
      actual,
    });
  }
  if (!(await client.storagePoolIsActive({ pool }, o))) {
    // Creates the directory when missing (owner and mode as libvirt wants them); harmless when it exists.
    await client.storagePoolBuild({ pool, flags: 0 }, o);
    await client.storagePoolCreate({ pool, flags: 0 }, o);
  }
  if (!(await client.storagePoolGetAutostart({ pool }, o))) {
    await client.storagePoolSetAutostart({ pool, autostart: true }, o);
  }
}

/** Reads a volume's XML into a VolumeInfo. */
export async function describeVolume(
  client: LibvirtClient,
  vol: Vol,
  ref: VolumeRef,
  o: CallOpts,
): Promise<VolumeInfo> {
  const parsed = parseStorageVolumeXml(await client.storageVolGetXmlDesc({ vol, flags: 0 }, o));
  const backing = parsed.backingStore;
  return {
    ref,
    path: parsed.path ?? vol.key,
    format: formatOf(parsed.format),
    capacityBytes: toNumber(parsed.capacityBytes),
    allocationBytes: toNumber(parsed.allocationBytes ?? 0),
    backing: backing?.path === undefined ? null : { path: backing.path, format: backing.format ?? 'unknown' },
  };
}

/** VolumeInfo of a volume, or null when it (or its pool) does not exist. */
export async function volumeInfo(
  client: LibvirtClient,
  ref: VolumeRef,
  o: CallOpts,
): Promise<VolumeInfo | null> {
  try {
    return await describeVolume(client, await lookupVolume(client, ref, o), ref, o);
  } catch (err: unknown) {
    if (isMissingVolume(err)) return null;
    throw err;
  }
}

/**
 * Creates a volume with libvirt's volume API: a sparse raw or qcow2 blank, or a qcow2 overlay whose
 * `<backingStore>` names the backing volume's path and format. An overlay is never smaller than its backing
 * volume (a capacity of 0 means "as large as the backing volume").
 */
export async function createVolume(
  client: LibvirtClient,
  spec: VolumeCreateSpec,
  o: CallOpts,
): Promise<VolumeInfo> {
  const pool = await lookupPool(client, spec.ref.pool, o);
  let capacityBytes = spec.capacityBytes;
  let backingStore: { path: string; format: 'qcow2' | 'raw' } | undefined;
  if (spec.backing) {
    const base = await lookupVolume(client, spec.backing.ref, o);
    const [path, info] = await Promise.all([
      client.storageVolGetPath({ vol: base }, o),
      client.storageVolGetInfo({ vol: base }, o),
    ]);
    backingStore = { path, format: spec.backing.format };
    capacityBytes = Math.max(capacityBytes, toNumber(info.capacity));
  }
  const xml = buildStorageVolumeXml({
    name: spec.ref.name,
    capacityBytes,
    format: spec.format,
    ...(spec.format === 'raw' ? { allocationBytes: 0 } : {}),
    ...(backingStore ? { backingStore } : {}),
  });
  const vol = await client.storageVolCreateXml({ pool, xml, flags: 0 }, o);
  return describeVolume(client, vol, spec.ref, o);
}

/** Deletes a volume; a missing volume or pool is not an error. */
export async function deleteVolume(client: LibvirtClient, ref: VolumeRef, o: CallOpts): Promise<void> {
  try {
    await client.storageVolDelete({ vol: await lookupVolume(client, ref, o), flags: 0 }, o);
  } catch (err: unknown) {
    if (!isMissingVolume(err)) throw err;
  }
}

/** Every volume of a pool, after a refresh (so files added or changed behind libvirt's back show). */
export async function listVolumes(
  client: LibvirtClient,
  poolName: string,
  o: CallOpts,
): Promise<VolumeInfo[]> {
  const pool = await lookupPool(client, poolName, o);
  await client.storagePoolRefresh({ pool, flags: 0 }, o);
  const { vols } = await client.storagePoolListAllVolumes({ pool, needResults: 1, flags: 0 }, o);
  const infos = await Promise.all(
    vols.map((vol) =>
      describeVolume(client, vol, { pool: poolName, name: vol.name }, o).catch((err: unknown) => {
        if (isMissingVolume(err)) return null; // deleted meanwhile
        throw err;
      }),
    ),
  );
  return infos
    .filter((i): i is VolumeInfo => i !== null)
    .sort((a, b) => a.ref.name.localeCompare(b.ref.name));
}

/**
 * Streams `lengthBytes` from `source` into a volume from offset 0 (the client waits for the socket to drain, so a
 * slow daemon slows the source), then refreshes the pool so libvirt's view of the file (format, sizes) is current.
 */
export async function uploadVolume(
  client: LibvirtClient,
  ref: VolumeRef,
  source: AsyncIterable<Uint8Array>,
  lengthBytes: number,
  o: CallOpts,
): Promise<void> {
  const pool = await lookupPool(client, ref.pool, o);
  const vol = await client.storageVolLookupByName({ pool, name: ref.name }, o);
  await client.storageVolUpload({ vol, offset: 0n, length: BigInt(lengthBytes), flags: 0 }, source, o);
  await client.storagePoolRefresh({ pool, flags: 0 }, o);
}

/** Path of an existing volume. */
export async function volumePath(client: LibvirtClient, ref: VolumeRef, o: CallOpts): Promise<string> {
  return client.storageVolGetPath({ vol: await lookupVolume(client, ref, o) }, o);
}

/**
 * Where a volume is or would be: its path when it exists, else `<pool directory>/<name>` (an NVRAM file libvirt
 * creates from its template at the first start does not exist before).
 */
export async function volumePathOrPlanned(
  client: LibvirtClient,
  ref: VolumeRef,
  o: CallOpts,
): Promise<string> {
  const pool = await lookupPool(client, ref.pool, o);
  try {
    const vol = await client.storageVolLookupByName({ pool, name: ref.name }, o);
    return await client.storageVolGetPath({ vol }, o);
  } catch (err: unknown) {
    if (!isMissingVolume(err)) throw err;
  }
  const dir = await poolDirectory(client, pool, o);
  if (dir === undefined)
    throw new AppError('INTERNAL', 'internal', `Storage pool '${ref.pool}' has no directory.`);
  return posix.join(dir, ref.name);
}

/** Maps host paths to volume refs by the directories of the host's pools; paths outside every pool are left out. */
export async function refsForPaths(
  client: LibvirtClient,
  paths: readonly string[],
  o: CallOpts,
): Promise<Map<string, VolumeRef>> {
  const out = new Map<string, VolumeRef>();
  if (paths.length === 0) return out;
  const { pools } = await client.connectListAllStoragePools({ needResults: 1, flags: 0 }, o);
  const dirs = await Promise.all(
    pools.map(async (pool) => ({
      pool: pool.name,
      dir: await poolDirectory(client, pool, o).catch(() => undefined),
    })),
  );
  for (const path of paths) {
    const dir = normalDir(posix.dirname(path));
    const owner = dirs.find((d) => d.dir === dir);
    if (owner) out.set(path, { pool: owner.pool, name: posix.basename(path) });
  }
  return out;
}

/** Grows a volume (absolute capacity in bytes); a capacity not above the current one changes nothing. */
export async function resizeVolume(
  client: LibvirtClient,
  ref: VolumeRef,
  capacityBytes: number,
  o: CallOpts,
): Promise<void> {
  const vol = await lookupVolume(client, ref, o);
  const info = await client.storageVolGetInfo({ vol }, o);
  if (BigInt(capacityBytes) <= info.capacity) return;
  await client.storageVolResize({ vol, capacity: BigInt(capacityBytes), flags: 0 }, o);
}
