import { TaskKind, TaskStatus, type EventEnvelope, type Image, type Task, type Vm } from '@gureum/contract';
import type { QueryClient } from '@tanstack/react-query';
import type { EventHub } from './event-hub';
import { removeImage, upsertImage, upsertTask, type Page, type TaskFilter } from './lists';
import { keys } from './query-keys';

const TASK_STATUSES: readonly TaskStatus[] = TaskStatus.enum;
const TASK_KINDS: readonly TaskKind[] = TaskKind.enum;
import { applyEventToVm, applyVmEvent, isVmEvent, type VmCollection } from './vm-collection';

/**
 * Writes every event into the query cache: the VM list and VM details, tasks and task lists, images. Pages never
 * poll; they read the cache. A `sync.reset` (the server could not replay the gap) refetches everything.
 */
export function applyEventToCache(queryClient: QueryClient, event: EventEnvelope): void {
  if (event.type === 'sync.reset') {
    void queryClient.invalidateQueries();
    return;
  }
  if (isVmEvent(event)) {
    queryClient.setQueryData<VmCollection>(keys.vms, (c) => (c ? applyVmEvent(c, event) : c));
    const id = event.resource.id;
    queryClient.setQueryData<Vm | null>(keys.vm(id), (vm) => (vm ? applyEventToVm(vm, event) : vm));
    if (event.type === 'vm.media-changed' || event.type === 'vm.installation-changed')
      void queryClient.invalidateQueries({ queryKey: keys.vmPart(id, 'installation') });
    return;
  }
  if (event.type === 'task.updated') {
    const task = event.data.task;
    queryClient.setQueryData<Task>(keys.task(task.id), task);
    for (const [key] of queryClient.getQueriesData<Page<Task>>({ queryKey: keys.tasksAll })) {
      const filter = taskFilterOf(key[1]);
      queryClient.setQueryData<Page<Task>>(key, (page) => (page ? upsertTask(page, task, filter) : page));
    }
    return;
  }
  if (event.type === 'image.updated') {
    queryClient.setQueryData<Page<Image>>(keys.images, (page) =>
      page ? upsertImage(page, event.data.image) : page,
    );
    return;
  }
  if (event.type === 'image.deleted') {
    queryClient.setQueryData<Page<Image>>(keys.images, (page) =>
      page ? removeImage(page, event.resource.id) : page,
    );
  }
}

/** The filter a task list was fetched with: the second part of its query key (`keys.tasks(filter)`). */
function taskFilterOf(part: unknown): TaskFilter {
  if (typeof part !== 'object' || part === null) return {};
  const filter: Record<string, unknown> = { ...part };
  const text = (k: string) => (typeof filter[k] === 'string' ? filter[k] : undefined);
  const resource = text('resource');
  const status = TASK_STATUSES.find((s) => s === text('status'));
  const kind = TASK_KINDS.find((k) => k === text('kind'));
  return { ...(resource ? { resource } : {}), ...(status ? { status } : {}), ...(kind ? { kind } : {}) };
}

/** Connects a hub to the cache; returns the disconnect function. */
export function syncCacheWithEvents(hub: EventHub, queryClient: QueryClient): () => void {
  return hub.onEvent((event) => {
    applyEventToCache(queryClient, event);
  });
}
