import { Type, type Static } from '@sinclair/typebox';
import {
  Description,
  DiskSizeBytes,
  Id,
  Name,
  Sha256,
  SizeBytes,
  Timestamp,
  VmId,
  nullable,
  page,
  pageQuery,
  stringEnum,
} from '../common.js';
import { DiskBus, DiskDevice, VmState } from './vm.schemas.js';

export const ImageKind = stringEnum(['disk', 'iso']);
export type ImageKind = Static<typeof ImageKind>;
export const ImageFormat = stringEnum(['qcow2', 'raw', 'iso']);
export type ImageFormat = Static<typeof ImageFormat>;
/** `uploading` → `ready` (or `failed`); only `ready` images back VMs or are inserted as media. */
export const ImageStatus = stringEnum(['uploading', 'ready', 'failed']);
export type ImageStatus = Static<typeof ImageStatus>;

/** An http(s) URL the server downloads from. Never a host path or `file://`. */
export const SourceUrl = Type.String({ pattern: '^https?://[^\\s]+$', minLength: 8, maxLength: 2048 });

export const ImageSource = Type.Object(
  { url: SourceUrl, sha256: Type.Optional(Sha256) },
  { additionalProperties: false, title: 'ImageSource' },
);
export type ImageSource = Static<typeof ImageSource>;

/** An image of the library: a base disk (qcow2/raw) or an installer ISO. */
export const Image = Type.Object(
  {
    id: Id,
    name: Name,
    kind: ImageKind,
    format: Type.Optional(ImageFormat),
    status: ImageStatus,
    sizeBytes: Type.Optional(SizeBytes),
    virtualSizeBytes: Type.Optional(SizeBytes),
    failureReason: Type.Optional(
      Type.String({ description: 'Why the last upload or download did not complete.' }),
    ),
    sha256: Type.Optional(Sha256),
    ownerId: Id,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    source: Type.Optional(ImageSource),
  },
  { title: 'Image' },
);
export type Image = Static<typeof Image>;

/**
 * `POST /images` body. Without `source` the image is created `uploading` and its content is sent with
 * `PUT /images/{id}/content`; with `source.url` the server downloads it in a task (`GET /tasks?resource=<id>`).
 */
export const ImageCreate = Type.Object(
  { name: Name, kind: ImageKind, source: Type.Optional(ImageSource) },
  { additionalProperties: false, title: 'ImageCreate' },
);
export type ImageCreate = Static<typeof ImageCreate>;

export const ImageListQuery = Type.Object(
  {
    ...pageQuery,
    kind: Type.Optional(ImageKind),
    status: Type.Optional(ImageStatus),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { title: 'ImageListQuery' },
);
export type ImageListQuery = Static<typeof ImageListQuery>;
export const ImageList = page(Image, 'ImageList');
export type ImageList = Static<typeof ImageList>;

/** `PUT /images/{id}/content` query: an optional expected digest, checked when the stream ends. */
export const ImageUploadQuery = Type.Object({ sha256: Type.Optional(Sha256) }, { title: 'ImageUploadQuery' });
export type ImageUploadQuery = Static<typeof ImageUploadQuery>;

/** One layer of a disk's backing chain, top first. */
export const BackingChainEntry = Type.Object(
  {
    format: ImageFormat,
    virtualSizeBytes: Type.Optional(SizeBytes),
    imageId: Type.Optional(Id),
    volumeId: Type.Optional(Id),
  },
  { title: 'BackingChainEntry' },
);

/** `GET /vms/{id}/disks/{diskId}`: what libvirt reports about the disk. */
export const VmDiskDetail = Type.Object(
  {
    id: Id,
    device: DiskDevice,
    bus: DiskBus,
    format: ImageFormat,
    readOnly: Type.Boolean(),
    virtualSizeBytes: SizeBytes,
    allocationBytes: SizeBytes,
    imageId: Type.Optional(Id),
    volumeId: Type.Optional(Id),
    backingChain: Type.Array(BackingChainEntry),
  },
  { title: 'VmDiskDetail' },
);
export type VmDiskDetail = Static<typeof VmDiskDetail>;
export const VmDiskList = Type.Object({ items: Type.Array(VmDiskDetail) }, { title: 'VmDiskList' });
export type VmDiskList = Static<typeof VmDiskList>;

/** `POST /vms/{id}/disks` body: attach a volume. */
export const VmDiskAttach = Type.Object(
  { volumeId: Id, bus: Type.Optional(DiskBus) },
  { additionalProperties: false, title: 'VmDiskAttach' },
);
export type VmDiskAttach = Static<typeof VmDiskAttach>;

/** `POST /vms/{id}/disks/{diskId}/actions/resize` body: grow only (shrink → `DISK_SHRINK_REFUSED`). */
export const VmDiskResize = Type.Object(
  { sizeBytes: DiskSizeBytes },
  { additionalProperties: false, title: 'VmDiskResize' },
);
export type VmDiskResize = Static<typeof VmDiskResize>;

export const VolumeFormat = stringEnum(['qcow2', 'raw']);

/** A managed volume (a VM's system disk, a blank disk, a data volume). */
export const Volume = Type.Object(
  {
    id: Id,
    name: Name,
    format: VolumeFormat,
    sizeBytes: SizeBytes,
    allocationBytes: SizeBytes,
    ownerId: Id,
    attachment: nullable(Type.Object({ vmId: VmId, diskId: Id })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Volume' },
);
export type Volume = Static<typeof Volume>;

export const VolumeCreate = Type.Object(
  { name: Name, sizeBytes: DiskSizeBytes, format: Type.Optional(VolumeFormat) },
  { additionalProperties: false, title: 'VolumeCreate' },
);
export type VolumeCreate = Static<typeof VolumeCreate>;

export const VolumeListQuery = Type.Object(
  {
    ...pageQuery,
    attached: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { title: 'VolumeListQuery' },
);
export type VolumeListQuery = Static<typeof VolumeListQuery>;
export const VolumeList = page(Volume, 'VolumeList');
export type VolumeList = Static<typeof VolumeList>;

export const SnapshotKind = stringEnum(['internal', 'disk_only']);
export type SnapshotKind = Static<typeof SnapshotKind>;

/** A snapshot of a VM. */
export const Snapshot = Type.Object(
  {
    id: Id,
    vmId: VmId,
    name: Name,
    description: Type.String(),
    kind: SnapshotKind,
    includesMemory: Type.Boolean(),
    vmState: VmState,
    parentId: nullable(Id),
    createdAt: Timestamp,
  },
  { title: 'Snapshot' },
);
export type Snapshot = Static<typeof Snapshot>;

/** What this VM on this host can snapshot: clients offer only what will work. */
export const SnapshotCapabilities = Type.Object(
  { internal: Type.Boolean(), diskOnly: Type.Boolean(), memory: Type.Boolean() },
  { title: 'SnapshotCapabilities' },
);

export const SnapshotList = Type.Object(
  { items: Type.Array(Snapshot), capabilities: SnapshotCapabilities },
  { title: 'SnapshotList' },
);
export type SnapshotList = Static<typeof SnapshotList>;

export const SnapshotCreate = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    kind: Type.Optional(SnapshotKind),
    includeMemory: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, title: 'SnapshotCreate' },
);
export type SnapshotCreate = Static<typeof SnapshotCreate>;
