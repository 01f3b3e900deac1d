/**
 * The installation phase of a VM installed from an ISO (DESIGN §5), as shared by the VM tasks, the install tracker
 * and the routes: when an installation begins, whether the guest wrote its disk, and the events that tell clients.
 */
import type { VmInstallationSummary, VmMedia } from '@gureum/contract';
import type { VmRecord, VolumeRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor, VolumeRef } from '../ports/hypervisor.js';
import type { Repositories } from '../ports/repositories.js';
import { imageVolumeRef } from './image.service.js';
import { volumeRef } from './vm-spec.js';

export interface InstallationDeps {
  repos: Repositories;
  hypervisor: Hypervisor;
  events: EventPublisher;
  clock: Clock;
}

/** The ISO's volume inside the images pool, or null for an empty tray. */
export function mediaRef(imagesPool: string, mediaImageId: string | null): VolumeRef | null {
  return mediaImageId === null ? null : imageVolumeRef(imagesPool, mediaImageId);
}

/** An installation begins when a VM whose install is pending (never done, or failed) boots with an ISO inserted. */
export function isInstallationDue(vm: VmRecord): boolean {
  return (
    (vm.installationStatus === 'not_installed' || vm.installationStatus === 'failed') &&
    vm.mediaImageId !== null &&
    vm.phase !== 'deleting'
  );
}

export function installationSummary(vm: VmRecord): VmInstallationSummary {
  return {
    status: vm.installationStatus,
    ...(vm.installationStartedAt ? { startedAt: vm.installationStartedAt } : {}),
    ...(vm.installationFinishedAt ? { finishedAt: vm.installationFinishedAt } : {}),
  };
}

/** The system disk: the volume the installer writes to. */
export async function systemVolume(repos: Repositories, vmId: string): Promise<VolumeRecord | undefined> {
  return (await repos.volumes.listByVm(vmId)).find((v) => v.kind === 'system');
}

/** The system disk's allocation as libvirt reports it (volume info, never qemu-img); null when it is missing. */
async function systemAllocation(deps: InstallationDeps, vmId: string): Promise<number | null> {
  const volume = await systemVolume(deps.repos, vmId);
  if (!volume) return null;
  const info = await deps.hypervisor.volumeInfo(volumeRef(volume));
  return info?.allocationBytes ?? null;
}

/**
 * Moves a VM whose installation is due to `installing`, with the system disk's allocation as the baseline the
 * tracker compares against later. Returns the updated VM, or null when nothing was due (or another caller won
 * the race: the update is conditional on the version read).
 */
export async function beginInstallation(deps: InstallationDeps, vmId: string): Promise<VmRecord | null> {
  const vm = await deps.repos.vms.findById(vmId);
  if (!vm || !isInstallationDue(vm)) return null;
  const baseline = await systemAllocation(deps, vmId);
  const now = deps.clock.now().toISOString();
  const updated = await deps.repos.vms.update(
    vmId,
    {
      installationStatus: 'installing',
      installationStartedAt: now,
      installationFinishedAt: null,
      installationBaselineBytes: baseline,
      updatedAt: now,
    },
    vm.version,
  );
  if (updated) await publishInstallation(deps, updated);
  return updated;
}

/**
 * True when the guest wrote its system disk since the installation began: the allocation grew past the baseline.
 * Without a baseline (an install that began while the server was down) nothing can be told: false.
 */
export async function hasWrittenDisk(deps: InstallationDeps, vm: VmRecord): Promise<boolean> {
  const baseline = vm.installationBaselineBytes;
  if (baseline === undefined || baseline === null) return false;
  const allocation = await systemAllocation(deps, vm.id);
  return allocation !== null && allocation > baseline;
}

/** The inserted ISO as the API shows it (the image's name; its id when the image is gone). */
export async function mediaOf(repos: Repositories, vm: VmRecord): Promise<VmMedia | null> {
  if (vm.mediaImageId === null) return null;
  const image = await repos.images.findById(vm.mediaImageId);
  return { imageId: vm.mediaImageId, name: image?.name ?? vm.mediaImageId };
}

export async function publishInstallation(deps: InstallationDeps, vm: VmRecord): Promise<void> {
  await deps.events.publish({
    type: 'vm.installation-changed',
    resourceKind: 'vm',
    resourceId: vm.id,
    ownerId: vm.ownerId,
    data: { name: vm.name, installation: installationSummary(vm) },
  });
}

export async function publishMedia(deps: InstallationDeps, vm: VmRecord): Promise<void> {
  await deps.events.publish({
    type: 'vm.media-changed',
    resourceKind: 'vm',
    resourceId: vm.id,
    ownerId: vm.ownerId,
    data: { name: vm.name, media: await mediaOf(deps.repos, vm) },
  });
}
