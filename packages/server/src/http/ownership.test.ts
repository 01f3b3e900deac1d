import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUser,
  connectEvents,
  createVm,
  expectProblem,
  MEMBER_PASSWORD,
  qcow2Bytes,
  snapshotState,
  startHarness,
  uploadImage,
  vmBody,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// A member never sees or touches what the admin owns: 404 (never 403, no existence leak), filtered lists, and an
// events stream without the admin's events. Real server over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake).
let h: Harness;
let adminImage: string;
let adminVm: VmJson;
let adminTaskId: string;
beforeAll(async () => {
  h = await startHarness();
  adminImage = await uploadImage(h);
  adminVm = await createVm(h, adminImage);
  const tasks = await h.request('GET', '/tasks', { query: { resource: adminVm.id } });
  adminTaskId = tasks.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
});
afterAll(async () => {
  await h.close();
});

const asMember = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown) =>
  h.request(method, path, { token: h.member.token, ...(body === undefined ? {} : { body }) });

describe("the admin's resources, as seen by a member", () => {
  type Row = ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', () => string, unknown, string];
  it.each<Row>([
    ['GET', () => `/vms/${adminVm.id}`, undefined, 'VM_NOT_FOUND'],
    ['GET', () => `/vms/${adminVm.name}`, undefined, 'VM_NOT_FOUND'],
    ['PATCH', () => `/vms/${adminVm.id}`, { description: 'mine now' }, 'VM_NOT_FOUND'],
    ['DELETE', () => `/vms/${adminVm.id}`, undefined, 'VM_NOT_FOUND'],
    ['DELETE', () => `/vms/${adminVm.id}?dryRun=true`, undefined, 'VM_NOT_FOUND'],
    ['POST', () => `/vms/${adminVm.id}/actions/start`, {}, 'VM_NOT_FOUND'],
    ['POST', () => `/vms/${adminVm.id}/actions/force-stop`, {}, 'VM_NOT_FOUND'],
    ['GET', () => `/images/${adminImage}`, undefined, 'IMAGE_NOT_FOUND'],
    ['DELETE', () => `/images/${adminImage}`, undefined, 'IMAGE_NOT_FOUND'],
    ['POST', () => '/vms', 'admin-image', 'IMAGE_NOT_FOUND'],
    ['GET', () => `/tasks/${adminTaskId}`, undefined, 'TASK_NOT_FOUND'],
    ['POST', () => `/tasks/${adminTaskId}/actions/cancel`, undefined, 'TASK_NOT_FOUND'],
  ])('%s %s → 404 %s, nothing changed', async (method, path, body, code) => {
    const before = await snapshotState(h);
    const payload = body === 'admin-image' ? vmBody(adminImage) : body;
    expectProblem(await asMember(method, path(), payload), 404, code);
    expect(await snapshotState(h)).toEqual(before);
  });

  it('cannot upload into the admin’s image', async () => {
    const created = await h.request('POST', '/images', { body: { name: 'admins-empty', kind: 'disk' } });
    const id = created.json<{ id: string }>().id;
    const res = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/images/${id}/content`,
      headers: { authorization: `Bearer ${h.member.token}`, 'content-type': 'application/octet-stream' },
      payload: qcow2Bytes(),
    });
    expectProblem(res, 404, 'IMAGE_NOT_FOUND');
    expect((await h.request('GET', `/images/${id}`)).json()).toMatchObject({ status: 'uploading' });
  });

  it('lists only the member’s own VMs, images and tasks (an ownerId filter does not widen them)', async () => {
    const image = await uploadImage(h, { token: h.member.token });
    const vm = await createVm(h, image, {}, h.member.token);
    const vms = await h.request('GET', '/vms', { token: h.member.token, query: { ownerId: h.admin.id } });
    expect(vms.json<{ items: VmJson[] }>().items.map((v) => v.id)).toEqual([vm.id]);
    const images = await asMember('GET', '/images');
    expect(images.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toEqual([image]);
    const tasks = await asMember('GET', '/tasks');
    const items = tasks.json<{ items: { actorId: string; resource: { id: string } }[] }>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((t) => t.actorId === h.member.id && t.resource.id === vm.id)).toBe(true);
    // The admin sees everything.
    const all = await h.request('GET', '/vms');
    const ids = all.json<{ items: VmJson[] }>().items.map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining([vm.id, adminVm.id]));
    expect((await h.request('GET', `/vms/${vm.id}`)).statusCode).toBe(200);
  });

  it('a viewer reads but may not change anything (403 FORBIDDEN)', async () => {
    const viewer = await addUser(h.db, 'viewer', 'viewer');
    const login = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: viewer.username, password: MEMBER_PASSWORD },
    });
    const token = login.json<{ token: string }>().token;
    expect((await h.request('GET', '/vms', { token })).statusCode).toBe(200);
    expectProblem(
      await h.request('POST', '/images', { token, body: { name: 'v', kind: 'disk' } }),
      403,
      'FORBIDDEN',
    );
  });
});

describe('the events stream of a member', () => {
  it('carries the member’s events and none of the admin’s', async () => {
    const member = await connectEvents(h, { token: h.member.token });
    const admin = await connectEvents(h);
    try {
      await member.next((m) => m.type === 'ready');
      await admin.next((m) => m.type === 'ready');
      const other = await createVm(h, adminImage, { start: true });
      const image = await uploadImage(h, { token: h.member.token });
      const own = await createVm(h, image, {}, h.member.token);
      // Once the admin's stream has the member's vm.created, the member's has had every chance to see everything.
      await admin.next((m) => m.type === 'vm.created' && (m.resource as { id: string }).id === own.id);
      await member.next((m) => m.type === 'vm.created' && (m.resource as { id: string }).id === own.id);
      const events = member.messages.filter((m) => m.type !== 'ready');
      const resourceIds = new Set(events.map((m) => (m.resource as { id: string }).id));
      expect(resourceIds.has(other.id)).toBe(false);
      expect(resourceIds.has(adminImage)).toBe(false);
      expect(events.some((m) => m.type === 'vm.started')).toBe(false);
      for (const e of events.filter((m) => m.type === 'task.updated')) {
        expect((e.data as { task: { actorId: string } }).task.actorId).toBe(h.member.id);
      }
      expect(admin.messages.some((m) => (m.resource as { id?: string } | undefined)?.id === other.id)).toBe(
        true,
      );
    } finally {
      member.close();
      admin.close();
    }
  });
});
