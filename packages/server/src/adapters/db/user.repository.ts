import type { Selectable } from 'kysely';
import type { Role, User } from '../../domain/model.js';
import type { Page, UserListFilter, UserRepository } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { translateUnique } from './errors.js';
import { decodeCursor, isoTime, pageSize, toPage } from './mapping.js';
import type { UsersTable } from './schema.js';

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    username: row.username,
    // Only the service writes roles, from the contract's enum.
    role: row.role as Role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class KyselyUserRepository implements UserRepository {
  constructor(private readonly ctx: DbContext) {}

  async count(): Promise<number> {
    const row = await this.ctx
      .executor()
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** Throws UniqueViolation('users.username') when the username is taken. */
  async insert(user: User): Promise<void> {
    await translateUnique(() =>
      this.ctx
        .executor()
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username,
          role: user.role,
          password_hash: user.passwordHash,
          created_at: isoTime(user.createdAt),
          updated_at: isoTime(user.updatedAt),
        })
        .execute(),
    );
  }

  async findById(id: string): Promise<User | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async findByUsername(username: string): Promise<User | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async list(): Promise<User[]> {
    const rows = await this.ctx.executor().selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  /** Keyset on the username (unique, byte order on both dialects: see 0001's `keyText`). */
  async listPage(filter: UserListFilter): Promise<Page<User>> {
    const limit = pageSize(filter.limit);
    let query = this.ctx.executor().selectFrom('users').selectAll();
    if (filter.role !== undefined) query = query.where('role', '=', filter.role);
    if (filter.cursor !== undefined) {
      const [afterUsername] = decodeCursor(filter.cursor, ['string']);
      query = query.where('username', '>', afterUsername);
    }
    const rows = await query
      .orderBy('username')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toUser, (row) => [row.username]);
  }

  /**
   * PostgreSQL: `SELECT … FOR UPDATE` of every admin row. A transaction that waited for a lock re-reads the rows it
   * got (READ COMMITTED re-checks the WHERE on the new row version), so an admin demoted meanwhile is not counted.
   * SQLite: a plain read; `transaction()` runs `BEGIN IMMEDIATE`, so write transactions are serial already.
   */
  async lockAdmins(): Promise<string[]> {
    const query = this.ctx
      .executor()
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .orderBy('id');
    const rows = await (this.ctx.dialect === 'postgres' ? query.forUpdate() : query).execute();
    return rows.map((r) => r.id);
  }

  async countOwned(id: string): Promise<{ vms: number; images: number }> {
    const row = await this.ctx
      .executor()
      .selectNoFrom((eb) => [
        eb
          .selectFrom('vms')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('owner_id', '=', id)
          .as('vms'),
        eb
          .selectFrom('images')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('owner_id', '=', id)
          .as('images'),
      ])
      .executeTakeFirstOrThrow();
    return { vms: row.vms ?? 0, images: row.images ?? 0 };
  }

  async update(id: string, patch: Partial<Pick<User, 'role' | 'passwordHash' | 'updatedAt'>>): Promise<void> {
    const set: Partial<UsersTable> = {};
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.updatedAt !== undefined) set.updated_at = isoTime(patch.updatedAt);
    if (Object.keys(set).length === 0) return;
    await this.ctx.executor().updateTable('users').set(set).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.ctx.executor().deleteFrom('users').where('id', '=', id).execute();
  }

  /**
   * Locks the user's row until the surrounding transaction ends, so two quota checks for the same user run one
   * after the other. PostgreSQL: `SELECT … FOR UPDATE`. SQLite: nothing to do — `transaction()` begins with
   * `BEGIN IMMEDIATE` on the one connection, so write transactions are already serial. Outside a transaction it
   * has no lasting effect.
   */
  async lockForUpdate(id: string): Promise<boolean> {
    const query = this.ctx.executor().selectFrom('users').select('id').where('id', '=', id);
    const row = await (this.ctx.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
    return row !== undefined;
  }
}
