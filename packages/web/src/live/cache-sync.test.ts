import type { Task, Vm } from '@gureum/contract';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { deleted, lifecycle, syncReset, taskFixture, taskUpdated, vmFixture, vmId } from '../test/fixtures';
import { applyEventToCache } from './cache-sync';
import type { Page } from './lists';
import { keys } from './query-keys';
import { collectionFromList, type VmCollection } from './vm-collection';

// The real QueryClient; events go in, the cache entries pages read come out.
describe('applyEventToCache', () => {
  const vm = vmFixture({ id: vmId(1), name: 'alpha' });

  it('updates the VM list and the VM detail; a deleted VM reads null', () => {
    const qc = new QueryClient();
    qc.setQueryData<VmCollection>(keys.vms, collectionFromList([vm]));
    qc.setQueryData<Vm | null>(keys.vm(vm.id), vm);
    applyEventToCache(qc, lifecycle(5, 'vm.started', vm.id, 'running'));
    expect(qc.getQueryData<VmCollection>(keys.vms)?.byId.get(vm.id)?.state).toBe('running');
    expect(qc.getQueryData<Vm>(keys.vm(vm.id))?.state).toBe('running');
    applyEventToCache(qc, deleted(6, vm.id));
    expect(qc.getQueryData<VmCollection>(keys.vms)?.byId.size).toBe(0);
    expect(qc.getQueryData(keys.vm(vm.id))).toBeNull();
  });

  it('puts task updates in the task entry and in every task list whose filter they match', () => {
    const qc = new QueryClient();
    const empty: Page<Task> = { items: [], nextCursor: null };
    qc.setQueryData(keys.tasks({}), empty);
    qc.setQueryData(keys.tasks({ resource: vm.id }), empty);
    qc.setQueryData(keys.tasks({ resource: 'other' }), empty);
    qc.setQueryData(keys.tasks({ status: 'failed' }), empty);
    const task = taskFixture({ id: 't1', resource: { kind: 'vm', id: vm.id } });
    applyEventToCache(qc, taskUpdated(7, task));
    expect(qc.getQueryData(keys.task('t1'))).toEqual(task);
    const ids = (filter: object) => qc.getQueryData<Page<Task>>(['tasks', filter])?.items.map((t) => t.id);
    expect(ids({})).toEqual(['t1']);
    expect(ids({ resource: vm.id })).toEqual(['t1']);
    expect(ids({ resource: 'other' })).toEqual([]);
    expect(ids({ status: 'failed' })).toEqual([]);
  });

  it('marks everything stale on sync.reset', () => {
    const qc = new QueryClient();
    qc.setQueryData<VmCollection>(keys.vms, collectionFromList([vm]));
    applyEventToCache(qc, syncReset(9));
    expect(qc.getQueryState(keys.vms)?.isInvalidated).toBe(true);
  });
});
