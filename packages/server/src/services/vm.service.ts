import { createHash, randomUUID } from 'node:crypto';
import { AppError, ConflictError, ForbiddenError, NotFoundError, vmNotFound } from '../domain/errors.js';
import type { VmMedia } from '@gureum/contract';
import type { TaskRecord, VmRecord, VmState, VolumeRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Page, Repositories, UnitOfWork, VmListFilter } from '../ports/repositories.js';
import type { TaskEngine } from '../tasks/index.js';
import { assertCanMutate, assertFound, ownerFilter, type Actor } from './access.js';
import type { LiveStateService } from './live-state.js';
import { imageVolumeRef } from './image.service.js';
import { buildVmSpec, volumeRef } from './vm-spec.js';
import { checkFirmware, resolveVmSource } from './vm-source.js';
import { mediaOf } from './installation.js';
import { assertWithinQuota, plannedDiskBytes } from './quota.service.js';
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
  keepMediaAfterInstall?: boolean | undefined;
  /** Create for this user (admins: anyone; others: only themselves). Default: the actor. */
  ownerId?: string | undefined;
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
      /** Creates and growing updates check the owner's quota and write in one transaction. */
      repos: Repositories & UnitOfWork;
      hypervisor: Hypervisor;
      live: LiveStateService;
      tasks: TaskEngine;
      clock: Clock;
      events: EventPublisher;
      imagesPool: string;
    },
  ) {}

  private view(vm: VmRecord, volumes: VolumeRecord[], media?: VmMedia | null): VmView {
    return { vm, state: this.deps.live.stateOf(vm.id), volumes, ...(media !== undefined ? { media } : {}) };
  }

  /** The names of the ISOs a page of VMs has inserted: one read per distinct ISO (there are few), not per VM. */
  private async mediaNames(vms: VmRecord[]): Promise<Map<string, VmMedia>> {
    const ids = new Set(vms.flatMap((vm) => (vm.mediaImageId === null ? [] : [vm.mediaImageId])));
    const out = new Map<string, VmMedia>();
    for (const id of ids) {
      const image = await this.deps.repos.images.findById(id);
      out.set(id, { imageId: id, name: image?.name ?? id });
    }
    return out;
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
    const [volumes, media] = await Promise.all([
      this.deps.repos.volumes.listByVm(vm.id),
      mediaOf(this.deps.repos, vm),
    ]);
    return this.view(vm, volumes, media);
  }

  /** One query for the rows (volumes are not needed for the list), states from the live view: no libvirt call. */
  async list(actor: Actor, query: Omit<VmListFilter, 'ownerId'>): Promise<Page<VmView>> {
    const ownerId = ownerFilter(actor);
    const page = await this.deps.repos.vms.list({ ...query, ...(ownerId ? { ownerId } : {}) });
    const media = await this.mediaNames(page.items);
    return {
      items: page.items.map((vm) =>
        this.view(vm, [], vm.mediaImageId === null ? null : media.get(vm.mediaImageId)),
      ),
      nextCursor: page.nextCursor,
    };
  }

  async create(
    actor: Actor,
    req: VmCreateRequest,
    meta: { requestId: string },
  ): Promise<{ vm: VmView; task: TaskRecord }> {
    assertCanMutate(actor);
    const { repos, hypervisor, clock, tasks } = this.deps;
    // Refused rather than silently dropped: the caller would get a VM without the NICs or firmware it asked for.
    const [networkId] = req.networks ?? [];
    if (networkId !== undefined) {
      throw new NotFoundError('NETWORK_NOT_FOUND', `No network '${networkId}' exists.`, {
        network: networkId,
      });
    }
    const ownerId = ownerOf(actor, req.ownerId);
    const source = await resolveVmSource(repos, actor, req.source);
    await checkFirmware(hypervisor, req);
    // A blank disk gets its system from the ISO: cdrom first, installation tracked (DESIGN §5).
    const blank = source.kind === 'blank';
    // libvirt may know the name from outside Gureum: refuse it rather than shadow that domain.
    if (await hypervisor.getVm({ name: req.name })) throw nameTaken(req.name);
    const now = clock.now().toISOString();
    const vm: VmRecord = {
      id: randomUUID(),
      name: req.name,
      ownerId,
      description: req.description ?? '',
      tags: req.tags ?? [],
      vcpus: req.vcpus,
      memoryBytes: req.memoryBytes,
      firmware: req.firmware ?? 'bios',
      bootOrder: blank ? 'cdrom_hd' : 'hd',
      phase: 'creating',
      imageId: blank ? null : source.image.id,
      mediaImageId: blank ? source.iso.id : null,
      installationStatus: blank ? 'not_installed' : 'installed',
      installationStartedAt: null,
      installationFinishedAt: null,
      keepMediaAfterInstall: blank && req.keepMediaAfterInstall === true,
      plannedDiskBytes: plannedDiskBytes(source),
      lastState: 'unknown',
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      // The owner's quota is checked and the row (which counts toward it from now on) written atomically.
      await repos.transaction(async (tx) => {
        await assertWithinQuota(tx, ownerId, {
          vms: 1,
          vcpus: vm.vcpus,
          memoryBytes: vm.memoryBytes,
          diskBytes: vm.plannedDiskBytes ?? 0,
        });
        await tx.vms.insert(vm);
      });
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'UniqueViolation') throw nameTaken(req.name);
      throw err;
    }
    const input: VmCreateInput =
      source.kind === 'blank'
        ? { vmId: vm.id, imageId: source.iso.id, start: req.start ?? false, blankSizeBytes: source.sizeBytes }
        : { vmId: vm.id, imageId: source.image.id, start: req.start ?? false };
    const task = await tasks.submit('vm.create', input, {
      actorId: actor.id,
      ownerId: vm.ownerId,
      resource: { kind: 'vm', id: vm.id },
      requestId: meta.requestId,
    });
    return { vm: this.view(vm, [], await mediaOf(repos, vm)), task };
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
    const write = (r: Repositories): Promise<VmRecord | null> =>
      r.vms.update(
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
    // Growing checks the owner's quota and writes in one transaction; shrinking or relabelling needs no check.
    const grow = {
      vcpus: (patch.vcpus ?? vm.vcpus) - vm.vcpus,
      memoryBytes: (patch.memoryBytes ?? vm.memoryBytes) - vm.memoryBytes,
    };
    const updated =
      grow.vcpus > 0 || grow.memoryBytes > 0
        ? await repos.transaction(async (tx) => {
            await assertWithinQuota(tx, vm.ownerId, grow);
            return write(tx);
          })
        : await write(repos);
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
    const view = this.view(updated, volumes, await mediaOf(repos, updated));
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

/** Whom a create is for: admins may act for any owner, anyone else only for themselves. */
function ownerOf(actor: Actor, ownerId: string | undefined): string {
  if (ownerId === undefined || ownerId === actor.id) return actor.id;
  if (actor.role !== 'admin') throw new ForbiddenError('Only admins may create a VM for another user.');
  // Whether that user exists is checked with its quota, in the transaction that inserts the VM.
  return ownerId;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function nameTaken(name: string): ConflictError {
  return new ConflictError('VM_NAME_TAKEN', `A VM named '${name}' already exists.`, { name });
}

/** A stable hash of a request body for Idempotency-Key checks. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}
