import type { DeletePlan, Snapshot, SnapshotCreate, SnapshotList } from '@gureum/contract';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { TaskRecord, VmRecord, VmState } from '../domain/model.js';
import type { Hypervisor, VmSnapshotInfo } from '../ports/hypervisor.js';
import type { Repositories } from '../ports/repositories.js';
import type { TaskEngine } from '../tasks/index.js';
import { assertCanMutate, type Actor } from './access.js';
import { assertReady } from './media.service.js';
import { CREATE_SNAPSHOT, DELETE_SNAPSHOT, REVERT_SNAPSHOT, type VmSnapshotInput } from './snapshot.tasks.js';
import type { LiveStateService } from './live-state.js';
import type { VmService } from './vm.service.js';

type Capabilities = SnapshotList['capabilities'];

const STATES: Readonly<Record<string, VmState>> = {
  running: 'running',
  blocked: 'running',
  paused: 'paused',
  shutdown: 'stopped',
  shutoff: 'stopped',
  crashed: 'crashed',
  pmsuspended: 'suspended',
};

function snapshotNotFound(name: string): NotFoundError {
  return new NotFoundError('SNAPSHOT_NOT_FOUND', `The VM has no snapshot '${name}'.`, { snapshot: name });
}

/** A snapshot as the API shows it; its id is its name (unique per VM, a DNS label). */
export function toSnapshot(vmId: string, info: VmSnapshotInfo): Snapshot {
  return {
    id: info.name,
    vmId,
    name: info.name,
    description: info.description,
    kind: 'internal',
    includesMemory: info.memory,
    vmState: STATES[info.state] ?? 'unknown',
    parentId: info.parent,
    createdAt: info.createdAt,
  };
}

/**
 * What this VM can snapshot on this host. Gureum takes internal snapshots (inside qcow2, with the memory of a
 * running guest): every disk must be qcow2, and the VM must boot with BIOS — libvirt before 10.10 refuses internal
 * snapshots of UEFI VMs (their NVRAM is not qcow2), and external snapshots are not offered (libvirt 9 cannot revert
 * them). A client offers only what is true here.
 */
export function snapshotCapabilities(vm: VmRecord, diskFormats: readonly string[]): Capabilities {
  const internal =
    vm.firmware === 'bios' && diskFormats.length > 0 && diskFormats.every((f) => f === 'qcow2');
  return { internal, diskOnly: false, memory: internal };
}

/** Snapshots of VMs: libvirt keeps them; long operations are tasks. */
export class SnapshotService {
  constructor(
    private readonly deps: {
      vms: VmService;
      repos: Repositories;
      hypervisor: Hypervisor;
      tasks: TaskEngine;
      live: LiveStateService;
    },
  ) {}

  async list(actor: Actor, idOrName: string): Promise<SnapshotList> {
    const vm = await this.deps.vms.find(actor, idOrName);
    const [infos, capabilities] = await Promise.all([
      this.deps.hypervisor.listSnapshots(vm.id),
      this.capabilities(vm),
    ]);
    return { items: infos.map((i) => toSnapshot(vm.id, i)), capabilities };
  }

  async get(actor: Actor, idOrName: string, name: string): Promise<Snapshot> {
    const vm = await this.deps.vms.find(actor, idOrName);
    return toSnapshot(vm.id, await this.find(vm, name));
  }

  /** Takes a snapshot as a task. 409 SNAPSHOT_NAME_TAKEN, 409 SNAPSHOT_UNSUPPORTED (with the reason). */
  async create(
    actor: Actor,
    idOrName: string,
    body: SnapshotCreate,
    meta: { requestId: string },
  ): Promise<{ vm: VmRecord; task: TaskRecord }> {
    assertCanMutate(actor);
    const vm = await this.deps.vms.find(actor, idOrName);
    assertReady(vm);
    const capabilities = await this.capabilities(vm);
    if (!capabilities.internal) {
      throw new ConflictError(
        'SNAPSHOT_UNSUPPORTED',
        vm.firmware === 'uefi'
          ? "This host's libvirt cannot snapshot UEFI VMs (their NVRAM is not qcow2; libvirt ≥ 10.10 can)."
          : 'Only VMs whose disks are all qcow2 can be snapshotted.',
        { capabilities },
      );
    }
    if (body.kind === 'disk_only') {
      throw new ConflictError(
        'SNAPSHOT_UNSUPPORTED',
        'Disk-only (external) snapshots are not offered: this host cannot revert them.',
        { capabilities },
      );
    }
    const running = this.deps.live.stateOf(vm.id);
    if (body.includeMemory === false && (running === 'running' || running === 'paused')) {
      throw new ConflictError(
        'SNAPSHOT_UNSUPPORTED',
        "A running VM's internal snapshot includes its memory; stop the VM for a snapshot of its disks only.",
        { capabilities },
      );
    }
    if ((await this.deps.hypervisor.listSnapshots(vm.id)).some((s) => s.name === body.name)) {
      throw new ConflictError('SNAPSHOT_NAME_TAKEN', `The VM already has a snapshot '${body.name}'.`, {
        snapshot: body.name,
      });
    }
    const input: VmSnapshotInput = {
      vmId: vm.id,
      name: body.name,
      ...(body.description ? { description: body.description } : {}),
    };
    return { vm, task: await this.submit(actor, vm, CREATE_SNAPSHOT, input, meta) };
  }

  async revert(
    actor: Actor,
    idOrName: string,
    name: string,
    meta: { requestId: string },
  ): Promise<TaskRecord> {
    assertCanMutate(actor);
    const vm = await this.deps.vms.find(actor, idOrName);
    assertReady(vm);
    await this.find(vm, name);
    return this.submit(actor, vm, REVERT_SNAPSHOT, { vmId: vm.id, name }, meta);
  }

  /** Deletes a snapshot as a task; `dryRun` returns what would go. */
  async delete(
    actor: Actor,
    idOrName: string,
    name: string,
    meta: { requestId: string; dryRun: boolean },
  ): Promise<TaskRecord | DeletePlan> {
    assertCanMutate(actor);
    const vm = await this.deps.vms.find(actor, idOrName);
    await this.find(vm, name);
    if (meta.dryRun) return { wouldDelete: [{ kind: 'snapshot', id: name, name }] };
    assertReady(vm);
    return this.submit(actor, vm, DELETE_SNAPSHOT, { vmId: vm.id, name }, meta);
  }

  private async find(vm: VmRecord, name: string): Promise<VmSnapshotInfo> {
    const found = (await this.deps.hypervisor.listSnapshots(vm.id)).find((s) => s.name === name);
    if (!found) throw snapshotNotFound(name);
    return found;
  }

  private async capabilities(vm: VmRecord): Promise<Capabilities> {
    const volumes = await this.deps.repos.volumes.listByVm(vm.id);
    const formats = volumes.filter((v) => v.kind === 'system' || v.kind === 'data').map((v) => v.format);
    return snapshotCapabilities(vm, formats);
  }

  private submit(
    actor: Actor,
    vm: VmRecord,
    kind: string,
    input: VmSnapshotInput,
    meta: { requestId: string },
  ): Promise<TaskRecord> {
    return this.deps.tasks.submit(kind, input, {
      actorId: actor.id,
      ownerId: vm.ownerId,
      resource: { kind: 'vm', id: vm.id },
      requestId: meta.requestId,
    });
  }
}
