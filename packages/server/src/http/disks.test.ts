import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVm,
  expectProblem,
  loginNewUser,
  MiB,
  snapshotState,
  startHarness,
  uploadImage,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// VM disks through app.inject(): details and grow-only resize. Real server over in-memory SQLite (real adapter) and
// the FakeHypervisor (fake: volumes with capacity and allocation; a live resize needs the VM running).

interface DiskJson {
  id: string;
  device: string;
  bus: string;
  format: string;
  readOnly: boolean;
  virtualSizeBytes: number;
  allocationBytes: number;
  imageId?: string;
  volumeId?: string;
  backingChain: { format: string; virtualSizeBytes?: number; imageId?: string; volumeId?: string }[];
}

let h: Harness;
let imageId: string;
beforeAll(async () => {
  h = await startHarness();
  imageId = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});

const systemDisk = (vm: VmJson): string => {
  const id = vm.disks[0]?.id;
  if (id === undefined) throw new Error(`${vm.name} has no disk`);
  return id;
};
const disks = async (vm: VmJson) => {
  const res = await h.request('GET', `/vms/${vm.id}/disks`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: DiskJson[] }>().items;
};
const resize = (vm: VmJson, diskId: string, sizeBytes: unknown, token = h.token) =>
  h.request('POST', `/vms/${vm.id}/disks/${diskId}/actions/resize`, {
    token,
    body: { sizeBytes },
    query: { wait: 'true' },
  });
const fakeCapacity = (volumeId: string): number | undefined =>
  [...h.hypervisor.volumes.values()].find((v) => v.ref.name.includes(volumeId))?.capacityBytes;

describe('GET /vms/{id}/disks', () => {
  it('shows the system disk as the volume reports it, with its backing image', async () => {
    const vm = await createVm(h, imageId);
    const [disk, ...rest] = await disks(vm);
    expect(rest).toEqual([]);
    const image = (await h.request('GET', `/images/${imageId}`)).json<{ virtualSizeBytes: number }>();
    expect(disk).toMatchObject({
      id: systemDisk(vm),
      device: 'disk',
      bus: 'virtio',
      format: 'qcow2',
      readOnly: false,
      virtualSizeBytes: image.virtualSizeBytes,
      imageId,
      volumeId: systemDisk(vm),
    });
    expect(disk?.allocationBytes).toBeGreaterThan(0);
    expect(disk?.backingChain).toEqual([
      { format: 'qcow2', virtualSizeBytes: image.virtualSizeBytes, imageId },
    ]);
    const one = await h.request('GET', `/vms/${vm.id}/disks/${systemDisk(vm)}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(disk);
  });

  it('404 for a disk the VM does not have, and for a VM the caller may not see', async () => {
    const vm = await createVm(h, imageId);
    expectProblem(
      await h.request('GET', `/vms/${vm.id}/disks/00000000-0000-4000-8000-000000000000`),
      404,
      'DISK_NOT_FOUND',
    );
    const member = await loginNewUser(h, 'member', 'disk');
    expectProblem(
      await h.request('GET', `/vms/${vm.id}/disks`, { token: member.token }),
      404,
      'VM_NOT_FOUND',
    );
  });
});

describe('POST /vms/{id}/disks/{diskId}/actions/resize', () => {
  it('grows the volume of a stopped VM offline and answers with the new size', async () => {
    const vm = await createVm(h, imageId);
    const diskId = systemDisk(vm);
    const before = (await disks(vm))[0]?.virtualSizeBytes ?? 0;
    const target = before + 64 * MiB;
    const calls = h.hypervisor.calls.length;
    const res = await resize(vm, diskId, target);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<DiskJson>()).toMatchObject({ id: diskId, virtualSizeBytes: target });
    expect(fakeCapacity(diskId)).toBe(target);
    expect(h.hypervisor.calls.slice(calls)).toContain('resizeVolume');
    expect(h.hypervisor.calls.slice(calls)).not.toContain('resizeVmDisk');
    const volume = await h.db.volumes.findById(diskId);
    expect(volume?.capacityBytes).toBe(target);
    const vmNow = (await h.request('GET', `/vms/${vm.id}`)).json<{ disks: { sizeBytes: number }[] }>();
    expect(vmNow.disks[0]?.sizeBytes).toBe(target);
    const events = (await h.db.events.listAfter(0, 100_000)).filter(
      (e) => e.resourceId === vm.id && e.type === 'vm.updated',
    );
    expect(events.length).toBeGreaterThan(0);
  });

  it('grows the disk of a running VM live (the guest sees it) as a task', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const diskId = systemDisk(vm);
    const before = (await disks(vm))[0]?.virtualSizeBytes ?? 0;
    const calls = h.hypervisor.calls.length;
    const accepted = await h.request('POST', `/vms/${vm.id}/disks/${diskId}/actions/resize`, {
      body: { sizeBytes: before + 2 * MiB },
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { task } = accepted.json<{ task: { id: string; kind: string } }>();
    expect(task.kind).toBe('vm.disk-resize');
    const done = await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
    expect(done.json<{ status: string }>().status).toBe('succeeded');
    expect(h.hypervisor.calls.slice(calls)).toContain('resizeVmDisk');
    expect(fakeCapacity(diskId)).toBe(before + 2 * MiB);
  });

  it.each([
    ['the same size', 0],
    ['a smaller size', -MiB],
  ])('refuses %s with 400 DISK_SHRINK_REFUSED and changes nothing', async (_label, delta) => {
    const vm = await createVm(h, imageId);
    const diskId = systemDisk(vm);
    const size = (await disks(vm))[0]?.virtualSizeBytes ?? 0;
    const before = await snapshotState(h);
    const problem = expectProblem(await resize(vm, diskId, size + delta), 400, 'DISK_SHRINK_REFUSED');
    expect(problem.detail).toContain(String(size));
    expect(await snapshotState(h)).toEqual(before);
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 64 * MiB + 0.5],
    ['a string', '20G'],
    ['absurd (over 16 TiB)', 2 ** 60],
    ['null', null],
  ])(
    'refuses a size that is %s with 400 VALIDATION_FAILED and changes nothing',
    async (_label, sizeBytes) => {
      const vm = await createVm(h, imageId);
      const before = await snapshotState(h);
      expectProblem(await resize(vm, systemDisk(vm), sizeBytes), 400, 'VALIDATION_FAILED');
      expect(await snapshotState(h)).toEqual(before);
    },
  );

  it('counts against the disk quota of the owner (403 QUOTA_EXCEEDED, nothing changed)', async () => {
    const member = await loginNewUser(h, 'member', 'disk');
    const vm = await createVm(h, imageId, { ownerId: member.id });
    const usage = (await h.request('GET', '/me/usage', { token: member.token })).json<{
      diskBytes: number;
    }>();
    const quota = {
      maxVms: null,
      maxVcpus: null,
      maxMemoryBytes: null,
      maxDiskBytes: usage.diskBytes + 8 * MiB,
    };
    expect((await h.request('PUT', `/users/${member.id}/quota`, { body: quota })).statusCode).toBe(200);
    const size = (await disks(vm))[0]?.virtualSizeBytes ?? 0;
    const before = await snapshotState(h);
    expectProblem(await resize(vm, systemDisk(vm), size + 16 * MiB, member.token), 403, 'QUOTA_EXCEEDED');
    expect(await snapshotState(h)).toEqual(before);
    const ok = await resize(vm, systemDisk(vm), size + 4 * MiB, member.token);
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('is refused to a viewer (403) and to others (404)', async () => {
    const vm = await createVm(h, imageId);
    const viewer = await loginNewUser(h, 'viewer', 'disk');
    const member = await loginNewUser(h, 'member', 'disk');
    const size = (await disks(vm))[0]?.virtualSizeBytes ?? 0;
    expectProblem(await resize(vm, systemDisk(vm), size + MiB, viewer.token), 403, 'FORBIDDEN');
    expectProblem(await resize(vm, systemDisk(vm), size + MiB, member.token), 404, 'VM_NOT_FOUND');
  });
});
