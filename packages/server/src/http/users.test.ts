import { randomUUID } from 'node:crypto';
import { BASE_PATH, operationIds, routes, type RouteInput } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUser,
  expectProblem,
  MEMBER_PASSWORD,
  startHarness,
  uploadImage,
  type Harness,
} from '../testing/app-harness.js';

// Users management (admin only) through the real server (startServer) over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake).
let h: Harness;
let viewerToken: string;
beforeAll(async () => {
  h = await startHarness();
  const viewer = await addUser(h.db, 'viewer-1', 'viewer');
  viewerToken = await login(viewer.username, MEMBER_PASSWORD);
});
afterAll(async () => {
  await h.close();
});

interface UserJson {
  id: string;
  username: string;
  role: string;
  createdAt: string;
}

async function login(username: string, password: string): Promise<string> {
  const res = await h.request('POST', '/auth/login', { token: null, body: { username, password } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ token: string }>().token;
}

async function createUser(
  username: string,
  role = 'member',
  password = 'a-long-password',
): Promise<UserJson> {
  const res = await h.request('POST', '/users', { body: { username, password, role } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<UserJson>();
}

/** The rows of users and tokens, but `last_used_at` (authenticating a request may record it). */
async function accountTables(): Promise<unknown> {
  const k = h.db.kysely;
  return {
    users: await k.selectFrom('users').selectAll().orderBy('id').execute(),
    tokens: await k
      .selectFrom('api_tokens')
      .select(['id', 'user_id', 'name', 'token_hash', 'kind', 'created_at', 'expires_at', 'revoked_at'])
      .orderBy('id')
      .execute(),
  };
}

describe('admin CRUD', () => {
  it('creates a user (201, no secret in the reply) who can then log in with its role', async () => {
    const res = await h.request('POST', '/users', {
      body: { username: 'alice', password: 'alice-password', role: 'member' },
    });
    expect(res.statusCode).toBe(201);
    const alice = res.json<UserJson>();
    expect(alice).toEqual({
      id: expect.any(String) as unknown,
      username: 'alice',
      role: 'member',
      createdAt: expect.any(String) as unknown,
    });
    expect(res.body).not.toMatch(/password|hash|scrypt/i);
    const token = await login('alice', 'alice-password');
    expect((await h.request('GET', '/me', { token })).json()).toEqual(alice);
    expect((await h.request('GET', `/users/${alice.id}`)).json()).toEqual(alice);
  });

  it('lists users by username in pages, filtered by role', async () => {
    for (const name of ['list-c', 'list-a', 'list-b']) await createUser(name, 'viewer');
    const seen: UserJson[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.request('GET', '/users', {
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: UserJson[]; nextCursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    const names = seen.map((u) => u.username);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['admin', 'member', 'list-a', 'list-b', 'list-c']));
    expect(JSON.stringify(seen)).not.toMatch(/scrypt|passwordHash/);
    const viewers = await h.request('GET', '/users', { query: { role: 'viewer' } });
    const viewerNames = viewers.json<{ items: UserJson[] }>().items.map((u) => u.username);
    expect(viewerNames).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'viewer-1']));
    expect(viewers.json<{ items: UserJson[] }>().items.every((u) => u.role === 'viewer')).toBe(true);
  });

  it('PATCH changes the role at once (the next request of an existing token sees it)', async () => {
    const bob = await createUser('bob', 'member');
    const token = await login('bob', 'a-long-password');
    const res = await h.request('PATCH', `/users/${bob.id}`, { body: { role: 'admin' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: bob.id, role: 'admin' });
    // A promotion keeps the sessions: the same token is an admin now.
    expect((await h.request('GET', '/users', { token })).statusCode).toBe(200);
    expect((await h.request('PATCH', `/users/${bob.id}`, { body: { role: 'member' } })).statusCode).toBe(200);
    // A demotion ends them.
    expectProblem(await h.request('GET', '/me', { token }), 401, 'UNAUTHENTICATED');
  });

  it('PATCH password: the new one works, the old one not, the user’s sessions end but API tokens stay', async () => {
    const carol = await createUser('carol', 'member', 'old-password');
    const session = await login('carol', 'old-password');
    const api = await h.request('POST', '/tokens', { token: session, body: { name: 'ci' } });
    const apiToken = api.json<{ token: string }>().token;
    const res = await h.request('PATCH', `/users/${carol.id}`, { body: { password: 'new-password' } });
    expect(res.statusCode).toBe(200);
    expectProblem(await h.request('GET', '/me', { token: session }), 401, 'UNAUTHENTICATED');
    expect((await h.request('GET', '/me', { token: apiToken })).statusCode).toBe(200);
    expectProblem(
      await h.request('POST', '/auth/login', {
        token: null,
        body: { username: 'carol', password: 'old-password' },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    await login('carol', 'new-password');
  });

  it('an admin changing its own password keeps the session it used', async () => {
    const root = await createUser('root-2', 'admin', 'root-password');
    const used = await login('root-2', 'root-password');
    const other = await login('root-2', 'root-password');
    const res = await h.request('PATCH', `/users/${root.id}`, {
      token: used,
      body: { password: 'root-password-2' },
    });
    expect(res.statusCode).toBe(200);
    expect((await h.request('GET', '/me', { token: used })).statusCode).toBe(200);
    expectProblem(await h.request('GET', '/me', { token: other }), 401, 'UNAUTHENTICATED');
    expect((await h.request('DELETE', `/users/${root.id}`)).statusCode).toBe(204);
  });

  it('DELETE removes the user; its tokens answer 401 from then on', async () => {
    const dave = await createUser('dave');
    const session = await login('dave', 'a-long-password');
    const api = await h.request('POST', '/tokens', { token: session, body: { name: 'ci' } });
    const apiToken = api.json<{ token: string }>().token;
    expect((await h.request('DELETE', `/users/${dave.id}`)).statusCode).toBe(204);
    expectProblem(await h.request('GET', `/users/${dave.id}`), 404, 'USER_NOT_FOUND');
    expectProblem(await h.request('GET', '/me', { token: session }), 401, 'UNAUTHENTICATED');
    expectProblem(await h.request('GET', '/vms', { token: apiToken }), 401, 'UNAUTHENTICATED');
    expect(await h.db.tokens.listByUser(dave.id)).toEqual([]);
    expectProblem(await h.request('DELETE', `/users/${dave.id}`), 404, 'USER_NOT_FOUND');
  });

  it('DELETE of a user who owns VMs or images is 409 USER_OWNS_RESOURCES with the counts', async () => {
    const erin = await createUser('erin');
    const token = await login('erin', 'a-long-password');
    await uploadImage(h, { token });
    const before = await accountTables();
    const problem = expectProblem(await h.request('DELETE', `/users/${erin.id}`), 409, 'USER_OWNS_RESOURCES');
    expect(problem.detail).toContain('0 VMs and 1 image');
    expect(await accountTables()).toEqual(before);
  });
});

describe('the last admin', () => {
  it('cannot be demoted or deleted (409 USER_LAST_ADMIN), not even by itself', async () => {
    const admins = await h.request('GET', '/users', { query: { role: 'admin' } });
    const others = admins.json<{ items: UserJson[] }>().items.filter((u) => u.id !== h.admin.id);
    for (const u of others) await h.request('PATCH', `/users/${u.id}`, { body: { role: 'member' } });
    const before = await accountTables();
    expectProblem(
      await h.request('PATCH', `/users/${h.admin.id}`, { body: { role: 'member' } }),
      409,
      'USER_LAST_ADMIN',
    );
    expectProblem(await h.request('DELETE', `/users/${h.admin.id}`), 409, 'USER_LAST_ADMIN');
    expect(await accountTables()).toEqual(before);
  });

  it('of the two admins demoting each other at once, exactly one succeeds', async () => {
    const x = await createUser('admin-x', 'admin', 'x-password');
    const y = await createUser('admin-y', 'admin', 'y-password');
    // Straight through the repository (no sessions revoked): x and y are the only admins for this test.
    await h.db.users.update(h.admin.id, { role: 'member' });
    try {
      for (let round = 0; round < 3; round++) {
        const [xToken, yToken] = [await login('admin-x', 'x-password'), await login('admin-y', 'y-password')];
        const [a, b] = await Promise.all([
          h.request('PATCH', `/users/${y.id}`, { token: xToken, body: { role: 'viewer' } }),
          h.request('PATCH', `/users/${x.id}`, { token: yToken, body: { role: 'member' } }),
        ]);
        // The loser is refused by the last-admin check, or — when the winner's demotion ended its session before
        // its request was authenticated — by authentication.
        const statuses = [a.statusCode, b.statusCode];
        expect(
          statuses.filter((st) => st === 200),
          JSON.stringify(statuses),
        ).toHaveLength(1);
        const loser = a.statusCode === 200 ? b : a;
        if (loser.statusCode === 409) expectProblem(loser, 409, 'USER_LAST_ADMIN');
        else expectProblem(loser, 401, 'UNAUTHENTICATED');
        const admins = await h.db.users.listPage({ limit: 100, role: 'admin' });
        expect(admins.items.map((u) => u.username)).toEqual([a.statusCode === 200 ? 'admin-x' : 'admin-y']);
        await h.db.users.update(x.id, { role: 'admin' });
        await h.db.users.update(y.id, { role: 'admin' });
      }
    } finally {
      await h.db.users.update(h.admin.id, { role: 'admin' });
    }
  });
});

describe('concurrent creates', () => {
  it('ten creates of one username give exactly one 201 and nine 409 USERNAME_TAKEN', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.request('POST', '/users', {
          body: { username: 'race', password: 'race-password', role: 'member' },
        }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectProblem(r, 409, 'USERNAME_TAKEN');
    expect(
      (await h.db.users.listPage({ limit: 500 })).items.filter((u) => u.username === 'race'),
    ).toHaveLength(1);
  });

  it('Idempotency-Key: the same request replays the first 201; another body is 422', async () => {
    const key = randomUUID();
    const body = { username: 'idem', password: 'idem-password', role: 'viewer' };
    const headers = { 'idempotency-key': key };
    const first = await h.request('POST', '/users', { body, headers });
    const again = await h.request('POST', '/users', { body, headers });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    const before = await accountTables();
    expectProblem(
      await h.request('POST', '/users', { body: { ...body, password: 'other-password' }, headers }),
      422,
      'IDEMPOTENCY_KEY_MISMATCH',
    );
    expect(await accountTables()).toEqual(before);
    // The stored fingerprint is not a cheap hash of the password.
    const rows = await h.db.kysely.selectFrom('idempotency_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('idem-password');
  });
});

describe('who may call the admin routes', () => {
  it('every admin-only route answers 403 FORBIDDEN to members and viewers, before looking at the body', async () => {
    const adminOnly = operationIds.filter((id) => {
      const def: RouteInput = routes[id];
      return def.adminOnly === true && h.app.hasRoute({ method: def.method, url: BASE_PATH + def.url });
    });
    expect(adminOnly).toEqual(
      expect.arrayContaining(['listUsers', 'createUser', 'deleteUser', 'getMetrics']),
    );
    const before = await accountTables();
    for (const id of adminOnly) {
      const def: RouteInput = routes[id];
      const url = BASE_PATH + def.url.replace(/:[A-Za-z]+/g, h.member.id);
      for (const token of [h.member.token, viewerToken]) {
        const res = await h.app.inject({
          method: def.method,
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(def.body ? { payload: { username: '../bad', role: 'root' } } : {}),
        });
        expectProblem(res, 403, 'FORBIDDEN');
      }
    }
    expect(await accountTables()).toEqual(before);
  });

  it('viewers may still read themselves, log out, and manage their own tokens', async () => {
    expect((await h.request('GET', '/me', { token: viewerToken })).statusCode).toBe(200);
    const created = await h.request('POST', '/tokens', { token: viewerToken, body: { name: 'mine' } });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect((await h.request('GET', '/tokens', { token: viewerToken })).json()).toMatchObject({
      items: [{ id, name: 'mine' }],
    });
    expect((await h.request('DELETE', `/tokens/${id}`, { token: viewerToken })).statusCode).toBe(204);
  });
});

describe('hostile input on the users routes', () => {
  const valid = { username: 'valid-name', password: 'a-long-password', role: 'member' };
  const bad = (patch: Record<string, unknown>): Record<string, unknown> => ({ ...valid, ...patch });
  type Row = [string, 'POST' | 'PATCH' | 'GET' | 'DELETE', () => string, unknown, number, string];
  const rows: Row[] = [
    ['username ../x', 'POST', () => '/users', bad({ username: '../x' }), 400, 'VALIDATION_FAILED'],
    ['username in upper case', 'POST', () => '/users', bad({ username: 'Alice' }), 400, 'VALIDATION_FAILED'],
    ['username with a space', 'POST', () => '/users', bad({ username: 'a b' }), 400, 'VALIDATION_FAILED'],
    ['username <script>', 'POST', () => '/users', bad({ username: '<script>' }), 400, 'VALIDATION_FAILED'],
    [
      'username of 33 chars',
      'POST',
      () => '/users',
      bad({ username: 'a'.repeat(33) }),
      400,
      'VALIDATION_FAILED',
    ],
    ['empty username', 'POST', () => '/users', bad({ username: '' }), 400, 'VALIDATION_FAILED'],
    ['unicode username', 'POST', () => '/users', bad({ username: 'ünï' }), 400, 'VALIDATION_FAILED'],
    ['username as a number', 'POST', () => '/users', bad({ username: 7 }), 400, 'VALIDATION_FAILED'],
    ['role root', 'POST', () => '/users', bad({ role: 'root' }), 400, 'VALIDATION_FAILED'],
    ['role Admin', 'POST', () => '/users', bad({ role: 'Admin' }), 400, 'VALIDATION_FAILED'],
    [
      'no role',
      'POST',
      () => '/users',
      { username: 'x1', password: 'a-long-password' },
      400,
      'VALIDATION_FAILED',
    ],
    ['short password', 'POST', () => '/users', bad({ password: 'short' }), 400, 'VALIDATION_FAILED'],
    [
      'password of 2000 chars',
      'POST',
      () => '/users',
      bad({ password: 'p'.repeat(2000) }),
      400,
      'VALIDATION_FAILED',
    ],
    ['unknown field', 'POST', () => '/users', bad({ isAdmin: true }), 400, 'VALIDATION_FAILED'],
    [
      'passwordHash smuggled',
      'POST',
      () => '/users',
      bad({ passwordHash: 'scrypt$1' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['body as an array', 'POST', () => '/users', [valid], 400, 'VALIDATION_FAILED'],
    ['taken username', 'POST', () => '/users', bad({ username: 'admin' }), 409, 'USERNAME_TAKEN'],
    [
      'PATCH unknown role',
      'PATCH',
      () => `/users/${h.member.id}`,
      { role: 'owner' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'PATCH unknown field',
      'PATCH',
      () => `/users/${h.member.id}`,
      { username: 'x' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'PATCH short password',
      'PATCH',
      () => `/users/${h.member.id}`,
      { password: 'x' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'PATCH a nonexistent user',
      'PATCH',
      () => `/users/${randomUUID()}`,
      { role: 'viewer' },
      404,
      'USER_NOT_FOUND',
    ],
    ['GET a nonexistent user', 'GET', () => `/users/${randomUUID()}`, undefined, 404, 'USER_NOT_FOUND'],
    ['DELETE a nonexistent user', 'DELETE', () => `/users/${randomUUID()}`, undefined, 404, 'USER_NOT_FOUND'],
    ['id like a path', 'GET', () => '/users/..%2F..%2Fetc', undefined, 400, 'VALIDATION_FAILED'],
    ['id of 65 chars', 'DELETE', () => `/users/${'a'.repeat(65)}`, undefined, 400, 'VALIDATION_FAILED'],
  ];

  it.each(rows)(
    '%s → 4xx problem, users and tokens unchanged',
    async (_label, method, path, body, status, code) => {
      const before = await accountTables();
      expectProblem(
        await h.request(method, path(), { ...(body === undefined ? {} : { body }) }),
        status,
        code,
      );
      expect(await accountTables()).toEqual(before);
    },
  );

  it.each([
    ['role', { role: 'nobody' }],
    ['limit -1', { limit: '-1' }],
    ['limit abc', { limit: 'abc' }],
    ['limit 0', { limit: '0' }],
    ['a cursor that is not one', { cursor: 'garbage' }],
  ])('GET /users with a bad %s → 400', async (_label, query) => {
    expectProblem(await h.request('GET', '/users', { query }), 400, 'VALIDATION_FAILED');
  });

  it('an oversized body → 413, nothing created', async () => {
    const before = await accountTables();
    const res = await h.request('POST', '/users', { body: bad({ password: 'p'.repeat(2 * 1024 * 1024) }) });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await accountTables()).toEqual(before);
  });
});
