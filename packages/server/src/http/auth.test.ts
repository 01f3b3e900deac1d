import { randomUUID } from 'node:crypto';
import { BASE_PATH, operationIds, routes } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newTokenSecret } from '../services/auth.service.js';
import { ADMIN_PASSWORD, expectProblem, startHarness, type Harness } from '../testing/app-harness.js';

// Real server (startServer) over in-memory SQLite (real adapter) and the FakeHypervisor (fake).
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('GET /health', () => {
  it('answers ok without a token while libvirt and the database are up', async () => {
    const res = await h.request('GET', '/health', { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', libvirt: 'up', database: 'up', version: '0.1.0' });
  });

  it('answers degraded with libvirt down while the hypervisor is unreachable', async () => {
    h.hypervisor.setStatus('down');
    try {
      const res = await h.request('GET', '/health', { token: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'degraded', libvirt: 'down', database: 'up' });
    } finally {
      h.hypervisor.setStatus('up');
    }
  });
});

describe('POST /auth/login', () => {
  it('issues a working session token for the right password', async () => {
    const res = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const { token, expiresAt } = res.json<{ token: string; expiresAt: string }>();
    expect(token).toMatch(/^gur_/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const me = await h.request('GET', '/me', { token });
    expect(me.statusCode).toBe(200);
  });

  it('refuses a wrong password and an unknown user with the same 401 INVALID_CREDENTIALS', async () => {
    const wrong = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: 'admin', password: 'not-the-password' },
    });
    const unknown = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: 'nobody', password: 'not-the-password' },
    });
    const a = expectProblem(wrong, 401, 'INVALID_CREDENTIALS');
    const b = expectProblem(unknown, 401, 'INVALID_CREDENTIALS');
    expect(a.detail).toBe(b.detail);
    expect(a.title).toBe(b.title);
  });
});

describe('bearer tokens', () => {
  it('GET /me returns the caller', async () => {
    const res = await h.request('GET', '/me');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: h.admin.id,
      username: 'admin',
      role: 'admin',
      createdAt: expect.any(String) as unknown,
    });
    const member = await h.request('GET', '/me', { token: h.member.token });
    expect(member.json()).toMatchObject({ id: h.member.id, role: 'member' });
  });

  it.each([
    ['missing', undefined],
    ['another scheme', 'Basic YWRtaW46eA=='],
    ['an empty bearer', 'Bearer '],
    ['two words', 'Bearer gur_a gur_b'],
    ['no gur_ prefix', 'Bearer abcdef'],
    ['an unknown token', `Bearer ${newTokenSecret()}`],
  ])('refuses %s Authorization with 401 UNAUTHENTICATED', async (_label, header) => {
    const res = await h.app.inject({
      method: 'GET',
      url: `${BASE_PATH}/me`,
      headers: header === undefined ? {} : { authorization: header },
    });
    expectProblem(res, 401, 'UNAUTHENTICATED');
  });

  it('refuses a token revoked by logout', async () => {
    const login = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const { token } = login.json<{ token: string }>();
    expect((await h.request('POST', '/auth/logout', { token })).statusCode).toBe(204);
    expectProblem(await h.request('GET', '/me', { token }), 401, 'UNAUTHENTICATED');
    // The admin's other session is untouched.
    expect((await h.request('GET', '/me')).statusCode).toBe(200);
  });

  it('refuses an expired token with 401 TOKEN_EXPIRED', async () => {
    const secret = newTokenSecret();
    await h.db.tokens.insert({
      id: randomUUID(),
      userId: h.admin.id,
      name: 'old',
      tokenHash: hashToken(secret),
      kind: 'api',
      createdAt: new Date(Date.now() - 7_200_000).toISOString(),
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    });
    expectProblem(await h.request('GET', '/vms', { token: secret }), 401, 'TOKEN_EXPIRED');
  });

  it('is required on every implemented route but health and login', async () => {
    const sample = (name: string): string =>
      name === 'idOrName' || name === 'id' ? randomUUID() : `x${name.toLowerCase()}`;
    let checked = 0;
    for (const id of operationIds) {
      const def = routes[id];
      const url = BASE_PATH + def.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => sample(name));
      if (!h.app.hasRoute({ method: def.method, url: BASE_PATH + def.url })) continue;
      const res = await h.app.inject({
        method: def.method,
        url,
        // Not from the host itself: a local scrape of /metrics needs no token.
        remoteAddress: '192.0.2.1',
        ...(def.method === 'GET' ? {} : { payload: {} }),
      });
      if (def.auth === 'none') {
        expect(res.statusCode, `${id} needs no token`).not.toBe(401);
      } else {
        expect(res.statusCode, `${id} without a token`).toBe(401);
        expect(res.json<{ code: string }>().code).toBe('UNAUTHENTICATED');
      }
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });
});

describe('problems', () => {
  it('carry type, title, status, detail, instance, code and the request id of x-request-id', async () => {
    const res = await h.request('GET', `/vms/${randomUUID()}`);
    const problem = expectProblem(res, 404, 'VM_NOT_FOUND');
    expect(problem.type).toBe('https://gureum.dev/errors#vm-not-found');
    expect(problem.title).toBe('VM not found');
    expect(problem.instance).toMatch(/^\/api\/v1\/vms\/[0-9a-f-]{36}$/);
  });

  it('an unknown route is a ROUTE_NOT_FOUND problem', async () => {
    expectProblem(await h.request('GET', '/no-such-thing'), 404, 'ROUTE_NOT_FOUND');
  });

  it('a thrown non-AppError becomes 500 INTERNAL without stack, path or message', async () => {
    const secret = 'EACCES: permission denied, open /var/lib/secret/domain.xml';
    // The delete plan asks the hypervisor whether the domain exists: that call throws a plain Error.
    h.hypervisor.failNext('getVm', new Error(secret));
    const dry = await h.request('DELETE', `/vms/${await anyVmId()}`, { query: { dryRun: 'true' } });
    const problem = expectProblem(dry, 500, 'INTERNAL');
    expect(problem.title).toBe('Internal error');
    expect(dry.body).not.toContain('/var/lib/secret');
    expect(dry.body).not.toContain('EACCES');
    expect(dry.body).not.toMatch(/\bat .*\.ts:\d+/);
    expect(problem.detail).toContain(problem.requestId);
  });
});

/** A VM row straight through the repository (no hypervisor involved), owned by the admin. */
async function anyVmId(): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await h.db.vms.insert({
    id,
    name: `row-${id.slice(0, 8)}`,
    ownerId: h.admin.id,
    description: '',
    tags: [],
    vcpus: 1,
    memoryBytes: 128 * 1024 * 1024,
    firmware: 'bios',
    bootOrder: 'hd',
    phase: 'ready',
    imageId: null,
    mediaImageId: null,
    installationStatus: 'installed',
    installationStartedAt: null,
    installationFinishedAt: null,
    keepMediaAfterInstall: false,
    lastState: 'stopped',
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}
