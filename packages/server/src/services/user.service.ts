import { randomUUID } from 'node:crypto';
import { AppError, ConflictError, NotFoundError } from '../domain/errors.js';
import type { Role, User } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import { UniqueViolation, type Page, type Repositories, type UnitOfWork } from '../ports/repositories.js';
import { assertAdmin, type Actor } from './access.js';
import { hashPassword } from './auth.service.js';

export interface UserServiceDeps {
  repos: Repositories & UnitOfWork;
  clock: Clock;
}

export interface UserCreate {
  username: string;
  password: string;
  role: Role;
}

export interface UserUpdate {
  role?: Role | undefined;
  password?: string | undefined;
}

/** Roles by what they may do: a change to a lower rank is a demotion. */
const RANK: Readonly<Record<Role, number>> = { viewer: 0, member: 1, admin: 2 };

function userNotFound(id: string): NotFoundError {
  return new NotFoundError('USER_NOT_FOUND', `No user '${id}' exists.`, { user: id });
}

function lastAdmin(verb: 'demoted' | 'deleted'): ConflictError {
  return new ConflictError(
    'USER_LAST_ADMIN',
    `The last admin cannot be ${verb}; make another user admin first.`,
  );
}

/**
 * Users and roles (admin only). The invariants live here and hold under concurrency:
 * - usernames are unique: the database's unique constraint decides, never a read-then-insert;
 * - there is always an admin: demoting or deleting an admin checks for another one and writes in one transaction,
 *   with the admin rows locked (`users.lockAdmins`);
 * - a user who owns VMs or images is not deleted (their resources would lose their owner).
 */
export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  async list(actor: Actor, filter: { role?: Role; limit: number; cursor?: string }): Promise<Page<User>> {
    assertAdmin(actor, 'list users');
    return this.deps.repos.users.listPage(filter);
  }

  async get(actor: Actor, id: string): Promise<User> {
    assertAdmin(actor, 'read users');
    const user = await this.deps.repos.users.findById(id);
    if (!user) throw userNotFound(id);
    return user;
  }

  async create(actor: Actor, input: UserCreate): Promise<User> {
    assertAdmin(actor, 'create users');
    const { repos, clock } = this.deps;
    // A cheap early answer for the common case; the unique constraint below is what decides under races.
    if (await repos.users.findByUsername(input.username)) throw usernameTaken(input.username);
    const now = clock.now().toISOString();
    const user: User = {
      id: randomUUID(),
      username: input.username,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await repos.users.insert(user);
    } catch (err: unknown) {
      if (err instanceof UniqueViolation && err.constraint === 'users.username')
        throw usernameTaken(input.username, err);
      throw err;
    }
    return user;
  }

  /**
   * Changes a user's role and/or password. A new password or a demotion revokes the user's session tokens (but
   * `keepTokenId`, the caller's own token when admins change themselves); a role change applies to every token at
   * its next request, since authentication reloads the user.
   */
  async update(actor: Actor, id: string, patch: UserUpdate, keepTokenId?: string): Promise<User> {
    assertAdmin(actor, 'change users');
    const { repos, clock } = this.deps;
    // Hashing is slow: done before the transaction, which then only writes.
    const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
    const now = clock.now().toISOString();
    return repos.transaction(async (tx) => {
      const before = await tx.users.findById(id);
      if (!before) throw userNotFound(id);
      const role = patch.role ?? before.role;
      if (before.role === 'admin' && role !== 'admin') await assertAnotherAdmin(tx, id, 'demoted');
      const demoted = RANK[role] < RANK[before.role];
      if (passwordHash === undefined && role === before.role) return before;
      await tx.users.update(id, {
        ...(role === before.role ? {} : { role }),
        ...(passwordHash === undefined ? {} : { passwordHash }),
        updatedAt: now,
      });
      if (passwordHash !== undefined || demoted) await tx.tokens.revokeSessions(id, now, keepTokenId);
      return { ...before, role, passwordHash: passwordHash ?? before.passwordHash, updatedAt: now };
    });
  }

  /**
   * Deletes a user and, with it (foreign key cascade), its tokens and quota. Refused for the last admin and for a
   * user who still owns VMs or images (`USER_OWNS_RESOURCES` says how many of each).
   */
  async delete(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'delete users');
    await this.deps.repos.transaction(async (tx) => {
      const user = await tx.users.findById(id);
      if (!user) throw userNotFound(id);
      // The row lock also holds off a VM being created for this user meanwhile (its foreign key waits on it).
      if (user.role === 'admin') await assertAnotherAdmin(tx, id, 'deleted');
      else if (!(await tx.users.lockForUpdate(id))) throw userNotFound(id);
      const owned = await tx.users.countOwned(id);
      if (owned.vms > 0 || owned.images > 0) throw ownsResources(user.username, owned);
      await tx.users.delete(id);
    });
  }
}

/** Inside the transaction: another admin than `id` exists (the admin rows stay locked until it ends). */
async function assertAnotherAdmin(tx: Repositories, id: string, verb: 'demoted' | 'deleted'): Promise<void> {
  const admins = await tx.users.lockAdmins();
  if (!admins.includes(id)) return; // no longer an admin: nothing to protect
  if (admins.length < 2) throw lastAdmin(verb);
}

function usernameTaken(username: string, cause?: unknown): ConflictError {
  return new ConflictError(
    'USERNAME_TAKEN',
    `A user named '${username}' already exists.`,
    { username },
    cause === undefined ? undefined : { cause },
  );
}

function ownsResources(username: string, owned: { vms: number; images: number }): AppError {
  const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
  return new ConflictError(
    'USER_OWNS_RESOURCES',
    `User '${username}' still owns ${count(owned.vms, 'VM')} and ${count(owned.images, 'image')}; ` +
      'delete them first.',
    { ...owned },
  );
}
