import type { EventEnvelope, Task, Vm } from '@gureum/contract';

export const VM_ID = '0b6c8e0e-3c7a-4d55-9a61-2f0c8b7e1a42';
const T0 = '2025-01-01T00:00:00.000Z';

export function vm(overrides: Partial<Vm> = {}): Vm {
  return {
    id: VM_ID,
    name: 'web-1',
    description: '',
    tags: [],
    ownerId: 'usr_1',
    state: 'stopped',
    vcpus: 1,
    memoryBytes: 512 * 1024 * 1024,
    firmware: 'bios',
    bootOrder: 'hd',
    installation: { status: 'installed' },
    disks: [],
    media: null,
    nics: [],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 'tsk_1',
    kind: 'vm.start',
    status: 'queued',
    progress: 0,
    resource: { kind: 'vm', id: VM_ID },
    actorId: 'usr_1',
    createdAt: T0,
    ...overrides,
  };
}

/** A `vm.started` / `vm.stopped` event with this id. */
export function lifecycleEvent(id: number, type: 'vm.started' | 'vm.stopped' = 'vm.started'): EventEnvelope {
  return {
    id,
    type,
    time: T0,
    resource: { kind: 'vm', id: VM_ID },
    data: {
      name: 'web-1',
      state: type === 'vm.started' ? 'running' : 'stopped',
      previousState: type === 'vm.started' ? 'stopped' : 'running',
      reason: type === 'vm.started' ? 'booted' : 'destroyed',
    },
  };
}
