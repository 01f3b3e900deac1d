import { BASE_PATH } from '@gureum/contract';
import type { ProblemData, TaskRecord, TaskStatus } from '../domain/model.js';

/** A task as the API and the `task.updated` event show it (API.md "Tasks"); never carries the task's input. */
export interface PublicTask {
  id: string;
  kind: string;
  status: TaskStatus;
  progress: number;
  message?: string;
  resource: { kind: string; id: string };
  actorId: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  result?: unknown;
  error?: ProblemData & { instance: string; requestId: string };
}

export const TASK_UPDATED = 'task.updated';

export function isFinished(status: TaskStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

export function toPublicTask(task: TaskRecord): PublicTask {
  return {
    id: task.id,
    kind: task.kind,
    status: task.status,
    progress: task.progress,
    ...(task.message === null ? {} : { message: task.message }),
    resource: { kind: task.resourceKind, id: task.resourceId },
    actorId: task.actorId,
    createdAt: task.createdAt,
    ...(task.startedAt === null ? {} : { startedAt: task.startedAt }),
    ...(task.finishedAt === null ? {} : { finishedAt: task.finishedAt }),
    ...(task.result === null || task.result === undefined ? {} : { result: task.result }),
    ...(task.error === null
      ? {}
      : {
          error: {
            ...task.error,
            instance: `${BASE_PATH}/tasks/${task.id}`,
            requestId: task.error.requestId ?? task.requestId ?? '',
          },
        }),
  };
}
