import type { Task, Vm } from '@gureum/contract';
import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useClient } from '../../lib/app-context';
import { TaskProgress } from '../tasks/TaskProgress';
import { ACTION_LABELS, canRun, runVmAction, type VmAction } from './vm-actions';

const PRIMARY: VmAction[] = ['start', 'stop', 'reboot', 'pause', 'resume'];
const HARD: VmAction[] = ['force-stop', 'reset'];

interface Started {
  readonly key: number;
  readonly action: VmAction;
  readonly taskId?: string;
  readonly error?: unknown;
}

/**
 * The lifecycle buttons of a VM. Each click shows its own line: the task's progress until it ends, or the
 * problem (title, detail, request id) whether the request was refused at once or the task failed later.
 */
export function VmActionsBar(props: { vm: Vm; readOnly: boolean; onDelete: () => void }) {
  const client = useClient();
  const [started, setStarted] = useState<Started[]>([]);
  const [pending, setPending] = useState<VmAction | null>(null);
  const { vm } = props;

  const run = async (action: VmAction) => {
    setPending(action);
    const key = Date.now() + Math.random();
    try {
      const { task } = await runVmAction(client, action, vm.id);
      setStarted((s) => [{ key, action, taskId: task.id }, ...s].slice(0, 5));
    } catch (err: unknown) {
      setStarted((s) => [{ key, action, error: err }, ...s].slice(0, 5));
    } finally {
      setPending(null);
    }
  };
  const dismiss = useCallback((key: number) => {
    setStarted((s) => s.filter((x) => x.key !== key));
  }, []);

  const button = (action: VmAction, danger = false) => (
    <button
      key={action}
      type="button"
      className={danger ? 'btn btn-danger' : 'btn'}
      disabled={props.readOnly || pending !== null || !canRun(action, vm.state)}
      onClick={() => void run(action)}
    >
      {pending === action ? `${ACTION_LABELS[action]}…` : ACTION_LABELS[action]}
    </button>
  );

  return (
    <div className="stack">
      <div className="row" role="toolbar" aria-label="VM actions">
        {PRIMARY.map((a) => button(a))}
        <span aria-hidden="true" className="muted">
          |
        </span>
        {HARD.map((a) => button(a))}
        <span aria-hidden="true" className="muted">
          |
        </span>
        <Link className="btn" to={`/vms/${vm.id}/console/vnc`} aria-disabled={vm.state !== 'running'}>
          VNC console
        </Link>
        <Link className="btn" to={`/vms/${vm.id}/console/serial`}>
          Serial console
        </Link>
        <span style={{ flex: 1 }} />
        <button type="button" className="btn btn-danger" disabled={props.readOnly} onClick={props.onDelete}>
          Delete…
        </button>
      </div>
      {started.map((s) => (
        <ActionLine key={s.key} started={s} onDismiss={dismiss} />
      ))}
    </div>
  );
}

function ActionLine(props: { started: Started; onDismiss: (key: number) => void }) {
  const { started, onDismiss } = props;
  const [ended, setEnded] = useState<Task | null>(null);
  const onDone = useCallback((task: Task) => setEnded(task), []);
  return (
    <div className="card" style={{ padding: 10 }}>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ flex: 1, minWidth: 0 }}>
          {started.taskId ? (
            <TaskProgress taskId={started.taskId} onDone={onDone} />
          ) : (
            <ProblemAlert error={started.error} title={`${ACTION_LABELS[started.action]} was refused`} />
          )}
        </div>
        {(ended !== null || !started.taskId) && (
          <button
            type="button"
            className="btn btn-ghost btn-small"
            aria-label="Dismiss"
            onClick={() => onDismiss(started.key)}
          >
            ✕
          </button>
        )}
      </div>
    </div>
  );
}
