/**
 * `vm.disk-resize`: grows one disk of a VM. The new capacity is reserved first (checked against the owner's disk
 * quota and recorded in one transaction), then the disk grows: live with a block resize on a running or paused VM (the
 * guest sees the new size), otherwise offline on the volume. Growing is idempotent, so after a crash the task
 * resumes where it was; undoing the reservation records the capacity the volume really has.
 */
import { AppError, NotFoundError } from '../domain/errors.js';
import type { Repositories, UnitOfWork } from '../ports/repositories.js';
import { vmLease, type TaskDefinition } from '../tasks/index.js';
import { toVm } from './views.js';
import { assertWithinQuota } from './quota.service.js';
import { buildVmSpec, volumeRef } from './vm-spec.js';
import { loadVm, type VmTaskDeps } from './vm.tasks.js';

export const RESIZE_DISK = 'vm.disk-resize';

export interface VmDiskResizeInput {
  vmId: string;
  volumeId: string;
  sizeBytes: number;
}

interface Steps {
  reserve: { volumeId: string; previousBytes: number };
  grow: { volumeId: string; sizeBytes: number };
  publish: null;
}

function diskNotFound(volumeId: string): NotFoundError {
  return new NotFoundError('DISK_NOT_FOUND', `The VM has no disk '${volumeId}'.`, { disk: volumeId });
}

/** The VM task dependencies, with a database that runs transactions (the reservation). */
export type DiskTaskDeps = VmTaskDeps & { repos: Repositories & UnitOfWork };

export function vmDiskResizeTask(
  deps: DiskTaskDeps,
): TaskDefinition<VmDiskResizeInput, { vmId: string; diskId: string; sizeBytes: number }, Steps> {
  const volumeOf = async (vmId: string, volumeId: string) => {
    const volume = await deps.repos.volumes.findById(volumeId);
    if (volume?.vmId !== vmId || (volume.kind !== 'system' && volume.kind !== 'data'))
      throw diskNotFound(volumeId);
    return volume;
  };

  return {
    kind: RESIZE_DISK,
    recovery: 'resume',
    lease: (input) => vmLease(input.vmId),
    async run(ctx) {
      const { vmId, volumeId, sizeBytes } = ctx.input;
      const vm = await loadVm(deps, vmId);
      const volume = await volumeOf(vmId, volumeId);
      ctx.progress(0.1, 'reserving the new size');
      await ctx.step('reserve', { volumeId, previousBytes: volume.capacityBytes }, () =>
        deps.repos.transaction(async (repos) => {
          const current = await repos.volumes.findById(volumeId);
          const grow = sizeBytes - (current?.capacityBytes ?? sizeBytes);
          if (grow > 0) await assertWithinQuota(repos, vm.ownerId, { diskBytes: grow });
          await repos.volumes.setCapacity(volumeId, Math.max(sizeBytes, current?.capacityBytes ?? 0));
        }),
      );
      ctx.progress(0.4, 'growing the disk');
      await ctx.step('grow', { volumeId, sizeBytes }, async () => {
        const runtime = await deps.hypervisor.getVm({ id: vmId }, { signal: ctx.signal });
        const online = runtime?.state === 'running' || runtime?.state === 'paused';
        if (online) {
          const volumes = await deps.repos.volumes.listByVm(vmId);
          const target = buildVmSpec(vm, volumes, null).disks.find((d) => d.id === volumeId)?.target;
          if (target === undefined) throw diskNotFound(volumeId);
          try {
            await deps.hypervisor.resizeVmDisk(vmId, target, sizeBytes, { signal: ctx.signal });
            return;
          } catch (err: unknown) {
            // It stopped meanwhile: the volume grows offline instead.
            if (!(err instanceof AppError && err.code === 'VM_INVALID_STATE')) throw err;
          }
        }
        await deps.hypervisor.resizeVolume(volumeRef(volume), sizeBytes, { signal: ctx.signal });
      });
      await ctx.step('publish', null, async () => {
        const after = await loadVm(deps, vmId);
        const volumes = await deps.repos.volumes.listByVm(vmId);
        await deps.events.publish({
          type: 'vm.updated',
          resourceKind: 'vm',
          resourceId: vmId,
          ownerId: after.ownerId,
          data: {
            name: after.name,
            vm: toVm({ vm: after, state: deps.live.stateOf(vmId), volumes }),
          },
        });
      });
      return { vmId, diskId: volumeId, sizeBytes };
    },
    undo: {
      // The capacity the volume really has (a grow that happened cannot be taken back; one that did not, did not).
      reserve: async ({ volumeId, previousBytes }) => {
        const volume = await deps.repos.volumes.findById(volumeId);
        if (!volume) return;
        const info = await deps.hypervisor.volumeInfo(volumeRef(volume));
        await deps.repos.volumes.setCapacity(volumeId, Math.max(previousBytes, info?.capacityBytes ?? 0));
      },
      grow: null,
      publish: null,
    },
  };
}
