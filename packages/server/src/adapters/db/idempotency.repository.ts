import type { Selectable } from 'kysely';
import type { IdempotencyRecord, IdempotencyStore } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { fromJson, isoTime, toJson } from './mapping.js';
import type { IdempotencyKeysTable } from './schema.js';

export function toIdempotencyRecord(row: Selectable<IdempotencyKeysTable>): IdempotencyRecord {
  return {
    key: row.key,
    userId: row.user_id,
    requestHash: row.request_hash,
    status: row.status,
    body: fromJson(row.body),
    createdAt: row.created_at,
  };
}

/** Stored first responses of `Idempotency-Key` requests, per (key, user). */
export class KyselyIdempotencyStore implements IdempotencyStore {
  constructor(private readonly ctx: DbContext) {}

  /**
   * `INSERT … ON CONFLICT DO NOTHING` never raises, so it is safe inside a transaction on PostgreSQL (a failed
   * statement would abort it). When nothing was inserted the winner's row is read back: on PostgreSQL the insert
   * waited for the winner to commit, so the read sees it. Returns null when this record was stored.
   */
  async putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    const executor = this.ctx.executor();
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await executor
        .insertInto('idempotency_keys')
        .values({
          key: record.key,
          user_id: record.userId,
          request_hash: record.requestHash,
          status: record.status,
          body: toJson(record.body),
          created_at: isoTime(record.createdAt),
        })
        .onConflict((oc) => oc.columns(['key', 'user_id']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted !== undefined) return null;
      const existing = await this.find(record.key, record.userId);
      if (existing !== null) return existing;
      // The winner's row vanished between the two statements (deleteOlderThan): try again.
    }
    throw new Error(`idempotency key ${record.key} keeps conflicting without a readable row`);
  }

  async complete(key: string, userId: string, response: { status: number; body: unknown }): Promise<void> {
    await this.ctx
      .executor()
      .updateTable('idempotency_keys')
      .set({ status: response.status, body: toJson(response.body) })
      .where('key', '=', key)
      .where('user_id', '=', userId)
      .execute();
  }

  async remove(key: string, userId: string): Promise<void> {
    await this.ctx
      .executor()
      .deleteFrom('idempotency_keys')
      .where('key', '=', key)
      .where('user_id', '=', userId)
      .execute();
  }

  async find(key: string, userId: string): Promise<IdempotencyRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('key', '=', key)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? toIdempotencyRecord(row) : null;
  }

  async deleteOlderThan(before: string): Promise<number> {
    const result = await this.ctx
      .executor()
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', isoTime(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
