/**
 * VMs as libvirt domains: bulk listing, lookups, (re)definition from a VmSpec, undefinition and the volumes a
 * definition references. Libvirt errors pass through untranslated except where noted; the adapter translates.
 */
import {
  ConnectGetAllDomainStatsFlags,
  DomainDefineFlags,
  DomainStatsTypes,
  DomainUndefineFlags,
  DomainXmlFlags,
  typedParamsToRecord,
  type Dom,
  type LibvirtClient,
} from '@gureum/libvirt';
import { buildDomainXml, parseDomainXml } from '@gureum/libvirt-xml';
import { AppError, ConflictError } from '../../domain/errors.js';
import type { VmRuntime, VmSpec, VolumeRef } from '../../ports/hypervisor.js';
import { domainSpecOf, type DomainSpecOptions } from './domain-spec.js';
import { isMissingDomain, isNameClash, isUnsupportedFlag } from './errors.js';
import { mergeRedefinition } from './redefine.js';
import { refsForPaths, volumePath, volumePathOrPlanned, type CallOpts } from './storage.js';
import { stateReasonWord, vmStateOf } from './words.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` can be a domain UUID. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/**
 * A domain handle built from the VM id without a lookup: the daemon resolves handles by UUID only (facts §2.1), so
 * one round trip is saved per operation. The name is a placeholder.
 */
export function domHandle(id: string): Dom {
  if (!isUuid(id)) throw new AppError('VM_NOT_FOUND', 'not_found', `No VM '${id}' exists.`, { vm: id });
  return { name: id, uuid: id.toLowerCase(), id: -1 };
}

function runtimeOf(dom: Dom, state: number, reason: number): VmRuntime {
  return { id: dom.uuid, name: dom.name, state: vmStateOf(state), reason: stateReasonWord(state, reason) };
}

/**
 * Every domain with its state in O(1) calls: one `connectListAllDomains` and one `connectGetAllDomainStats` (state
 * group only) per `batchSize` domains. Batches keep each reply far below libvirt's 32 MiB message limit on hosts
 * with thousands of domains. A domain that disappears between the two calls is left out; one that appears is not
 * listed (its events follow).
 */
export async function listVms(client: LibvirtClient, batchSize: number, o: CallOpts): Promise<VmRuntime[]> {
  const { domains } = await client.connectListAllDomains({ needResults: 1, flags: 0 }, o);
  const out: VmRuntime[] = [];
  for (let i = 0; i < domains.length; i += batchSize) {
    const doms = domains.slice(i, i + batchSize);
    const records = await client.connectGetAllDomainStats(
      { doms, stats: DomainStatsTypes.State, flags: ConnectGetAllDomainStatsFlags.Nowait },
      o,
    );
    for (const record of records) {
      const params = typedParamsToRecord(record.params);
      const state = params['state.state'];
      const reason = params['state.reason'];
      out.push(
        runtimeOf(record.dom, typeof state === 'number' ? state : 0, typeof reason === 'number' ? reason : 0),
      );
    }
  }
  return out;
}

/** One VM's runtime, or null when no such domain exists. */
export async function getVm(
  client: LibvirtClient,
  key: { id: string } | { name: string },
  o: CallOpts,
): Promise<VmRuntime | null> {
  try {
    let dom: Dom;
    if ('id' in key) {
      if (!isUuid(key.id)) return null;
      dom = await client.domainLookupByUuid({ uuid: key.id.toLowerCase() }, o);
    } else {
      dom = await client.domainLookupByName({ name: key.name }, o);
    }
    const { state, reason } = await client.domainGetState({ dom, flags: 0 }, o);
    return runtimeOf(dom, state, reason);
  } catch (err: unknown) {
    if (isMissingDomain(err)) return null;
    throw err;
  }
}

/** The persistent definition as libvirt keeps it, secrets included; undefined when the domain does not exist. */
async function currentDefinition(
  client: LibvirtClient,
  id: string,
  o: CallOpts,
): Promise<string | undefined> {
  try {
    return await client.domainGetXmlDesc(
      { dom: domHandle(id), flags: DomainXmlFlags.Secure | DomainXmlFlags.Inactive },
      o,
    );
  } catch (err: unknown) {
    if (isMissingDomain(err)) return undefined;
    throw err;
  }
}

async function resolveVolumes(client: LibvirtClient, spec: VmSpec, o: CallOpts) {
  const [disks, cdrom, nvram] = await Promise.all([
    Promise.all(
      spec.disks.map(async (d): Promise<[string, string]> => [d.id, await volumePath(client, d.volume, o)]),
    ),
    spec.cdrom?.media ? volumePath(client, spec.cdrom.media, o) : Promise.resolve(null),
    spec.firmware === 'uefi' && spec.nvram
      ? volumePathOrPlanned(client, spec.nvram, o)
      : Promise.resolve(null),
  ]);
  return { disks: new Map(disks), cdrom, nvram };
}

/**
 * Defines or redefines a VM from its spec. Disks are `<disk type='file'>` with the volume's path (see the report:
 * backing chains, snapshots and block jobs work on file disks without pool translation). On a redefine the
 * current definition is read with SECURE | INACTIVE and what Gureum does not manage is kept (see redefine.ts).
 */
export async function defineVm(
  client: LibvirtClient,
  spec: VmSpec,
  options: DomainSpecOptions,
  o: CallOpts,
): Promise<void> {
  if (!isUuid(spec.id))
    throw new AppError('VALIDATION_FAILED', 'invalid', 'A VM id must be a UUID.', { vm: spec.id });
  const [volumes, current] = await Promise.all([
    resolveVolumes(client, spec, o),
    currentDefinition(client, spec.id, o),
  ]);
  if (spec.firmware === 'uefi' && volumes.nvram === null) {
    throw new AppError('VALIDATION_FAILED', 'invalid', 'A UEFI VM needs an NVRAM volume.', { vm: spec.id });
  }
  let xml = buildDomainXml(domainSpecOf(spec, volumes, options));
  if (current !== undefined) {
    const existingName = parseDomainXml(current).name;
    if (existingName !== spec.name) {
      throw new ConflictError('VM_INVALID_STATE', 'Renaming a defined VM is not supported.', {
        vm: spec.id,
        name: existingName,
      });
    }
    xml = mergeRedefinition(current, xml);
    parseDomainXml(xml); // the merge must still be a domain we can read
  }
  try {
    await client.domainDefineXmlFlags({ xml, flags: DomainDefineFlags.Validate }, o);
  } catch (err: unknown) {
    if (isNameClash(err) && current === undefined) {
      const holder = await client.domainLookupByName({ name: spec.name }, o).catch(() => undefined);
      if (holder && holder.uuid !== spec.id.toLowerCase()) {
        throw new ConflictError(
          'VM_NAME_TAKEN',
          `Another VM is named '${spec.name}'.`,
          { name: spec.name },
          { cause: err },
        );
      }
    }
    throw err;
  }
}

const UNDEFINE_FLAGS =
  DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram;

/** Undefines with managed-save, snapshot and checkpoint metadata and NVRAM; a missing domain is not an error. */
export async function undefineVm(client: LibvirtClient, id: string, o: CallOpts): Promise<void> {
  if (!isUuid(id)) return;
  const dom = domHandle(id);
  try {
    try {
      await client.domainUndefineFlags(
        { dom, flags: UNDEFINE_FLAGS | DomainUndefineFlags.CheckpointsMetadata },
        o,
      );
    } catch (err: unknown) {
      if (!isUnsupportedFlag(err)) throw err;
      await client.domainUndefineFlags({ dom, flags: UNDEFINE_FLAGS }, o); // libvirt < 5.6 has no checkpoints
    }
  } catch (err: unknown) {
    if (!isMissingDomain(err)) throw err;
  }
}

/**
 * Volumes the persistent definition references inside managed pools: the disks (not the cdrom media, which
 * belongs to the image library) and the NVRAM file. `isManaged` says which pools count. A missing VM has none.
 */
export async function vmVolumes(
  client: LibvirtClient,
  id: string,
  isManaged: (pool: string) => boolean,
  o: CallOpts,
): Promise<VolumeRef[]> {
  if (!isUuid(id)) return [];
  const xml = await currentDefinition(client, id, o);
  if (xml === undefined) return [];
  const parsed = parseDomainXml(xml);
  const refs: VolumeRef[] = [];
  const paths: string[] = [];
  for (const disk of parsed.disks) {
    if (disk.device !== 'disk' || !disk.source) continue;
    if ('pool' in disk.source) refs.push({ pool: disk.source.pool, name: disk.source.volume });
    else if ('file' in disk.source) paths.push(disk.source.file);
  }
  if (parsed.nvramPath !== undefined) paths.push(parsed.nvramPath);
  const byPath = await refsForPaths(client, paths, o);
  for (const path of paths) {
    const ref = byPath.get(path);
    if (ref) refs.push(ref);
  }
  return refs.filter((ref) => isManaged(ref.pool));
}
