import { randomUUID } from 'node:crypto';
import type { VmBootOrder, VmMedia } from '@gureum/contract';
import { ConflictError } from '../domain/errors.js';
import type { BootOrder, VmRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Repositories } from '../ports/repositories.js';
import { vmLease } from '../tasks/index.js';
import { assertCanMutate, type Actor } from './access.js';
import { mediaOf, mediaRef, publishMedia } from './installation.js';
import type { Logger } from './logger.js';
import { buildVmSpec, cdromWith } from './vm-spec.js';
import { usableImage } from './vm-source.js';
import type { VmService } from './vm.service.js';
import { toVm } from './views.js';

/** How long a synchronous change may hold the VM's lease before another process may take it. */
const LEASE_TTL_MS = 60_000;

/**
 * A VM's boot order and cdrom media. Both are quick libvirt calls, so they answer synchronously (no task), holding
 * the VM's lease like a task would: one operation at a time per VM. The database holds the intent; the persistent
 * definition is redefined from it, and a running VM's cdrom is changed live as well. When libvirt refuses, the
 * intent is put back, so the database never claims what libvirt does not have.
 */
export class MediaService {
  constructor(
    private readonly deps: {
      repos: Repositories;
      hypervisor: Hypervisor;
      events: EventPublisher;
      clock: Clock;
      logger: Logger;
      vms: VmService;
      imagesPool: string;
      instanceId: string;
    },
  ) {}

  async getBootOrder(actor: Actor, idOrName: string): Promise<VmBootOrder> {
    const vm = await this.deps.vms.find(actor, idOrName);
    return { order: vm.bootOrder, pendingRestart: await this.pendingRestart(vm.id, vm.bootOrder) };
  }

  /** Changes the persistent definition; a running VM keeps its current order until its next boot (`pendingRestart`). */
  async setBootOrder(actor: Actor, idOrName: string, order: BootOrder): Promise<VmBootOrder> {
    assertCanMutate(actor);
    const found = await this.deps.vms.find(actor, idOrName);
    assertReady(found);
    const updated = await this.withLease(found.id, (vm) => this.change(vm, { bootOrder: order }));
    const view = await this.deps.vms.get(actor, updated.id);
    await this.deps.events.publish({
      type: 'vm.updated',
      resourceKind: 'vm',
      resourceId: updated.id,
      ownerId: updated.ownerId,
      data: { name: updated.name, vm: toVm(view) },
    });
    return { order, pendingRestart: await this.pendingRestart(updated.id, order) };
  }

  /** Inserts (or replaces) the ISO `imageId`: a ready image of kind iso the actor may use. */
  async insert(actor: Actor, idOrName: string, imageId: string): Promise<VmMedia> {
    assertCanMutate(actor);
    const found = await this.deps.vms.find(actor, idOrName);
    assertReady(found);
    const image = await usableImage(this.deps.repos, actor, imageId, 'iso', '/body/imageId');
    const updated = await this.withLease(found.id, (vm) => this.change(vm, { mediaImageId: image.id }));
    await publishMedia(this.deps, updated);
    return { imageId: image.id, name: image.name };
  }

  /** Empties the cdrom; nothing happens (and nothing is published) when it is empty already. */
  async eject(actor: Actor, idOrName: string): Promise<void> {
    assertCanMutate(actor);
    const found = await this.deps.vms.find(actor, idOrName);
    assertReady(found);
    if (found.mediaImageId === null) return;
    const updated = await this.withLease(found.id, (vm) =>
      vm.mediaImageId === null ? Promise.resolve(vm) : this.change(vm, { mediaImageId: null }),
    );
    if (updated.mediaImageId === null) await publishMedia(this.deps, updated);
  }

  async media(actor: Actor, idOrName: string): Promise<VmMedia | null> {
    return mediaOf(this.deps.repos, await this.deps.vms.find(actor, idOrName));
  }

  /** Writes the intent, redefines, and changes a running VM's cdrom live; puts everything back on failure. */
  private async change(
    vm: VmRecord,
    patch: Partial<Pick<VmRecord, 'bootOrder' | 'mediaImageId'>>,
  ): Promise<VmRecord> {
    const { repos, hypervisor, clock } = this.deps;
    const updated = await repos.vms.update(
      vm.id,
      { ...patch, updatedAt: clock.now().toISOString() },
      vm.version,
    );
    if (!updated) throw busy();
    const mediaChanged = patch.mediaImageId !== undefined && patch.mediaImageId !== vm.mediaImageId;
    let liveChanged = false;
    try {
      await this.define(updated);
      if (mediaChanged && (await this.isRunning(vm.id))) {
        await hypervisor.changeMedia(vm.id, cdromWith(mediaRef(this.deps.imagesPool, updated.mediaImageId)));
        liveChanged = true;
      }
      return updated;
    } catch (err: unknown) {
      await this.putBack(vm, liveChanged).catch((undoErr: unknown) => {
        this.deps.logger.error({ err: undoErr, vm: vm.id }, 'could not put a VM back after a failed change');
      });
      throw err;
    }
  }

  private async putBack(vm: VmRecord, liveChanged: boolean): Promise<void> {
    const { repos, hypervisor, clock } = this.deps;
    const restored = await repos.vms.update(vm.id, {
      bootOrder: vm.bootOrder,
      mediaImageId: vm.mediaImageId,
      updatedAt: clock.now().toISOString(),
    });
    if (restored) await this.define(restored);
    if (liveChanged) {
      await hypervisor.changeMedia(vm.id, cdromWith(mediaRef(this.deps.imagesPool, vm.mediaImageId)));
    }
  }

  private async define(vm: VmRecord): Promise<void> {
    const volumes = await this.deps.repos.volumes.listByVm(vm.id);
    const spec = buildVmSpec(vm, volumes, mediaRef(this.deps.imagesPool, vm.mediaImageId));
    await this.deps.hypervisor.defineVm(spec);
  }

  private async isRunning(vmId: string): Promise<boolean> {
    const runtime = await this.deps.hypervisor.getVm({ id: vmId });
    return runtime?.state === 'running' || runtime?.state === 'paused';
  }

  /** True when the VM runs with another boot order than `order` (it applies at its next boot). */
  private async pendingRestart(vmId: string, order: BootOrder): Promise<boolean> {
    if (this.deps.hypervisor.status !== 'up') return false;
    try {
      const live = await this.deps.hypervisor.bootConfig(vmId, { live: true });
      return live !== null && live.bootOrder !== order;
    } catch (err: unknown) {
      this.deps.logger.warn({ err, vm: vmId }, 'could not read the running boot order');
      return false;
    }
  }

  /** Runs `work` on the freshly read VM while holding its lease (the one tasks take): 409 VM_BUSY when taken. */
  private async withLease<T>(vmId: string, work: (vm: VmRecord) => Promise<T>): Promise<T> {
    const { repos, clock } = this.deps;
    const { key } = vmLease(vmId);
    const holder = `${this.deps.instanceId}#sync-${randomUUID()}`;
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + LEASE_TTL_MS).toISOString();
    if (!(await repos.leases.acquire(key, holder, expiresAt, now.toISOString()))) throw busy();
    try {
      const vm = await repos.vms.findById(vmId);
      if (!vm) throw new ConflictError('VM_INVALID_STATE', 'The VM was deleted meanwhile.');
      assertReady(vm);
      return await work(vm);
    } finally {
      await repos.leases.release(key, holder).catch((err: unknown) => {
        this.deps.logger.warn({ err, vm: vmId }, 'could not release a VM lease; it will expire');
      });
    }
  }
}

function busy(): ConflictError {
  return new ConflictError('VM_BUSY', 'The VM is busy with another operation.');
}

/** A VM being created or deleted takes no other change (VM_INVALID_STATE). */
export function assertReady(vm: VmRecord): void {
  if (vm.phase !== 'ready') {
    throw new ConflictError(
      'VM_INVALID_STATE',
      `The VM is still ${vm.phase === 'creating' ? 'being created' : 'being deleted'}.`,
      { phase: vm.phase },
    );
  }
}
