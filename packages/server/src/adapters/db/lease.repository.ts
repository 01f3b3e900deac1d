import type { LeaseStore } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { isoTime } from './mapping.js';

/**
 * Per-resource leases. A lease is live while `now < expires_at`; at or after its expiry anyone may take it.
 * Timestamps compare as text, which is time order because they are all canonical ISO-8601 (see `isoTime`).
 */
export class KyselyLeaseStore implements LeaseStore {
  constructor(private readonly ctx: DbContext) {}

  /**
   * One atomic statement on both dialects: insert, or take over the existing row only when it has expired or is
   * already ours (re-acquiring extends it). The row comes back only when the write happened, so concurrent acquirers
   * cannot both win: PostgreSQL locks the conflicting row and re-checks the WHERE; SQLite runs one writer at a time.
   */
  async acquire(resourceKey: string, holder: string, expiresAt: string, now: string): Promise<boolean> {
    const nowIso = isoTime(now);
    const row = await this.ctx
      .executor()
      .insertInto('leases')
      .values({ resource_key: resourceKey, holder, expires_at: isoTime(expiresAt) })
      .onConflict((oc) =>
        oc
          .column('resource_key')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where((eb) =>
            eb.or([
              eb('leases.expires_at', '<=', nowIso),
              eb('leases.holder', '=', eb.ref('excluded.holder')),
            ]),
          ),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }

  /** Extends our lease; false when it is not (or no longer) ours. */
  async renew(resourceKey: string, holder: string, expiresAt: string): Promise<boolean> {
    const result = await this.ctx
      .executor()
      .updateTable('leases')
      .set({ expires_at: isoTime(expiresAt) })
      .where('resource_key', '=', resourceKey)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Drops our lease; a lease someone else took over stays theirs. */
  async release(resourceKey: string, holder: string): Promise<void> {
    await this.ctx
      .executor()
      .deleteFrom('leases')
      .where('resource_key', '=', resourceKey)
      .where('holder', '=', holder)
      .execute();
  }

  async holderOf(resourceKey: string, now: string): Promise<string | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('leases')
      .select('holder')
      .where('resource_key', '=', resourceKey)
      .where('expires_at', '>', isoTime(now))
      .executeTakeFirst();
    return row?.holder ?? null;
  }
}
