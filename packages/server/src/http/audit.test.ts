import { randomUUID } from 'node:crypto';
import { BASE_PATH, operationIds, routes, type OperationId, type RouteInput } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../domain/model.js';
import { toAuditRecord } from '../adapters/db/audit.repository.js';
import {
  addUser,
  ADMIN_PASSWORD,
  createVm,
  MEMBER_PASSWORD,
  startHarness,
  uploadImage,
  type Harness,
} from '../testing/app-harness.js';
import { AUDIT_RULES, type MutatingOperationId } from './audit-rules.js';

// The audit log through the API: real server over in-memory SQLite (real adapter) and the FakeHypervisor (fake).
let h: Harness;
let image: string;
beforeAll(async () => {
  h = await startHarness();
  image = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});

/** The rows an HTTP request left (task outcomes carry the request id too, but no HTTP status). */
async function requestRows(requestId: unknown): Promise<AuditRecord[]> {
  await h.server.audit.flush();
  if (typeof requestId !== 'string') throw new Error('no x-request-id');
  const rows = await h.db.kysely
    .selectFrom('audit_events')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('status', 'is not', null)
    .execute();
  return rows.map(toAuditRecord);
}

async function taskRows(taskId: string): Promise<AuditRecord[]> {
  await h.server.audit.flush();
  const rows = await h.db.kysely
    .selectFrom('audit_events')
    .selectAll()
    .where('status', 'is', null)
    .orderBy('time')
    .execute();
  return rows.map(toAuditRecord).filter((r) => r.details?.taskId === taskId);
}

async function login(username: string, password: string): Promise<string> {
  const res = await h.request('POST', '/auth/login', { token: null, body: { username, password } });
  expect(res.statusCode).toBe(200);
  return res.json<{ token: string }>().token;
}

function isMutating(id: OperationId): id is MutatingOperationId {
  return routes[id].method !== 'GET';
}

describe('every mutating route of the table', () => {
  const mutating = operationIds.filter(isMutating);

  it('has a line in the audit table', () => {
    expect(mutating.length).toBeGreaterThan(20);
    expect(mutating.filter((id) => !(id in AUDIT_RULES))).toEqual([]);
  });

  it('leaves exactly one row per request, with actor, action, resource, outcome and status', async () => {
    const handled = mutating.filter((id) =>
      h.app.hasRoute({ method: routes[id].method, url: BASE_PATH + routes[id].url }),
    );
    expect(handled).toEqual(expect.arrayContaining(['createVm', 'startVm', 'login', 'cancelTask']));
    for (const id of handled) {
      const def: RouteInput = routes[id];
      const rule = AUDIT_RULES[id];
      // A fresh session each time: `logout` revokes the one it is called with.
      const token = await login('admin', ADMIN_PASSWORD);
      const resourceId = randomUUID();
      const url = BASE_PATH + def.url.replace(/:[A-Za-z]+/g, resourceId);
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      let payload: string | Buffer | undefined;
      if (def.rawBody) {
        headers['content-type'] = def.rawBody;
        payload = Buffer.from('not an image');
      } else if (def.body) {
        headers['content-type'] = 'application/json';
        payload = '{}';
      }
      const res = await h.app.inject({
        method: def.method,
        url,
        headers,
        ...(payload === undefined ? {} : { payload }),
      });
      const rows = await requestRows(res.headers['x-request-id']);
      const where = `${id} → ${String(res.statusCode)}`;
      expect(rows, where).toHaveLength(1);
      const row = rows[0];
      const resource = rule?.resource;
      const adminId = (await h.db.users.findByUsername('admin'))?.id;
      const expectedResourceId =
        resource && 'param' in resource
          ? resourceId
          : resource && 'fromActor' in resource && res.statusCode !== 401
            ? adminId
            : null;
      expect(row, where).toMatchObject({
        action: rule?.action,
        actorId: id === 'login' ? null : adminId,
        outcome: res.statusCode < 400 ? 'succeeded' : 'failed',
        status: res.statusCode,
        sourceAddress: '127.0.0.1',
        resourceKind: expectedResourceId === null ? null : resource?.kind,
        resourceId: expectedResourceId,
      });
    }
  });

  it('records refused requests too: no token (401), a viewer (403), a hostile body (400)', async () => {
    const anonymous = await h.request('POST', '/vms', { token: null, body: {} });
    expect(anonymous.statusCode).toBe(401);
    expect(await requestRows(anonymous.headers['x-request-id'])).toMatchObject([
      { action: 'vm.create', actorId: null, outcome: 'failed', status: 401 },
    ]);

    const viewer = await addUser(h.db, `viewer-${randomUUID().slice(0, 6)}`, 'viewer');
    const viewerToken = await login(viewer.username, MEMBER_PASSWORD);
    const forbidden = await h.request('POST', '/images', {
      token: viewerToken,
      body: { name: 'nope', kind: 'disk' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(await requestRows(forbidden.headers['x-request-id'])).toMatchObject([
      { action: 'image.create', actorId: viewer.id, outcome: 'failed', status: 403, resourceId: null },
    ]);

    const hostile = await h.request('PATCH', `/vms/${randomUUID()}`, { body: { vcpus: 'many' } });
    expect(hostile.statusCode).toBe(400);
    expect(await requestRows(hostile.headers['x-request-id'])).toMatchObject([
      { action: 'vm.update', outcome: 'failed', status: 400, details: { changed: ['vcpus'] } },
    ]);
  });
});

describe('rows of successful requests and of their tasks', () => {
  it('a VM create: the request (the VM from the reply, its owner, its name) and the task outcome', async () => {
    const name = `audited-${randomUUID().slice(0, 6)}`;
    const res = await h.request('POST', '/vms', {
      token: h.member.token,
      body: {
        name,
        vcpus: 1,
        memoryBytes: 128 * 1024 * 1024,
        source: { imageId: await uploadImage(h, { token: h.member.token }) },
      },
    });
    expect(res.statusCode).toBe(202);
    const task = res.json<{ task: { id: string; resource: { id: string } } }>().task;
    const vmId = task.resource.id;
    expect(await requestRows(res.headers['x-request-id'])).toMatchObject([
      {
        action: 'vm.create',
        actorId: h.member.id,
        resourceKind: 'vm',
        resourceId: vmId,
        ownerId: h.member.id,
        outcome: 'succeeded',
        status: 202,
        details: { name, vcpus: 1, memoryBytes: 128 * 1024 * 1024 },
      },
    ]);
    await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
    expect(await taskRows(task.id)).toMatchObject([
      {
        action: 'vm.create',
        actorId: h.member.id,
        resourceKind: 'vm',
        resourceId: vmId,
        ownerId: h.member.id,
        outcome: 'succeeded',
        status: null,
        requestId: res.headers['x-request-id'],
        details: { taskId: task.id, status: 'succeeded' },
      },
    ]);
  });

  it('a failed task: outcome failed with its error code; the request itself succeeded (202)', async () => {
    const vm = await createVm(h, image);
    h.hypervisor.failNext('startVm');
    const res = await h.request('POST', `/vms/${vm.id}/actions/start`, { body: {} });
    expect(res.statusCode).toBe(202);
    const taskId = res.json<{ task: { id: string } }>().task.id;
    await h.request('GET', `/tasks/${taskId}`, { query: { wait: 'true' } });
    expect(await requestRows(res.headers['x-request-id'])).toMatchObject([
      { action: 'vm.start', resourceId: vm.id, outcome: 'succeeded', status: 202 },
    ]);
    const [row, ...more] = await taskRows(taskId);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      action: 'vm.start',
      actorId: h.admin.id,
      resourceId: vm.id,
      outcome: 'failed',
      details: { taskId, status: 'failed', errorCode: expect.any(String) as unknown },
    });
  });

  it('a VM deleted by name is recorded under its id; a cancel under the task', async () => {
    const vm = await createVm(h, image);
    const res = await h.request('DELETE', `/vms/${vm.name}`, { query: { wait: 'true' } });
    expect(res.statusCode).toBe(204);
    expect(await requestRows(res.headers['x-request-id'])).toMatchObject([
      {
        action: 'vm.delete',
        resourceKind: 'vm',
        resourceId: vm.id,
        ownerId: h.admin.id,
        outcome: 'succeeded',
      },
    ]);
    const tasks = await h.request('GET', '/tasks', { query: { resource: vm.id, kind: 'vm.delete' } });
    const taskId = tasks.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
    const cancel = await h.request('POST', `/tasks/${taskId}/actions/cancel`);
    expect(cancel.statusCode).toBe(409);
    expect(await requestRows(cancel.headers['x-request-id'])).toMatchObject([
      {
        action: 'task.cancel',
        resourceKind: 'task',
        resourceId: taskId,
        ownerId: h.admin.id,
        outcome: 'failed',
      },
    ]);
  });

  it('logins: the attempted username (never the password); a success names the user as actor', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const failed = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: h.member.username, password: wrong },
    });
    expect(failed.statusCode).toBe(401);
    const [row] = await requestRows(failed.headers['x-request-id']);
    expect(row).toMatchObject({
      action: 'auth.login',
      actorId: null,
      outcome: 'failed',
      status: 401,
      details: { username: h.member.username },
    });
    expect(JSON.stringify(row)).not.toContain(wrong);

    const ok = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: h.member.username, password: MEMBER_PASSWORD },
    });
    const [success] = await requestRows(ok.headers['x-request-id']);
    expect(success).toMatchObject({ action: 'auth.login', actorId: h.member.id, outcome: 'succeeded' });
    expect(JSON.stringify(success)).not.toContain(MEMBER_PASSWORD);
    expect(JSON.stringify(success)).not.toContain(ok.json<{ token: string }>().token);
  });

  it('users and tokens: the created id from the reply, whitelisted fields, never the secret', async () => {
    const username = `ann-${randomUUID().slice(0, 6)}`;
    const password = `pw-${randomUUID()}`;
    const user = await h.request('POST', '/users', { body: { username, password, role: 'member' } });
    expect(user.statusCode).toBe(201);
    const userId = user.json<{ id: string }>().id;
    const [userRow] = await requestRows(user.headers['x-request-id']);
    expect(userRow).toMatchObject({
      action: 'user.create',
      actorId: h.admin.id,
      resourceKind: 'user',
      resourceId: userId,
      ownerId: userId,
      details: { username, role: 'member' },
    });

    const token = await h.request('POST', '/tokens', { token: h.member.token, body: { name: 'ci' } });
    expect(token.statusCode).toBe(201);
    const created = token.json<{ id: string; token: string }>();
    const deleted = await h.request('DELETE', `/tokens/${created.id}`, { token: h.member.token });
    expect(deleted.statusCode).toBe(204);
    const rows = [
      ...(await requestRows(token.headers['x-request-id'])),
      ...(await requestRows(deleted.headers['x-request-id'])),
    ];
    expect(rows).toMatchObject([
      { action: 'token.create', actorId: h.member.id, resourceId: created.id, ownerId: h.member.id },
      { action: 'token.delete', actorId: h.member.id, resourceId: created.id, ownerId: h.member.id },
    ]);
    expect(JSON.stringify([userRow, ...rows])).not.toMatch(new RegExp(`${password}|${created.token}`));
  });

  it('an audit write that has not finished does not hold the response', async () => {
    let finish = (): void => undefined;
    const stuck = new Promise<void>((resolve) => {
      finish = resolve;
    });
    // The real adapter, held back: the write completes only when the test lets it.
    const real = h.db.audit.append.bind(h.db.audit);
    const append = vi
      .spyOn(h.db.audit, 'append')
      .mockImplementation((record) => stuck.then(() => real(record)));
    try {
      const res = await h.request('POST', `/vms/${randomUUID()}/actions/start`, { body: {} });
      expect(res.statusCode).toBe(404);
      expect(append).toHaveBeenCalledTimes(1);
      expect(
        await h.db.kysely
          .selectFrom('audit_events')
          .selectAll()
          .where('request_id', '=', String(res.headers['x-request-id']))
          .execute(),
      ).toEqual([]);
      finish();
      expect(await requestRows(res.headers['x-request-id'])).toHaveLength(1);
    } finally {
      finish();
      append.mockRestore();
    }
  });
});

describe('GET /audit-events', () => {
  interface Json {
    items: { id: string; actorId: string | null; ownerId?: string; action: string; resource: unknown }[];
    nextCursor: string | null;
  }

  it('an admin sees everyone; a member only rows where it acted or owns the resource', async () => {
    const memberImage = await uploadImage(h, { token: h.member.token });
    const memberVm = await createVm(h, memberImage, {}, h.member.token);
    // The admin acts on the member's VM: the member sees it (owner); the admin's own VM stays hidden.
    const adminAction = await h.request('POST', `/vms/${memberVm.id}/actions/start`, {
      body: {},
      query: { wait: 'true' },
    });
    expect(adminAction.statusCode).toBe(200);
    const adminVm = await createVm(h, image);
    await h.server.audit.flush();

    const mine = await h.request('GET', '/audit-events', { token: h.member.token, query: { limit: '500' } });
    expect(mine.statusCode).toBe(200);
    const items = mine.json<Json>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((e) => e.actorId === h.member.id || e.ownerId === h.member.id)).toBe(true);
    expect(items.some((e) => e.actorId === h.admin.id && e.action === 'vm.start')).toBe(true);
    expect(JSON.stringify(items)).not.toContain(adminVm.id);

    const all = await h.request('GET', '/audit-events', { query: { limit: '500' } });
    expect(JSON.stringify(all.json<Json>().items)).toContain(adminVm.id);
    // A member's filter cannot widen what it sees.
    const others = await h.request('GET', '/audit-events', {
      token: h.member.token,
      query: { actor: h.admin.id, resource: adminVm.id },
    });
    expect(others.json<Json>().items).toEqual([]);
  });

  it('filters by actor, resource and since, and pages newest first', async () => {
    const vm = await createVm(h, image);
    for (const action of ['stop', 'start', 'reboot']) {
      await h.request('POST', `/vms/${vm.id}/actions/${action}`, { body: {}, query: { wait: 'true' } });
    }
    await h.server.audit.flush();
    const byResource = await h.request('GET', '/audit-events', { query: { resource: vm.id } });
    const events = byResource.json<Json>().items;
    expect(
      events.every((e) => JSON.stringify(e.resource) === JSON.stringify({ kind: 'vm', id: vm.id })),
    ).toBe(true);
    // Request and task rows, newest first: reboot's come before stop's.
    const actions = events.map((e) => e.action);
    expect(actions.indexOf('vm.reboot')).toBeLessThan(actions.indexOf('vm.stop'));
    expect(actions.filter((a) => a === 'vm.create')).toHaveLength(2);

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.request('GET', '/audit-events', {
        query: { resource: vm.id, limit: '3', ...(cursor ? { cursor } : {}) },
      });
      const page = res.json<Json>();
      pages.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages).toEqual(events.map((e) => e.id));

    const byActor = await h.request('GET', '/audit-events', { query: { actor: h.member.id, limit: '500' } });
    expect(byActor.json<Json>().items.every((e) => e.actorId === h.member.id)).toBe(true);
    const future = await h.request('GET', '/audit-events', { query: { since: '2999-01-01T00:00:00Z' } });
    expect(future.json<Json>().items).toEqual([]);
    const bad = await h.request('GET', '/audit-events', { query: { since: 'yesterday' } });
    expect(bad.statusCode).toBe(400);
  });

  it('shows the row shape of the contract', async () => {
    const res = await h.request('POST', `/vms/${randomUUID()}/actions/pause`, { body: {} });
    await h.server.audit.flush();
    const list = await h.request('GET', '/audit-events', { query: { limit: '1' } });
    expect(list.json<Json>().items[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      time: expect.any(String) as unknown,
      actorId: h.admin.id,
      action: 'vm.pause',
      resource: { kind: 'vm', id: expect.any(String) as unknown },
      outcome: 'failed',
      status: 404,
      requestId: res.headers['x-request-id'],
      sourceAddress: '127.0.0.1',
    });
  });
});
