import { AppError, ForbiddenError } from '../domain/errors.js';
import type { User } from '../domain/model.js';

/** Who is acting: the authenticated user (tasks and events carry its id). */
export interface Actor {
  id: string;
  role: User['role'];
}

/** Admins see everything; everyone else sees only what they own. Others' resources are reported as missing. */
export function canSee(actor: Actor, ownerId: string | null): boolean {
  return actor.role === 'admin' || ownerId === null || ownerId === actor.id;
}

/** Viewers read; they never change anything. */
export function assertCanMutate(actor: Actor): void {
  if (actor.role === 'viewer') throw new ForbiddenError('Viewers cannot change anything.');
}

/** Admin-only operations: the HTTP edge refuses others first; services do not rely on it. */
export function assertAdmin(actor: Actor, what = 'this'): void {
  if (actor.role !== 'admin') throw new ForbiddenError(`Only admins may do ${what}.`);
}

/** The owner filter for lists: undefined for admins (everything), the actor's id for everyone else. */
export function ownerFilter(actor: Actor): string | undefined {
  return actor.role === 'admin' ? undefined : actor.id;
}

export function assertFound<T extends { ownerId: string }>(
  actor: Actor,
  row: T | null,
  notFound: () => AppError,
): T {
  if (!row || !canSee(actor, row.ownerId)) throw notFound();
  return row;
}
