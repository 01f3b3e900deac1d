import { Type, type Static } from '@sinclair/typebox';
import { Id, ResourceRef, Timestamp, page, pageQuery, stringEnum } from '../common.js';
import { Problem } from '../problem.js';

/** What a task does: `<resource>.<verb>`. */
export const TaskKind = stringEnum([
  'vm.create',
  'vm.delete',
  'vm.start',
  'vm.stop',
  'vm.force-stop',
  'vm.reboot',
  'vm.reset',
  'vm.pause',
  'vm.resume',
  'vm.complete-installation',
  'vm.disk-resize',
  'vm.snapshot-create',
  'vm.snapshot-revert',
  'vm.snapshot-delete',
  'image.import',
  'drift.adopt',
  'drift.clean',
]);
export type TaskKind = Static<typeof TaskKind>;

export const TaskStatus = stringEnum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type TaskStatus = Static<typeof TaskStatus>;

/** The statuses a task never leaves. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

/** True when the task has ended (succeeded, failed or cancelled). */
export function isTaskFinished(task: { status: TaskStatus }): boolean {
  return TERMINAL_TASK_STATUSES.includes(task.status);
}

/**
 * Persisted long-running work (API.md "Tasks"). A failed task's `error` is the same Problem a synchronous
 * failure would have returned; `result` is the final resource (for example the created `Vm`).
 */
export const Task = Type.Object(
  {
    id: Id,
    kind: TaskKind,
    status: TaskStatus,
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    message: Type.Optional(Type.String()),
    resource: ResourceRef,
    actorId: Id,
    createdAt: Timestamp,
    startedAt: Type.Optional(Timestamp),
    finishedAt: Type.Optional(Timestamp),
    result: Type.Optional(Type.Unknown()),
    error: Type.Optional(Problem),
  },
  { title: 'Task' },
);
export type Task = Static<typeof Task>;

/** The body of every 202 response (with `Location: /api/v1/tasks/{id}`). */
export const TaskAccepted = Type.Object({ task: Task }, { title: 'TaskAccepted' });
export type TaskAccepted = Static<typeof TaskAccepted>;

/** `GET /tasks` query: `resource` is a resource id (for example a VM UUID). */
export const TaskListQuery = Type.Object(
  {
    ...pageQuery,
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    status: Type.Optional(TaskStatus),
    kind: Type.Optional(TaskKind),
  },
  { title: 'TaskListQuery' },
);
export type TaskListQuery = Static<typeof TaskListQuery>;
export const TaskList = page(Task, 'TaskList');
export type TaskList = Static<typeof TaskList>;
