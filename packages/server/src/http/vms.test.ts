import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVm,
  expectProblem,
  MiB,
  startHarness,
  uploadImage,
  vmBody,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// VM create, read, list and update through app.inject(). Real server over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake).
let h: Harness;
let imageId: string;
beforeAll(async () => {
  h = await startHarness();
  imageId = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});

interface TaskJson {
  id: string;
  kind: string;
  status: string;
  resource: { kind: string; id: string };
  error?: { code: string; detail: string };
}

const uniqueName = (): string => `vm-${randomUUID().slice(0, 8)}`;

async function vmRows(name: string): Promise<number> {
  const rows = await h.db.kysely.selectFrom('vms').select('id').where('name', '=', name).execute();
  return rows.length;
}

describe('POST /vms', () => {
  it('answers 202 with Location and the queued task; the task creates a stopped VM', async () => {
    const name = uniqueName();
    const res = await h.request('POST', '/vms', { body: vmBody(imageId, { name }) });
    expect(res.statusCode).toBe(202);
    const { task } = res.json<{ task: TaskJson }>();
    expect(res.headers.location).toBe(`/api/v1/tasks/${task.id}`);
    expect(task).toMatchObject({ kind: 'vm.create', status: 'queued', resource: { kind: 'vm' } });
    const done = await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
    expect(done.json()).toMatchObject({ status: 'succeeded' });
    const vm = await h.request('GET', `/vms/${task.resource.id}`);
    expect(vm.json()).toMatchObject({ name, state: 'stopped', vcpus: 1, memoryBytes: 128 * MiB });
    expect(h.hypervisor.vms.get(task.resource.id)?.spec.name).toBe(name);
  });

  it.each([
    [true, 'running'],
    [false, 'stopped'],
  ])('with ?wait=true and start=%s answers 201 with a %s VM', async (start, state) => {
    const res = await h.request('POST', '/vms', {
      body: vmBody(imageId, { start, tags: ['web'], description: 'd' }),
      query: { wait: 'true' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const vm = res.json<VmJson>();
    expect(vm).toMatchObject({ state, tags: ['web'], description: 'd', ownerId: h.admin.id });
    expect(vm.disks).toHaveLength(1);
    expect(h.hypervisor.vms.get(vm.id)?.state).toBe(state);
  });

  it('refuses a taken name with 409 VM_NAME_TAKEN', async () => {
    const vm = await createVm(h, imageId);
    const res = await h.request('POST', '/vms', { body: vmBody(imageId, { name: vm.name }) });
    expectProblem(res, 409, 'VM_NAME_TAKEN');
    expect(await vmRows(vm.name)).toBe(1);
  });

  it('refuses the name of a domain libvirt has outside Gureum', async () => {
    const foreign = await createVm(h, imageId);
    // The row goes; the domain stays: libvirt knows the name, Gureum does not.
    await h.db.kysely.deleteFrom('volumes').where('vm_id', '=', foreign.id).execute();
    await h.db.vms.delete(foreign.id);
    const res = await h.request('POST', '/vms', { body: vmBody(imageId, { name: foreign.name }) });
    expectProblem(res, 409, 'VM_NAME_TAKEN');
    expect(await vmRows(foreign.name)).toBe(0);
  });

  it('lets exactly one of 10 concurrent creates of one name through', async () => {
    const name = uniqueName();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => h.request('POST', '/vms', { body: vmBody(imageId, { name }) })),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([202, ...Array<number>(9).fill(409)]);
    for (const r of results.filter((x) => x.statusCode === 409)) expectProblem(r, 409, 'VM_NAME_TAKEN');
    expect(await vmRows(name)).toBe(1);
    const accepted = results.find((r) => r.statusCode === 202)?.json<{ task: TaskJson }>().task;
    const done = await h.request('GET', `/tasks/${accepted?.id ?? ''}`, { query: { wait: 'true' } });
    expect(done.json()).toMatchObject({ status: 'succeeded' });
    expect([...h.hypervisor.vms.values()].filter((v) => v.spec.name === name)).toHaveLength(1);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body: same task, one VM', async () => {
    const key = randomUUID();
    const body = vmBody(imageId);
    const first = await h.request('POST', '/vms', { body, headers: { 'idempotency-key': key } });
    const second = await h.request('POST', '/vms', { body, headers: { 'idempotency-key': key } });
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    const a = first.json<{ task: TaskJson }>().task;
    const b = second.json<{ task: TaskJson }>().task;
    expect(b.id).toBe(a.id);
    expect(second.headers.location).toBe(first.headers.location);
    const waited = await h.request('POST', '/vms', {
      body,
      headers: { 'idempotency-key': key },
      query: { wait: 'true' },
    });
    expect(waited.statusCode).toBe(201);
    expect(waited.json<VmJson>().id).toBe(a.resource.id);
    expect(await vmRows(body.name)).toBe(1);
  });

  it('concurrent requests with one key make one VM: the same task, or 409 IDEMPOTENCY_KEY_IN_USE', async () => {
    const key = randomUUID();
    const body = vmBody(imageId);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.request('POST', '/vms', { body, headers: { 'idempotency-key': key } }),
      ),
    );
    const taskIds = new Set<string>();
    for (const r of results) {
      if (r.statusCode === 202) taskIds.add(r.json<{ task: TaskJson }>().task.id);
      else expectProblem(r, 409, 'IDEMPOTENCY_KEY_IN_USE');
    }
    expect(taskIds.size).toBe(1);
    expect(await vmRows(body.name)).toBe(1);
  });

  it('refuses the same key with another body with 422 IDEMPOTENCY_KEY_MISMATCH', async () => {
    const key = randomUUID();
    const first = await h.request('POST', '/vms', {
      body: vmBody(imageId),
      headers: { 'idempotency-key': key },
    });
    expect(first.statusCode).toBe(202);
    const other = vmBody(imageId);
    const res = await h.request('POST', '/vms', { body: other, headers: { 'idempotency-key': key } });
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_MISMATCH');
    expect(await vmRows(other.name)).toBe(0);
  });

  it('forgets a key whose request was refused, so a corrected retry goes through', async () => {
    const key = randomUUID();
    const taken = await createVm(h, imageId);
    const refused = await h.request('POST', '/vms', {
      body: vmBody(imageId, { name: taken.name }),
      headers: { 'idempotency-key': key },
    });
    expect(refused.statusCode).toBe(409);
    const retry = await h.request('POST', '/vms', {
      body: vmBody(imageId),
      headers: { 'idempotency-key': key },
    });
    expect(retry.statusCode).toBe(202);
  });

  it('keeps keys per user', async () => {
    const key = randomUUID();
    const mine = await h.request('POST', '/vms', {
      body: vmBody(imageId),
      headers: { 'idempotency-key': key },
    });
    const memberImage = await uploadImage(h, { token: h.member.token });
    const theirs = await h.request('POST', '/vms', {
      token: h.member.token,
      body: vmBody(memberImage),
      headers: { 'idempotency-key': key },
    });
    expect([mine.statusCode, theirs.statusCode]).toEqual([202, 202]);
  });
});

describe('GET /vms/:idOrName and GET /vms', () => {
  it('finds a VM by id and by name, with an ETag', async () => {
    const vm = await createVm(h, imageId);
    const byId = await h.request('GET', `/vms/${vm.id}`);
    const byName = await h.request('GET', `/vms/${vm.name}`);
    expect(byId.statusCode).toBe(200);
    expect(byName.json()).toEqual(byId.json());
    expect(byId.headers.etag).toMatch(/^"\d+"$/);
    expect(byName.headers.etag).toBe(byId.headers.etag);
  });

  it('pages with a cursor and filters by state, tag and q, without calling the hypervisor', async () => {
    const tag = `t${randomUUID().slice(0, 6)}`;
    const made: VmJson[] = [];
    for (let i = 0; i < 5; i += 1) {
      made.push(
        await createVm(h, imageId, { name: `${tag}-${i}`, tags: [tag], start: i < 2, description: `n${i}` }),
      );
    }
    const callsBefore = h.hypervisor.calls.length;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { tag, limit: '2', ...(cursor ? { cursor } : {}) };
      const res = await h.request('GET', '/vms', { query });
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: VmJson[]; nextCursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((v) => v.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(made.map((v) => v.name));

    const running = await h.request('GET', '/vms', { query: { tag, state: 'running' } });
    expect(running.json<{ items: VmJson[] }>().items.map((v) => v.name)).toEqual([`${tag}-0`, `${tag}-1`]);
    const stopped = await h.request('GET', '/vms', { query: { tag, state: 'stopped' } });
    expect(stopped.json<{ items: VmJson[] }>().items.every((v) => v.state === 'stopped')).toBe(true);
    expect(stopped.json<{ items: VmJson[] }>().items).toHaveLength(3);
    const q = await h.request('GET', '/vms', { query: { q: `${tag}-3` } });
    expect(q.json<{ items: VmJson[] }>().items.map((v) => v.name)).toEqual([`${tag}-3`]);
    // Served from the database and the live view: no libvirt call at all, let alone one per VM.
    expect(h.hypervisor.calls.slice(callsBefore)).toEqual([]);
  });
});

describe('PATCH /vms/:idOrName', () => {
  it('updates description and tags with a matching If-Match and returns a new ETag', async () => {
    const vm = await createVm(h, imageId);
    const etag = (await h.request('GET', `/vms/${vm.id}`)).headers.etag ?? '';
    const res = await h.request('PATCH', `/vms/${vm.name}`, {
      body: { description: 'new', tags: ['a', 'b'] },
      headers: { 'if-match': etag },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ description: 'new', tags: ['a', 'b'] });
    expect(res.headers.etag).toMatch(/^"\d+"$/);
    expect(res.headers.etag).not.toBe(etag);
    const { maxId } = await h.db.events.bounds();
    const [last] = await h.db.events.listAfter((maxId ?? 1) - 1, 1);
    expect(last).toMatchObject({
      type: 'vm.updated',
      resourceId: vm.id,
      data: { vm: { description: 'new' } },
    });
    const stale = await h.request('PATCH', `/vms/${vm.id}`, {
      body: { description: 'lost update' },
      headers: { 'if-match': etag },
    });
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
    expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({ description: 'new' });
  });

  it('refuses vCPU changes of a running VM with 409 VM_INVALID_STATE', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const res = await h.request('PATCH', `/vms/${vm.id}`, { body: { vcpus: 2 } });
    expectProblem(res, 409, 'VM_INVALID_STATE');
    expect(h.hypervisor.vms.get(vm.id)?.spec.vcpus).toBe(1);
    expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({ vcpus: 1 });
  });

  it('redefines a stopped VM with the new vCPUs and memory', async () => {
    const vm = await createVm(h, imageId);
    const res = await h.request('PATCH', `/vms/${vm.id}`, { body: { vcpus: 2, memoryBytes: 256 * MiB } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ vcpus: 2, memoryBytes: 256 * MiB });
    expect(h.hypervisor.vms.get(vm.id)?.spec).toMatchObject({ vcpus: 2, memoryBytes: 256 * MiB });
  });

  it('puts the record back when the redefinition fails', async () => {
    const vm = await createVm(h, imageId);
    h.hypervisor.failNext('defineVm');
    const res = await h.request('PATCH', `/vms/${vm.id}`, { body: { vcpus: 4 } });
    expect(res.statusCode).toBe(500);
    expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({ vcpus: 1 });
    expect(h.hypervisor.vms.get(vm.id)?.spec.vcpus).toBe(1);
  });
});
