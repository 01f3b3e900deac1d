/**
 * Snapshot tasks: `vm.snapshot-create`, `vm.snapshot-revert` and `vm.snapshot-delete`. libvirt keeps the snapshots
 * (internal ones live inside the VM's qcow2 disks), so each task is one idempotent step and resumes after a crash:
 * a create whose snapshot exists is done, a revert is repeated, a delete of a missing snapshot is done. A create
 * that fails is compensated by deleting the snapshot if libvirt made it. Clients learn of the change from the task's
 * events (`task.updated`); the VM's read model does not change.
 */
import { vmLease, type TaskDefinition } from '../tasks/index.js';
import { buildVmSpec } from './vm-spec.js';
import { loadVm, type VmTaskDeps } from './vm.tasks.js';

export const CREATE_SNAPSHOT = 'vm.snapshot-create';
export const REVERT_SNAPSHOT = 'vm.snapshot-revert';
export const DELETE_SNAPSHOT = 'vm.snapshot-delete';

export interface VmSnapshotInput {
  vmId: string;
  name: string;
  description?: string;
}

type Result = { vmId: string; name: string };

async function exists(deps: VmTaskDeps, vmId: string, name: string, signal: AbortSignal): Promise<boolean> {
  const all = await deps.hypervisor.listSnapshots(vmId, { signal });
  return all.some((s) => s.name === name);
}

export function vmSnapshotCreateTask(
  deps: VmTaskDeps,
): TaskDefinition<VmSnapshotInput, Result, { create: { vmId: string; name: string } }> {
  return {
    kind: CREATE_SNAPSHOT,
    recovery: 'resume',
    lease: (input) => vmLease(input.vmId),
    async run(ctx) {
      const { vmId, name } = ctx.input;
      const vm = await loadVm(deps, vmId);
      ctx.progress(0.1, 'taking the snapshot');
      await ctx.step('create', { vmId, name }, async () => {
        if (await exists(deps, vmId, name, ctx.signal)) return;
        const volumes = await deps.repos.volumes.listByVm(vmId);
        const targets = buildVmSpec(vm, volumes, null).disks.map((d) => d.target);
        await deps.hypervisor.createSnapshot(
          vmId,
          { name, description: ctx.input.description ?? '', targets },
          { signal: ctx.signal },
        );
      });
      return { vmId, name };
    },
    undo: {
      create: ({ vmId, name }) => deps.hypervisor.deleteSnapshot(vmId, name),
    },
  };
}

export function vmSnapshotRevertTask(
  deps: VmTaskDeps,
): TaskDefinition<VmSnapshotInput, Result, { revert: null }> {
  return {
    kind: REVERT_SNAPSHOT,
    recovery: 'resume',
    lease: (input) => vmLease(input.vmId),
    async run(ctx) {
      const { vmId, name } = ctx.input;
      await loadVm(deps, vmId);
      ctx.progress(0.1, 'reverting to the snapshot');
      await ctx.step('revert', null, () =>
        deps.hypervisor.revertSnapshot(vmId, name, { signal: ctx.signal }),
      );
      return { vmId, name };
    },
    undo: { revert: null },
  };
}

export function vmSnapshotDeleteTask(
  deps: VmTaskDeps,
): TaskDefinition<VmSnapshotInput, Result, { delete: null }> {
  return {
    kind: DELETE_SNAPSHOT,
    recovery: 'resume',
    lease: (input) => vmLease(input.vmId),
    async run(ctx) {
      const { vmId, name } = ctx.input;
      await loadVm(deps, vmId);
      ctx.progress(0.1, 'deleting the snapshot');
      await ctx.step('delete', null, () =>
        deps.hypervisor.deleteSnapshot(vmId, name, { signal: ctx.signal }),
      );
      return { vmId, name };
    },
    undo: { delete: null },
  };
}
