import { ApiError } from '@gureum/client';
import { isTaskFinished, type Task } from '@gureum/contract';
import { useEffect, useRef } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ProgressBar } from '../../components/Progress';
import { StatusBadge } from '../../components/StateBadge';
import { useTask } from './use-task';

/** A task's kind in words: `vm.force-stop` → `Force stop`. */
export function taskLabel(kind: string): string {
  const verb = kind.split('.')[1] ?? kind;
  const words = verb.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Follows a task live: its status, progress and message, and its Problem (title, detail, request id) when it
 * fails. `onDone` is called once when it ends.
 */
export function TaskProgress(props: { taskId: string; onDone?: (task: Task) => void; compact?: boolean }) {
  const { data: task, error } = useTask(props.taskId);
  const reported = useRef(false);
  const { onDone } = props;
  useEffect(() => {
    if (task && isTaskFinished(task) && !reported.current) {
      reported.current = true;
      onDone?.(task);
    }
  }, [task, onDone]);
  if (error) return <ProblemAlert error={error} title="Cannot follow the task" />;
  if (!task) return <ProgressBar label="Task" />;
  const finished = isTaskFinished(task);
  return (
    <div className="stack" style={{ gap: 6 }} data-task-id={task.id}>
      <div className="row">
        <strong>{taskLabel(task.kind)}</strong>
        <StatusBadge status={task.status} />
        {!props.compact && task.message && <span className="muted">{task.message}</span>}
      </div>
      {!finished && (
        <ProgressBar
          label={`${taskLabel(task.kind)} progress`}
          value={task.status === 'queued' ? undefined : task.progress}
        />
      )}
      {task.status === 'failed' && task.error && <ProblemAlert error={ApiError.fromProblem(task.error)} />}
    </div>
  );
}
