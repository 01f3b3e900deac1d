import type { Selectable } from 'kysely';
import type { ApiToken } from '../../domain/model.js';
import type { TokenRepository } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { translateUnique } from './errors.js';
import { isoTime, isoTimeOrNull } from './mapping.js';
import type { ApiTokensTable } from './schema.js';

export function toApiToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenHash: row.token_hash,
    kind: row.kind === 'session' ? 'session' : 'api',
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export class KyselyTokenRepository implements TokenRepository {
  constructor(private readonly ctx: DbContext) {}

  /** Throws UniqueViolation('api_tokens.token_hash') on a hash collision. */
  async insert(token: ApiToken): Promise<void> {
    await translateUnique(() =>
      this.ctx
        .executor()
        .insertInto('api_tokens')
        .values({
          id: token.id,
          user_id: token.userId,
          name: token.name,
          token_hash: token.tokenHash,
          kind: token.kind,
          created_at: isoTime(token.createdAt),
          expires_at: isoTimeOrNull(token.expiresAt),
          last_used_at: isoTimeOrNull(token.lastUsedAt),
          revoked_at: isoTimeOrNull(token.revokedAt),
        })
        .execute(),
    );
  }

  async findByHash(tokenHash: string): Promise<ApiToken | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toApiToken(row) : null;
  }

  async findById(id: string): Promise<ApiToken | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toApiToken(row) : null;
  }

  async listByUser(
    userId: string,
    filter: { kind?: ApiToken['kind']; unrevoked?: true } = {},
  ): Promise<ApiToken[]> {
    let query = this.ctx.executor().selectFrom('api_tokens').selectAll().where('user_id', '=', userId);
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.unrevoked) query = query.where('revoked_at', 'is', null);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toApiToken);
  }

  /** Revokes once: a second call keeps the first revocation time. */
  async revoke(id: string, at: string): Promise<void> {
    await this.ctx
      .executor()
      .updateTable('api_tokens')
      .set({ revoked_at: isoTime(at) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeSessions(userId: string, at: string, exceptId?: string): Promise<number> {
    let query = this.ctx
      .executor()
      .updateTable('api_tokens')
      .set({ revoked_at: isoTime(at) })
      .where('user_id', '=', userId)
      .where('kind', '=', 'session')
      .where('revoked_at', 'is', null);
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** One conditional UPDATE: concurrent requests with the same token write at most once per interval. */
  async touchIfStale(id: string, at: string, staleBefore: string): Promise<void> {
    await this.ctx
      .executor()
      .updateTable('api_tokens')
      .set({ last_used_at: isoTime(at) })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', isoTime(staleBefore))]))
      .execute();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.ctx
      .executor()
      .updateTable('api_tokens')
      .set({ last_used_at: isoTime(at) })
      .where('id', '=', id)
      .execute();
  }

  /** Deletes tokens that expired before `before`; tokens without expiry stay. */
  async deleteExpired(before: string): Promise<number> {
    const result = await this.ctx
      .executor()
      .deleteFrom('api_tokens')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<', isoTime(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
