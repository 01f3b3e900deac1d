import type { Selectable } from 'kysely';
import type { AuditOutcome, AuditRecord } from '../../domain/model.js';
import type { AuditListFilter, AuditLog, Page } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { translateUnique } from './errors.js';
import { decodeCursor, fromJson, isoTime, pageSize, toJson, toPage } from './mapping.js';
import type { AuditEventsTable } from './schema.js';

export function toAuditRecord(row: Selectable<AuditEventsTable>): AuditRecord {
  const details = fromJson(row.details);
  return {
    id: row.id,
    time: row.time,
    actorId: row.actor_id,
    action: row.action,
    resourceKind: row.resource_kind,
    resourceId: row.resource_id,
    ownerId: row.owner_id,
    outcome: row.outcome as AuditOutcome,
    status: row.status,
    requestId: row.request_id,
    sourceAddress: row.source_address,
    // Written only from a plain object by `append`.
    details: typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : null,
  };
}

/** The audit log over Kysely: inserts and keyset pages, newest first. The table refuses updates and deletes. */
export class KyselyAuditLog implements AuditLog {
  constructor(private readonly ctx: DbContext) {}

  async append(record: AuditRecord): Promise<void> {
    await translateUnique(() =>
      this.ctx
        .executor()
        .insertInto('audit_events')
        .values({
          id: record.id,
          time: isoTime(record.time),
          actor_id: record.actorId,
          action: record.action,
          resource_kind: record.resourceKind,
          resource_id: record.resourceId,
          owner_id: record.ownerId,
          outcome: record.outcome,
          status: record.status,
          request_id: record.requestId,
          source_address: record.sourceAddress,
          details: record.details === null ? null : toJson(record.details),
        })
        .execute(),
    );
  }

  async list(filter: AuditListFilter): Promise<Page<AuditRecord>> {
    const limit = pageSize(filter.limit);
    let query = this.ctx.executor().selectFrom('audit_events').selectAll();
    const { visibleTo } = filter;
    if (visibleTo !== undefined)
      query = query.where((eb) => eb.or([eb('actor_id', '=', visibleTo), eb('owner_id', '=', visibleTo)]));
    if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
    if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
    if (filter.since !== undefined) query = query.where('time', '>=', isoTime(filter.since));
    if (filter.cursor !== undefined) {
      const [time, id] = decodeCursor(filter.cursor, ['string', 'string']);
      query = query.where((eb) => eb(eb.refTuple('time', 'id'), '<', eb.tuple(time, id)));
    }
    const rows = await query
      .orderBy('time', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toAuditRecord, (row) => [row.time, row.id]);
  }
}
