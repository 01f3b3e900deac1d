import { sql, type Kysely, type Selectable } from 'kysely';
import type { EventRecord } from '../../domain/model.js';
import type { EventLog } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { fromJson, isoTime, toJson } from './mapping.js';
import type { DB, EventsTable } from './schema.js';

/** Transaction-level advisory lock that orders appends on PostgreSQL ('GUREUM' in ASCII). */
const APPEND_LOCK_KEY = 0x47555245554d;

export function toEvent(row: Selectable<EventsTable>): EventRecord {
  return {
    id: row.id,
    type: row.type,
    time: row.time,
    resourceKind: row.resource_kind,
    resourceId: row.resource_id,
    ownerId: row.owner_id,
    data: fromJson(row.data),
  };
}

/**
 * The replayable event log. Readers page with `listAfter(lastSeenId)`, so an id must never become visible after a
 * larger one: on PostgreSQL two pooled connections could otherwise commit ids 7 and 8 in the order 8, 7 and a reader
 * between the two commits would skip 7 for ever. Each append therefore takes a transaction-level advisory lock,
 * held until its transaction commits (inside `transaction()`, until the surrounding one commits). SQLite has one
 * writer at a time already. Ids come from AUTOINCREMENT / an identity sequence and are never reused, even after trim.
 */
export class KyselyEventLog implements EventLog {
  constructor(private readonly ctx: DbContext) {}

  async append(event: Omit<EventRecord, 'id'>): Promise<EventRecord> {
    const executor = this.ctx.executor();
    if (this.ctx.dialect === 'sqlite') return this.#insert(executor, event);
    if (this.ctx.inTransaction()) return this.#lockAndInsert(executor, event);
    return executor.transaction().execute((trx) => this.#lockAndInsert(trx, event));
  }

  /** Events with id > `afterId`, oldest first. */
  async listAfter(afterId: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('events')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async bounds(): Promise<{ minId: number | null; maxId: number | null }> {
    const row = await this.ctx
      .executor()
      .selectFrom('events')
      .select((eb) => [eb.fn.min('id').as('minId'), eb.fn.max('id').as('maxId')])
      .executeTakeFirst();
    const toId = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
    return { minId: toId(row?.minId), maxId: toId(row?.maxId) };
  }

  /** Keeps the newest `keep` events (by id; ids may have gaps) and deletes the rest. */
  async trim(keep: number): Promise<number> {
    const keepCount = Math.max(0, Math.floor(keep));
    const executor = this.ctx.executor();
    const newestDropped = executor
      .selectFrom('events')
      .select('id')
      .orderBy('id', 'desc')
      .limit(1)
      .offset(keepCount);
    const result = await executor.deleteFrom('events').where('id', '<=', newestDropped).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #lockAndInsert(executor: Kysely<DB>, event: Omit<EventRecord, 'id'>): Promise<EventRecord> {
    await sql`select pg_advisory_xact_lock(${sql.lit(APPEND_LOCK_KEY)})`.execute(executor);
    return this.#insert(executor, event);
  }

  async #insert(executor: Kysely<DB>, event: Omit<EventRecord, 'id'>): Promise<EventRecord> {
    const row = await executor
      .insertInto('events')
      .values({
        type: event.type,
        time: isoTime(event.time),
        resource_kind: event.resourceKind,
        resource_id: event.resourceId,
        owner_id: event.ownerId,
        data: toJson(event.data),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEvent(row);
  }
}
