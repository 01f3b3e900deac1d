import { randomUUID } from 'node:crypto';
import { BASE_PATH, routes, type OperationId } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging.js';
import { ADMIN_PASSWORD, MEMBER_PASSWORD, startHarness, type Harness } from '../testing/app-harness.js';

// Secrets never reach a log line or an audit row. The real server over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake), logging at `trace` with the production logger configuration into memory.
const lines: string[] = [];
const capture = { write: (line: string) => void lines.push(line) };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logger: createLogger('trace', capture) });
});
afterAll(async () => {
  await h.close();
});

describe('secrets in logs and audit rows', () => {
  it('neither passwords nor token secrets appear after logins, token creation and a password change', async () => {
    const secrets = [ADMIN_PASSWORD, MEMBER_PASSWORD, h.token, h.member.token];
    const requestIds: string[] = [];
    /** Mutating requests that reached a route (the routes of users and tokens may not exist yet). */
    const audited: string[] = [];
    const send = async (...args: Parameters<Harness['request']>) => {
      const res = await h.request(...args);
      const id = String(res.headers['x-request-id']);
      requestIds.push(id);
      const unrouted = res.statusCode === 404 && res.json<{ code: string }>().code === 'ROUTE_NOT_FOUND';
      if (args[0] !== 'GET' && !unrouted) audited.push(id);
      return res;
    };

    const wrong = `wrong-${randomUUID()}`;
    secrets.push(wrong);
    expect(
      (await send('POST', '/auth/login', { token: null, body: { username: 'admin', password: wrong } }))
        .statusCode,
    ).toBe(401);

    const session = await send('POST', '/auth/login', {
      token: null,
      body: { username: h.member.username, password: MEMBER_PASSWORD },
    });
    expect(session.statusCode).toBe(200);
    secrets.push(session.json<{ token: string }>().token);

    // Routes of the accounts work are checked once they are served (until then they answer 404 and log nothing).
    const served = (id: OperationId): boolean =>
      h.app.hasRoute({ method: routes[id].method, url: BASE_PATH + routes[id].url });
    const created = await send('POST', '/tokens', {
      body: { name: 'ci', expiresAt: '2999-01-01T00:00:00Z' },
    });
    if (served('createToken')) {
      expect(created.statusCode).toBe(201);
      secrets.push(created.json<{ token: string }>().token);
    }

    // The member changes its own password; then an admin resets it.
    const newPassword = `new-password-${randomUUID()}`;
    const resetPassword = `reset-password-${randomUUID()}`;
    secrets.push(newPassword, resetPassword);
    const memberSession = session.json<{ token: string }>().token;
    const changed = await send('POST', '/me/password', {
      token: memberSession,
      body: { currentPassword: MEMBER_PASSWORD, newPassword },
    });
    if (served('changeMyPassword')) expect(changed.statusCode).toBe(204);
    const reset = await send('PATCH', `/users/${h.member.id}`, { body: { password: resetPassword } });
    if (served('updateUser')) {
      expect(reset.statusCode).toBe(200);
      const relogin = await send('POST', '/auth/login', {
        token: null,
        body: { username: h.member.username, password: resetPassword },
      });
      expect(relogin.statusCode).toBe(200);
      secrets.push(relogin.json<{ token: string }>().token);
    }
    // A request whose bearer token is unknown: the header must not be logged either.
    const bogus = `gur_${randomUUID()}`;
    secrets.push(bogus);
    expect((await send('GET', '/vms', { token: bogus })).statusCode).toBe(401);
    await send('POST', '/auth/logout', { token: h.token });

    await h.server.audit.flush();
    const rows = JSON.stringify(await h.db.kysely.selectFrom('audit_events').selectAll().execute());
    const logs = lines.join('');
    // The capture works and saw these requests, and the audit log has them.
    for (const id of requestIds) expect(logs).toContain(id);
    for (const id of audited) expect(rows).toContain(id);
    for (const secret of secrets) {
      expect(logs.includes(secret), `a secret in the logs: ${secret.slice(0, 8)}…`).toBe(false);
      expect(rows.includes(secret), `a secret in the audit rows: ${secret.slice(0, 8)}…`).toBe(false);
    }
  });

  it('the logger redacts credentials and password, token and secret fields wherever they are logged', () => {
    const out: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void out.push(line) });
    logger.info(
      {
        req: { headers: { authorization: 'Bearer gur_abc', cookie: 'session=s3cr3t' } },
        body: { username: 'ann', password: 'hunter2', token: 'gur_def' },
        user: { credentials: { secret: 'shh', newPassword: 'p4ss' } },
        password: 'top-level',
      },
      'a careless log call',
    );
    const line = out.join('');
    for (const secret of ['gur_abc', 's3cr3t', 'hunter2', 'gur_def', 'shh', 'p4ss', 'top-level'])
      expect(line).not.toContain(secret);
    expect(line).toContain('"username":"ann"');
    expect(line).toContain('[redacted]');
  });
});
