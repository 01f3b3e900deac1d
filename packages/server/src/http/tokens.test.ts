import { randomUUID } from 'node:crypto';
import { createGureumClient, isApiError } from '@gureum/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../services/auth.service.js';
import { ManualClock } from '../tasks/testing.js';
import {
  addUser,
  expectProblem,
  MEMBER_PASSWORD,
  startHarness,
  type Harness,
} from '../testing/app-harness.js';

// Named API tokens and the self-service password change through the real server (startServer) over in-memory
// SQLite (real adapter) and the FakeHypervisor (fake), with a manual clock (expiry, lastUsedAt).
const clock = new ManualClock(new Date().toISOString());
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ overrides: { clock } });
});
afterAll(async () => {
  await h.close();
});

interface TokenJson {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

async function login(username: string, password: string): Promise<string> {
  const res = await h.request('POST', '/auth/login', { token: null, body: { username, password } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ token: string }>().token;
}

async function freshUser(
  role: 'member' | 'viewer' = 'member',
): Promise<{ id: string; username: string; token: string }> {
  const user = await addUser(h.db, `u-${randomUUID().slice(0, 8)}`, role);
  return { id: user.id, username: user.username, token: await login(user.username, MEMBER_PASSWORD) };
}

async function createToken(
  token: string,
  body: Record<string, unknown>,
): Promise<TokenJson & { token: string }> {
  const res = await h.request('POST', '/tokens', { token, body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<TokenJson & { token: string }>();
}

async function listTokens(token: string): Promise<TokenJson[]> {
  const res = await h.request('GET', '/tokens', { token });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: TokenJson[] }>().items;
}

/** Tokens' rows but `last_used_at` (authenticating a request may record it). */
async function tokenRows(): Promise<unknown> {
  return h.db.kysely
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'name', 'token_hash', 'kind', 'created_at', 'expires_at', 'revoked_at'])
    .orderBy('id')
    .execute();
}

describe('POST /tokens', () => {
  it('returns the secret once; only its sha256 is stored; it authenticates as its owner', async () => {
    const u = await freshUser();
    const expiresAt = new Date(clock.now().getTime() + 86_400_000).toISOString();
    const created = await createToken(u.token, { name: 'ci', expiresAt });
    expect(created).toEqual({
      id: expect.any(String) as unknown,
      name: 'ci',
      token: expect.stringMatching(/^gur_/) as unknown,
      expiresAt,
    });
    const row = await h.db.tokens.findById(created.id);
    expect(row).toMatchObject({ kind: 'api', userId: u.id, tokenHash: hashToken(created.token) });
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect((await h.request('GET', '/me', { token: created.token })).json()).toMatchObject({ id: u.id });
  });

  it('without expiresAt the token does not expire', async () => {
    const u = await freshUser();
    const created = await createToken(u.token, { name: 'forever' });
    expect(created.expiresAt).toBeNull();
  });

  it('normalises an expiresAt with an offset to UTC', async () => {
    const u = await freshUser();
    const created = await createToken(u.token, { name: 'offset', expiresAt: '2999-06-01T12:00:00+02:00' });
    expect(created.expiresAt).toBe('2999-06-01T10:00:00.000Z');
  });
});

describe('GET /tokens', () => {
  it('lists the caller’s named tokens only: never a secret, a hash, a session or someone else’s', async () => {
    const u = await freshUser();
    const other = await freshUser();
    const a = await createToken(u.token, { name: 'a' });
    const b = await createToken(u.token, { name: 'b', expiresAt: '2999-01-01T00:00:00.000Z' });
    await createToken(other.token, { name: 'theirs' });
    const listed = await listTokens(u.token);
    // Ordered by creation time, then id: two tokens made within one millisecond may come in either order.
    expect(listed.map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
    expect(listed.find((t) => t.id === b.id)).toEqual({
      id: b.id,
      name: 'b',
      createdAt: expect.any(String) as unknown,
      expiresAt: '2999-01-01T00:00:00.000Z',
      lastUsedAt: null,
    });
    const text = JSON.stringify(listed);
    for (const secret of [a.token, b.token, u.token, hashToken(a.token), hashToken(u.token)])
      expect(text).not.toContain(secret);
    expect(text).not.toContain('session');
  });

  it('records lastUsedAt at most once a minute per token, not a write per request', async () => {
    const u = await freshUser();
    const created = await createToken(u.token, { name: 'used' });
    const lastUsed = async () => (await h.db.tokens.findById(created.id))?.lastUsedAt ?? null;
    expect(await lastUsed()).toBeNull();
    await h.request('GET', '/me', { token: created.token });
    const first = await lastUsed();
    expect(first).toBe(clock.now().toISOString());
    clock.advance(30_000);
    for (let i = 0; i < 5; i++) await h.request('GET', '/me', { token: created.token });
    expect(await lastUsed()).toBe(first);
    clock.advance(31_000);
    await h.request('GET', '/me', { token: created.token });
    expect(await lastUsed()).toBe(clock.now().toISOString());
    expect((await listTokens(u.token)).find((t) => t.id === created.id)?.lastUsedAt).toBe(await lastUsed());
  });
});

describe('DELETE /tokens/{id}', () => {
  it('revokes: the token answers 401 afterwards and leaves the list; a second delete is 404', async () => {
    const u = await freshUser();
    const created = await createToken(u.token, { name: 'gone' });
    expect((await h.request('DELETE', `/tokens/${created.id}`, { token: u.token })).statusCode).toBe(204);
    expectProblem(await h.request('GET', '/me', { token: created.token }), 401, 'UNAUTHENTICATED');
    expect((await listTokens(u.token)).map((t) => t.id)).not.toContain(created.id);
    expectProblem(
      await h.request('DELETE', `/tokens/${created.id}`, { token: u.token }),
      404,
      'TOKEN_NOT_FOUND',
    );
  });

  it('someone else’s token, a session or an unknown id is 404 TOKEN_NOT_FOUND, and stays usable', async () => {
    const u = await freshUser();
    const other = await freshUser();
    const theirs = await createToken(other.token, { name: 'theirs' });
    const session = await h.db.tokens.findByHash(hashToken(other.token));
    const before = await tokenRows();
    for (const id of [theirs.id, session?.id ?? 'x', randomUUID()]) {
      expectProblem(await h.request('DELETE', `/tokens/${id}`, { token: u.token }), 404, 'TOKEN_NOT_FOUND');
      // Not even an admin revokes someone else's token here.
      expectProblem(await h.request('DELETE', `/tokens/${id}`), 404, 'TOKEN_NOT_FOUND');
    }
    expect(await tokenRows()).toEqual(before);
    expect((await h.request('GET', '/me', { token: theirs.token })).statusCode).toBe(200);
  });
});

describe('expiry', () => {
  it('an expired token answers 401 TOKEN_EXPIRED', async () => {
    const u = await freshUser();
    const created = await createToken(u.token, {
      name: 'short',
      expiresAt: new Date(clock.now().getTime() + 60_000).toISOString(),
    });
    expect((await h.request('GET', '/me', { token: created.token })).statusCode).toBe(200);
    clock.advance(60_000);
    expectProblem(await h.request('GET', '/me', { token: created.token }), 401, 'TOKEN_EXPIRED');
    // Still listed (so it can be seen and removed) until revoked.
    expect((await listTokens(u.token)).map((t) => t.id)).toContain(created.id);
  });
});

describe('POST /me/password', () => {
  it('needs the current password; ends the caller’s other sessions, keeps this one and the API tokens', async () => {
    const u = await freshUser();
    const other = await login(u.username, MEMBER_PASSWORD);
    const api = await createToken(other, { name: 'kept' });
    const res = await h.request('POST', '/me/password', {
      token: u.token,
      body: { currentPassword: MEMBER_PASSWORD, newPassword: 'a-new-password' },
    });
    expect(res.statusCode).toBe(204);
    expect((await h.request('GET', '/me', { token: u.token })).statusCode).toBe(200);
    expectProblem(await h.request('GET', '/me', { token: other }), 401, 'UNAUTHENTICATED');
    expect((await h.request('GET', '/me', { token: api.token })).statusCode).toBe(200);
    expectProblem(
      await h.request('POST', '/auth/login', {
        token: null,
        body: { username: u.username, password: MEMBER_PASSWORD },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    await login(u.username, 'a-new-password');
    await h.server.audit.flush();
    const rows = JSON.stringify(await h.db.kysely.selectFrom('audit_events').selectAll().execute());
    expect(rows).toContain('auth.change-password');
    expect(rows).not.toContain('a-new-password');
    expect(rows).not.toContain(MEMBER_PASSWORD);
  });

  it('a wrong current password is 403 PASSWORD_INCORRECT: nothing changes, the session still works', async () => {
    const u = await freshUser();
    const other = await login(u.username, MEMBER_PASSWORD);
    const before = { users: await h.db.users.findById(u.id), tokens: await tokenRows() };
    const res = await h.request('POST', '/me/password', {
      token: u.token,
      body: { currentPassword: 'not-my-password', newPassword: 'a-new-password' },
    });
    expectProblem(res, 403, 'PASSWORD_INCORRECT');
    expect({ users: await h.db.users.findById(u.id), tokens: await tokenRows() }).toEqual(before);
    expect((await h.request('GET', '/me', { token: other })).statusCode).toBe(200);
  });

  it('viewers may change their own password', async () => {
    const v = await freshUser('viewer');
    const res = await h.request('POST', '/me/password', {
      token: v.token,
      body: { currentPassword: MEMBER_PASSWORD, newPassword: 'viewer-new-password' },
    });
    expect(res.statusCode).toBe(204);
  });

  it('a deleted user’s token cannot change anything', async () => {
    const u = await freshUser();
    expect((await h.request('DELETE', `/users/${u.id}`)).statusCode).toBe(204);
    expectProblem(
      await h.request('POST', '/me/password', {
        token: u.token,
        body: { currentPassword: MEMBER_PASSWORD, newPassword: 'a-new-password' },
      }),
      401,
      'UNAUTHENTICATED',
    );
    expectProblem(
      await h.request('POST', '/tokens', { token: u.token, body: { name: 'x' } }),
      401,
      'UNAUTHENTICATED',
    );
  });
});

describe('hostile input on the token and password routes', () => {
  type Row = [string, 'POST' | 'DELETE', string, unknown, number, string];
  const rows: Row[] = [
    [
      'expiresAt in the past',
      'POST',
      '/tokens',
      { name: 'old', expiresAt: '2000-01-01T00:00:00Z' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'expiresAt not a time',
      'POST',
      '/tokens',
      { name: 'x', expiresAt: 'tomorrow' },
      400,
      'VALIDATION_FAILED',
    ],
    ['expiresAt as a number', 'POST', '/tokens', { name: 'x', expiresAt: 1e12 }, 400, 'VALIDATION_FAILED'],
    ['name with a slash', 'POST', '/tokens', { name: 'a/b' }, 400, 'VALIDATION_FAILED'],
    ['name in upper case', 'POST', '/tokens', { name: 'CI' }, 400, 'VALIDATION_FAILED'],
    ['name of 100 chars', 'POST', '/tokens', { name: 'a'.repeat(100) }, 400, 'VALIDATION_FAILED'],
    ['no name', 'POST', '/tokens', {}, 400, 'VALIDATION_FAILED'],
    ['unknown field', 'POST', '/tokens', { name: 'x', userId: 'someone' }, 400, 'VALIDATION_FAILED'],
    ['a chosen secret', 'POST', '/tokens', { name: 'x', token: 'gur_mine' }, 400, 'VALIDATION_FAILED'],
    ['delete an id like a path', 'DELETE', '/tokens/..%2F..', undefined, 400, 'VALIDATION_FAILED'],
    ['delete an id of 65 chars', 'DELETE', `/tokens/${'a'.repeat(65)}`, undefined, 400, 'VALIDATION_FAILED'],
    [
      'short new password',
      'POST',
      '/me/password',
      { currentPassword: MEMBER_PASSWORD, newPassword: 'short' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'no current password',
      'POST',
      '/me/password',
      { newPassword: 'a-new-password' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'unknown field',
      'POST',
      '/me/password',
      { currentPassword: MEMBER_PASSWORD, newPassword: 'a-new-password', userId: 'x' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'password as a number',
      'POST',
      '/me/password',
      { currentPassword: MEMBER_PASSWORD, newPassword: 12345678 },
      400,
      'VALIDATION_FAILED',
    ],
  ];

  it.each(rows)(
    '%s → 4xx problem, users and tokens unchanged',
    async (_label, method, path, body, status, code) => {
      const u = await freshUser();
      const before = {
        users: await h.db.kysely.selectFrom('users').selectAll().orderBy('id').execute(),
        tokens: await tokenRows(),
      };
      const res = await h.request(method, path, { token: u.token, ...(body === undefined ? {} : { body }) });
      const problem = expectProblem(res, status, code);
      if (_label === 'expiresAt in the past')
        expect(problem.errors).toEqual([{ path: '/body/expiresAt', message: 'must be in the future' }]);
      expect({
        users: await h.db.kysely.selectFrom('users').selectAll().orderBy('id').execute(),
        tokens: await tokenRows(),
      }).toEqual(before);
    },
  );

  it('an oversized body → 413, nothing created', async () => {
    const u = await freshUser();
    const before = await tokenRows();
    const res = await h.request('POST', '/tokens', {
      token: u.token,
      body: { name: 'x', pad: 'p'.repeat(2 * 1024 * 1024) },
    });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await tokenRows()).toEqual(before);
  });
});

describe('through the typed client (@gureum/client over real HTTP)', () => {
  it('creates a user, who manages its tokens and changes its password', async () => {
    const admin = h.client;
    const username = `cl-${randomUUID().slice(0, 8)}`;
    const user = await admin.createUser({ username, password: 'client-password', role: 'member' });
    expect(await admin.getUser({ id: user.id })).toEqual(user);
    const anonymous = createGureumClient({ baseUrl: h.url });
    const { token } = await anonymous.login({ username, password: 'client-password' });
    const client = createGureumClient({ baseUrl: h.url, token });
    const created = await client.createToken({ name: 'from-client' });
    expect((await client.listTokens()).items.map((t) => t.id)).toEqual([created.id]);
    await client.deleteToken({ id: created.id });
    expect((await client.listTokens()).items).toEqual([]);
    await client.changeMyPassword({ currentPassword: 'client-password', newPassword: 'client-password-2' });
    const wrong = await client
      .changeMyPassword({ currentPassword: 'client-password', newPassword: 'client-password-3' })
      .catch((err: unknown) => err);
    expect(isApiError(wrong, 'PASSWORD_INCORRECT')).toBe(true);
    const updated = await admin.updateUser({ id: user.id, role: 'viewer' });
    expect(updated.role).toBe('viewer');
    await admin.deleteUser({ id: user.id });
    const gone = await admin.getUser({ id: user.id }).catch((err: unknown) => err);
    expect(isApiError(gone, 'USER_NOT_FOUND')).toBe(true);
  });
});
