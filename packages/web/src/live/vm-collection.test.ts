import { describe, expect, it } from 'vitest';
import {
  created,
  deleted,
  lifecycle,
  taskUpdated,
  taskFixture,
  updated,
  vmFixture,
  vmId,
} from '../test/fixtures';
import {
  applyEventToVm,
  applyVmEvent,
  applyVmEvents,
  collectionFromList,
  type VmCollection,
} from './vm-collection';

const A = vmId(1);
const B = vmId(2);
const vmA = vmFixture({ id: A, name: 'alpha' });
const vmB = vmFixture({ id: B, name: 'bravo', state: 'running' });

const stateOf = (c: VmCollection, id: string) => c.byId.get(id)?.state;

describe('applyVmEvents', () => {
  it('applies lifecycle events to the VM they are about', () => {
    const c = applyVmEvent(collectionFromList([vmA, vmB]), lifecycle(10, 'vm.started', A, 'running'));
    expect(stateOf(c, A)).toBe('running');
    expect(stateOf(c, B)).toBe('running');
    expect(c.byId.get(B)).toBe(vmB); // untouched VMs keep their identity: their rows do not re-render
  });

  it('ignores an event replayed after a reconnection (same id twice)', () => {
    const start = lifecycle(10, 'vm.started', A, 'running');
    const stop = lifecycle(11, 'vm.stopped', A, 'stopped', 'running');
    const once = applyVmEvents(collectionFromList([vmA]), [start, stop]);
    const replayed = applyVmEvents(once, [start, stop]);
    expect(stateOf(replayed, A)).toBe('stopped');
    expect(replayed).toBe(once); // nothing new: the very same collection, no re-render
  });

  it('ignores an older event that arrives after a newer one for the same VM', () => {
    const newer = applyVmEvent(collectionFromList([vmA]), lifecycle(20, 'vm.stopped', A, 'stopped'));
    const late = applyVmEvent(newer, lifecycle(15, 'vm.started', A, 'running'));
    expect(stateOf(late, A)).toBe('stopped');
    expect(late).toBe(newer);
  });

  it('orders per VM: an old event for one VM still applies after a newer event for another', () => {
    const c = applyVmEvents(collectionFromList([vmA, vmB]), [
      lifecycle(30, 'vm.stopped', B, 'stopped', 'running'),
      lifecycle(25, 'vm.started', A, 'running'),
    ]);
    expect(stateOf(c, A)).toBe('running');
    expect(stateOf(c, B)).toBe('stopped');
  });

  it('adds a created VM, once, even when its vm.created is replayed', () => {
    const c = collectionFromList([vmA]);
    const withB = applyVmEvent(c, created(5, vmB));
    expect([...withB.byId.keys()]).toEqual([A, B]);
    const again = applyVmEvent(withB, created(5, vmB));
    expect(again).toBe(withB);
    expect(again.byId.size).toBe(2);
  });

  it('treats vm.created for a VM already in the snapshot as an update', () => {
    const fresher = { ...vmB, description: 'from the event' };
    const c = applyVmEvent(collectionFromList([vmA, vmB]), created(7, fresher));
    expect(c.byId.size).toBe(2);
    expect(c.byId.get(B)?.description).toBe('from the event');
  });

  it('removes a deleted VM and never brings it back with a replayed older event', () => {
    const gone = applyVmEvent(collectionFromList([vmA, vmB]), deleted(40, B));
    expect(gone.byId.has(B)).toBe(false);
    const replay = applyVmEvents(gone, [
      created(2, vmB),
      lifecycle(39, 'vm.started', B, 'running'),
      updated(38, vmB),
    ]);
    expect(replay.byId.has(B)).toBe(false);
    expect(replay.byId).toBe(gone.byId);
  });

  it('keeps a deletion that arrives before the VM was ever seen (created and deleted during a fetch)', () => {
    const c = applyVmEvents(collectionFromList([vmA]), [deleted(9, B), created(8, vmB)]);
    expect(c.byId.has(B)).toBe(false);
  });

  it('ignores lifecycle events of a VM it does not have (not visible, or created later)', () => {
    const c = collectionFromList([vmA]);
    const after = applyVmEvent(c, lifecycle(3, 'vm.started', B, 'running'));
    expect(after.byId).toBe(c.byId);
    expect(after.byId.has(B)).toBe(false);
  });

  it('replaces the VM on vm.updated and changes only media or installation on their events', () => {
    const renamedTags = { ...vmA, tags: ['web'], vcpus: 4 };
    let c = applyVmEvent(collectionFromList([vmA]), updated(1, renamedTags));
    expect(c.byId.get(A)).toMatchObject({ tags: ['web'], vcpus: 4 });
    c = applyVmEvent(c, {
      id: 2,
      type: 'vm.media-changed',
      time: vmA.createdAt,
      resource: { kind: 'vm', id: A },
      data: { media: { imageId: 'iso-1', name: 'debian' } },
    });
    expect(c.byId.get(A)?.media).toEqual({ imageId: 'iso-1', name: 'debian' });
    c = applyVmEvent(c, {
      id: 3,
      type: 'vm.installation-changed',
      time: vmA.createdAt,
      resource: { kind: 'vm', id: A },
      data: { installation: { status: 'installing' } },
    });
    expect(c.byId.get(A)).toMatchObject({ installation: { status: 'installing' }, vcpus: 4 });
  });

  it('ignores events that are not about VMs', () => {
    const c = collectionFromList([vmA]);
    expect(applyVmEvent(c, taskUpdated(4, taskFixture({ id: 't1' })))).toBe(c);
  });

  it('keeps byId identical when an event only moves the bookkeeping (same state again)', () => {
    const c = collectionFromList([vmB]);
    const after = applyVmEvent(c, lifecycle(6, 'vm.started', B, 'running'));
    expect(after).not.toBe(c);
    expect(after.byId).toBe(c.byId);
    expect(after.applied.get(B)).toBe(6);
  });

  it('never mutates its input', () => {
    const c = collectionFromList([vmA, vmB]);
    const before = { byId: [...c.byId], applied: [...c.applied], deleted: [...c.deleted] };
    applyVmEvents(c, [
      lifecycle(1, 'vm.started', A, 'running'),
      deleted(2, B),
      created(3, vmFixture({ id: vmId(3), name: 'c' })),
    ]);
    expect({ byId: [...c.byId], applied: [...c.applied], deleted: [...c.deleted] }).toEqual(before);
  });

  it('converges when the events buffered during a fetch are replayed on a snapshot that already has some', () => {
    // The list was fetched while A started (event 101) and stopped (102) and C was created (103): the snapshot
    // may or may not show each. Replaying the whole buffer on top of it must end in the same place either way.
    const C = vmFixture({ id: vmId(3), name: 'charlie' });
    const buffered = [
      lifecycle(101, 'vm.started', A, 'running'),
      lifecycle(102, 'vm.stopped', A, 'stopped', 'running'),
      created(103, C),
    ];
    const snapshots = [
      [vmA],
      [{ ...vmA, state: 'running' as const }],
      [{ ...vmA, state: 'stopped' as const }, C],
    ];
    for (const snapshot of snapshots) {
      const c = applyVmEvents(collectionFromList(snapshot), buffered);
      expect(stateOf(c, A)).toBe('stopped');
      expect(c.byId.has(C.id)).toBe(true);
    }
  });

  it('handles 1,000 VMs and a burst of 1,000 events in one batch quickly', () => {
    const vms = Array.from({ length: 1000 }, (_, i) => vmFixture({ id: vmId(i + 1), name: `vm-${i}` }));
    const events = vms.map((vm, i) => lifecycle(i + 1, 'vm.started', vm.id, 'running'));
    const started = performance.now();
    const c = applyVmEvents(collectionFromList(vms), events);
    expect(performance.now() - started).toBeLessThan(200);
    expect([...c.byId.values()].every((vm) => vm.state === 'running')).toBe(true);
  });
});

describe('applyEventToVm', () => {
  it('returns null on vm.deleted and the same object when the state does not change', () => {
    expect(applyEventToVm(vmA, deleted(1, A))).toBeNull();
    expect(applyEventToVm(vmA, lifecycle(2, 'vm.stopped', A, 'stopped'))).toBe(vmA);
    expect(applyEventToVm(vmA, lifecycle(3, 'vm.paused', A, 'paused'))?.state).toBe('paused');
  });
});
