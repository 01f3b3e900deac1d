import { TaskKind, TaskStatus, type TaskKind as Kind, type TaskStatus as Status } from '@gureum/contract';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import type { TaskFilter } from '../../live/lists';
import { TasksTable } from './TasksTable';
import { useTaskList } from './use-task-list';

const STATUSES: readonly Status[] = TaskStatus.enum;
const KINDS: readonly Kind[] = TaskKind.enum;

/** Every task the caller may see, newest first, live. */
export function TasksPage() {
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status'));
  const kind = KINDS.find((k) => k === params.get('kind'));
  const filter = useMemo<TaskFilter>(
    () => ({ ...(status ? { status } : {}), ...(kind ? { kind } : {}) }),
    [status, kind],
  );
  const tasks = useTaskList(filter);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <div className="page">
      <div className="page-head">
        <h1>Tasks</h1>
        <span className="spacer" />
        <select
          className="select"
          aria-label="Filter by status"
          value={status ?? ''}
          onChange={(e) => set('status', e.target.value)}
        >
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select
          className="select"
          aria-label="Filter by kind"
          value={kind ?? ''}
          onChange={(e) => set('kind', e.target.value)}
        >
          <option value="">All kinds</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </div>
      {tasks.error ? (
        <ProblemAlert error={tasks.error} title="Cannot list the tasks" />
      ) : tasks.isPending ? (
        <Spinner label="Loading tasks" />
      ) : tasks.data.items.length === 0 ? (
        <EmptyState title="No tasks">
          Creating, starting, stopping or deleting a VM, and downloading an image, run as tasks: they show
          here with their progress.
        </EmptyState>
      ) : (
        <TasksTable tasks={tasks.data.items} showResource />
      )}
    </div>
  );
}
