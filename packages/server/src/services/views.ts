import type { Image, Me, Vm, VmMedia } from '@gureum/contract';
import type { ImageRecord, User, VmRecord, VmState, VolumeRecord } from '../domain/model.js';

/** A VM as the API shows it: its record, its volumes and its live state. */
export interface VmView {
  vm: VmRecord;
  state: VmState;
  volumes: VolumeRecord[];
  /** The inserted ISO with its image's name; when absent, named by its image id. */
  media?: VmMedia | null;
}

/** The API's VM read model (API.md "VM (read model)") from a record, its volumes and the live state. */
export function toVm(view: VmView): Vm {
  const { vm, volumes, state } = view;
  return {
    id: vm.id,
    name: vm.name,
    description: vm.description,
    tags: vm.tags,
    ownerId: vm.ownerId,
    state,
    vcpus: vm.vcpus,
    memoryBytes: vm.memoryBytes,
    firmware: vm.firmware,
    bootOrder: vm.bootOrder,
    installation: {
      status: vm.installationStatus,
      ...(vm.installationStartedAt ? { startedAt: vm.installationStartedAt } : {}),
      ...(vm.installationFinishedAt ? { finishedAt: vm.installationFinishedAt } : {}),
    },
    disks: volumes
      .filter((v) => v.kind === 'system' || v.kind === 'data')
      .map((v) => ({
        id: v.id,
        device: 'disk' as const,
        bus: 'virtio' as const,
        sizeBytes: v.capacityBytes,
        volumeId: v.id,
        ...(v.kind === 'system' && vm.imageId ? { imageId: vm.imageId } : {}),
      })),
    media:
      view.media !== undefined
        ? view.media
        : vm.mediaImageId === null
          ? null
          : { imageId: vm.mediaImageId, name: vm.mediaImageId },
    nics: [],
    createdAt: vm.createdAt,
    updatedAt: vm.updatedAt,
  };
}

/** The VM's ETag: its record version. */
export function vmEtag(view: VmView): string {
  return `"${view.vm.version}"`;
}

/** Parses `If-Match: "<version>"`; anything else can never match. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  return m?.[1] ? Number(m[1]) : -1;
}

export function toImage(image: ImageRecord): Image {
  return {
    id: image.id,
    name: image.name,
    kind: image.kind,
    status: image.status,
    ownerId: image.ownerId,
    createdAt: image.createdAt,
    updatedAt: image.updatedAt,
    ...(image.format ? { format: image.format } : {}),
    ...(image.sizeBytes !== null ? { sizeBytes: image.sizeBytes } : {}),
    ...(image.virtualSizeBytes !== null ? { virtualSizeBytes: image.virtualSizeBytes } : {}),
    ...(image.sha256 ? { sha256: image.sha256 } : {}),
    ...(image.failureReason ? { failureReason: image.failureReason } : {}),
    ...(image.sourceUrl ? { source: { url: image.sourceUrl } } : {}),
  };
}

export function toMe(user: User): Me {
  return { id: user.id, username: user.username, role: user.role, createdAt: user.createdAt };
}
