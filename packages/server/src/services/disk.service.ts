import type { VmDiskDetail, VmDiskList } from '@gureum/contract';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { TaskRecord, VmRecord, VolumeRecord } from '../domain/model.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Repositories, UnitOfWork } from '../ports/repositories.js';
import type { TaskEngine } from '../tasks/index.js';
import { assertCanMutate, type Actor } from './access.js';
import { RESIZE_DISK, type VmDiskResizeInput } from './disk.tasks.js';
import { assertReady } from './media.service.js';
import { assertWithinQuota } from './quota.service.js';
import { buildVmSpec, volumeRef } from './vm-spec.js';
import type { VmService } from './vm.service.js';

type ImageFormat = VmDiskDetail['format'];
type BackingChainEntry = VmDiskDetail['backingChain'][number];
const FORMATS: readonly string[] = ['qcow2', 'raw', 'iso'] satisfies ImageFormat[];

function formatOf(reported: string, fallback: ImageFormat): ImageFormat {
  return FORMATS.includes(reported) ? (reported as ImageFormat) : fallback;
}

function diskNotFound(diskId: string): NotFoundError {
  return new NotFoundError('DISK_NOT_FOUND', `The VM has no disk '${diskId}'.`, { disk: diskId });
}

/** A VM's disks as libvirt reports them (volume info, never qemu-img), and growing them. */
export class DiskService {
  constructor(
    private readonly deps: {
      vms: VmService;
      repos: Repositories & UnitOfWork;
      hypervisor: Hypervisor;
      tasks: TaskEngine;
    },
  ) {}

  async list(actor: Actor, idOrName: string): Promise<VmDiskList> {
    const vm = await this.deps.vms.find(actor, idOrName);
    const disks = await this.disksOf(vm);
    return { items: await Promise.all(disks.map((v) => this.detail(vm, v))) };
  }

  async get(actor: Actor, idOrName: string, diskId: string): Promise<VmDiskDetail> {
    const vm = await this.deps.vms.find(actor, idOrName);
    const volume = (await this.disksOf(vm)).find((v) => v.id === diskId);
    if (!volume) throw diskNotFound(diskId);
    return this.detail(vm, volume);
  }

  /**
   * Grows a disk to `sizeBytes` as a task. Not larger than now → 400 DISK_SHRINK_REFUSED; over the owner's disk
   * quota → QUOTA_EXCEEDED (checked here for a prompt answer, and again when the task reserves the size).
   */
  async resize(
    actor: Actor,
    idOrName: string,
    diskId: string,
    sizeBytes: number,
    meta: { requestId: string },
  ): Promise<TaskRecord> {
    assertCanMutate(actor);
    const vm = await this.deps.vms.find(actor, idOrName);
    const volume = (await this.disksOf(vm)).find((v) => v.id === diskId);
    if (!volume) throw diskNotFound(diskId);
    assertReady(vm);
    const info = await this.deps.hypervisor.volumeInfo(volumeRef(volume));
    const current = Math.max(volume.capacityBytes, info?.capacityBytes ?? 0);
    if (sizeBytes <= current) {
      throw new ValidationError(
        `Disks only grow: ${sizeBytes} bytes is not more than the disk's ${current} bytes.`,
        [{ path: '/body/sizeBytes', message: `must be more than ${current}` }],
        'DISK_SHRINK_REFUSED',
      );
    }
    await this.deps.repos.transaction((repos) =>
      assertWithinQuota(repos, vm.ownerId, { diskBytes: sizeBytes - volume.capacityBytes }),
    );
    const input: VmDiskResizeInput = { vmId: vm.id, volumeId: volume.id, sizeBytes };
    return this.deps.tasks.submit(RESIZE_DISK, input, {
      actorId: actor.id,
      ownerId: vm.ownerId,
      resource: { kind: 'vm', id: vm.id },
      requestId: meta.requestId,
    });
  }

  /** The VM's disk volumes (system first, then data volumes), in the order its definition lists them. */
  private async disksOf(vm: VmRecord): Promise<VolumeRecord[]> {
    const volumes = await this.deps.repos.volumes.listByVm(vm.id);
    const order = buildVmSpec(vm, volumes, null).disks.map((d) => d.id);
    return order.flatMap((id) => volumes.filter((v) => v.id === id));
  }

  private async detail(vm: VmRecord, volume: VolumeRecord): Promise<VmDiskDetail> {
    const { hypervisor } = this.deps;
    const info = await hypervisor.volumeInfo(volumeRef(volume));
    // A system disk made from an image is an overlay on the image's volume (images are standalone: one layer). The
    // image's virtual size is the one its upload read from the qcow2 header.
    const backingChain: BackingChainEntry[] = [];
    if (info?.backing && volume.kind === 'system' && vm.imageId) {
      const image = await this.deps.repos.images.findById(vm.imageId);
      const entry: BackingChainEntry = {
        format: formatOf(info.backing.format, 'qcow2'),
        imageId: vm.imageId,
      };
      if (image?.virtualSizeBytes != null) entry.virtualSizeBytes = image.virtualSizeBytes;
      backingChain.push(entry);
    }
    const fallback: ImageFormat = volume.format;
    return {
      id: volume.id,
      device: 'disk',
      bus: 'virtio',
      format: info ? formatOf(info.format, fallback) : fallback,
      readOnly: false,
      virtualSizeBytes: info?.capacityBytes ?? volume.capacityBytes,
      allocationBytes: info?.allocationBytes ?? 0,
      ...(volume.kind === 'system' && vm.imageId ? { imageId: vm.imageId } : {}),
      volumeId: volume.id,
      backingChain,
    };
  }
}
