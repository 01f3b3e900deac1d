/**
 * The VM tasks: each a journaled saga. Undo functions live here, keyed by step name, so that a process that
 * restarts after a crash can compensate with the data the journal kept.
 */
import { randomUUID } from 'node:crypto';
import { AppError, vmNotFound } from '../domain/errors.js';
import type { VmRecord, VmState } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor, VolumeRef } from '../ports/hypervisor.js';
import type { Repositories } from '../ports/repositories.js';
import { vmLease, type TaskContext, type TaskDefinition } from '../tasks/index.js';
import { imageVolumeRef } from './image.service.js';
import { beginInstallation, mediaOf } from './installation.js';
import type { LiveStateService } from './live-state.js';
import { buildVmSpec, volumeRef } from './vm-spec.js';
import { withDeadline } from './deadline.js';
import { toVm } from './views.js';

export interface VmTaskDeps {
  repos: Repositories;
  hypervisor: Hypervisor;
  live: LiveStateService;
  events: EventPublisher;
  clock: Clock;
  config: { vmsPool: string; imagesPool: string; stopTimeoutMs: number };
}

export async function loadVm(deps: VmTaskDeps, vmId: string): Promise<VmRecord> {
  const vm = await deps.repos.vms.findById(vmId);
  if (!vm) throw vmNotFound(vmId);
  return vm;
}

export async function publishVm(
  deps: VmTaskDeps,
  vm: VmRecord,
  type: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  await deps.events.publish({
    type,
    resourceKind: 'vm',
    resourceId: vm.id,
    ownerId: vm.ownerId,
    data: { name: vm.name, ...data },
  });
}

export async function defineFromRecords(deps: VmTaskDeps, vm: VmRecord): Promise<void> {
  const volumes = await deps.repos.volumes.listByVm(vm.id);
  const media = vm.mediaImageId ? imageVolumeRef(deps.config.imagesPool, vm.mediaImageId) : null;
  await deps.hypervisor.defineVm(buildVmSpec(vm, volumes, media));
}

// ---------------------------------------------------------------------------------------------------------------
export interface VmCreateInput {
  vmId: string;
  /** The disk image the system disk is an overlay of; with `blankSizeBytes`, the installer ISO in the cdrom. */
  imageId: string;
  start: boolean;
  /** A blank system disk of this size, to install onto from the ISO `imageId` (absent: an overlay of the image). */
  blankSizeBytes?: number;
}

interface VmCreateSteps {
  reserve: { vmId: string };
  'create-volume': { ref: VolumeRef; volumeId: string };
  'create-nvram': { ref: VolumeRef; volumeId: string };
  'define-domain': { vmId: string };
  start: { vmId: string };
  finish: null;
}

export function vmCreateTask(
  deps: VmTaskDeps,
): TaskDefinition<VmCreateInput, { vmId: string }, VmCreateSteps> {
  return {
    kind: 'vm.create',
    recovery: 'compensate',
    lease: (input) => vmLease(input.vmId),
    async run(ctx: TaskContext<VmCreateInput, VmCreateSteps>) {
      const { vmId } = ctx.input;
      const vm = await ctx.step('reserve', { vmId }, () => loadVm(deps, vmId));
      const disk = await systemDiskPlan(deps, ctx.input);
      ctx.progress(0.1, 'creating the system disk');
      const volumeId = randomUUID();
      const ref: VolumeRef = { pool: deps.config.vmsPool, name: `vm-${vmId}-disk-${volumeId}.qcow2` };
      await ctx.step('create-volume', { ref, volumeId }, async () => {
        const info = await deps.hypervisor.createVolume(
          { ref, capacityBytes: disk.capacityBytes, format: 'qcow2', ...disk.backing },
          { signal: ctx.signal },
        );
        await deps.repos.volumes.insert({
          id: volumeId,
          kind: 'system',
          pool: ref.pool,
          fileName: ref.name,
          format: 'qcow2',
          capacityBytes: info.capacityBytes,
          vmId,
          backingVolumeId: null,
          ownerId: vm.ownerId,
          createdAt: deps.clock.now().toISOString(),
        });
      });
      if (vm.firmware === 'uefi') {
        // Only the record: libvirt copies the OVMF variables template into this file at the first start, and
        // removes it when the domain is undefined with the NVRAM flag (vm.delete).
        const nvramId = randomUUID();
        const nvram: VolumeRef = { pool: deps.config.vmsPool, name: `vm-${vmId}-nvram-${nvramId}.fd` };
        await ctx.step('create-nvram', { ref: nvram, volumeId: nvramId }, () =>
          deps.repos.volumes.insert({
            id: nvramId,
            kind: 'nvram',
            pool: nvram.pool,
            fileName: nvram.name,
            format: 'raw',
            capacityBytes: 0,
            vmId,
            backingVolumeId: null,
            ownerId: vm.ownerId,
            createdAt: deps.clock.now().toISOString(),
          }),
        );
      }
      ctx.progress(0.4, 'defining the VM');
      await ctx.step('define-domain', { vmId }, async () => {
        await defineFromRecords(deps, vm);
        deps.live.remember({ id: vmId, name: vm.name, state: 'stopped', reason: 'defined' });
        await deps.repos.vms.setLastState(vmId, 'stopped', deps.clock.now().toISOString());
      });
      if (ctx.input.start) {
        ctx.progress(0.6, 'starting the VM');
        await ctx.step('start', { vmId }, () => startAndWait(deps, vmId, ctx.signal));
      }
      await ctx.step('finish', null, async () => {
        const ready = await deps.repos.vms.update(vmId, {
          phase: 'ready',
          updatedAt: deps.clock.now().toISOString(),
        });
        if (ready) {
          const volumes = await deps.repos.volumes.listByVm(vmId);
          await publishVm(deps, ready, 'vm.created', {
            vm: toVm({
              vm: ready,
              volumes,
              state: deps.live.stateOf(vmId),
              media: await mediaOf(deps.repos, ready),
            }),
          });
        }
      });
      return { vmId };
    },
    undo: {
      reserve: async ({ vmId }) => {
        await deps.repos.vms.delete(vmId);
        deps.live.forget(vmId);
      },
      'create-volume': async ({ ref, volumeId }) => {
        await deps.hypervisor.deleteVolume(ref);
        await deps.repos.volumes.delete(volumeId);
      },
      'create-nvram': async ({ ref, volumeId }) => {
        await deps.hypervisor.deleteVolume(ref);
        await deps.repos.volumes.delete(volumeId);
      },
      'define-domain': async ({ vmId }) => {
        await deps.hypervisor.destroyVm(vmId).catch(ignoreNotFound);
        await deps.hypervisor.undefineVm(vmId);
      },
      start: async ({ vmId }) => {
        await deps.hypervisor.destroyVm(vmId).catch(ignoreNotFound);
      },
      finish: null,
    },
  };
}

/** The system disk a create makes: an overlay of a ready disk image, or a blank disk to install onto. */
async function systemDiskPlan(
  deps: VmTaskDeps,
  input: VmCreateInput,
): Promise<{
  capacityBytes: number;
  backing: { backing?: { ref: VolumeRef; format: 'qcow2' | 'raw' } };
}> {
  const image = await deps.repos.images.findById(input.imageId);
  if (input.blankSizeBytes !== undefined) {
    if (image?.status !== 'ready' || image.kind !== 'iso') {
      throw new AppError('IMAGE_NOT_READY', 'conflict', 'The installer is not a ready ISO image.', {
        image: input.imageId,
      });
    }
    return { capacityBytes: input.blankSizeBytes, backing: {} };
  }
  if (image?.status !== 'ready' || image.kind !== 'disk' || !image.format || image.format === 'iso') {
    throw new AppError('IMAGE_NOT_READY', 'conflict', 'The image is not a ready disk image.', {
      image: input.imageId,
    });
  }
  return {
    capacityBytes: image.virtualSizeBytes ?? image.sizeBytes ?? 0,
    backing: {
      backing: {
        ref: imageVolumeRef(deps.config.imagesPool, input.imageId),
        format: image.format === 'raw' ? 'raw' : 'qcow2',
      },
    },
  };
}

export function ignoreNotFound(err: unknown): void {
  if (err instanceof AppError && err.code === 'VM_NOT_FOUND') return;
  throw err;
}

/**
 * Starts a VM and waits until it runs. A VM that boots with an ISO while its installation is pending is
 * `installing` from here on (API.md: right after such a start, the installation reads `installing`).
 */
export async function startAndWait(deps: VmTaskDeps, vmId: string, signal: AbortSignal): Promise<void> {
  await deps.hypervisor.startVm(vmId, { signal });
  await beginInstallation(deps, vmId);
  await waitForState(deps, vmId, ['running'], signal, 30_000);
}

export async function waitForState(
  deps: VmTaskDeps,
  vmId: string,
  states: VmState[],
  signal: AbortSignal,
  timeoutMs: number,
): Promise<VmState> {
  return withDeadline(timeoutMs, signal, (deadline) => deps.live.waitForState(vmId, states, deadline));
}

// ---------------------------------------------------------------------------------------------------------------
export interface VmDeleteInput {
  vmId: string;
}

/** Deleting resumes after a crash: every step is idempotent (destroying a stopped VM, deleting what is gone). */
interface VmDeleteSteps {
  'power-off': null;
  undefine: null;
  'delete-volumes': null;
  'delete-record': null;
}

export function vmDeleteTask(
  deps: VmTaskDeps,
): TaskDefinition<VmDeleteInput, { vmId: string }, VmDeleteSteps> {
  return {
    kind: 'vm.delete',
    recovery: 'resume',
    lease: (input) => vmLease(input.vmId),
    async run(ctx) {
      const { vmId } = ctx.input;
      const vm = await deps.repos.vms.findById(vmId);
      if (!vm) return { vmId };
      await ctx.step('power-off', null, () => deps.hypervisor.destroyVm(vmId).catch(ignoreNotFound));
      ctx.progress(0.3, 'removing the definition');
      await ctx.step('undefine', null, () => deps.hypervisor.undefineVm(vmId));
      const volumes = await deps.repos.volumes.listByVm(vmId);
      await ctx.step('delete-volumes', null, async () => {
        for (const v of volumes) {
          await deps.hypervisor.deleteVolume(volumeRef(v));
          await deps.repos.volumes.delete(v.id);
        }
      });
      await ctx.step('delete-record', null, async () => {
        await deps.repos.vms.delete(vmId);
        deps.live.forget(vmId);
        await publishVm(deps, vm, 'vm.deleted');
      });
      return { vmId };
    },
    undo: { 'power-off': null, undefine: null, 'delete-volumes': null, 'delete-record': null },
  };
}

// ---------------------------------------------------------------------------------------------------------------
export type VmAction = 'start' | 'stop' | 'force-stop' | 'reboot' | 'reset' | 'pause' | 'resume';

export interface VmActionInput {
  vmId: string;
  action: VmAction;
  force?: boolean;
  timeoutMs?: number;
}

/** Start, stop, reboot…: one step each; after a crash they are not redone (the live state tells the truth). */
type VmActionSteps = Record<VmAction, null>;

export function vmActionTask(
  deps: VmTaskDeps,
  action: VmAction,
): TaskDefinition<VmActionInput, { vmId: string; state: VmState }, VmActionSteps> {
  return {
    kind: `vm.${action}`,
    recovery: 'compensate',
    lease: (input) => vmLease(input.vmId),
    async run(ctx) {
      const { vmId } = ctx.input;
      await loadVm(deps, vmId);
      const h = deps.hypervisor;
      const opts = { signal: ctx.signal };
      await ctx.step(action, null, async () => {
        switch (action) {
          case 'start':
            await startAndWait(deps, vmId, ctx.signal);
            break;
          case 'stop':
            await gracefulStop(deps, ctx, vmId);
            break;
          case 'force-stop':
            await h.destroyVm(vmId, opts);
            await waitForState(deps, vmId, ['stopped'], ctx.signal, 30_000);
            break;
          case 'reboot':
            await h.rebootVm(vmId, opts);
            break;
          case 'reset':
            await h.resetVm(vmId, opts);
            break;
          case 'pause':
            await h.pauseVm(vmId, opts);
            await waitForState(deps, vmId, ['paused'], ctx.signal, 30_000);
            break;
          case 'resume':
            await h.resumeVm(vmId, opts);
            await waitForState(deps, vmId, ['running'], ctx.signal, 30_000);
            break;
        }
      });
      return { vmId, state: deps.live.stateOf(vmId) };
    },
    undo: {
      start: null,
      stop: null,
      'force-stop': null,
      reboot: null,
      reset: null,
      pause: null,
      resume: null,
    },
  };
}

async function gracefulStop(
  deps: VmTaskDeps,
  ctx: TaskContext<VmActionInput, VmActionSteps>,
  vmId: string,
): Promise<void> {
  const timeoutMs = ctx.input.timeoutMs ?? deps.config.stopTimeoutMs;
  if (deps.live.stateOf(vmId) === 'paused') {
    if (ctx.input.force) {
      // A paused guest cannot answer the power button: forcing means powering off at once.
      await deps.hypervisor.destroyVm(vmId, { signal: ctx.signal });
      await waitForState(deps, vmId, ['stopped'], ctx.signal, 30_000);
      return;
    }
    // Let the guest run again so it can see the ACPI power button, then shut down as usual.
    await deps.hypervisor.resumeVm(vmId, { signal: ctx.signal });
    await waitForState(deps, vmId, ['running'], ctx.signal, 30_000);
  }
  await deps.hypervisor.shutdownVm(vmId, { signal: ctx.signal });
  ctx.progress(0.2, 'waiting for the guest to power off');
  try {
    await waitForState(deps, vmId, ['stopped'], ctx.signal, timeoutMs);
  } catch (err: unknown) {
    if (ctx.signal.aborted) throw err;
    if (!ctx.input.force) {
      throw new AppError(
        'VM_STOP_TIMEOUT',
        'conflict',
        `The guest did not power off within ${timeoutMs} ms.`,
        {
          timeoutMs,
        },
      );
    }
    ctx.progress(0.8, 'the guest did not power off in time: forcing it off');
    await deps.hypervisor.destroyVm(vmId, { signal: ctx.signal });
    await waitForState(deps, vmId, ['stopped'], ctx.signal, 30_000);
  }
}
