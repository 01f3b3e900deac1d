import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageVolumeRef } from '../services/image.service.js';
import {
  createVm,
  expectProblem,
  isoBytes,
  snapshotState,
  startHarness,
  uploadImage,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// Boot order and cdrom media through app.inject(). Real server over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake: it keeps the persistent definition and, while a VM runs, the live one apart).
let h: Harness;
let imageId: string;
let isoId: string;
let otherIsoId: string;
beforeAll(async () => {
  h = await startHarness();
  imageId = await uploadImage(h);
  isoId = await uploadImage(h, { kind: 'iso', bytes: isoBytes(), name: 'tools' });
  otherIsoId = await uploadImage(h, { kind: 'iso', bytes: isoBytes(), name: 'rescue' });
});
afterAll(async () => {
  await h.close();
});

const ORDERS = ['cdrom_hd', 'hd', 'cdrom', 'hd_cdrom'] as const;

const isoRef = (id: string) => imageVolumeRef(`${h.config.poolPrefix}-images`, id);
const fakeVm = (vm: VmJson) => {
  const fake = h.hypervisor.vms.get(vm.id);
  if (!fake) throw new Error(`no fake VM ${vm.id}`);
  return fake;
};
const start = (vm: VmJson) =>
  h.request('POST', `/vms/${vm.id}/actions/start`, { body: {}, query: { wait: 'true' } });

async function eventsOf(vmId: string, type: string): Promise<unknown[]> {
  const all = await h.db.events.listAfter(0, 100_000);
  return all.filter((e) => e.resourceId === vmId && e.type === type).map((e) => e.data);
}

describe('GET/PUT /vms/{id}/boot-order', () => {
  it('reads hd for a VM made from a disk image', async () => {
    const vm = await createVm(h, imageId);
    const res = await h.request('GET', `/vms/${vm.id}/boot-order`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ order: 'hd', pendingRestart: false });
  });

  it('writes each of the four orders into the persistent definition of a stopped VM', async () => {
    const vm = await createVm(h, imageId);
    for (const order of ORDERS) {
      const res = await h.request('PUT', `/vms/${vm.id}/boot-order`, { body: { order } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ order, pendingRestart: false });
      expect(fakeVm(vm).spec.bootOrder).toBe(order);
      expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({ bootOrder: order });
      expect((await h.request('GET', `/vms/${vm.id}/boot-order`)).json()).toEqual({
        order,
        pendingRestart: false,
      });
    }
  });

  it('on a running VM applies at the next boot and says so', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const res = await h.request('PUT', `/vms/${vm.id}/boot-order`, { body: { order: 'cdrom_hd' } });
    expect(res.json()).toEqual({ order: 'cdrom_hd', pendingRestart: true });
    expect(fakeVm(vm).spec.bootOrder).toBe('cdrom_hd');
    expect(fakeVm(vm).live?.bootOrder).toBe('hd');
    const back = await h.request('PUT', `/vms/${vm.id}/boot-order`, { body: { order: 'hd' } });
    expect(back.json()).toEqual({ order: 'hd', pendingRestart: false });
  });

  it.each([
    ['a fifth value', { order: 'network' }],
    ['another case', { order: 'HD' }],
    ['an empty value', { order: '' }],
    ['a number', { order: 1 }],
    ['no order', {}],
    ['an extra field', { order: 'hd', dev: 'fd0' }],
    ['an array', { order: ['hd', 'cdrom'] }],
  ])('refuses %s with 400, nothing changed', async (_what, body) => {
    const vm = await createVm(h, imageId);
    const before = await snapshotState(h);
    const calls = h.hypervisor.calls.length;
    const res = await h.request('PUT', `/vms/${vm.id}/boot-order`, { body });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(await snapshotState(h)).toEqual(before);
    expect(h.hypervisor.calls.slice(calls)).toEqual([]);
  });

  it("answers 404 for another user's VM, and nothing changes", async () => {
    const vm = await createVm(h, imageId);
    const before = await snapshotState(h);
    const res = await h.request('PUT', `/vms/${vm.id}/boot-order`, {
      body: { order: 'cdrom' },
      token: h.member.token,
    });
    expectProblem(res, 404, 'VM_NOT_FOUND');
    expectProblem(
      await h.request('GET', `/vms/${vm.id}/boot-order`, { token: h.member.token }),
      404,
      'VM_NOT_FOUND',
    );
    expect(await snapshotState(h)).toEqual(before);
  });

  it('puts the intent back when libvirt refuses the definition', async () => {
    const vm = await createVm(h, imageId);
    h.hypervisor.failNext('defineVm');
    const res = await h.request('PUT', `/vms/${vm.id}/boot-order`, { body: { order: 'cdrom' } });
    expect(res.statusCode).toBe(500);
    expect((await h.request('GET', `/vms/${vm.id}/boot-order`)).json()).toMatchObject({ order: 'hd' });
    expect(fakeVm(vm).spec.bootOrder).toBe('hd');
  });
});

describe('PUT/DELETE /vms/{id}/media', () => {
  it('inserts an ISO into a stopped VM (persistent definition), shows it, and tells clients', async () => {
    const vm = await createVm(h, imageId);
    const res = await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: isoId } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ imageId: isoId, name: 'tools' });
    expect(fakeVm(vm).spec.cdrom?.media).toEqual(isoRef(isoId));
    expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({
      media: { imageId: isoId, name: 'tools' },
    });
    const listed = (await h.request('GET', '/vms', { query: { q: vm.name } })).json<{ items: unknown[] }>();
    expect(listed.items).toEqual([expect.objectContaining({ media: { imageId: isoId, name: 'tools' } })]);
    expect(await eventsOf(vm.id, 'vm.media-changed')).toEqual([
      expect.objectContaining({ media: { imageId: isoId, name: 'tools' } }),
    ]);
  });

  it('changes and ejects the media of a running VM live and in its definition', async () => {
    const vm = await createVm(h, imageId, { start: true });
    for (const id of [isoId, otherIsoId]) {
      const res = await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: id } });
      expect(res.statusCode, res.body).toBe(200);
      expect(fakeVm(vm).live?.cdrom?.media).toEqual(isoRef(id));
      expect(fakeVm(vm).spec.cdrom?.media).toEqual(isoRef(id));
    }
    const ejected = await h.request('DELETE', `/vms/${vm.id}/media`);
    expect(ejected.statusCode).toBe(204);
    expect(fakeVm(vm).live?.cdrom?.media).toBeNull();
    expect(fakeVm(vm).spec.cdrom?.media).toBeNull();
    expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({ media: null });
    expect(await eventsOf(vm.id, 'vm.media-changed')).toEqual([
      expect.objectContaining({ media: { imageId: isoId, name: 'tools' } }),
      expect.objectContaining({ media: { imageId: otherIsoId, name: 'rescue' } }),
      expect.objectContaining({ media: null }),
    ]);
    // Ejecting an empty tray is a no-op: 204, nothing called, no event.
    const calls = h.hypervisor.calls.length;
    expect((await h.request('DELETE', `/vms/${vm.id}/media`)).statusCode).toBe(204);
    expect(h.hypervisor.calls.slice(calls)).toEqual([]);
    expect(await eventsOf(vm.id, 'vm.media-changed')).toHaveLength(3);
  });

  it('keeps an inserted ISO across a power cycle', async () => {
    const vm = await createVm(h, imageId);
    await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: isoId } });
    expect((await start(vm)).statusCode).toBe(200);
    expect(fakeVm(vm).live?.cdrom?.media).toEqual(isoRef(isoId));
  });

  it('refuses media that is not a ready ISO, or not there, with nothing changed', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const uploading = await h.request('POST', '/images', {
      body: { name: `iso-${randomUUID().slice(0, 6)}`, kind: 'iso' },
    });
    const cases: [unknown, number, string][] = [
      [imageId, 400, 'IMAGE_KIND_MISMATCH'],
      [randomUUID(), 404, 'IMAGE_NOT_FOUND'],
      [uploading.json<{ id: string }>().id, 409, 'IMAGE_NOT_READY'],
      ['../../etc/passwd', 400, 'VALIDATION_FAILED'],
      ['/var/lib/libvirt/images/x.iso', 400, 'VALIDATION_FAILED'],
      [42, 400, 'VALIDATION_FAILED'],
    ];
    for (const [id, status, code] of cases) {
      const before = await snapshotState(h);
      const calls = h.hypervisor.calls.length;
      const res = await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: id } });
      const problem = expectProblem(res, status, code);
      if (code === 'IMAGE_KIND_MISMATCH')
        expect(problem.errors).toEqual([expect.objectContaining({ path: '/body/imageId' })]);
      expect(await snapshotState(h)).toEqual(before);
      expect(h.hypervisor.calls.slice(calls).filter((c) => c !== 'getVm')).toEqual([]);
      expect(fakeVm(vm).live?.cdrom?.media).toBeNull();
    }
    expectProblem(
      await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: isoId }, token: h.member.token }),
      404,
      'VM_NOT_FOUND',
    );
  });

  it('puts everything back when the live change fails', async () => {
    const vm = await createVm(h, imageId, { start: true });
    h.hypervisor.failNext('changeMedia');
    const res = await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: isoId } });
    expect(res.statusCode).toBe(500);
    expect((await h.request('GET', `/vms/${vm.id}`)).json()).toMatchObject({ media: null });
    expect(fakeVm(vm).spec.cdrom?.media).toBeNull();
    expect(fakeVm(vm).live?.cdrom?.media).toBeNull();
    expect(await eventsOf(vm.id, 'vm.media-changed')).toEqual([]);
  });

  it('an ISO in any VM cannot be deleted (409); once ejected it can', async () => {
    const iso = await uploadImage(h, { kind: 'iso', bytes: isoBytes() });
    const vm = await createVm(h, imageId);
    await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: iso } });
    expectProblem(await h.request('DELETE', `/images/${iso}`), 409, 'IMAGE_IN_USE');
    expect(h.hypervisor.volumes.has(`${isoRef(iso).pool}/${isoRef(iso).name}`)).toBe(true);
    await h.request('DELETE', `/vms/${vm.id}/media`);
    expect((await h.request('DELETE', `/images/${iso}`)).statusCode).toBe(204);
  });

  it('a VM busy with a task refuses a media change with 409 VM_BUSY', async () => {
    const vm = await createVm(h, imageId, { start: true });
    h.hypervisor.ignoreShutdown = true;
    try {
      const stopping = await h.request('POST', `/vms/${vm.id}/actions/stop`, { body: { timeoutMs: 1000 } });
      expect(stopping.statusCode).toBe(202);
      expectProblem(
        await h.request('PUT', `/vms/${vm.id}/media`, { body: { imageId: isoId } }),
        409,
        'VM_BUSY',
      );
      expectProblem(
        await h.request('PUT', `/vms/${vm.id}/boot-order`, { body: { order: 'cdrom' } }),
        409,
        'VM_BUSY',
      );
      const task = stopping.json<{ task: { id: string } }>().task;
      await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
    } finally {
      h.hypervisor.ignoreShutdown = false;
    }
    expect(fakeVm(vm).spec.cdrom?.media).toBeNull();
  });
});
