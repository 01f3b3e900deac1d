import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UniqueViolation } from '../../ports/repositories.js';
import { at, aUser, DIALECTS, useTestDatabase } from './testing.js';
import type { ApiToken } from '../../domain/model.js';

// Real databases on both dialects (SQLite in memory, PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`users and tokens (${dialect})`, () => {
    const t = useTestDatabase(dialect);

    it('inserts, finds, lists, counts, updates and deletes users', async () => {
      const { users } = t.db;
      expect(await users.count()).toBe(0);
      const bob = aUser({ username: 'bob', role: 'admin' });
      const alice = aUser({ username: 'alice' });
      await users.insert(bob);
      await users.insert(alice);
      expect(await users.count()).toBe(2);
      expect(await users.findById(bob.id)).toEqual(bob);
      expect(await users.findByUsername('alice')).toEqual(alice);
      expect(await users.findByUsername('nobody')).toBeNull();
      expect(await users.findById(randomUUID())).toBeNull();
      expect((await users.list()).map((u) => u.username)).toEqual(['alice', 'bob']);

      await users.update(alice.id, { role: 'viewer', passwordHash: 'scrypt$y', updatedAt: at(5) });
      expect(await users.findById(alice.id)).toEqual({
        ...alice,
        role: 'viewer',
        passwordHash: 'scrypt$y',
        updatedAt: at(5),
      });
      await users.update(alice.id, {});
      await users.delete(alice.id);
      expect(await users.findById(alice.id)).toBeNull();
      expect(await users.count()).toBe(1);
    });

    it('reports a taken username as UniqueViolation(users.username)', async () => {
      await t.db.users.insert(aUser({ username: 'carol' }));
      const err: unknown = await t.db.users.insert(aUser({ username: 'carol' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueViolation);
      expect(err).toMatchObject({ constraint: 'users.username' });
    });

    it('reports a duplicate id as UniqueViolation(users.id)', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      await expect(t.db.users.insert({ ...user, username: 'other' })).rejects.toMatchObject({
        name: 'UniqueViolation',
        constraint: 'users.id',
      });
    });

    it('locks a user row for update (and says whether it exists)', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      await expect(t.db.transaction((repos) => repos.users.lockForUpdate(user.id))).resolves.toBe(true);
      await expect(t.db.transaction((repos) => repos.users.lockForUpdate(randomUUID()))).resolves.toBe(false);
    });

    function aToken(userId: string, overrides: Partial<ApiToken> = {}): ApiToken {
      return {
        id: randomUUID(),
        userId,
        name: 'ci',
        tokenHash: randomUUID().replaceAll('-', ''),
        kind: 'api',
        createdAt: at(0),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        ...overrides,
      };
    }

    it('stores tokens by hash, lists them per user, touches and revokes them', async () => {
      const user = aUser();
      const other = aUser();
      await t.db.users.insert(user);
      await t.db.users.insert(other);
      const first = aToken(user.id, { createdAt: at(1), kind: 'session', expiresAt: at(100) });
      const second = aToken(user.id, { createdAt: at(2) });
      await t.db.tokens.insert(second);
      await t.db.tokens.insert(first);
      await t.db.tokens.insert(aToken(other.id));

      expect(await t.db.tokens.findByHash(first.tokenHash)).toEqual(first);
      expect(await t.db.tokens.findByHash('nope')).toBeNull();
      expect((await t.db.tokens.listByUser(user.id)).map((k) => k.id)).toEqual([first.id, second.id]);

      await t.db.tokens.touch(first.id, at(10));
      await t.db.tokens.revoke(first.id, at(20));
      await t.db.tokens.revoke(first.id, at(30));
      expect(await t.db.tokens.findByHash(first.tokenHash)).toEqual({
        ...first,
        lastUsedAt: at(10),
        revokedAt: at(20),
      });
    });

    it('rejects a duplicate token hash as UniqueViolation(api_tokens.token_hash)', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const token = aToken(user.id);
      await t.db.tokens.insert(token);
      await expect(t.db.tokens.insert(aToken(user.id, { tokenHash: token.tokenHash }))).rejects.toMatchObject(
        { constraint: 'api_tokens.token_hash' },
      );
    });

    it('deletes expired tokens only, and a user deletion takes its tokens along', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const expired = aToken(user.id, { expiresAt: at(10) });
      const live = aToken(user.id, { expiresAt: at(1000) });
      const forever = aToken(user.id);
      for (const token of [expired, live, forever]) await t.db.tokens.insert(token);
      expect(await t.db.tokens.deleteExpired(at(10))).toBe(0);
      expect(await t.db.tokens.deleteExpired(at(11))).toBe(1);
      expect((await t.db.tokens.listByUser(user.id)).map((k) => k.id).sort()).toEqual(
        [live.id, forever.id].sort(),
      );

      await t.db.users.delete(user.id);
      expect(await t.db.tokens.findByHash(live.tokenHash)).toBeNull();
    });
  });
}
