import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.js';
import {
  createVm,
  expectProblem,
  snapshotState,
  startHarness,
  uploadImage,
  vmBody,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// Lifecycle actions, delete, failure and outage paths through app.inject(). Real server over in-memory SQLite (real
// adapter) and the FakeHypervisor (fake). The graceful-stop timeout is 500 ms (harness config).
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
  if (h.hypervisor.status !== 'up') h.hypervisor.setStatus('up');
});

const act = (vm: VmJson, action: string, body: Record<string, unknown> = {}) =>
  h.request('POST', `/vms/${vm.id}/actions/${action}`, { body, query: { wait: 'true' } });

interface TaskJson {
  id: string;
  status: string;
  error?: { code: string; detail: string; instance: string };
}

describe('lifecycle actions with ?wait=true', () => {
  it('walks a VM through start, pause, resume, reboot, reset, stop, start and force-stop', async () => {
    const vm = await createVm(h, imageId);
    const steps: [string, string][] = [
      ['start', 'running'],
      ['pause', 'paused'],
      ['resume', 'running'],
      ['reboot', 'running'],
      ['reset', 'running'],
      ['stop', 'stopped'],
      ['start', 'running'],
      ['force-stop', 'stopped'],
    ];
    for (const [action, state] of steps) {
      const res = await act(vm, action);
      expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
      expect(res.json(), action).toMatchObject({ id: vm.id, state });
      expect(h.hypervisor.vms.get(vm.id)?.state, action).toBe(state);
    }
  });

  it.each([
    ['pause', 'stopped'],
    ['resume', 'stopped'],
    ['stop', 'stopped'],
    ['reboot', 'stopped'],
    ['start', 'running'],
    ['resume', 'running'],
  ])('refuses to %s a %s VM with 409 VM_INVALID_STATE and starts no task', async (action, state) => {
    const vm = await createVm(h, imageId, { start: state === 'running' });
    const before = await snapshotState(h);
    const res = await act(vm, action);
    const problem = expectProblem(res, 409, 'VM_INVALID_STATE');
    expect(problem.detail).toContain(state);
    expect(await snapshotState(h)).toEqual(before);
  });

  it('a guest that ignores ACPI: stop fails with VM_STOP_TIMEOUT, stop with force powers it off', async () => {
    const vm = await createVm(h, imageId, { start: true });
    h.hypervisor.ignoreShutdown = true;
    const res = await act(vm, 'stop');
    expectProblem(res, 409, 'VM_STOP_TIMEOUT');
    expect(h.hypervisor.vms.get(vm.id)?.state).toBe('running');
    expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({ state: 'running' });
    const forced = await act(vm, 'stop', { force: true });
    expect(forced.statusCode, forced.body).toBe(200);
    expect(forced.json()).toMatchObject({ state: 'stopped' });
    expect(h.hypervisor.vms.get(vm.id)?.state).toBe('stopped');
  });
});

describe('stopping a paused VM', () => {
  it('resumes it so the guest sees the power button, then stops it', async () => {
    const vm = await createVm(h, imageId, { start: true });
    expect((await act(vm, 'pause')).json()).toMatchObject({ state: 'paused' });
    const res = await act(vm, 'stop');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'stopped' });
  });

  it('with force powers it off at once', async () => {
    const vm = await createVm(h, imageId, { start: true });
    expect((await act(vm, 'pause')).json()).toMatchObject({ state: 'paused' });
    h.hypervisor.ignoreShutdown = true;
    const res = await act(vm, 'stop', { force: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'stopped' });
  });
});

describe('DELETE /vms/:idOrName', () => {
  it('?dryRun=true lists exactly the VM, its domain and its volume, and changes nothing', async () => {
    const vm = await createVm(h, imageId);
    const before = await snapshotState(h);
    const res = await h.request('DELETE', `/vms/${vm.name}`, { query: { dryRun: 'true' } });
    expect(res.statusCode).toBe(200);
    const volumeId = vm.disks[0]?.volumeId;
    expect(res.json()).toEqual({
      wouldDelete: [
        { kind: 'vm', id: vm.id, name: vm.name },
        { kind: 'domain', id: vm.id, name: vm.name },
        { kind: 'volume', id: volumeId, name: expect.stringContaining(vm.id) as unknown },
      ],
    });
    expect(await snapshotState(h)).toEqual(before);
  });

  it('removes the domain, the volumes and the rows of a running VM', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const volumesBefore = h.hypervisor.volumes.size;
    const res = await h.request('DELETE', `/vms/${vm.id}`, { query: { wait: 'true' } });
    expect(res.statusCode, res.body).toBe(204);
    expect(h.hypervisor.vms.has(vm.id)).toBe(false);
    expect(h.hypervisor.volumes.size).toBe(volumesBefore - 1);
    expect([...h.hypervisor.volumes.keys()].some((k) => k.includes(vm.id))).toBe(false);
    expect(await h.db.vms.findById(vm.id)).toBeNull();
    expect(await h.db.volumes.listByVm(vm.id)).toEqual([]);
    expectProblem(await h.request('GET', `/vms/${vm.id}`), 404, 'VM_NOT_FOUND');
  });
});

describe('a delete that fails', () => {
  it('can be retried and then removes everything', async () => {
    const vm = await createVm(h, imageId);
    h.hypervisor.failNext(
      'undefineVm',
      new AppError('LIBVIRT_UNAVAILABLE', 'unavailable', 'connection lost'),
    );
    const failed = await h.request('DELETE', `/vms/${vm.id}`, { query: { wait: 'true' } });
    expectProblem(failed, 503, 'LIBVIRT_UNAVAILABLE');
    expect(h.hypervisor.vms.has(vm.id)).toBe(true);
    expect((await h.request('GET', `/vms/${vm.id}`)).statusCode).toBe(200);
    const retried = await h.request('DELETE', `/vms/${vm.id}`, { query: { wait: 'true' } });
    expect(retried.statusCode, retried.body).toBe(204);
    expect(h.hypervisor.vms.has(vm.id)).toBe(false);
    expect(await h.db.vms.findById(vm.id)).toBeNull();
  });
});

describe('a create that fails', () => {
  it('leaves nothing behind and its task names what was rolled back, without leaking the cause', async () => {
    const before = await snapshotState(h);
    const body = vmBody(imageId);
    h.hypervisor.failNext('defineVm', new Error('virDomainDefineXML: cannot open /var/lib/secret/x.xml'));
    const res = await h.request('POST', '/vms', { body, query: { wait: 'true' } });
    const problem = expectProblem(res, 500, 'INTERNAL');
    expect(res.body).not.toContain('/var/lib/secret');
    // The failed step is undone too (its undo is idempotent): it may have half-happened.
    expect(problem.detail).toMatch(/Rolled back: define-domain, create-volume, reserve\./);
    expect(problem.detail).not.toContain('Could not roll back');

    const after = (await snapshotState(h)) as { vms: unknown[]; volumes: unknown[]; tasks: { id: string }[] };
    const was = before as typeof after;
    expect(after.vms).toEqual(was.vms);
    expect(after.volumes).toEqual(was.volumes);
    expect(h.hypervisor.volumes.size).toBe((before as { fakeVolumes: unknown[] }).fakeVolumes.length);
    expect([...h.hypervisor.vms.values()].some((v) => v.spec.name === body.name)).toBe(false);
    const taskId = after.tasks.find((t) => !was.tasks.some((b) => b.id === t.id))?.id ?? '';
    const task = (await h.request('GET', `/tasks/${taskId}`)).json<TaskJson>();
    expect(task).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
    expect(task.error?.instance).toBe(`/api/v1/tasks/${taskId}`);
    expect(task.error?.detail).toContain('Rolled back');
  });

  it('undoes the definition when the first start fails', async () => {
    const body = vmBody(imageId, { start: true });
    h.hypervisor.failNext('startVm', new AppError('VM_INVALID_STATE', 'conflict', 'no start for you'));
    const res = await h.request('POST', '/vms', { body, query: { wait: 'true' } });
    const problem = expectProblem(res, 409, 'VM_INVALID_STATE');
    expect(problem.detail).toMatch(/Rolled back: start, define-domain, create-volume, reserve\./);
    expect([...h.hypervisor.vms.values()].some((v) => v.spec.name === body.name)).toBe(false);
    expect(await h.db.vms.findByName(body.name)).toBeNull();
  });
});

describe('libvirt unreachable', () => {
  it('mutations answer 503 LIBVIRT_UNAVAILABLE; reads answer with state unknown', async () => {
    const vm = await createVm(h, imageId, { start: true });
    h.hypervisor.setStatus('down');
    const before = await snapshotState(h);
    expectProblem(await h.request('POST', '/vms', { body: vmBody(imageId) }), 503, 'LIBVIRT_UNAVAILABLE');
    expectProblem(await act(vm, 'stop'), 503, 'LIBVIRT_UNAVAILABLE');
    expectProblem(await h.request('DELETE', `/vms/${vm.id}`), 503, 'LIBVIRT_UNAVAILABLE');
    expectProblem(
      await h.request('PATCH', `/vms/${vm.id}`, { body: { description: 'x' } }),
      503,
      'LIBVIRT_UNAVAILABLE',
    );
    expect(await snapshotState(h)).toEqual(before);

    const one = await h.request('GET', `/vms/${vm.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: vm.id, state: 'unknown' });
    const list = await h.request('GET', '/vms');
    expect(list.statusCode).toBe(200);
    const items = list.json<{ items: VmJson[] }>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((v) => v.state === 'unknown')).toBe(true);
    expect((await h.request('GET', '/tasks')).statusCode).toBe(200);

    h.hypervisor.setStatus('up');
    await expect
      .poll(async () => (await h.request('GET', `/vms/${vm.id}`)).json<VmJson>().state)
      .toBe('running');
  });
});

describe('a domain removed behind the server’s back', () => {
  it('answers 404 VM_NOT_FOUND for actions, never 500', async () => {
    const vm = await createVm(h, imageId);
    h.hypervisor.vms.delete(vm.id);
    const res = await act(vm, 'start');
    expectProblem(res, 404, 'VM_NOT_FOUND');
    const plan = await h.request('DELETE', `/vms/${vm.id}`, { query: { dryRun: 'true' } });
    expect(plan.json<{ wouldDelete: { kind: string }[] }>().wouldDelete.map((i) => i.kind)).toEqual([
      'vm',
      'volume',
    ]);
    const deleted = await h.request('DELETE', `/vms/${vm.id}`, { query: { wait: 'true' } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await h.db.vms.findById(vm.id)).toBeNull();
  });
});
