import type { GureumClient, TaskPending } from '@gureum/client';
import type { VmState } from '@gureum/contract';

export type VmAction = 'start' | 'stop' | 'force-stop' | 'reboot' | 'reset' | 'pause' | 'resume';

export const ACTION_LABELS: Record<VmAction, string> = {
  start: 'Start',
  stop: 'Stop',
  'force-stop': 'Force stop',
  reboot: 'Reboot',
  reset: 'Reset',
  pause: 'Pause',
  resume: 'Resume',
};

/** The states from which an action makes sense (the server decides; the UI only avoids offering the obvious no). */
const ALLOWED: Record<VmAction, readonly VmState[]> = {
  start: ['stopped', 'crashed', 'suspended'],
  stop: ['running', 'paused'],
  'force-stop': ['running', 'paused', 'crashed', 'suspended', 'unknown'],
  reboot: ['running'],
  reset: ['running'],
  pause: ['running'],
  resume: ['paused'],
};

export function canRun(action: VmAction, state: VmState): boolean {
  return ALLOWED[action].includes(state);
}

/** Starts an action; the answer is the task to follow. */
export function runVmAction(client: GureumClient, action: VmAction, id: string): Promise<TaskPending> {
  switch (action) {
    case 'start':
      return client.startVm({ id });
    case 'stop':
      return client.stopVm({ id });
    case 'force-stop':
      return client.forceStopVm({ id });
    case 'reboot':
      return client.rebootVm({ id });
    case 'reset':
      return client.resetVm({ id });
    case 'pause':
      return client.pauseVm({ id });
    case 'resume':
      return client.resumeVm({ id });
  }
}

/**
 * Runs `work` over `items` with at most `limit` at a time; resolves with one outcome per item, in order. Used by
 * bulk actions so 200 selected VMs are not 200 simultaneous requests.
 */
export async function runLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  const queue = items.entries(); // one iterator shared by the workers: each item is taken once
  const worker = async (): Promise<void> => {
    for (const [index, item] of queue) {
      try {
        results[index] = { status: 'fulfilled', value: await work(item) };
      } catch (reason: unknown) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
