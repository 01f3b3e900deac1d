import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectEvents,
  createVm,
  expectProblem,
  startHarness,
  uploadImage,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// Tasks through app.inject() and the events WebSocket. Real server over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake). A guest that ignores ACPI (`ignoreShutdown`) keeps a stop task running as long as needed.
let h: Harness;
let imageId: string;
beforeAll(async () => {
  h = await startHarness();
  imageId = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.hypervisor.ignoreShutdown = false;
});

interface TaskJson {
  id: string;
  kind: string;
  status: string;
  progress: number;
  resource: { kind: string; id: string };
  actorId: string;
  error?: { code: string; instance: string; requestId: string };
}

/** Starts a graceful stop that cannot finish by itself for `timeoutMs`; returns its task. */
async function hangingStop(vm: VmJson, timeoutMs = 10_000): Promise<TaskJson> {
  h.hypervisor.ignoreShutdown = true;
  const res = await h.request('POST', `/vms/${vm.id}/actions/stop`, { body: { timeoutMs } });
  expect(res.statusCode).toBe(202);
  return res.json<{ task: TaskJson }>().task;
}

describe('GET /tasks', () => {
  it('filters by resource, status and kind', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const stop = await h.request('POST', `/vms/${vm.id}/actions/force-stop`, { query: { wait: 'true' } });
    expect(stop.statusCode).toBe(200);
    const list = async (query: Record<string, string>): Promise<TaskJson[]> =>
      (await h.request('GET', '/tasks', { query })).json<{ items: TaskJson[] }>().items;

    const ofVm = await list({ resource: vm.id });
    expect(ofVm.map((t) => t.kind).sort()).toEqual(['vm.create', 'vm.force-stop']);
    expect(ofVm.every((t) => t.resource.id === vm.id && t.actorId === h.admin.id)).toBe(true);
    expect((await list({ resource: vm.id, kind: 'vm.force-stop' })).map((t) => t.kind)).toEqual([
      'vm.force-stop',
    ]);
    expect(await list({ resource: vm.id, status: 'failed' })).toEqual([]);
    expect((await list({ status: 'succeeded' })).length).toBeGreaterThanOrEqual(2);
  });

  it('shows a failed task with its complete Problem', async () => {
    const vm = await createVm(h, imageId, { start: true });
    h.hypervisor.ignoreShutdown = true;
    const res = await h.request('POST', `/vms/${vm.id}/actions/stop`, { query: { wait: 'true' } });
    expectProblem(res, 409, 'VM_STOP_TIMEOUT');
    const [task] = (await h.request('GET', '/tasks', { query: { resource: vm.id, status: 'failed' } })).json<{
      items: TaskJson[];
    }>().items;
    expect(task?.error).toMatchObject({
      code: 'VM_STOP_TIMEOUT',
      status: 409,
      instance: `/api/v1/tasks/${task?.id ?? ''}`,
      requestId: res.headers['x-request-id'],
    });
    const one = await h.request('GET', `/tasks/${task?.id ?? ''}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(task);
  });
});

describe('GET /tasks/:id?wait=true', () => {
  it('holds the request until the task ends', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const task = await hangingStop(vm, 1_000);
    const res = await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
    expect(res.json()).toMatchObject({ id: task.id, status: 'failed', error: { code: 'VM_STOP_TIMEOUT' } });
  });

  it('answers with the task as it stands when timeoutMs passes', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const task = await hangingStop(vm);
    const started = Date.now();
    const res = await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true', timeoutMs: '100' } });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.json()).toMatchObject({ id: task.id, status: 'running' });
    await h.request('POST', `/tasks/${task.id}/actions/cancel`);
    await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
  });
});

describe('POST /tasks/:id/actions/cancel', () => {
  it('cancels a running task: it ends cancelled and the VM is left as it was', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const task = await hangingStop(vm);
    await expect
      .poll(async () => (await h.request('GET', `/tasks/${task.id}`)).json<TaskJson>().status)
      .toBe('running');
    const res = await h.request('POST', `/tasks/${task.id}/actions/cancel`);
    expect(res.statusCode, res.body).toBe(200);
    const done = await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true', timeoutMs: '5000' } });
    expect(done.json()).toMatchObject({ status: 'cancelled', error: { code: 'TASK_CANCELLED' } });
    expect(h.hypervisor.vms.get(vm.id)?.state).toBe('running');
    // The VM is free again.
    h.hypervisor.ignoreShutdown = false;
    const stop = await h.request('POST', `/vms/${vm.id}/actions/stop`, { query: { wait: 'true' } });
    expect(stop.statusCode, stop.body).toBe(200);
  });

  it('refuses a finished task with 409 TASK_NOT_CANCELLABLE', async () => {
    const vm = await createVm(h, imageId);
    const [task] = (await h.request('GET', '/tasks', { query: { resource: vm.id } })).json<{
      items: TaskJson[];
    }>().items;
    expect(task?.status).toBe('succeeded');
    expectProblem(
      await h.request('POST', `/tasks/${task?.id ?? ''}/actions/cancel`),
      409,
      'TASK_NOT_CANCELLABLE',
    );
  });

  it('a second operation on a busy VM is refused with 409, not queued behind it', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const task = await hangingStop(vm);
    const problem = expectProblem(
      await h.request('POST', `/vms/${vm.id}/actions/force-stop`),
      409,
      'VM_BUSY',
    );
    expect(problem.detail).toContain('busy');
    await h.request('POST', `/tasks/${task.id}/actions/cancel`);
    await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
  });
});

describe('task.updated events', () => {
  it('follow a task from queued through running to succeeded, in order', async () => {
    const vm = await createVm(h, imageId);
    const events = await connectEvents(h, { query: { topics: 'task' } });
    try {
      await events.next((m) => m.type === 'ready');
      const res = await h.request('POST', `/vms/${vm.id}/actions/start`);
      const { task } = res.json<{ task: TaskJson }>();
      const taskOf = (m: Record<string, unknown>): TaskJson | undefined =>
        m.type === 'task.updated' ? (m.data as { task: TaskJson }).task : undefined;
      await events.next((m) => taskOf(m)?.id === task.id && taskOf(m)?.status === 'succeeded');
      const updates = events.messages
        .filter((m) => m.type === 'task.updated' && (m.data as { task: TaskJson }).task.id === task.id)
        .map((m) => (m.data as { task: TaskJson }).task);
      const statuses = updates.map((t) => t.status).filter((s, i, all) => s !== all[i - 1]);
      expect(statuses).toEqual(['queued', 'running', 'succeeded']);
      const progress = updates.map((t) => t.progress);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      expect(updates.at(-1)).toMatchObject({ progress: 1, resource: { kind: 'vm', id: vm.id } });
      expect(updates.every((t) => !('input' in t))).toBe(true);
    } finally {
      events.close();
    }
  });
});
