// End to end: kill -9 of the server at every step of vm.create, vm.delete, vm.disk-resize and vm.snapshot-create
// (GUREUM_FAULTS makes the process SIGKILL itself at a journal point), restart without faults, and check with virsh,
// the pools, the storage dir and the API that nothing is left half-done: a create is rolled back; a delete, a resize
// and a snapshot are finished.
import { isApiError } from '@gureum/client';
import type { Image, Task } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { done, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { capacityOf, domainNames, filesUnder, poolVolumes } from './observe.js';
import { virshOk } from '@gureum/test-support';

const MiB = 1024 * 1024;
/** vm.create's steps in order; `finish` has no undo. */
const CREATE_STEPS = ['reserve', 'create-volume', 'define-domain', 'start', 'finish'] as const;
const DELETE_STEPS = ['power-off', 'undefine', 'delete-volumes', 'delete-record'] as const;
const RESIZE_STEPS = ['reserve', 'grow', 'publish'] as const;

let gureum: GureumServer | undefined;
let image: Image;
let serial = 0;

function server(): GureumServer {
  if (!gureum) throw new Error('no server');
  return gureum;
}

beforeAll(async () => {
  gureum = await startGureum({ dialect: 'sqlite' });
  image = await uploadTestImage(gureum.client, gureum.name('img'));
});

afterAll(async () => {
  await gureum?.dispose();
});

async function allTasks(): Promise<Task[]> {
  return (await server().client.listTasks({ limit: 500 })).items;
}

/**
 * Restarts the server with `fault`, sends `request` (whose reply may never come: the process dies), waits for
 * the SIGKILL, restarts without faults and returns the tasks the request created.
 */
async function crashDuring(fault: string, request: () => Promise<unknown>): Promise<Task[]> {
  const g = server();
  const before = new Set((await allTasks()).map((t) => t.id));
  if (g.isRunning) await g.kill('SIGTERM');
  await g.restart({ faults: fault });
  const reply = request().catch((err: unknown) => err);
  const exit = await g.waitForExit(60_000);
  expect(exit.signal, `the server should have crashed at ${fault}`).toBe('SIGKILL');
  await reply;
  await g.restart();
  return (await allTasks()).filter((t) => !before.has(t.id));
}

async function expectNothingUnfinished(): Promise<void> {
  const { client } = server();
  expect((await client.listTasks({ status: 'running' })).items).toEqual([]);
  expect((await client.listTasks({ status: 'queued' })).items).toEqual([]);
}

/** No domain, no VM volume, no stray file, no VM row: only the image is left. */
async function expectOnlyTheImage(vmName: string): Promise<void> {
  const g = server();
  expect(await domainNames(g.poolPrefix)).toEqual([]);
  expect(await poolVolumes(g.pools.vms)).toEqual([]);
  expect(await poolVolumes(g.pools.images)).toEqual([`image-${image.id}.img`]);
  expect(await filesUnder(g.storageDir)).toEqual([`images/image-${image.id}.img`]);
  expect((await g.client.listVms()).items).toEqual([]);
  const err: unknown = await g.client.getVm({ idOrName: vmName }).catch((e: unknown) => e);
  expect(isApiError(err, 'VM_NOT_FOUND')).toBe(true);
}

function createBody(name: string, start: boolean) {
  return { name, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start };
}

describe('kill -9 during vm.create, then restart', () => {
  const cases = [
    ...CREATE_STEPS.map((step) => ['after', step] as const),
    ['before', 'define-domain'] as const,
  ];

  it.each(cases)('crash-%s-step:vm.create:%s → the create is rolled back', async (point, step) => {
    const g = server();
    const name = g.name(`c-${point}-${step}-${++serial}`);
    // Only the start step needs a started VM; the others stay fast with start: false.
    const start = step === 'start';
    const tasks = await crashDuring(`crash-${point}-step:vm.create:${step}`, () =>
      g.client.createVm(createBody(name, start)),
    );
    expect(tasks.map((t) => t.kind)).toEqual(['vm.create']);
    const [task] = tasks;
    if (!task) throw new Error('no task');
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ code: 'TASK_INTERRUPTED', status: 503 });
    const detail = task.error?.detail ?? '';
    expect(detail).toContain(`during step '${step}'`);
    expect(detail).not.toContain('Could not roll back');
    // Every step that ran (the crashed one included, unless it crashed before acting) was undone.
    const ran = CREATE_STEPS.slice(0, CREATE_STEPS.indexOf(step) + (point === 'after' ? 1 : 0));
    for (const undone of ran.filter((s) => s !== 'finish' && (start || s !== 'start'))) {
      expect(detail).toContain(undone);
    }
    await expectNothingUnfinished();
    await expectOnlyTheImage(name);
  });
});

describe('kill -9 during vm.delete, then restart', () => {
  it.each(DELETE_STEPS)('crash-after-step:vm.delete:%s → the delete resumes and completes', async (step) => {
    const g = server();
    const name = g.name(`d-${step}-${++serial}`);
    // power-off has something to do only when the VM runs.
    const vm = done(
      await g.client.createVm(createBody(name, step === 'power-off'), { wait: true, timeoutMs: 60_000 }),
    );
    expect(await domainNames(name)).toEqual([name]);
    expect(await poolVolumes(g.pools.vms)).toHaveLength(1);

    const tasks = await crashDuring(`crash-after-step:vm.delete:${step}`, () =>
      g.client.deleteVm({ idOrName: vm.id }),
    );
    expect(tasks.map((t) => t.kind)).toEqual(['vm.delete']);
    const [task] = tasks;
    if (!task) throw new Error('no task');
    const ended = await g.client.waitForTask(task.id, { timeoutMs: 60_000 });
    expect(ended.status).toBe('succeeded');
    expect(ended.error).toBeUndefined();
    await expectNothingUnfinished();
    await expectOnlyTheImage(name);
  });
});

/** Deletes a VM through the API and checks that only the image is left. */
async function deleteAndCheck(vmId: string, name: string): Promise<void> {
  const g = server();
  const deleted = await g.client.deleteVm({ idOrName: vmId }, { wait: true, timeoutMs: 60_000 });
  expect(deleted.status).toBe(204);
  await expectOnlyTheImage(name);
}

describe('kill -9 during vm.disk-resize, then restart', () => {
  const cases = [...RESIZE_STEPS.map((step) => ['after', step] as const), ['before', 'grow'] as const];

  it.each(cases)(
    'crash-%s-step:vm.disk-resize:%s → the resize resumes and completes',
    async (point, step) => {
      const g = server();
      const name = g.name(`r-${point}-${step}-${++serial}`);
      const vm = done(await g.client.createVm(createBody(name, false), { wait: true, timeoutMs: 60_000 }));
      const [disk] = (await g.client.listVmDisks({ id: vm.id })).items;
      if (!disk) throw new Error('no disk');
      const target = disk.virtualSizeBytes + 32 * MiB;
      const tasks = await crashDuring(`crash-${point}-step:vm.disk-resize:${step}`, () =>
        g.client.resizeVmDisk({ id: vm.id, diskId: disk.id, sizeBytes: target }),
      );
      expect(tasks.map((t) => t.kind)).toEqual(['vm.disk-resize']);
      const [task] = tasks;
      if (!task) throw new Error('no task');
      const ended = await g.client.waitForTask(task.id, { timeoutMs: 60_000 });
      expect(ended.status).toBe('succeeded');
      await expectNothingUnfinished();
      expect(await capacityOf(name, 'vda')).toBe(target);
      expect((await g.client.getVmDisk({ id: vm.id, diskId: disk.id })).virtualSizeBytes).toBe(target);
      expect((await g.client.getVm({ idOrName: vm.id })).disks[0]?.sizeBytes).toBe(target);
      await deleteAndCheck(vm.id, name);
    },
  );
});

describe('kill -9 during vm.snapshot-create, then restart', () => {
  it.each(['before', 'after'] as const)(
    'crash-%s-step:vm.snapshot-create:create → the snapshot exists once, the task succeeded',
    async (point) => {
      const g = server();
      const name = g.name(`s-${point}-${++serial}`);
      const vm = done(await g.client.createVm(createBody(name, false), { wait: true, timeoutMs: 60_000 }));
      const tasks = await crashDuring(`crash-${point}-step:vm.snapshot-create:create`, () =>
        g.client.createVmSnapshot({ id: vm.id, name: 'snap' }),
      );
      expect(tasks.map((t) => t.kind)).toEqual(['vm.snapshot-create']);
      const [task] = tasks;
      if (!task) throw new Error('no task');
      const ended = await g.client.waitForTask(task.id, { timeoutMs: 60_000 });
      expect(ended.status).toBe('succeeded');
      await expectNothingUnfinished();
      expect((await virshOk(['snapshot-list', name, '--name'])).trim()).toBe('snap');
      expect((await g.client.listVmSnapshots({ id: vm.id })).items.map((s) => s.name)).toEqual(['snap']);
      await deleteAndCheck(vm.id, name);
    },
  );
});
