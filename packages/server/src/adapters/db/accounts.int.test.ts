import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApiToken } from '../../domain/model.js';
import { anImage, at, aUser, aVm, DIALECTS, useTestDatabase } from './testing.js';

// The repository methods behind users and tokens management, on real databases of both dialects (SQLite in memory,
// PostgreSQL in a throw-away database); no fakes.
for (const dialect of DIALECTS) {
  describe(`accounts repositories (${dialect})`, () => {
    const t = useTestDatabase(dialect);

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

    it('pages users by username (byte order), filtered by role, with an opaque cursor', async () => {
      const names = ['zed', 'Bob', 'alice', 'bob', 'carol', 'a.b', 'a-b'];
      for (const [i, username] of names.entries())
        await t.db.users.insert(aUser({ username, role: i % 2 === 0 ? 'member' : 'viewer' }));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await t.db.users.listPage({ limit: 3, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((u) => u.username));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen).toEqual([...names].sort());

      const viewers = await t.db.users.listPage({ limit: 100, role: 'viewer' });
      expect(viewers.items.map((u) => u.username)).toEqual(['Bob', 'a.b', 'bob']);
      expect(viewers.nextCursor).toBeNull();
      await expect(t.db.users.listPage({ limit: 10, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });

    it('counts the VMs and images a user owns', async () => {
      const owner = aUser();
      const other = aUser();
      await t.db.users.insert(owner);
      await t.db.users.insert(other);
      expect(await t.db.users.countOwned(owner.id)).toEqual({ vms: 0, images: 0 });
      await t.db.vms.insert(aVm(owner.id));
      await t.db.vms.insert(aVm(owner.id));
      await t.db.vms.insert(aVm(other.id));
      await t.db.images.insert(anImage(owner.id));
      expect(await t.db.users.countOwned(owner.id)).toEqual({ vms: 2, images: 1 });
      expect(await t.db.users.countOwned(other.id)).toEqual({ vms: 1, images: 0 });
    });

    it('lockAdmins returns the admins inside a transaction', async () => {
      const a = aUser({ role: 'admin' });
      const b = aUser({ role: 'admin' });
      await t.db.users.insert(a);
      await t.db.users.insert(b);
      await t.db.users.insert(aUser({ role: 'member' }));
      const ids = await t.db.transaction((repos) => repos.users.lockAdmins());
      expect(ids).toEqual([a.id, b.id].sort());
    });

    // PostgreSQL: the row locks make the second wait; SQLite: its write transactions run one at a time.
    it('lockAdmins makes a second transaction wait and then see the first one’s demotion', async () => {
      const a = aUser({ role: 'admin' });
      const b = aUser({ role: 'admin' });
      await t.db.users.insert(a);
      await t.db.users.insert(b);
      let releaseFirst = (): void => undefined;
      const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
      let firstLocked = (): void => undefined;
      const locked = new Promise<void>((resolve) => (firstLocked = resolve));
      const first = t.db.transaction(async (repos) => {
        expect(await repos.users.lockAdmins()).toHaveLength(2);
        await repos.users.update(a.id, { role: 'member' });
        firstLocked();
        await firstHolds;
      });
      await locked;
      let secondSaw: string[] | null = null;
      const second = t.db.transaction(async (repos) => {
        secondSaw = await repos.users.lockAdmins();
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(secondSaw).toBeNull(); // still waiting for the first transaction's locks
      releaseFirst();
      await Promise.all([first, second]);
      expect(secondSaw).toEqual([b.id]);
    });

    it('finds tokens by id and lists a user’s by kind, without revoked ones on request', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const api = aToken(user.id, { createdAt: at(1) });
      const revoked = aToken(user.id, { createdAt: at(2), revokedAt: at(3) });
      const session = aToken(user.id, { createdAt: at(3), kind: 'session', name: 'session' });
      for (const token of [session, revoked, api]) await t.db.tokens.insert(token);
      expect(await t.db.tokens.findById(api.id)).toEqual(api);
      expect(await t.db.tokens.findById(randomUUID())).toBeNull();
      const ids = async (filter?: Parameters<typeof t.db.tokens.listByUser>[1]) =>
        (await t.db.tokens.listByUser(user.id, filter)).map((k) => k.id);
      expect(await ids()).toEqual([api.id, revoked.id, session.id]);
      expect(await ids({ kind: 'api' })).toEqual([api.id, revoked.id]);
      expect(await ids({ kind: 'api', unrevoked: true })).toEqual([api.id]);
      expect(await ids({ kind: 'session' })).toEqual([session.id]);
    });

    it('revokes a user’s live sessions but one, never API tokens or other users’ sessions', async () => {
      const user = aUser();
      const other = aUser();
      await t.db.users.insert(user);
      await t.db.users.insert(other);
      const kept = aToken(user.id, { kind: 'session' });
      const gone = aToken(user.id, { kind: 'session' });
      const old = aToken(user.id, { kind: 'session', revokedAt: at(1) });
      const api = aToken(user.id);
      const others = aToken(other.id, { kind: 'session' });
      for (const token of [kept, gone, old, api, others]) await t.db.tokens.insert(token);
      expect(await t.db.tokens.revokeSessions(user.id, at(10), kept.id)).toBe(1);
      const revokedAt = async (id: string) => (await t.db.tokens.findById(id))?.revokedAt;
      expect(await revokedAt(kept.id)).toBeNull();
      expect(await revokedAt(gone.id)).toBe(at(10));
      expect(await revokedAt(old.id)).toBe(at(1));
      expect(await revokedAt(api.id)).toBeNull();
      expect(await revokedAt(others.id)).toBeNull();
      expect(await t.db.tokens.revokeSessions(user.id, at(20))).toBe(1);
      expect(await revokedAt(kept.id)).toBe(at(20));
    });

    it('touchIfStale writes lastUsedAt only when it is unset or older than the cut-off', async () => {
      const user = aUser();
      await t.db.users.insert(user);
      const token = aToken(user.id);
      await t.db.tokens.insert(token);
      const lastUsed = async () => (await t.db.tokens.findById(token.id))?.lastUsedAt;
      await t.db.tokens.touchIfStale(token.id, at(100), at(40));
      expect(await lastUsed()).toBe(at(100));
      await t.db.tokens.touchIfStale(token.id, at(130), at(70));
      expect(await lastUsed()).toBe(at(100));
      await t.db.tokens.touchIfStale(token.id, at(160), at(100));
      expect(await lastUsed()).toBe(at(160));
    });
  });
}
