import type { Vm } from '@gureum/contract';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useClient } from '../../lib/app-context';
import { runLimited, runVmAction } from './vm-actions';

export type BulkAction = 'start' | 'stop' | 'delete';

const TITLES: Record<BulkAction, string> = { start: 'Start', stop: 'Stop', delete: 'Delete' };

/**
 * Confirms a bulk action with the list of VMs it touches, then sends the requests four at a time and reports what
 * was refused (each refusal with its problem). Progress of each VM shows in the list through its events.
 */
export function BulkActionDialog(props: { action: BulkAction; vms: readonly Vm[]; onClose: () => void }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState<{ vm: Vm; error: unknown }[] | null>(null);
  const { action, vms } = props;
  const verb = TITLES[action];

  const run = async () => {
    setBusy(true);
    const results = await runLimited(vms, 4, (vm) =>
      action === 'delete' ? client.deleteVm({ idOrName: vm.id }) : runVmAction(client, action, vm.id),
    );
    setBusy(false);
    const failed = results.flatMap((r, i) => {
      const vm = vms[i];
      return r.status === 'rejected' && vm ? [{ vm, error: r.reason as unknown }] : [];
    });
    if (failed.length === 0) props.onClose();
    else setFailures(failed);
  };

  const shown = vms.slice(0, 12);
  return (
    <Dialog
      open
      title={`${verb} ${vms.length} VM${vms.length === 1 ? '' : 's'}`}
      onClose={props.onClose}
      busy={busy}
      footer={
        failures ? (
          <button type="button" className="btn" onClick={props.onClose}>
            Close
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={props.onClose} disabled={busy}>
              Cancel
            </button>
            <button
              type="button"
              className={action === 'delete' ? 'btn btn-danger' : 'btn btn-primary'}
              onClick={() => void run()}
              disabled={busy}
            >
              {busy ? `${verb}ing…` : `${verb} ${vms.length}`}
            </button>
          </>
        )
      }
    >
      {failures ? (
        <div className="stack">
          <p>
            {vms.length - failures.length} of {vms.length} accepted. These were refused:
          </p>
          {failures.map((f) => (
            <ProblemAlert key={f.vm.id} error={f.error} title={f.vm.name} />
          ))}
        </div>
      ) : (
        <div className="stack">
          <p>
            {action === 'delete'
              ? 'These VMs, their disks and their snapshots will be deleted. This cannot be undone.'
              : `These VMs will be asked to ${action}. Their state updates in the list as it changes.`}
          </p>
          <ul>
            {shown.map((vm) => (
              <li key={vm.id}>
                <strong>{vm.name}</strong> <span className="muted">({vm.state})</span>
              </li>
            ))}
            {vms.length > shown.length && <li className="muted">and {vms.length - shown.length} more</li>}
          </ul>
        </div>
      )}
    </Dialog>
  );
}
