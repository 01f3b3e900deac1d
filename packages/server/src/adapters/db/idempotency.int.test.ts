import { describe, expect, it } from 'vitest';
import type { IdempotencyRecord } from '../../ports/repositories.js';
import { at, DIALECTS, useTestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`idempotency keys (${dialect})`, () => {
    const t = useTestDatabase(dialect);

    const aRecord = (overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
      key: 'k-1',
      userId: 'u-1',
      requestHash: 'h-1',
      status: 202,
      body: { task: { id: 't-1', status: 'queued' } },
      createdAt: at(0),
      ...overrides,
    });

    it('stores the first record and hands it back to later ones', async () => {
      const first = aRecord();
      expect(await t.db.idempotency.putIfAbsent(first)).toBeNull();
      expect(
        await t.db.idempotency.putIfAbsent(
          aRecord({ requestHash: 'h-2', status: 201, body: 'other', createdAt: at(5) }),
        ),
      ).toEqual(first);
      expect(await t.db.idempotency.find('k-1', 'u-1')).toEqual(first);
      expect(await t.db.idempotency.find('k-1', 'u-2')).toBeNull();
    });

    it('completes an in-progress record and removes a failed one', async () => {
      await t.db.idempotency.putIfAbsent(aRecord({ status: 0, body: null }));
      await t.db.idempotency.complete('k-1', 'u-1', { status: 202, body: { task: { id: 't-9' } } });
      expect(await t.db.idempotency.find('k-1', 'u-1')).toMatchObject({
        status: 202,
        body: { task: { id: 't-9' } },
      });
      await t.db.idempotency.remove('k-1', 'u-1');
      expect(await t.db.idempotency.find('k-1', 'u-1')).toBeNull();
    });

    it('scopes keys per user', async () => {
      expect(await t.db.idempotency.putIfAbsent(aRecord({ userId: 'u-1' }))).toBeNull();
      expect(await t.db.idempotency.putIfAbsent(aRecord({ userId: 'u-2', body: null }))).toBeNull();
      expect(await t.db.idempotency.find('k-1', 'u-2')).toEqual(aRecord({ userId: 'u-2', body: null }));
    });

    it('of 10 concurrent puts, one is stored and the others get it back', async () => {
      const records = Array.from({ length: 10 }, (_, i) => aRecord({ requestHash: `h-${i}`, body: { i } }));
      const results = await Promise.all(records.map((r) => t.db.idempotency.putIfAbsent(r)));
      const storedIndex = results.indexOf(null);
      expect(results.filter((r) => r === null)).toHaveLength(1);
      const stored = records[storedIndex];
      for (const result of results) if (result !== null) expect(result).toEqual(stored);
      expect(await t.db.idempotency.find('k-1', 'u-1')).toEqual(stored);
    });

    it('does not break a surrounding transaction on conflict', async () => {
      await t.db.idempotency.putIfAbsent(aRecord());
      const again = await t.db.transaction(async (repos) => {
        const existing = await repos.idempotency.putIfAbsent(aRecord({ body: 'second' }));
        await repos.idempotency.putIfAbsent(aRecord({ key: 'k-2' }));
        return existing;
      });
      expect(again).toEqual(aRecord());
      expect(await t.db.idempotency.find('k-2', 'u-1')).not.toBeNull();
    });

    it('deletes records older than a cut-off', async () => {
      await t.db.idempotency.putIfAbsent(aRecord({ key: 'old', createdAt: at(0) }));
      await t.db.idempotency.putIfAbsent(aRecord({ key: 'new', createdAt: at(100) }));
      expect(await t.db.idempotency.deleteOlderThan(at(0))).toBe(0);
      expect(await t.db.idempotency.deleteOlderThan(at(50))).toBe(1);
      expect(await t.db.idempotency.find('old', 'u-1')).toBeNull();
      expect(await t.db.idempotency.find('new', 'u-1')).not.toBeNull();
    });
  });
}
