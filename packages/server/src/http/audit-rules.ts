import type { OperationId, ResourceKind, Routes } from '@gureum/contract';

/** Every operation that changes something: each one must say how it is audited (the table below is exhaustive). */
export type MutatingOperationId = {
  [K in OperationId]: Routes[K]['method'] extends 'GET' ? never : K;
}[OperationId];

/** How one operation shows up in the audit log. */
export interface AuditRule {
  /** Stable dotted name: `<resource>.<verb>`. */
  readonly action: string;
  /**
   * The resource: its kind, and where its id is: a path parameter, the success reply (creates), or the caller
   * itself (`/me/...`).
   */
  readonly resource?:
    | { readonly kind: ResourceKind; readonly param: string }
    | { readonly kind: ResourceKind; readonly fromReply: true }
    | { readonly kind: 'user'; readonly fromActor: true };
  /** Body fields copied into `details` (plain, non-secret values only: a name, a role, a size). */
  readonly fields?: readonly string[];
  /** Path parameters copied into `details` (a NIC, disk or snapshot id of the VM). */
  readonly params?: readonly string[];
  /** The NAMES of the body's fields (never their values) go into `details.changed`. */
  readonly changedFields?: true;
  /** The actor is the user named by the body's `username` once the request succeeded (login). */
  readonly actorFromUsername?: true;
}

const vm = (action: string, extra: Omit<AuditRule, 'action' | 'resource'> = {}): AuditRule => ({
  action: `vm.${action}`,
  resource: { kind: 'vm', param: 'id' },
  ...extra,
});

/**
 * THE table: operation id → audit action. The route-table test (audit.test.ts) fails for a mutating route without
 * a line here; until it has one, its requests are still audited under a name derived from the operation id.
 */
export const AUDIT_RULES: Readonly<Partial<Record<MutatingOperationId, AuditRule>>> = {
  login: { action: 'auth.login', fields: ['username'], actorFromUsername: true },
  logout: { action: 'auth.logout' },
  changeMyPassword: { action: 'auth.change-password', resource: { kind: 'user', fromActor: true } },
  createUser: {
    action: 'user.create',
    resource: { kind: 'user', fromReply: true },
    fields: ['username', 'role'],
  },
  updateUser: {
    action: 'user.update',
    resource: { kind: 'user', param: 'id' },
    fields: ['role'],
    changedFields: true,
  },
  deleteUser: { action: 'user.delete', resource: { kind: 'user', param: 'id' } },
  setUserQuota: {
    action: 'quota.set',
    resource: { kind: 'user', param: 'id' },
    fields: ['maxVms', 'maxVcpus', 'maxMemoryBytes', 'maxDiskBytes'],
  },
  createToken: {
    action: 'token.create',
    resource: { kind: 'token', fromReply: true },
    fields: ['name', 'expiresAt'],
  },
  deleteToken: { action: 'token.delete', resource: { kind: 'token', param: 'id' } },

  createVm: {
    action: 'vm.create',
    resource: { kind: 'vm', fromReply: true },
    fields: ['name', 'vcpus', 'memoryBytes', 'start'],
  },
  updateVm: {
    action: 'vm.update',
    resource: { kind: 'vm', param: 'idOrName' },
    fields: ['vcpus', 'memoryBytes'],
    changedFields: true,
  },
  deleteVm: { action: 'vm.delete', resource: { kind: 'vm', param: 'idOrName' } },
  startVm: vm('start'),
  stopVm: vm('stop', { fields: ['force', 'timeoutMs'] }),
  forceStopVm: vm('force-stop'),
  rebootVm: vm('reboot'),
  resetVm: vm('reset'),
  pauseVm: vm('pause'),
  resumeVm: vm('resume'),
  setVmBootOrder: vm('set-boot-order', { fields: ['order'] }),
  insertVmMedia: vm('insert-media', { fields: ['imageId'] }),
  ejectVmMedia: vm('eject-media'),
  completeVmInstallation: vm('complete-installation'),
  attachVmNic: vm('attach-nic', { fields: ['networkId'] }),
  detachVmNic: vm('detach-nic', { params: ['nicId'] }),
  createVmConsole: { action: 'console.open', resource: { kind: 'vm', param: 'id' }, fields: ['type'] },
  attachVmDisk: vm('attach-disk', { fields: ['volumeId'] }),
  detachVmDisk: vm('detach-disk', { params: ['diskId'] }),
  resizeVmDisk: vm('resize-disk', { params: ['diskId'], fields: ['sizeBytes'] }),
  createVmSnapshot: { action: 'snapshot.create', resource: { kind: 'vm', param: 'id' }, fields: ['name'] },
  revertVmSnapshot: {
    action: 'snapshot.revert',
    resource: { kind: 'vm', param: 'id' },
    params: ['snapshotId'],
  },
  deleteVmSnapshot: {
    action: 'snapshot.delete',
    resource: { kind: 'vm', param: 'id' },
    params: ['snapshotId'],
  },

  createImage: {
    action: 'image.create',
    resource: { kind: 'image', fromReply: true },
    fields: ['name', 'kind'],
  },
  deleteImage: { action: 'image.delete', resource: { kind: 'image', param: 'id' } },
  uploadImageContent: { action: 'image.upload', resource: { kind: 'image', param: 'id' } },
  createVolume: { action: 'volume.create', resource: { kind: 'volume', fromReply: true }, fields: ['name'] },
  deleteVolume: { action: 'volume.delete', resource: { kind: 'volume', param: 'id' } },
  createNetwork: {
    action: 'network.create',
    resource: { kind: 'network', fromReply: true },
    fields: ['name'],
  },
  deleteNetwork: { action: 'network.delete', resource: { kind: 'network', param: 'id' } },

  cancelTask: { action: 'task.cancel', resource: { kind: 'task', param: 'id' } },
  adoptDriftFinding: { action: 'drift.adopt', resource: { kind: 'drift', param: 'id' } },
  cleanDriftFinding: { action: 'drift.clean', resource: { kind: 'drift', param: 'id' } },
};

/** `createVm` → `vm.create`, `changeMyPassword` → `my-password.change`: the fallback for a route the table lacks. */
export function deriveAction(operationId: string): string {
  const words = operationId.split(/(?=[A-Z])/).map((w) => w.toLowerCase());
  const [verb, ...noun] = words;
  return noun.length > 0 ? `${noun.join('-')}.${verb ?? ''}` : operationId;
}

/** The rule of a mutating operation (derived when the table lacks it). */
export function auditRuleOf(operationId: MutatingOperationId): AuditRule {
  return AUDIT_RULES[operationId] ?? { action: deriveAction(operationId) };
}
