import { randomUUID } from 'node:crypto';
import { BASE_PATH } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../tasks/testing.js';
import {
  addUser,
  expectProblem,
  MEMBER_PASSWORD,
  startHarness,
  type Harness,
} from '../testing/app-harness.js';

// The login rate limit with its default limits (5 failures per username, 20 per address, 15 minutes) through the real
// server (startServer) over in-memory SQLite (real adapter) and the FakeHypervisor (fake). A manual clock moves
// time; source addresses are set per request.
const WINDOW_MS = 15 * 60 * 1000;
const clock = new ManualClock(new Date().toISOString());
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ overrides: { clock } });
});
afterAll(async () => {
  await h.close();
});

let nextAddress = 10;
/** A source address no other test uses. */
const anAddress = (): string => `192.0.2.${nextAddress++}`;

function attempt(username: string, password: string, remoteAddress: string) {
  return h.app.inject({
    method: 'POST',
    url: `${BASE_PATH}/auth/login`,
    remoteAddress,
    payload: { username, password },
  });
}

async function aUser(): Promise<string> {
  return (await addUser(h.db, `rl-${randomUUID().slice(0, 8)}`, 'member')).username;
}

describe('failed logins per username', () => {
  it('after 5 failures: 429 with Retry-After, even for the right password and from another address', async () => {
    const username = await aUser();
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      expectProblem(await attempt(username, 'wrong-password', anAddress()), 401, 'INVALID_CREDENTIALS');
    }
    const tokensBefore = await h.db.kysely.selectFrom('api_tokens').select('id').execute();
    for (const password of ['wrong-password', MEMBER_PASSWORD]) {
      const res = await attempt(username, password, anAddress());
      const problem = expectProblem(res, 429, 'RATE_LIMITED');
      // The first failure was 5 s ago: it leaves the window in 15 min - 4 s.
      expect(res.headers['retry-after']).toBe(String(WINDOW_MS / 1000 - 4));
      expect(problem.detail).toMatch(/try again in 896 s \(at \d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    }
    expect(await h.db.kysely.selectFrom('api_tokens').select('id').execute()).toEqual(tokensBefore);
    // Another user from the same address is not affected.
    expect((await attempt(h.member.username, MEMBER_PASSWORD, anAddress())).statusCode).toBe(200);
  });

  it('recovers once the window has passed', async () => {
    const username = await aUser();
    for (let i = 0; i < 5; i++) await attempt(username, 'wrong-password', anAddress());
    expectProblem(await attempt(username, MEMBER_PASSWORD, anAddress()), 429, 'RATE_LIMITED');
    clock.advance(WINDOW_MS - 1000);
    expectProblem(await attempt(username, MEMBER_PASSWORD, anAddress()), 429, 'RATE_LIMITED');
    clock.advance(1000);
    expect((await attempt(username, MEMBER_PASSWORD, anAddress())).statusCode).toBe(200);
  });

  it('a success clears the username’s failures', async () => {
    const username = await aUser();
    for (let i = 0; i < 4; i++) await attempt(username, 'wrong-password', anAddress());
    expect((await attempt(username, MEMBER_PASSWORD, anAddress())).statusCode).toBe(200);
    for (let i = 0; i < 4; i++)
      expectProblem(await attempt(username, 'wrong-password', anAddress()), 401, 'INVALID_CREDENTIALS');
    expect((await attempt(username, MEMBER_PASSWORD, anAddress())).statusCode).toBe(200);
  });

  it('unknown usernames are limited the same way (no hint that they do not exist)', async () => {
    const username = `nobody-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) await attempt(username, 'wrong-password', anAddress());
    expectProblem(await attempt(username, 'wrong-password', anAddress()), 429, 'RATE_LIMITED');
  });

  it('concurrent guesses: at most 5 are checked, the rest are 429 at once', async () => {
    const username = await aUser();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => attempt(username, 'wrong-password', anAddress())),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('wrong current passwords of POST /me/password count too', async () => {
    const username = await aUser();
    const address = anAddress();
    const token = (await attempt(username, MEMBER_PASSWORD, address)).json<{ token: string }>().token;
    const change = (currentPassword: string) =>
      h.app.inject({
        method: 'POST',
        url: `${BASE_PATH}/me/password`,
        remoteAddress: address,
        headers: { authorization: `Bearer ${token}` },
        payload: { currentPassword, newPassword: 'a-new-password' },
      });
    for (let i = 0; i < 5; i++) expectProblem(await change('wrong-password'), 403, 'PASSWORD_INCORRECT');
    const res = await change(MEMBER_PASSWORD);
    expectProblem(res, 429, 'RATE_LIMITED');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expectProblem(await attempt(username, MEMBER_PASSWORD, anAddress()), 429, 'RATE_LIMITED');
  });
});

describe('failed logins per source address', () => {
  it('after 20 failures from one address: 429 for any username there, others addresses unaffected', async () => {
    const address = anAddress();
    for (let i = 0; i < 20; i++)
      expectProblem(await attempt(`spray-${i}`, 'wrong-password', address), 401, 'INVALID_CREDENTIALS');
    const res = await attempt(h.member.username, MEMBER_PASSWORD, address);
    expectProblem(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt(h.member.username, MEMBER_PASSWORD, anAddress())).statusCode).toBe(200);
    clock.advance(WINDOW_MS);
    expect((await attempt(h.member.username, MEMBER_PASSWORD, address)).statusCode).toBe(200);
  });

  it('successful logins from one address do not count', async () => {
    const address = anAddress();
    for (let i = 0; i < 25; i++)
      expect((await attempt(h.member.username, MEMBER_PASSWORD, address)).statusCode).toBe(200);
  });
});

describe('configuration', () => {
  it('GUREUM_LOGIN_* set the limits', async () => {
    const strict = await startHarness({
      env: {
        GUREUM_LOGIN_MAX_FAILURES_PER_USER: '1',
        GUREUM_LOGIN_MAX_FAILURES_PER_ADDRESS: '100',
        GUREUM_LOGIN_FAILURE_WINDOW_MS: '60000',
      },
    });
    try {
      const login = (password: string) =>
        strict.request('POST', '/auth/login', { token: null, body: { username: 'admin', password } });
      expectProblem(await login('wrong-password'), 401, 'INVALID_CREDENTIALS');
      const res = await login('wrong-password');
      expectProblem(res, 429, 'RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    } finally {
      await strict.close();
    }
  });
});
