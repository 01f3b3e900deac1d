/**
 * Internal snapshots of a domain: listing (with the parent of each), taking, reverting and deleting them. Libvirt
 * errors pass through untranslated; the adapter translates.
 */
import { isNoDomainSnapshot, type LibvirtClient } from '@gureum/libvirt';
import { buildDomainSnapshotXml, parseDomainSnapshotXml } from '@gureum/libvirt-xml';
import type { VmSnapshotInfo } from '../../ports/hypervisor.js';
import type { CallOpts } from './storage.js';
import { domHandle } from './vms.js';

/** Every snapshot of the domain, parents before children (then by creation time). */
export async function listSnapshots(
  client: LibvirtClient,
  id: string,
  o: CallOpts,
): Promise<VmSnapshotInfo[]> {
  const dom = domHandle(id);
  const { snapshots } = await client.domainListAllSnapshots({ dom, needResults: 1, flags: 0 }, o);
  const infos = await Promise.all(
    snapshots.map(async (snap): Promise<VmSnapshotInfo> => {
      const parsed = parseDomainSnapshotXml(await client.domainSnapshotGetXmlDesc({ snap, flags: 0 }, o));
      return {
        name: parsed.name,
        description: parsed.description ?? '',
        state: parsed.state ?? 'unknown',
        createdAt: (parsed.creationTime ?? new Date(0)).toISOString(),
        parent: parsed.parent ?? null,
        memory: parsed.memory === 'internal' || parsed.memory === 'external',
      };
    }),
  );
  return orderTree(infos);
}

/** Parents before their children; siblings (and roots) oldest first. */
export function orderTree(infos: readonly VmSnapshotInfo[]): VmSnapshotInfo[] {
  const byAge = [...infos].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name),
  );
  const names = new Set(byAge.map((s) => s.name));
  const out: VmSnapshotInfo[] = [];
  const visit = (parent: string | null): void => {
    for (const s of byAge) {
      const p = s.parent !== null && names.has(s.parent) ? s.parent : null;
      if (p === parent) {
        out.push(s);
        visit(s.name);
      }
    }
  };
  visit(null);
  return out;
}

/** An internal snapshot of the disks at `targets`; with the memory when the domain runs (libvirt's default). */
export async function createSnapshot(
  client: LibvirtClient,
  id: string,
  spec: { name: string; description: string; targets: string[]; running: boolean },
  o: CallOpts,
): Promise<void> {
  const xml = buildDomainSnapshotXml({
    name: spec.name,
    ...(spec.description === '' ? {} : { description: spec.description }),
    memory: spec.running ? 'internal' : 'no',
    disks: spec.targets.map((target) => ({ target, snapshot: 'internal' as const })),
  });
  await client.domainSnapshotCreateXml({ dom: domHandle(id), xmlDesc: xml, flags: 0 }, o);
}

export async function revertSnapshot(
  client: LibvirtClient,
  id: string,
  name: string,
  o: CallOpts,
): Promise<void> {
  const snap = await client.domainSnapshotLookupByName({ dom: domHandle(id), name, flags: 0 }, o);
  await client.domainRevertToSnapshot({ snap, flags: 0 }, o);
}

export async function deleteSnapshot(
  client: LibvirtClient,
  id: string,
  name: string,
  o: CallOpts,
): Promise<void> {
  try {
    const snap = await client.domainSnapshotLookupByName({ dom: domHandle(id), name, flags: 0 }, o);
    await client.domainSnapshotDelete({ snap, flags: 0 }, o);
  } catch (err: unknown) {
    if (!isNoDomainSnapshot(err)) throw err;
  }
}
