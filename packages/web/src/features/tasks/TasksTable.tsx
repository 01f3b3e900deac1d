import { ApiError } from '@gureum/client';
import { isTaskFinished, type Task } from '@gureum/contract';
import { useState } from 'react';
import { Link } from 'react-router';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ProgressBar } from '../../components/Progress';
import { StatusBadge } from '../../components/StateBadge';
import { useToasts } from '../../components/Toasts';
import { useClient } from '../../lib/app-context';
import { formatAgo, formatDateTime } from '../../lib/format';
import { taskLabel } from './TaskProgress';

/** Tasks with live status and progress; a failed one opens to show its problem; running ones can be cancelled. */
export function TasksTable(props: { tasks: readonly Task[]; showResource?: boolean }) {
  const client = useClient();
  const toasts = useToasts();
  const [open, setOpen] = useState<string | null>(null);
  const cancel = async (task: Task) => {
    try {
      await client.cancelTask({ id: task.id });
    } catch (err: unknown) {
      toasts.error(err, 'Not cancelled');
    }
  };
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Tasks">
        <thead>
          <tr>
            <th>Task</th>
            <th>Status</th>
            <th style={{ width: 160 }}>Progress</th>
            {props.showResource && <th>Resource</th>}
            <th>Started</th>
            <th>Finished</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.tasks.map((task) => (
            <TaskRow
              key={task.id}
              task={task}
              showResource={props.showResource ?? false}
              open={open === task.id}
              onToggle={() => setOpen(open === task.id ? null : task.id)}
              onCancel={() => void cancel(task)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TaskRow(props: {
  task: Task;
  showResource: boolean;
  open: boolean;
  onToggle: () => void;
  onCancel: () => void;
}) {
  const { task } = props;
  const finished = isTaskFinished(task);
  const columns = props.showResource ? 7 : 6;
  return (
    <>
      <tr data-task-id={task.id}>
        <td>
          <strong>{taskLabel(task.kind)}</strong> <span className="muted">{task.kind}</span>
        </td>
        <td>
          <StatusBadge status={task.status} />
        </td>
        <td>
          {finished ? (
            <span className="muted">{task.message ?? ''}</span>
          ) : (
            <ProgressBar label="Progress" value={task.status === 'queued' ? undefined : task.progress} />
          )}
        </td>
        {props.showResource && (
          <td>
            {task.resource.kind === 'vm' ? (
              <Link to={`/vms/${task.resource.id}`} className="mono">
                {task.resource.id.slice(0, 8)}
              </Link>
            ) : (
              <span className="mono">
                {task.resource.kind} {task.resource.id.slice(0, 8)}
              </span>
            )}
          </td>
        )}
        <td title={formatDateTime(task.startedAt ?? task.createdAt)}>
          {formatAgo(task.startedAt ?? task.createdAt)}
        </td>
        <td>{formatDateTime(task.finishedAt)}</td>
        <td>
          {task.status === 'failed' && (
            <button
              type="button"
              className="btn btn-small"
              aria-expanded={props.open}
              onClick={props.onToggle}
            >
              {props.open ? 'Hide error' : 'Show error'}
            </button>
          )}
          {!finished && (
            <button type="button" className="btn btn-small" onClick={props.onCancel}>
              Cancel
            </button>
          )}
        </td>
      </tr>
      {props.open && task.error && (
        <tr>
          <td colSpan={columns} style={{ whiteSpace: 'normal', height: 'auto', padding: 10 }}>
            <ProblemAlert error={ApiError.fromProblem(task.error)} />
          </td>
        </tr>
      )}
    </>
  );
}
