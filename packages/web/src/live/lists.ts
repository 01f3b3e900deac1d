import type { Image, Task, TaskListQuery } from '@gureum/contract';

/** A page of a list as fetched: `{ items, nextCursor }`. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export type TaskFilter = Pick<TaskListQuery, 'resource' | 'status' | 'kind'>;

/** True when a task belongs in a list fetched with `filter`. */
export function taskMatches(task: Task, filter: TaskFilter): boolean {
  if (filter.resource !== undefined && task.resource.id !== filter.resource) return false;
  if (filter.status !== undefined && task.status !== filter.status) return false;
  if (filter.kind !== undefined && task.kind !== filter.kind) return false;
  return true;
}

/**
 * A task list (newest first) after a `task.updated` event: the task is replaced where it is; a task new to the
 * list goes first when it matches the filter; one that no longer matches (a status filter) leaves.
 */
export function upsertTask(page: Page<Task>, task: Task, filter: TaskFilter): Page<Task> {
  const index = page.items.findIndex((t) => t.id === task.id);
  const matches = taskMatches(task, filter);
  if (index === -1) return matches ? { ...page, items: [task, ...page.items] } : page;
  const items = [...page.items];
  if (matches) items[index] = task;
  else items.splice(index, 1);
  return { ...page, items };
}

/** An image list after `image.updated`: replaced in place, or added first when new. */
export function upsertImage(page: Page<Image>, image: Image): Page<Image> {
  const index = page.items.findIndex((i) => i.id === image.id);
  if (index === -1) return { ...page, items: [image, ...page.items] };
  const items = [...page.items];
  items[index] = image;
  return { ...page, items };
}

/** An image list after `image.deleted`. */
export function removeImage(page: Page<Image>, id: string): Page<Image> {
  const items = page.items.filter((i) => i.id !== id);
  return items.length === page.items.length ? page : { ...page, items };
}
