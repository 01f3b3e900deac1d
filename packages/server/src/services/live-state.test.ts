import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectEvents,
  createVm,
  startHarness,
  uploadImage,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// The live view of VM states: fed by the hypervisor's events, corrected by a bulk listing when libvirt comes back,
// each change written to the database, logged and pushed to WebSocket clients. Real server over in-memory SQLite
// (real adapter) and the FakeHypervisor (fake).
let h: Harness;
let imageId: string;
beforeAll(async () => {
  h = await startHarness();
  imageId = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});

const stateOf = async (vm: VmJson): Promise<string> =>
  (await h.request('GET', `/vms/${vm.id}`)).json<VmJson>().state;

describe('a boot', () => {
  it('is one vm.started with reason booted, although libvirt says RESUMED/unpaused first', async () => {
    const vm = await createVm(h, imageId);
    const before = (await h.db.events.bounds()).maxId ?? 0;
    h.hypervisor.emitExternal(vm.id, 'resumed', 'unpaused', 'running');
    h.hypervisor.emitExternal(vm.id, 'started', 'booted', 'running');
    await expect.poll(async () => (await h.db.events.bounds()).maxId).toBe(before + 1);
    const events = await h.db.events.listAfter(before, 10);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'vm.started',
      data: { reason: 'booted', previousState: 'stopped' },
    });
  });
});

describe('a VM stopped outside Gureum', () => {
  it('is pushed as vm.stopped, and GET, the list and the database agree once the event is out', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const events = await connectEvents(h);
    try {
      await events.next((m) => m.type === 'ready');
      h.hypervisor.emitExternal(vm.id, 'stopped', 'destroyed', 'stopped');
      const pushed = await events.next((m) => m.type === 'vm.stopped');
      expect(pushed).toMatchObject({
        resource: { kind: 'vm', id: vm.id },
        data: { name: vm.name, state: 'stopped', previousState: 'running', reason: 'destroyed' },
      });
      // Written to the database before it was logged and pushed.
      expect((await h.db.vms.findById(vm.id))?.lastState).toBe('stopped');
      expect(await stateOf(vm)).toBe('stopped');
      const listed = await h.request('GET', '/vms', { query: { state: 'stopped' } });
      expect(listed.json<{ items: VmJson[] }>().items.map((v) => v.id)).toContain(vm.id);
    } finally {
      events.close();
    }
  });

  it('is visible to GET as soon as the event is processed, before any client reads the log', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const before = (await h.db.events.bounds()).maxId ?? 0;
    h.hypervisor.emitExternal(vm.id, 'crashed', 'panicked', 'crashed');
    await expect.poll(async () => (await h.db.events.bounds()).maxId).toBe(before + 1);
    expect(await stateOf(vm)).toBe('crashed');
    const [event] = await h.db.events.listAfter(before, 10);
    expect(event).toMatchObject({ type: 'vm.crashed', resourceId: vm.id, ownerId: h.admin.id });
  });

  it('publishes nothing when the state did not change', async () => {
    const vm = await createVm(h, imageId);
    const before = (await h.db.events.bounds()).maxId ?? 0;
    h.hypervisor.emitExternal(vm.id, 'stopped', 'destroyed', 'stopped');
    h.hypervisor.emitExternal(vm.id, 'started', 'booted', 'running');
    await expect.poll(async () => (await h.db.events.bounds()).maxId).toBe(before + 1);
    const events = await h.db.events.listAfter(before, 10);
    expect(events.map((e) => e.type)).toEqual(['vm.started']);
  });
});

describe('reconciliation after libvirt comes back', () => {
  it('publishes vm.stopped for a VM that stopped while libvirt was unreachable', async () => {
    const vm = await createVm(h, imageId, { start: true });
    const events = await connectEvents(h);
    try {
      await events.next((m) => m.type === 'ready');
      h.hypervisor.setStatus('down');
      expect(await stateOf(vm)).toBe('unknown');
      // The guest powered off while nobody was listening: no event reaches the server.
      const fakeVm = h.hypervisor.vms.get(vm.id);
      if (fakeVm) fakeVm.state = 'stopped';
      h.hypervisor.setStatus('up');
      const pushed = await events.next((m) => m.type === 'vm.stopped');
      expect(pushed).toMatchObject({
        resource: { kind: 'vm', id: vm.id },
        data: { state: 'stopped', previousState: 'running', reason: 'reconciled' },
      });
      expect(await stateOf(vm)).toBe('stopped');
      expect((await h.db.vms.findById(vm.id))?.lastState).toBe('stopped');
    } finally {
      events.close();
    }
  });

  it('shows unknown for a VM whose domain vanished while libvirt was unreachable, and keeps its row', async () => {
    const vm = await createVm(h, imageId);
    h.hypervisor.setStatus('down');
    h.hypervisor.vms.delete(vm.id);
    h.hypervisor.setStatus('up');
    await expect.poll(async () => (await h.db.vms.findById(vm.id))?.lastState).toBe('unknown');
    expect(await stateOf(vm)).toBe('unknown');
  });

  it('reconciles with one bulk listing, not one call per VM', async () => {
    await createVm(h, imageId);
    await createVm(h, imageId);
    h.hypervisor.setStatus('down');
    const callsBefore = h.hypervisor.calls.length;
    h.hypervisor.setStatus('up');
    await expect.poll(() => h.hypervisor.calls.slice(callsBefore).includes('listVms')).toBe(true);
    const calls = h.hypervisor.calls.slice(callsBefore);
    expect(calls.filter((c) => c === 'listVms')).toHaveLength(1);
    expect(calls.filter((c) => c === 'getVm')).toHaveLength(0);
  });
});
