import { describe, expect, it } from 'vitest';
import { at, DIALECTS, useTestDatabase } from './testing.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`leases (${dialect})`, () => {
    const t = useTestDatabase(dialect);

    it('acquires a free lease, refuses another holder while live, and lets the holder re-acquire', async () => {
      const { leases } = t.db;
      expect(await leases.holderOf('vm:1', at(0))).toBeNull();
      expect(await leases.acquire('vm:1', 'a', at(30), at(0))).toBe(true);
      expect(await leases.holderOf('vm:1', at(1))).toBe('a');
      expect(await leases.acquire('vm:1', 'b', at(40), at(29))).toBe(false);
      expect(await leases.holderOf('vm:1', at(29))).toBe('a');
      expect(await leases.acquire('vm:1', 'a', at(60), at(29))).toBe(true);
      expect(await leases.holderOf('vm:1', at(59))).toBe('a');
      // Other resources are independent.
      expect(await leases.acquire('vm:2', 'b', at(30), at(0))).toBe(true);
    });

    it('expires at expiresAt: then anyone may take it over', async () => {
      const { leases } = t.db;
      await leases.acquire('vm:1', 'a', at(10), at(0));
      expect(await leases.holderOf('vm:1', at(10))).toBeNull();
      expect(await leases.acquire('vm:1', 'b', at(40), at(10))).toBe(true);
      expect(await leases.holderOf('vm:1', at(11))).toBe('b');
      // The old holder can no longer renew or release it.
      expect(await leases.renew('vm:1', 'a', at(100))).toBe(false);
      await leases.release('vm:1', 'a');
      expect(await leases.holderOf('vm:1', at(11))).toBe('b');
    });

    it('renews only for the holder', async () => {
      const { leases } = t.db;
      await leases.acquire('vm:1', 'a', at(10), at(0));
      expect(await leases.renew('vm:1', 'a', at(20))).toBe(true);
      expect(await leases.holderOf('vm:1', at(15))).toBe('a');
      expect(await leases.renew('vm:1', 'b', at(99))).toBe(false);
      expect(await leases.renew('vm:9', 'a', at(99))).toBe(false);
      expect(await leases.holderOf('vm:1', at(20))).toBeNull();
    });

    it('releases only for the holder', async () => {
      const { leases } = t.db;
      await leases.acquire('vm:1', 'a', at(10), at(0));
      await leases.release('vm:1', 'b');
      expect(await leases.holderOf('vm:1', at(1))).toBe('a');
      await leases.release('vm:1', 'a');
      expect(await leases.holderOf('vm:1', at(1))).toBeNull();
      expect(await leases.acquire('vm:1', 'b', at(10), at(1))).toBe(true);
    });

    it('accepts non-canonical ISO timestamps and still compares them in time order', async () => {
      expect(await t.db.leases.acquire('vm:1', 'a', '2025-01-01T00:00:10Z', '2025-01-01T00:00:00Z')).toBe(
        true,
      );
      expect(await t.db.leases.holderOf('vm:1', '2025-01-01T00:00:09.5Z')).toBe('a');
      expect(await t.db.leases.holderOf('vm:1', '2025-01-01T01:00:09+01:00')).toBe('a');
      expect(await t.db.leases.holderOf('vm:1', '2025-01-01T01:00:10+01:00')).toBeNull();
    });

    it('of 10 concurrent acquirers of a free lease, exactly one wins', async () => {
      const holders = Array.from({ length: 10 }, (_, i) => `h${i}`);
      const results = await Promise.all(holders.map((h) => t.db.leases.acquire('vm:race', h, at(30), at(0))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = holders[results.indexOf(true)];
      expect(await t.db.leases.holderOf('vm:race', at(1))).toBe(winner);
    });

    it('of 10 concurrent acquirers of an expired lease, exactly one wins', async () => {
      await t.db.leases.acquire('vm:race', 'old', at(5), at(0));
      const holders = Array.from({ length: 10 }, (_, i) => `h${i}`);
      const results = await Promise.all(holders.map((h) => t.db.leases.acquire('vm:race', h, at(30), at(6))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await t.db.leases.holderOf('vm:race', at(7))).toBe(holders[results.indexOf(true)]);
    });
  });
}
