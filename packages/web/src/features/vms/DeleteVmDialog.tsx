import type { Task, Vm } from '@gureum/contract';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { Dialog } from '../../components/Dialog';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { useClient } from '../../lib/app-context';
import { TaskProgress } from '../tasks/TaskProgress';

/**
 * Deleting a VM shows first what would go (`DELETE ?dryRun=true`: the domain, its volumes, NVRAM, snapshots), then
 * deletes and follows the task, and returns to the list once it is done.
 */
export function DeleteVmDialog(props: { vm: Vm; onClose: () => void }) {
  const client = useClient();
  const navigate = useNavigate();
  const { vm } = props;
  const plan = useQuery({
    queryKey: ['vm', vm.id, 'delete-plan'],
    queryFn: ({ signal }) => client.deleteVm({ idOrName: vm.id }, { dryRun: true, signal }),
    gcTime: 0,
    retry: false,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  const remove = async () => {
    setBusy(true);
    setError(null);
    setFailed(false);
    try {
      const { task } = await client.deleteVm({ idOrName: vm.id });
      setTaskId(task.id);
    } catch (err: unknown) {
      setError(err);
      setBusy(false);
    }
  };
  const onDone = useCallback(
    (task: Task) => {
      if (task.status === 'succeeded') void navigate('/vms');
      else {
        setFailed(true);
        setBusy(false);
      }
    },
    [navigate],
  );

  return (
    <Dialog
      open
      title={`Delete ${vm.name}?`}
      onClose={props.onClose}
      busy={busy && !failed}
      footer={
        <>
          <button type="button" className="btn" onClick={props.onClose} disabled={busy && !failed}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy || !plan.data}
            onClick={() => void remove()}
          >
            {busy ? 'Deleting…' : 'Delete VM'}
          </button>
        </>
      }
    >
      <p>This cannot be undone. The following will be deleted:</p>
      {plan.isPending && <Spinner label="Asking the server what would be deleted" />}
      {plan.error && <ProblemAlert error={plan.error} title="Cannot plan the deletion" />}
      {plan.data && (
        <ul aria-label="Would delete" data-testid="delete-plan">
          {plan.data.wouldDelete.map((item) => (
            <li key={`${item.kind}:${item.id}`}>
              <strong>{item.kind}</strong> {item.name ?? item.id}
              {item.path && <code className="muted"> {item.path}</code>}
            </li>
          ))}
        </ul>
      )}
      {error !== null && <ProblemAlert error={error} title="The VM was not deleted" />}
      {taskId && <TaskProgress taskId={taskId} onDone={onDone} />}
    </Dialog>
  );
}
