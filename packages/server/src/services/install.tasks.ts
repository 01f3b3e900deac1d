/**
 * `vm.complete-installation`: ends an installation from an ISO. The same task runs when the install tracker sees the
 * guest reboot or power off after writing its disk, and when a user marks the installation done (or failed).
 *
 * For `installed`: the persistent definition boots from the disk only (boot order `hd`) and loses the ISO (unless
 * the VM keeps it), a running VM's cdrom is emptied, the database records it all, and a VM that was rebooting is
 * power-cycled so that it comes back from its disk (a reboot reuses the running QEMU, whose devices still boot the
 * cdrom first). Every step is idempotent: after a crash the task resumes from its start.
 */
import { ConflictError } from '../domain/errors.js';
import type { VmRecord } from '../domain/model.js';
import { vmLease, type TaskContext, type TaskDefinition } from '../tasks/index.js';
import { mediaRef, publishInstallation, publishMedia } from './installation.js';
import { buildVmSpec, cdromWith } from './vm-spec.js';
import {
  defineFromRecords,
  ignoreNotFound,
  loadVm,
  startAndWait,
  waitForState,
  type VmTaskDeps,
} from './vm.tasks.js';

export const COMPLETE_INSTALLATION = 'vm.complete-installation';

export type InstallationOutcome = 'installed' | 'failed';

export interface VmCompleteInstallationInput {
  vmId: string;
  status: InstallationOutcome;
  /** What ended it: the guest rebooted or powered off after writing its disk (the tracker), or a user said so. */
  trigger: 'reboot' | 'poweroff' | 'manual';
  /** The ISO inserted when completion was asked for (to tell clients it was ejected). */
  mediaImageId: string | null;
}

interface Steps {
  'define-persistent': { vmId: string };
  'eject-live': { vmId: string; mediaImageId: string | null };
  record: null;
  restart: null;
  publish: null;
}

/** The VM as it is once installed: boots from its disk, ISO ejected unless it keeps it. */
function installedRecord(vm: VmRecord): VmRecord {
  return {
    ...vm,
    bootOrder: 'hd',
    mediaImageId: vm.keepMediaAfterInstall ? vm.mediaImageId : null,
  };
}

/** Whether the ending described by `input` may apply to a VM in this installation phase. */
export function assertCompletable(vm: VmRecord, status: InstallationOutcome): void {
  const current = vm.installationStatus;
  if (current === 'installed' || (status === 'failed' && current === 'failed')) {
    throw new ConflictError(
      'VM_INVALID_STATE',
      `The installation is already ${current}; it cannot be marked ${status}.`,
      { installation: current, requested: status },
    );
  }
  if (vm.phase !== 'ready') {
    throw new ConflictError('VM_INVALID_STATE', `The VM is still ${vm.phase}.`, { phase: vm.phase });
  }
}

export function vmCompleteInstallationTask(
  deps: VmTaskDeps,
): TaskDefinition<VmCompleteInstallationInput, { vmId: string; status: string }, Steps> {
  const running = async (vmId: string): Promise<boolean> => {
    const runtime = await deps.hypervisor.getVm({ id: vmId });
    return runtime?.state === 'running' || runtime?.state === 'paused';
  };

  async function record(vm: VmRecord, status: InstallationOutcome): Promise<void> {
    // Resumed after this step already ran: keep the first finish time.
    const finishedAt = vm.installationStatus === status ? vm.installationFinishedAt : null;
    const target = status === 'installed' ? installedRecord(vm) : vm;
    await deps.repos.vms.update(vm.id, {
      installationStatus: status,
      installationFinishedAt: finishedAt ?? deps.clock.now().toISOString(),
      bootOrder: target.bootOrder,
      mediaImageId: target.mediaImageId,
      updatedAt: deps.clock.now().toISOString(),
    });
  }

  /** A VM that rebooted runs on its old devices (cdrom first, ISO in): power-cycle it onto the new definition. */
  async function restartOntoDisk(ctx: TaskContext<VmCompleteInstallationInput, Steps>): Promise<void> {
    const { vmId } = ctx.input;
    const runtime = await deps.hypervisor.getVm({ id: vmId });
    if (runtime?.state === 'stopped') {
      // Resumed after the power-off half of the cycle: the reboot still has to bring the VM back.
      await startAndWait(deps, vmId, ctx.signal);
      return;
    }
    const live = await deps.hypervisor.bootConfig(vmId, { live: true }, { signal: ctx.signal });
    const vm = await loadVm(deps, vmId);
    if (live === null || (live.bootOrder === 'hd' && (vm.keepMediaAfterInstall || !live.hasMedia))) return;
    ctx.progress(0.6, 'restarting the VM from its disk');
    await deps.hypervisor.destroyVm(vmId, { signal: ctx.signal }).catch(ignoreNotFound);
    await waitForState(deps, vmId, ['stopped'], ctx.signal, 30_000);
    await startAndWait(deps, vmId, ctx.signal);
  }

  return {
    kind: COMPLETE_INSTALLATION,
    recovery: 'resume',
    lease: (input) => vmLease(input.vmId),
    async run(ctx) {
      const { vmId, status, trigger } = ctx.input;
      const vm = await loadVm(deps, vmId);
      if (status === 'installed') {
        const target = installedRecord(vm);
        await ctx.step('define-persistent', { vmId }, async () => {
          const volumes = await deps.repos.volumes.listByVm(vmId);
          const media = mediaRef(deps.config.imagesPool, target.mediaImageId);
          await deps.hypervisor.defineVm(buildVmSpec(target, volumes, media), { signal: ctx.signal });
        });
        // A rebooting VM is power-cycled below, which empties its cdrom as well.
        if (!vm.keepMediaAfterInstall && trigger !== 'reboot' && (await running(vmId))) {
          await ctx.step('eject-live', { vmId, mediaImageId: ctx.input.mediaImageId }, () =>
            deps.hypervisor.changeMedia(vmId, cdromWith(null), { signal: ctx.signal }),
          );
        }
      }
      await ctx.step('record', null, () => record(vm, status));
      if (status === 'installed' && trigger === 'reboot') {
        await ctx.step('restart', null, () => restartOntoDisk(ctx));
      }
      await ctx.step('publish', null, async () => {
        const after = await loadVm(deps, vmId);
        await publishInstallation(deps, after);
        if (ctx.input.mediaImageId !== null && after.mediaImageId === null) await publishMedia(deps, after);
      });
      return { vmId, status };
    },
    undo: {
      // The definition follows the database again (which still has the ISO and the boot order when the record step
      // did not run, and has the new ones when it did).
      'define-persistent': async ({ vmId }) => {
        const vm = await deps.repos.vms.findById(vmId);
        if (vm) await defineFromRecords(deps, vm);
      },
      'eject-live': async ({ vmId, mediaImageId }) => {
        const vm = await deps.repos.vms.findById(vmId);
        if (!vm || vm.mediaImageId !== mediaImageId || mediaImageId === null || !(await running(vmId)))
          return;
        await deps.hypervisor.changeMedia(vmId, cdromWith(mediaRef(deps.config.imagesPool, mediaImageId)));
      },
      record: null,
      restart: null,
      publish: null,
    },
  };
}
