import { createHash, randomUUID } from 'node:crypto';
import {
  AppError,
  ConflictError,
  imageNotFound,
  NotFoundError,
  ValidationError,
  vmNotFound,
} from '../domain/errors.js';
import type { TaskRecord, VmRecord, VmState, VolumeRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Page, Repositories, VmListFilter } from '../ports/repositories.js';
import type { TaskEngine } from '../tasks/index.js';
import { assertCanMutate, assertFound, canSee, ownerFilter, type Actor } from './access.js';
import type { LiveStateService } from './live-state.js';
import { imageVolumeRef } from './image.service.js';
import { buildVmSpec, volumeRef } from './vm-spec.js';
import { toVm, type VmView } from './views.js';
import type { VmAction, VmActionInput, VmCreateInput, VmDeleteInput } from './vm.tasks.js';

export type { VmView } from './views.js';

export interface VmCreateRequest {
  name: string;
  vcpus: number;
  memoryBytes: number;
  source: { imageId: string } | { blank: { sizeBytes: number }; isoImageId: string };
  networks?: string[] | undefined;
  start?: boolean | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  firmware?: 'bios' | 'uefi' | undefined;
}

export interface VmUpdateRequest {
  description?: string | undefined;
  tags?: string[] | undefined;
  vcpus?: number | undefined;
  memoryBytes?: number | undefined;
}

export interface DeletePlanItem {
  kind: 'vm' | 'domain' | 'volume' | 'nvram';
  id: string;
  name?: string;
  path?: string;
}

/** Which states each action may start from. */
const ACTION_FROM: Record<VmAction, VmState[]> = {
  start: ['stopped', 'crashed'],
  stop: ['running', 'paused'],
  'force-stop': ['running', 'paused', 'crashed', 'suspended'],
  reboot: ['running'],
  reset: ['running'],
  pause: ['running'],
  resume: ['paused'],
};

export class VmService {
  constructor(
    private readonly deps: {
      repos: Repositories;
      hypervisor: Hypervisor;
      live: LiveStateService;
      tasks: TaskEngine;
      clock: Clock;
      events: EventPublisher;
      imagesPool: string;
    },
  ) {}

  private view(vm: VmRecord, volumes: VolumeRecord[]): VmView {
    return { vm, state: this.deps.live.stateOf(vm.id), volumes };
  }

  /** Resolves a VM by id or name, as the actor may see it (others' VMs are not found). */
  async find(actor: Actor, idOrName: string): Promise<VmRecord> {
    const { vms } = this.deps.repos;
    const vm = UUID_RE.test(idOrName)
      ? await vms.findById(idOrName.toLowerCase())
      : await vms.findByName(idOrName);
    return assertFound(actor, vm, () => vmNotFound(idOrName));
  }

  async get(actor: Actor, idOrName: string): Promise<VmView> {
    const vm = await this.find(actor, idOrName);
    return this.view(vm, await this.deps.repos.volumes.listByVm(vm.id));
  }

  /** One query for the rows (volumes are not needed for the list), states from the live view: no libvirt call. */
  async list(actor: Actor, query: Omit<VmListFilter, 'ownerId'>): Promise<Page<VmView>> {
    const ownerId = ownerFilter(actor);
    const page = await this.deps.repos.vms.list({ ...query, ...(ownerId ? { ownerId } : {}) });
    return { items: page.items.map((vm) => this.view(vm, [])), nextCursor: page.nextCursor };
  }

  async create(
    actor: Actor,
    req: VmCreateRequest,
    meta: { requestId: string },
  ): Promise<{ vm: VmView; task: TaskRecord }> {
    assertCanMutate(actor);
    const { repos, hypervisor, clock, tasks } = this.deps;
    if (!('imageId' in req.source)) {
      throw new AppError(
        'VALIDATION_FAILED',
        'invalid',
        'Creating a VM from a blank disk and an ISO is not available yet.',
      );
    }
    // Refused rather than silently dropped: the caller would get a VM without the NICs or firmware it asked for.
    const [networkId] = req.networks ?? [];
    if (networkId !== undefined) {
      throw new NotFoundError('NETWORK_NOT_FOUND', `No network '${networkId}' exists.`, {
        network: networkId,
      });
    }
    if (req.firmware === 'uefi') {
      throw new ValidationError('UEFI firmware is not available yet; use bios.', [
        { path: '/body/firmware', message: 'not supported yet' },
      ]);
    }
    const image = await repos.images.findById(req.source.imageId);
    if (!image || !canSee(actor, image.ownerId)) throw imageNotFound(req.source.imageId);
    if (image.status !== 'ready') {
      throw new ConflictError('IMAGE_NOT_READY', `The image '${image.name}' is ${image.status}.`, {
        image: image.id,
      });
    }
    if (image.kind !== 'disk') {
      // The catalog's code for exactly this; the field errors travel only on a ValidationError.
      throw new ValidationError(
        'A VM system disk must come from an image of kind disk.',
        [{ path: '/body/source/imageId', message: 'not a disk image' }],
        'IMAGE_KIND_MISMATCH',
      );
    }
    // libvirt may know the name from outside Gureum: refuse it rather than shadow that domain.
    if (await hypervisor.getVm({ name: req.name })) throw nameTaken(req.name);
    const now = clock.now().toISOString();
    const vm: VmRecord = {
      id: randomUUID(),
      name: req.name,
      ownerId: actor.id,
      description: req.description ?? '',
      tags: req.tags ?? [],
      vcpus: req.vcpus,
      memoryBytes: req.memoryBytes,
      firmware: req.firmware ?? 'bios',
      bootOrder: 'hd',
      phase: 'creating',
      imageId: image.id,
      mediaImageId: null,
      installationStatus: 'installed',
      installationStartedAt: null,
      installationFinishedAt: null,
      keepMediaAfterInstall: false,
      lastState: 'unknown',
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await repos.vms.insert(vm);
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'UniqueViolation') throw nameTaken(req.name);
      throw err;
    }
    const input: VmCreateInput = { vmId: vm.id, imageId: image.id, start: req.start ?? false };
    const task = await tasks.submit('vm.create', input, {
      actorId: actor.id,
      ownerId: vm.ownerId,
      resource: { kind: 'vm', id: vm.id },
      requestId: meta.requestId,
    });
    return { vm: this.view(vm, []), task };
  }

  async update(
    actor: Actor,
    idOrName: string,
    patch: VmUpdateRequest,
    ifMatchVersion?: number,
  ): Promise<VmView> {
    assertCanMutate(actor);
    const { repos, hypervisor, clock } = this.deps;
    const vm = await this.find(actor, idOrName);
    if (ifMatchVersion !== undefined && ifMatchVersion !== vm.version) {
      throw new AppError(
        'PRECONDITION_FAILED',
        'precondition',
        'The VM changed since it was read (ETag mismatch).',
      );
    }
    const needsRedefine =
      (patch.vcpus !== undefined && patch.vcpus !== vm.vcpus) ||
      (patch.memoryBytes !== undefined && patch.memoryBytes !== vm.memoryBytes);
    if (needsRedefine && this.deps.live.stateOf(vm.id) !== 'stopped') {
      throw new ConflictError(
        'VM_INVALID_STATE',
        'vCPUs and memory can change only while the VM is stopped.',
        {
          state: this.deps.live.stateOf(vm.id),
        },
      );
    }
    const updated = await repos.vms.update(
      vm.id,
      {
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
        ...(patch.vcpus !== undefined ? { vcpus: patch.vcpus } : {}),
        ...(patch.memoryBytes !== undefined ? { memoryBytes: patch.memoryBytes } : {}),
        updatedAt: clock.now().toISOString(),
      },
      ifMatchVersion ?? vm.version,
    );
    if (!updated)
      throw new AppError('PRECONDITION_FAILED', 'precondition', 'The VM changed while it was being updated.');
    const volumes = await repos.volumes.listByVm(vm.id);
    if (needsRedefine) {
      try {
        const media = updated.mediaImageId
          ? imageVolumeRef(this.deps.imagesPool, updated.mediaImageId)
          : null;
        await hypervisor.defineVm(buildVmSpec(updated, volumes, media));
      } catch (err: unknown) {
        // Put the intent back so the database never claims what libvirt does not have.
        await repos.vms.update(vm.id, {
          vcpus: vm.vcpus,
          memoryBytes: vm.memoryBytes,
          updatedAt: clock.now().toISOString(),
        });
        throw err;
      }
    }
    const view = this.view(updated, volumes);
    await this.deps.events.publish({
      type: 'vm.updated',
      resourceKind: 'vm',
      resourceId: updated.id,
      ownerId: updated.ownerId,
      data: { name: updated.name, vm: toVm(view) },
    });
    return view;
  }

  /** What a delete would remove, exactly: the VM row, its domain and every volume it owns. */
  async deletePlan(actor: Actor, idOrName: string): Promise<DeletePlanItem[]> {
    const vm = await this.find(actor, idOrName);
    const volumes = await this.deps.repos.volumes.listByVm(vm.id);
    const plan: DeletePlanItem[] = [{ kind: 'vm', id: vm.id, name: vm.name }];
    if (await this.deps.hypervisor.getVm({ id: vm.id }))
      plan.push({ kind: 'domain', id: vm.id, name: vm.name });
    for (const v of volumes) {
      const ref = volumeRef(v);
      plan.push({ kind: v.kind === 'nvram' ? 'nvram' : 'volume', id: v.id, name: ref.name });
    }
    return plan;
  }

  async delete(actor: Actor, idOrName: string, meta: { requestId: string }): Promise<TaskRecord> {
    assertCanMutate(actor);
    const vm = await this.find(actor, idOrName);
    const input: VmDeleteInput = { vmId: vm.id };
    const task = await this.deps.tasks.submit('vm.delete', input, {
      actorId: actor.id,
      ownerId: vm.ownerId,
      resource: { kind: 'vm', id: vm.id },
      requestId: meta.requestId,
    });
    await this.deps.repos.vms.update(vm.id, {
      phase: 'deleting',
      updatedAt: this.deps.clock.now().toISOString(),
    });
    return task;
  }

  async action(
    actor: Actor,
    idOrName: string,
    action: VmAction,
    options: { force?: boolean | undefined; timeoutMs?: number | undefined },
    meta: { requestId: string },
  ): Promise<TaskRecord> {
    assertCanMutate(actor);
    const vm = await this.find(actor, idOrName);
    if (vm.phase !== 'ready') {
      throw new ConflictError(
        'VM_INVALID_STATE',
        `The VM is still ${vm.phase === 'creating' ? 'being created' : 'being deleted'}.`,
      );
    }
    const state = this.deps.live.stateOf(vm.id);
    if (state !== 'unknown' && !ACTION_FROM[action].includes(state)) {
      throw new ConflictError('VM_INVALID_STATE', `Cannot ${action} a VM that is ${state}.`, {
        state,
        action,
      });
    }
    const input: VmActionInput = {
      vmId: vm.id,
      action,
      ...(options.force !== undefined ? { force: options.force } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    };
    return this.deps.tasks.submit(`vm.${action}`, input, {
      actorId: actor.id,
      ownerId: vm.ownerId,
      resource: { kind: 'vm', id: vm.id },
      requestId: meta.requestId,
    });
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function nameTaken(name: string): ConflictError {
  return new ConflictError('VM_NAME_TAKEN', `A VM named '${name}' already exists.`, { name });
}

/** A stable hash of a request body for Idempotency-Key checks. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}
