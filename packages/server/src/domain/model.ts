/**
 * Gureum's entities as the server holds them (no I/O here). The API read models in the contract are built from
 * these plus the live view; the database stores these.
 */

export type Role = 'admin' | 'member' | 'viewer';
export type Firmware = 'bios' | 'uefi';
export type BootOrder = 'cdrom_hd' | 'hd' | 'cdrom' | 'hd_cdrom';
export type InstallationStatus = 'not_installed' | 'installing' | 'installed' | 'failed';
/** Live state of a VM as libvirt reports it; `unknown` while libvirt is unreachable or the domain is missing. */
export type VmState = 'running' | 'stopped' | 'paused' | 'crashed' | 'suspended' | 'unknown';
/** Where a VM row is in its own life: `creating` until its create task succeeds, `deleting` once deletion began. */
export type VmPhase = 'creating' | 'ready' | 'deleting';

export interface User {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  updatedAt: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  tokenHash: string;
  kind: 'session' | 'api';
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface VmRecord {
  id: string;
  name: string;
  ownerId: string;
  description: string;
  tags: string[];
  vcpus: number;
  memoryBytes: number;
  firmware: Firmware;
  bootOrder: BootOrder;
  phase: VmPhase;
  /** The image the system disk was made from (a disk image), if any. */
  imageId: string | null;
  /** The ISO in the cdrom, if any. */
  mediaImageId: string | null;
  installationStatus: InstallationStatus;
  installationStartedAt: string | null;
  installationFinishedAt: string | null;
  keepMediaAfterInstall: boolean;
  /** Last state seen from libvirt, kept so reads answer while libvirt is down and so changes can be detected. */
  lastState: VmState;
  /** Incremented on every change; the ETag of the VM. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type VolumeKind = 'system' | 'data' | 'image' | 'nvram';

/** A file Gureum manages inside one of its storage pools; its file name is derived from its id. */
export interface VolumeRecord {
  id: string;
  kind: VolumeKind;
  pool: string;
  /** File name inside the pool, derived from ids only (never from user text). */
  fileName: string;
  format: 'qcow2' | 'raw' | 'iso';
  capacityBytes: number;
  vmId: string | null;
  /** For overlays: the volume this one is backed by. */
  backingVolumeId: string | null;
  ownerId: string;
  createdAt: string;
}

export type ImageKind = 'disk' | 'iso';
export type ImageStatus = 'uploading' | 'ready' | 'failed';

export interface ImageRecord {
  id: string;
  name: string;
  kind: ImageKind;
  format: 'qcow2' | 'raw' | 'iso' | null;
  status: ImageStatus;
  sizeBytes: number | null;
  virtualSizeBytes: number | null;
  sha256: string | null;
  volumeId: string | null;
  ownerId: string;
  sourceUrl: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ProblemData {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

export interface TaskRecord {
  id: string;
  kind: string;
  status: TaskStatus;
  progress: number;
  message: string | null;
  resourceKind: string;
  resourceId: string;
  actorId: string;
  ownerId: string;
  /** The task's input, as needed to run (or resume) it. */
  input: unknown;
  result: unknown;
  error: ProblemData | null;
  requestId: string | null;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Heartbeat of the process running it; a running task with a stale heartbeat was orphaned by a crash. */
  heartbeatAt: string | null;
}

export type StepStatus = 'started' | 'done' | 'undone' | 'undo_failed';

/** One journaled step of a task: written before the step runs, with what is needed to undo it. */
export interface TaskStepRecord {
  taskId: string;
  seq: number;
  name: string;
  status: StepStatus;
  /** Whatever the step's undo needs (e.g. the volume it is about to create). Written BEFORE the step acts. */
  undoData: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface EventRecord {
  id: number;
  type: string;
  time: string;
  resourceKind: string;
  resourceId: string;
  /** Who may see it (null: everyone who may read the resource kind, e.g. host events). */
  ownerId: string | null;
  data: unknown;
}
