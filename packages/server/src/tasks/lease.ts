import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/repositories.js';
import { ConflictError } from '../domain/errors.js';
import type { LeaseSpec } from './types.js';

/** A lease holder names the process and the task: `<instanceId>#<taskId>`, so a 409 can say which task is busy. */
export function holderFor(instanceId: string, taskId: string): string {
  return `${instanceId}#${taskId}`;
}

export function parseHolder(holder: string): { instanceId: string; taskId: string } | null {
  const at = holder.lastIndexOf('#');
  if (at <= 0 || at === holder.length - 1) return null;
  return { instanceId: holder.slice(0, at), taskId: holder.slice(at + 1) };
}

export interface LeaseClient {
  leases: LeaseStore;
  clock: Clock;
  leaseTtlMs: number;
}

function times(client: LeaseClient): { now: string; expiresAt: string } {
  const now = client.clock.now();
  return { now: now.toISOString(), expiresAt: new Date(now.getTime() + client.leaseTtlMs).toISOString() };
}

export async function acquireLease(client: LeaseClient, key: string, holder: string): Promise<boolean> {
  const { now, expiresAt } = times(client);
  return client.leases.acquire(key, holder, expiresAt, now);
}

export async function renewLease(client: LeaseClient, key: string, holder: string): Promise<boolean> {
  return client.leases.renew(key, holder, times(client).expiresAt);
}

/** The conflict for a lease someone else holds, naming the holding task when it can. */
export async function busyError(client: LeaseClient, lease: LeaseSpec): Promise<ConflictError> {
  const holder = await client.leases.holderOf(lease.key, times(client).now);
  const taskId = holder === null ? undefined : parseHolder(holder)?.taskId;
  return new ConflictError(
    lease.busyCode ?? 'RESOURCE_BUSY',
    lease.busyMessage ?? `'${lease.key}' is busy with another operation.`,
    { resource: lease.key, ...(taskId === undefined ? {} : { taskId }) },
  );
}
