import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVm,
  expectProblem,
  isoBytes,
  loginNewUser,
  MiB,
  snapshotState,
  startHarness,
  uploadImage,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// Snapshots through app.inject(). Real server over in-memory SQLite (real adapter) and the FakeHypervisor (fake: it
// keeps snapshots per VM like libvirt — unique names, the current one as the parent, memory with a running VM).

interface SnapshotJson {
  id: string;
  vmId: string;
  name: string;
  description: string;
  kind: string;
  includesMemory: boolean;
  vmState: string;
  parentId: string | null;
  createdAt: string;
}
interface SnapshotListJson {
  items: SnapshotJson[];
  capabilities: { internal: boolean; diskOnly: boolean; memory: boolean };
}

let h: Harness;
let imageId: string;
let isoId: string;
beforeAll(async () => {
  h = await startHarness();
  imageId = await uploadImage(h);
  isoId = await uploadImage(h, { kind: 'iso', bytes: isoBytes(), name: 'installer' });
  h.hypervisor.uefiAvailable = true;
});
afterAll(async () => {
  await h.close();
});

const list = async (vm: VmJson, token = h.token): Promise<SnapshotListJson> => {
  const res = await h.request('GET', `/vms/${vm.id}/snapshots`, { token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SnapshotListJson>();
};
const take = (vm: VmJson, body: Record<string, unknown>, token = h.token) =>
  h.request('POST', `/vms/${vm.id}/snapshots`, { token, body, query: { wait: 'true' } });

describe('snapshots of a VM', () => {
  it('takes, lists as a tree, reverts and deletes snapshots of a stopped VM', async () => {
    const vm = await createVm(h, imageId);
    expect(await list(vm)).toEqual({
      items: [],
      capabilities: { internal: true, diskOnly: false, memory: true },
    });

    const first = await take(vm, { name: 'base', description: 'fresh install' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      id: 'base',
      vmId: vm.id,
      name: 'base',
      description: 'fresh install',
      kind: 'internal',
      includesMemory: false,
      vmState: 'stopped',
      parentId: null,
    });
    expect((await take(vm, { name: 'patched' })).statusCode).toBe(201);
    const tree = await list(vm);
    expect(tree.items.map((s) => [s.name, s.parentId])).toEqual([
      ['base', null],
      ['patched', 'base'],
    ]);

    const revert = await h.request('POST', `/vms/${vm.id}/snapshots/base/actions/revert`, {
      body: {},
      query: { wait: 'true' },
    });
    expect(revert.statusCode, revert.body).toBe(200);
    expect(revert.json()).toMatchObject({ name: 'base' });
    // Taken after the revert: a child of base, beside patched.
    expect((await take(vm, { name: 'branch' })).statusCode).toBe(201);
    expect((await list(vm)).items.map((s) => [s.name, s.parentId])).toEqual([
      ['base', null],
      ['patched', 'base'],
      ['branch', 'base'],
    ]);

    const plan = await h.request('DELETE', `/vms/${vm.id}/snapshots/base`, { query: { dryRun: 'true' } });
    expect(plan.json()).toEqual({ wouldDelete: [{ kind: 'snapshot', id: 'base', name: 'base' }] });
    const del = await h.request('DELETE', `/vms/${vm.id}/snapshots/base`, { query: { wait: 'true' } });
    expect(del.statusCode, del.body).toBe(204);
    expect((await list(vm)).items.map((s) => [s.name, s.parentId])).toEqual([
      ['patched', null],
      ['branch', null],
    ]);
  });

  it('a running VM’s snapshot includes its memory, and reverting to it leaves the VM running', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const snap = await take(vm, { name: 'live' });
    expect(snap.json()).toMatchObject({ includesMemory: true, vmState: 'running' });
    const stop = await h.request('POST', `/vms/${vm.id}/actions/force-stop`, {
      body: {},
      query: { wait: 'true' },
    });
    expect(stop.statusCode, stop.body).toBe(200);
    const accepted = await h.request('POST', `/vms/${vm.id}/snapshots/live/actions/revert`, { body: {} });
    expect(accepted.statusCode).toBe(202);
    const { task } = accepted.json<{ task: { id: string; kind: string } }>();
    expect(task.kind).toBe('vm.snapshot-revert');
    const done = await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
    expect(done.json<{ status: string }>().status).toBe('succeeded');
    await expect
      .poll(async () => (await h.request('GET', `/vms/${vm.id}`)).json<VmJson>().state)
      .toBe('running');
    expectProblem(await take(vm, { name: 'disk-only', includeMemory: false }), 409, 'SNAPSHOT_UNSUPPORTED');
  });

  it('refuses a taken name (409), an unknown snapshot (404), and changes nothing', async () => {
    const vm = await createVm(h, imageId);
    expect((await take(vm, { name: 'once' })).statusCode).toBe(201);
    const before = await snapshotState(h);
    expectProblem(await take(vm, { name: 'once' }), 409, 'SNAPSHOT_NAME_TAKEN');
    expectProblem(
      await h.request('POST', `/vms/${vm.id}/snapshots/nope/actions/revert`, { body: {} }),
      404,
      'SNAPSHOT_NOT_FOUND',
    );
    expectProblem(await h.request('DELETE', `/vms/${vm.id}/snapshots/nope`), 404, 'SNAPSHOT_NOT_FOUND');
    expect(await snapshotState(h)).toEqual(before);
    expect((await list(vm)).items.map((s) => s.name)).toEqual(['once']);
  });

  it.each([
    ['traversal', '../etc'],
    ['a slash', 'a/b'],
    ['upper case', 'Base'],
    ['too long', 'x'.repeat(64)],
    ['empty', ''],
  ])('refuses a name with %s (400) and changes nothing', async (_label, name) => {
    const vm = await createVm(h, imageId);
    const before = await snapshotState(h);
    expectProblem(await take(vm, { name }), 400, 'VALIDATION_FAILED');
    expect(await snapshotState(h)).toEqual(before);
    expectProblem(
      await h.request('POST', `/vms/${vm.id}/snapshots/${encodeURIComponent('../x')}/actions/revert`, {
        body: {},
      }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('reports UEFI VMs as not snapshottable on this libvirt and refuses honestly (409)', async () => {
    const res = await h.request('POST', '/vms', {
      body: {
        name: `uefi-${Math.random().toString(36).slice(2, 8)}`,
        vcpus: 1,
        memoryBytes: 256 * MiB,
        firmware: 'uefi',
        source: { blank: { sizeBytes: 64 * MiB }, isoImageId: isoId },
      },
      query: { wait: 'true' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const vm = res.json<VmJson>();
    expect((await list(vm)).capabilities).toEqual({ internal: false, diskOnly: false, memory: false });
    const problem = expectProblem(await take(vm, { name: 'nope' }), 409, 'SNAPSHOT_UNSUPPORTED');
    expect(problem.detail).toContain('UEFI');
    expect((await list(vm)).items).toEqual([]);
  });

  it('viewers may list but not take; others see 404', async () => {
    const vm = await createVm(h, imageId);
    const viewer = (await loginNewUser(h, 'viewer', 'snap')).token;
    const member = (await loginNewUser(h, 'member', 'snap')).token;
    expectProblem(await take(vm, { name: 'v' }, viewer), 403, 'FORBIDDEN');
    expectProblem(await take(vm, { name: 'm' }, member), 404, 'VM_NOT_FOUND');
    expectProblem(await h.request('GET', `/vms/${vm.id}/snapshots`, { token: member }), 404, 'VM_NOT_FOUND');
  });

  it('honours Idempotency-Key: the same request again returns the same snapshot and task', async () => {
    const vm = await createVm(h, imageId);
    const send = () =>
      h.request('POST', `/vms/${vm.id}/snapshots`, {
        body: { name: 'idem' },
        headers: { 'idempotency-key': `k-${vm.id}` },
      });
    const a = await send();
    const b = await send();
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(b.json<{ task: { id: string } }>().task.id).toBe(a.json<{ task: { id: string } }>().task.id);
    await h.request('GET', `/tasks/${a.json<{ task: { id: string } }>().task.id}`, {
      query: { wait: 'true' },
    });
    expect((await list(vm)).items.map((s) => s.name)).toEqual(['idem']);
  });
});
