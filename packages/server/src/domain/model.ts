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
  /**
   * The system disk's allocation (bytes) when the installation began; the install tracker compares against it.
   * Absent (or null) when no installation from an ISO was started.
   */
  installationBaselineBytes?: number | null;
  /**
   * The size of the system disk the create of this VM will make. It counts toward the owner's disk quota from the
   * moment the create is accepted until the system volume exists (then the volume's capacity counts instead), so
   * two creates cannot both slip under the disk limit. Absent (or null) on VMs created before quotas.
   */
  plannedDiskBytes?: number | null;
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
  /** Extension members of QUOTA_EXCEEDED: which limit, its value, the use now and what the request adds. */
  limit?: 'maxVms' | 'maxVcpus' | 'maxMemoryBytes' | 'maxDiskBytes';
  max?: number;
  used?: number;
  requested?: number;
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

export type AuditOutcome = 'succeeded' | 'failed';

/**
 * One entry of the append-only audit log: a mutating request (with its HTTP `status`) or a task outcome
 * (`status` null). `details` holds only whitelisted, non-secret fields (a VM name, the username of a login).
 */
export interface AuditRecord {
  id: string;
  time: string;
  /** The authenticated user; null for anonymous requests (a failed login, a missing token). */
  actorId: string | null;
  /** A stable dotted name: `vm.create`, `vm.start`, `auth.login`, `token.delete`; a task's kind. */
  action: string;
  resourceKind: string | null;
  resourceId: string | null;
  /** The owner of the resource, so owners see what others did to their resources. */
  ownerId: string | null;
  outcome: AuditOutcome;
  status: number | null;
  requestId: string | null;
  sourceAddress: string | null;
  details: Record<string, unknown> | null;
}

/** A user's limits; `null` is unlimited. A user without a stored quota has every limit `null`. */
export interface Quota {
  maxVms: number | null;
  maxVcpus: number | null;
  maxMemoryBytes: number | null;
  maxDiskBytes: number | null;
}

export interface QuotaRecord extends Quota {
  userId: string;
  updatedAt: string;
}

/** What a user uses now, in the units of the quota's limits. */
export interface ResourceUsage {
  vms: number;
  vcpus: number;
  memoryBytes: number;
  diskBytes: number;
}
