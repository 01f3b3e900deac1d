import { BASE_PATH } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../domain/model.js';
import {
  loginNewUser,
  createVm,
  expectProblem,
  isoBytes,
  MiB,
  snapshotState,
  startHarness,
  uploadImage,
  vmBody,
  type Harness,
  type ProblemJson,
  type VmJson,
} from '../testing/app-harness.js';

// Quotas and usage through the API: the real server over in-memory SQLite (real adapter) and the FakeHypervisor
// (fake). Each test makes its own users, so their usage starts at zero.
let h: Harness;
let image: string;
/** The system disk of a VM made from `image`: its qcow2 virtual size (app-harness `qcow2Bytes`). */
const DISK = 64 * MiB;
const MEM = 128 * MiB;
beforeAll(async () => {
  h = await startHarness();
  image = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});

interface Member {
  id: string;
  token: string;
}

/** A new user of `role`, logged in. */
const newUser = (role: User['role'] = 'member'): Promise<Member> => loginNewUser(h, role, 'quota-user');

interface QuotaJson {
  maxVms: number | null;
  maxVcpus: number | null;
  maxMemoryBytes: number | null;
  maxDiskBytes: number | null;
}
const UNLIMITED: QuotaJson = { maxVms: null, maxVcpus: null, maxMemoryBytes: null, maxDiskBytes: null };

async function setQuota(userId: string, quota: Partial<QuotaJson>): Promise<void> {
  const res = await h.request('PUT', `/users/${userId}/quota`, { body: { ...UNLIMITED, ...quota } });
  expect(res.statusCode, res.body).toBe(200);
}

async function usageOf(m: Member): Promise<Record<string, unknown>> {
  const res = await h.request('GET', '/me/usage', { token: m.token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Creates a VM for `m` (from the admin's image, which the admin may use for anyone) and waits for it. */
function createFor(m: Member, overrides: Parameters<typeof vmBody>[1] = {}): Promise<VmJson> {
  return createVm(h, image, { ...overrides, ownerId: m.id });
}

async function vmsOwnedBy(userId: string): Promise<number> {
  return (await h.db.vms.list({ ownerId: userId, limit: 500 })).items.length;
}

describe('GET /me/usage', () => {
  it('is zero with no limits for a new user, of any role', async () => {
    for (const role of ['member', 'viewer', 'admin'] as const) {
      const u = await newUser(role);
      expect(await usageOf(u)).toEqual({ vms: 0, vcpus: 0, memoryBytes: 0, diskBytes: 0, quota: UNLIMITED });
    }
  });

  it('follows creates, patches, failed creates and deletes', async () => {
    const m = await newUser();
    const memberImage = await uploadImage(h, { token: m.token });
    const a = await createVm(h, memberImage, { vcpus: 2, memoryBytes: MEM }, m.token);
    const b = await createVm(h, memberImage, { vcpus: 1, memoryBytes: 2 * MEM }, m.token);
    expect(await usageOf(m)).toMatchObject({ vms: 2, vcpus: 3, memoryBytes: 3 * MEM, diskBytes: 2 * DISK });

    const patched = await h.request('PATCH', `/vms/${a.id}`, {
      token: m.token,
      body: { vcpus: 4, memoryBytes: 3 * MEM },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await usageOf(m)).toMatchObject({ vms: 2, vcpus: 5, memoryBytes: 5 * MEM, diskBytes: 2 * DISK });

    // A create whose task fails is compensated: its row, and so its share, are gone.
    h.hypervisor.failNext('createVolume');
    const failed = await h.request('POST', '/vms', {
      token: m.token,
      body: vmBody(memberImage, { vcpus: 8 }),
      query: { wait: 'true' },
    });
    expect(failed.statusCode).toBeGreaterThanOrEqual(400);
    expect(await usageOf(m)).toMatchObject({ vms: 2, vcpus: 5, memoryBytes: 5 * MEM, diskBytes: 2 * DISK });

    const deleted = await h.request('DELETE', `/vms/${b.id}`, { token: m.token, query: { wait: 'true' } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await usageOf(m)).toMatchObject({ vms: 1, vcpus: 4, memoryBytes: 3 * MEM, diskBytes: DISK });
  });

  it('shows the caller’s own quota', async () => {
    const m = await newUser('viewer');
    await setQuota(m.id, { maxVms: 0, maxDiskBytes: 10 * MiB });
    expect((await usageOf(m))['quota']).toEqual({ ...UNLIMITED, maxVms: 0, maxDiskBytes: 10 * MiB });
  });
});

describe('QUOTA_EXCEEDED at create', () => {
  type Row = [keyof QuotaJson, Partial<QuotaJson>, Parameters<typeof vmBody>[1], number, number, number];
  // limit, quota, the refused request, then the problem's max, used and requested (after one VM of 2 vCPUs, 2*MEM).
  it.each<Row>([
    ['maxVms', { maxVms: 1 }, {}, 1, 1, 1],
    ['maxVcpus', { maxVcpus: 4 }, { vcpus: 3 }, 4, 2, 3],
    ['maxMemoryBytes', { maxMemoryBytes: 3 * MEM }, { memoryBytes: 2 * MEM }, 3 * MEM, 2 * MEM, 2 * MEM],
    ['maxDiskBytes', { maxDiskBytes: DISK + 1 }, {}, DISK + 1, DISK, DISK],
  ])('%s: says which limit, its value, the use and the excess; nothing is created', async (...row) => {
    const [limit, quota, request, max, used, requested] = row;
    const m = await newUser();
    await setQuota(m.id, quota);
    await createFor(m, { vcpus: 2, memoryBytes: 2 * MEM });
    const before = await snapshotState(h);
    const res = await h.request('POST', '/vms', {
      body: { ...vmBody(image, request), ownerId: m.id },
    });
    const problem = expectProblem(res, 403, 'QUOTA_EXCEEDED') as ProblemJson & Record<string, unknown>;
    expect(problem).toMatchObject({ limit, max, used, requested });
    expect(problem.detail).toContain(limit);
    expect(problem.detail).toContain(`exceed it by ${used + requested - max}`);
    expect(await snapshotState(h)).toEqual(before);
  });

  it('counts the blank disk of a VM installed from an ISO', async () => {
    const m = await newUser();
    const iso = await uploadImage(h, { token: m.token, kind: 'iso', bytes: isoBytes() });
    await setQuota(m.id, { maxDiskBytes: 300 * MiB });
    const blank = (sizeBytes: number): Record<string, unknown> => ({
      ...vmBody(iso),
      source: { blank: { sizeBytes }, isoImageId: iso },
    });
    const first = await h.request('POST', '/vms', {
      token: m.token,
      body: blank(200 * MiB),
      query: { wait: 'true' },
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(await usageOf(m)).toMatchObject({ vms: 1, diskBytes: 200 * MiB });
    const second = await h.request('POST', '/vms', { token: m.token, body: blank(101 * MiB) });
    expect(expectProblem(second, 403, 'QUOTA_EXCEEDED')).toMatchObject({
      limit: 'maxDiskBytes',
      max: 300 * MiB,
      used: 200 * MiB,
      requested: 101 * MiB,
    });
  });

  it('counts nothing against a limit that is unlimited, and a zero limit refuses at once', async () => {
    const m = await newUser();
    await setQuota(m.id, { maxVcpus: 0 });
    expectProblem(
      await h.request('POST', '/vms', { body: { ...vmBody(image), ownerId: m.id } }),
      403,
      'QUOTA_EXCEEDED',
    );
    await setQuota(m.id, { maxVcpus: null, maxVms: 5 });
    await createFor(m, { vcpus: 64 });
    expect(await vmsOwnedBy(m.id)).toBe(1);
  });
});

describe('concurrent creates at the limit', () => {
  /** POSTs over real HTTP (not inject), all at once, as the member. */
  async function createConcurrently(m: Member, n: number): Promise<{ status: number; body: unknown }[]> {
    const memberImage = await uploadImage(h, { token: m.token });
    return Promise.all(
      Array.from({ length: n }, async () => {
        const res = await fetch(`${h.url}${BASE_PATH}/vms`, {
          method: 'POST',
          headers: { authorization: `Bearer ${m.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(vmBody(memberImage, { vcpus: 1, memoryBytes: MEM })),
        });
        const body: unknown = await res.json();
        return { status: res.status, body };
      }),
    );
  }

  async function settle(results: { status: number; body: unknown }[]): Promise<void> {
    for (const r of results) {
      if (r.status !== 202) continue;
      const id = (r.body as { task: { id: string } }).task.id;
      const task = await h.request('GET', `/tasks/${id}`, { query: { wait: 'true' } });
      expect(task.json<{ status: string }>().status).toBe('succeeded');
    }
  }

  it.each<[string, Partial<QuotaJson>]>([
    ['maxVms', { maxVms: 3 }],
    ['maxVcpus', { maxVcpus: 3 }],
    ['maxMemoryBytes', { maxMemoryBytes: 3 * MEM }],
    // Disks are made by the tasks, after the requests return: the planned disk must count from acceptance.
    ['maxDiskBytes', { maxDiskBytes: 3 * DISK }],
  ])('10 concurrent POST /vms with room for 3 (%s) leave exactly 3 VMs', async (limit, quota) => {
    const m = await newUser();
    await setQuota(m.id, quota);
    const results = await createConcurrently(m, 10);
    expect(results.filter((r) => r.status === 202)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 202);
    expect(refused).toHaveLength(7);
    for (const r of refused)
      expect(r).toMatchObject({ status: 403, body: { code: 'QUOTA_EXCEEDED', limit } });
    await settle(results);
    expect(await vmsOwnedBy(m.id)).toBe(3);
    expect(await usageOf(m)).toMatchObject({ vms: 3, vcpus: 3, memoryBytes: 3 * MEM, diskBytes: 3 * DISK });
  });
});

describe('PATCH /vms/{id} and the quota', () => {
  it('refuses growing vCPUs or memory over the quota and leaves the VM unchanged', async () => {
    const m = await newUser();
    await setQuota(m.id, { maxVcpus: 4, maxMemoryBytes: 4 * MEM });
    const vm = await createFor(m, { vcpus: 2, memoryBytes: 2 * MEM });
    const other = await createFor(m, { vcpus: 1, memoryBytes: MEM });
    const before = await snapshotState(h);

    const vcpus = await h.request('PATCH', `/vms/${vm.id}`, { token: m.token, body: { vcpus: 4 } });
    expect(expectProblem(vcpus, 403, 'QUOTA_EXCEEDED')).toMatchObject({
      limit: 'maxVcpus',
      max: 4,
      used: 3,
      requested: 2,
    });
    const memory = await h.request('PATCH', `/vms/${vm.id}`, {
      token: m.token,
      body: { description: 'bigger', memoryBytes: 4 * MEM },
    });
    expect(expectProblem(memory, 403, 'QUOTA_EXCEEDED')).toMatchObject({
      limit: 'maxMemoryBytes',
      max: 4 * MEM,
      used: 3 * MEM,
      requested: 2 * MEM,
    });
    expect(await snapshotState(h)).toEqual(before);
    const read = await h.request('GET', `/vms/${vm.id}`, { token: m.token });
    expect(read.json()).toMatchObject({ vcpus: 2, memoryBytes: 2 * MEM, description: '' });

    // Within the quota it grows; shrinking is always allowed, even over a lowered quota.
    const grown = await h.request('PATCH', `/vms/${vm.id}`, { token: m.token, body: { vcpus: 3 } });
    expect(grown.statusCode, grown.body).toBe(200);
    await setQuota(m.id, { maxVcpus: 1 });
    const shrunk = await h.request('PATCH', `/vms/${other.id}`, {
      token: m.token,
      body: { memoryBytes: MEM / 2, description: 'smaller' },
    });
    expect(shrunk.statusCode, shrunk.body).toBe(200);
    expect(await usageOf(m)).toMatchObject({ vcpus: 4, memoryBytes: 2 * MEM + MEM / 2 });
  });
});

describe('an admin acting for an owner', () => {
  it("counts a VM the admin creates for a member against the member's quota, not the admin's", async () => {
    const m = await newUser();
    const adminBefore = (await h.request('GET', '/me/usage')).json<{ vms: number }>().vms;
    const vm = await createFor(m, { vcpus: 2, memoryBytes: MEM });
    expect(vm.ownerId).toBe(m.id);
    expect(await usageOf(m)).toMatchObject({ vms: 1, vcpus: 2, memoryBytes: MEM, diskBytes: DISK });
    expect((await h.request('GET', '/me/usage')).json<{ vms: number }>().vms).toBe(adminBefore);

    // The member sees and owns it; the task names the member as owner and the admin as actor.
    expect((await h.request('GET', `/vms/${vm.id}`, { token: m.token })).statusCode).toBe(200);
    const tasks = await h.request('GET', '/tasks', { token: m.token, query: { resource: vm.id } });
    expect(tasks.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ kind: 'vm.create', actorId: h.admin.id }),
    ]);
    const task = await h.db.tasks.list({ resourceId: vm.id, limit: 10 });
    expect(task.items.map((t) => [t.ownerId, t.actorId])).toEqual([[m.id, h.admin.id]]);

    // The admin has no limits; the member's quota still stops the admin.
    await setQuota(m.id, { maxVms: 1 });
    const before = await snapshotState(h);
    const res = await h.request('POST', '/vms', { body: { ...vmBody(image), ownerId: m.id } });
    expect(expectProblem(res, 403, 'QUOTA_EXCEEDED')).toMatchObject({ limit: 'maxVms', max: 1, used: 1 });
    expect(await snapshotState(h)).toEqual(before);
  });

  it('is 404 USER_NOT_FOUND for an owner that does not exist, and creates nothing', async () => {
    const before = await snapshotState(h);
    const res = await h.request('POST', '/vms', {
      body: { ...vmBody(image), ownerId: '00000000-0000-4000-8000-000000000000' },
    });
    expectProblem(res, 404, 'USER_NOT_FOUND');
    expect(await snapshotState(h)).toEqual(before);
  });

  it('is 403 FORBIDDEN for a member naming someone else, and creates nothing; its own id is fine', async () => {
    const m = await newUser();
    const memberImage = await uploadImage(h, { token: m.token });
    const before = await snapshotState(h);
    for (const ownerId of [h.admin.id, h.member.id, 'no-such-user']) {
      const res = await h.request('POST', '/vms', {
        token: m.token,
        body: { ...vmBody(memberImage), ownerId },
      });
      expectProblem(res, 403, 'FORBIDDEN');
    }
    expect(await snapshotState(h)).toEqual(before);
    const own = await h.request('POST', '/vms', {
      token: m.token,
      body: { ...vmBody(memberImage), ownerId: m.id },
      query: { wait: 'true' },
    });
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json<VmJson>().ownerId).toBe(m.id);
  });
});

describe('GET/PUT /users/{id}/quota', () => {
  it('replaces the whole quota and reads it back; a user without one is unlimited', async () => {
    const m = await newUser();
    expect((await h.request('GET', `/users/${m.id}/quota`)).json()).toEqual(UNLIMITED);
    const quota = { maxVms: 2, maxVcpus: 0, maxMemoryBytes: null, maxDiskBytes: Number.MAX_SAFE_INTEGER };
    const put = await h.request('PUT', `/users/${m.id}/quota`, { body: quota });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual(quota);
    expect((await h.request('GET', `/users/${m.id}/quota`)).json()).toEqual(quota);
    await setQuota(m.id, { maxVms: 1 });
    expect((await h.request('GET', `/users/${m.id}/quota`)).json()).toEqual({ ...UNLIMITED, maxVms: 1 });
  });

  it('is 404 USER_NOT_FOUND for a user that does not exist', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    expectProblem(await h.request('GET', `/users/${id}/quota`), 404, 'USER_NOT_FOUND');
    expectProblem(await h.request('PUT', `/users/${id}/quota`, { body: UNLIMITED }), 404, 'USER_NOT_FOUND');
    expect(await h.db.quotas.find(id)).toBeNull();
  });

  it('is admin-only: members and viewers get 403 and change nothing', async () => {
    const m = await newUser();
    await setQuota(m.id, { maxVms: 1 });
    for (const caller of [m, await newUser('viewer')]) {
      expectProblem(
        await h.request('GET', `/users/${m.id}/quota`, { token: caller.token }),
        403,
        'FORBIDDEN',
      );
      const put = await h.request('PUT', `/users/${m.id}/quota`, {
        token: caller.token,
        body: { ...UNLIMITED, maxVms: 100 },
      });
      expectProblem(put, 403, 'FORBIDDEN');
    }
    expect((await h.request('GET', `/users/${m.id}/quota`)).json()).toEqual({ ...UNLIMITED, maxVms: 1 });
  });

  const valid = { maxVms: 1, maxVcpus: 2, maxMemoryBytes: 3, maxDiskBytes: 4 };
  it.each<[string, unknown, string]>([
    ['a negative limit', { ...valid, maxVms: -1 }, '/body/maxVms'],
    ['a string', { ...valid, maxVcpus: '8' }, '/body/maxVcpus'],
    ['a float', { ...valid, maxMemoryBytes: 1.5 }, '/body/maxMemoryBytes'],
    ['a limit beyond 2^53', { ...valid, maxDiskBytes: 2 ** 60 }, '/body/maxDiskBytes'],
    ['a boolean', { ...valid, maxDiskBytes: true }, '/body/maxDiskBytes'],
    ['an unknown field', { ...valid, maxNetworks: 1 }, '/body/maxNetworks'],
    ['a missing field', { maxVms: 1, maxVcpus: 2, maxMemoryBytes: 3 }, '/body/maxDiskBytes'],
    ['an empty object', {}, '/body/maxVms'],
    ['an array', [valid], '/body'],
    ['JSON null', 'null', '/body'],
    ['text that is not JSON', '{"maxVms": 1,', '/body'],
  ])('refuses %s with 400 naming the field; the quota is unchanged', async (_what, body, path) => {
    const m = await newUser();
    await setQuota(m.id, { maxVms: 7 });
    const res =
      typeof body === 'string'
        ? await h.app.inject({
            method: 'PUT',
            url: `${BASE_PATH}/users/${m.id}/quota`,
            headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
            payload: body,
          })
        : await h.request('PUT', `/users/${m.id}/quota`, { body });
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect((await h.request('GET', `/users/${m.id}/quota`)).json()).toEqual({ ...UNLIMITED, maxVms: 7 });
  });
});
