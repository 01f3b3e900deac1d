import type { EventEnvelope, EventOf, Task, Vm, VmState } from '@gureum/contract';

const T0 = '2026-01-01T00:00:00.000Z';

/** A VM of the read model, with overrides. */
export function vmFixture(overrides: Partial<Vm> & { id: string; name: string }): Vm {
  return {
    description: '',
    tags: [],
    ownerId: 'user-1',
    state: 'stopped',
    vcpus: 1,
    memoryBytes: 512 * 1024 ** 2,
    firmware: 'bios',
    bootOrder: 'hd',
    installation: { status: 'not_installed' },
    disks: [],
    media: null,
    nics: [],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** A VM id (UUID-shaped) from a small number. */
export function vmId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

type LifecycleType = 'vm.started' | 'vm.stopped' | 'vm.paused' | 'vm.resumed' | 'vm.crashed' | 'vm.suspended';

export function lifecycle(
  id: number,
  type: LifecycleType,
  vm: string,
  state: VmState,
  previousState: VmState = 'stopped',
): EventOf<LifecycleType> {
  return {
    id,
    type,
    time: T0,
    resource: { kind: 'vm', id: vm },
    data: { name: 'vm', state, previousState, reason: 'booted' },
  };
}

export function created(id: number, vm: Vm): EventOf<'vm.created'> {
  return { id, type: 'vm.created', time: T0, resource: { kind: 'vm', id: vm.id }, data: { vm } };
}

export function updated(id: number, vm: Vm): EventOf<'vm.updated'> {
  return { id, type: 'vm.updated', time: T0, resource: { kind: 'vm', id: vm.id }, data: { vm } };
}

export function deleted(id: number, vm: string): EventOf<'vm.deleted'> {
  return { id, type: 'vm.deleted', time: T0, resource: { kind: 'vm', id: vm }, data: { name: 'vm' } };
}

export function taskFixture(overrides: Partial<Task> & { id: string }): Task {
  return {
    kind: 'vm.start',
    status: 'running',
    progress: 0.5,
    resource: { kind: 'vm', id: vmId(1) },
    actorId: 'user-1',
    createdAt: T0,
    ...overrides,
  };
}

export function taskUpdated(id: number, task: Task): EventOf<'task.updated'> {
  return { id, type: 'task.updated', time: T0, resource: { kind: 'task', id: task.id }, data: { task } };
}

export function syncReset(id: number): EventEnvelope {
  return {
    id,
    type: 'sync.reset',
    time: T0,
    resource: { kind: 'system', id: 'events' },
    data: { reason: 'since_too_old', oldestId: 1 },
  };
}
