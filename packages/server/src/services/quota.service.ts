/**
 * Per-user quotas (issue 6): what a user may own (VMs, vCPUs, memory, disk), what it uses, and the one check every
 * operation that adds resources makes, inside the transaction that writes them.
 */
import {
  ForbiddenError,
  NotFoundError,
  QuotaExceededError,
  ValidationError,
  type QuotaLimit,
} from '../domain/errors.js';
import type { Quota, ResourceUsage } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { Repositories, UnitOfWork } from '../ports/repositories.js';
import type { Actor } from './access.js';
import type { ResolvedVmSource } from './vm-source.js';

/** What an operation adds to its owner's use; absent fields add nothing. Negative values (shrinking) are ignored. */
export type ResourceDelta = Partial<ResourceUsage>;

export const UNLIMITED: Quota = { maxVms: null, maxVcpus: null, maxMemoryBytes: null, maxDiskBytes: null };

/** The limits, in the order they are checked (and reported: the first one exceeded). */
const LIMITS: readonly { limit: QuotaLimit; resource: keyof ResourceUsage; noun: string; unit: string }[] = [
  { limit: 'maxVms', resource: 'vms', noun: 'VM', unit: 'VMs' },
  { limit: 'maxVcpus', resource: 'vcpus', noun: 'vCPU', unit: 'vCPUs' },
  { limit: 'maxMemoryBytes', resource: 'memoryBytes', noun: 'memory', unit: 'bytes' },
  { limit: 'maxDiskBytes', resource: 'diskBytes', noun: 'disk', unit: 'bytes' },
];

export function userNotFound(id: string): NotFoundError {
  return new NotFoundError('USER_NOT_FOUND', `No user '${id}' exists.`, { user: id });
}

/** The stored quota of a user, or no limits at all. */
export async function quotaOf(repos: Repositories, userId: string): Promise<Quota> {
  const record = await repos.quotas.find(userId);
  if (!record) return UNLIMITED;
  const { maxVms, maxVcpus, maxMemoryBytes, maxDiskBytes } = record;
  return { maxVms, maxVcpus, maxMemoryBytes, maxDiskBytes };
}

/**
 * Refuses `delta` when it would take `ownerId` over a limit of its quota, with QUOTA_EXCEEDED naming the limit,
 * its value, the use now and what `delta` adds.
 *
 * Call it inside the transaction that then writes the resources (`db.transaction(async (repos) => …)`), with that
 * transaction's `repos`: it first locks the owner's row, so concurrent checks for the same owner run one after the
 * other and each sees what the previous one wrote (SQLite transactions are serial anyway). Check-then-write
 * without the enclosing transaction is not atomic. Throws USER_NOT_FOUND when the owner does not exist.
 *
 * @example
 * await db.transaction(async (repos) => {
 *   await assertWithinQuota(repos, vm.ownerId, { vms: 1, vcpus: vm.vcpus, memoryBytes: vm.memoryBytes });
 *   await repos.vms.insert(vm);
 * });
 */
export async function assertWithinQuota(
  repos: Repositories,
  ownerId: string,
  delta: ResourceDelta,
): Promise<void> {
  if (!(await repos.users.lockForUpdate(ownerId))) throw userNotFound(ownerId);
  const quota = await quotaOf(repos, ownerId);
  const limited = LIMITS.filter(({ limit, resource }) => quota[limit] !== null && (delta[resource] ?? 0) > 0);
  if (limited.length === 0) return;
  const used = await repos.quotas.usageOf(ownerId);
  for (const { limit, resource, noun, unit } of limited) {
    const max = quota[limit];
    const requested = delta[resource] ?? 0;
    if (max === null || used[resource] + requested <= max) continue;
    const over = used[resource] + requested - max;
    throw new QuotaExceededError(
      { limit, max, used: used[resource], requested },
      `The ${noun} quota (${limit}) is ${max} ${unit}: ${used[resource]} in use + ${requested} requested ` +
        `would exceed it by ${over} ${unit}.`,
    );
  }
}

/**
 * The size of the system disk a VM create will make from `source`: the blank disk's size, or the virtual size of
 * the image the overlay sits on (as the create task sizes it). Counted toward the disk quota from the create on.
 */
export function plannedDiskBytes(source: ResolvedVmSource): number {
  if (source.kind === 'blank') return source.sizeBytes;
  return source.image.virtualSizeBytes ?? source.image.sizeBytes ?? 0;
}

/** The routes' side of quotas: a user's own usage, and an admin reading or replacing anyone's quota. */
export class QuotaService {
  constructor(private readonly deps: { repos: Repositories & UnitOfWork; clock: Clock }) {}

  /** `GET /me/usage`: every role may read its own. */
  async usage(actor: Actor): Promise<ResourceUsage & { quota: Quota }> {
    const { repos } = this.deps;
    const [used, quota] = await Promise.all([repos.quotas.usageOf(actor.id), quotaOf(repos, actor.id)]);
    return { ...used, quota };
  }

  async get(actor: Actor, userId: string): Promise<Quota> {
    assertAdmin(actor);
    const { repos } = this.deps;
    if (!(await repos.users.findById(userId))) throw userNotFound(userId);
    return quotaOf(repos, userId);
  }

  /**
   * Replaces the whole quota. Lowering a limit below the current use is allowed: nothing is taken away, but
   * nothing more can be added until the use is back under it.
   */
  async set(actor: Actor, userId: string, quota: Quota): Promise<Quota> {
    assertAdmin(actor);
    const limits = validLimits(quota);
    const updatedAt = this.deps.clock.now().toISOString();
    await this.deps.repos.transaction(async (repos) => {
      // Locked so a user deleted meanwhile is a 404, not a foreign-key failure.
      if (!(await repos.users.lockForUpdate(userId))) throw userNotFound(userId);
      await repos.quotas.put({ userId, ...limits, updatedAt });
    });
    return limits;
  }
}

/** The route already checks admin-only operations; the service does not rely on it. */
function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('Only admins manage quotas.');
}

/** The HTTP schema checks this too; the service does not trust its callers to have. */
function validLimits(quota: Quota): Quota {
  const out: Quota = { ...UNLIMITED };
  for (const { limit } of LIMITS) {
    const value = quota[limit];
    if (value !== null && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new ValidationError(`${limit} must be a non-negative integer or null.`, [
        { path: `/body/${limit}`, message: 'must be a non-negative integer or null' },
      ]);
    }
    out[limit] = value;
  }
  return out;
}
