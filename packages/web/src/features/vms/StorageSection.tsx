import type { Snapshot, Task, Vm, VmDiskDetail } from '@gureum/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SizeInput } from '../../components/SizeInput';
import { useClient } from '../../lib/app-context';
import { formatBytes, formatDateTime, randomKey, toBytes, type SizeUnit } from '../../lib/format';
import { resourceNameProblem } from '../../lib/names';
import { keys } from '../../live/query-keys';
import { TaskProgress } from '../tasks/TaskProgress';

/** The VM's disks as libvirt reports them (format, size, allocation, backing chain), with grow-only resize. */
export function DisksSection(props: { vm: Vm; readOnly: boolean }) {
  const client = useClient();
  const disks = useQuery({
    queryKey: keys.vmPart(props.vm.id, 'disks'),
    queryFn: ({ signal }) => client.listVmDisks({ id: props.vm.id }, { signal }),
    retry: false,
  });
  if (disks.error) return <ProblemAlert error={disks.error} title="Disk details unavailable" />;
  const items = disks.data?.items;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th>Disk</th>
            <th>Device</th>
            <th>Format</th>
            <th>Size</th>
            <th>Allocated</th>
            <th>Backing chain</th>
            <th>Resize</th>
          </tr>
        </thead>
        <tbody>
          {(items ?? props.vm.disks.map((d) => ({ ...d, placeholder: true as const }))).map((d) =>
            'placeholder' in d ? (
              <tr key={d.id}>
                <td className="mono">{d.id}</td>
                <td>
                  {d.device} ({d.bus})
                </td>
                <td colSpan={5} className="muted">
                  Loading…
                </td>
              </tr>
            ) : (
              <DiskRow key={d.id} vmId={props.vm.id} disk={d} readOnly={props.readOnly} />
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

function DiskRow(props: { vmId: string; disk: VmDiskDetail; readOnly: boolean }) {
  const { disk } = props;
  const client = useClient();
  const queryClient = useQueryClient();
  const [size, setSize] = useState('');
  const [unit, setUnit] = useState<SizeUnit>('GiB');
  const [error, setError] = useState<unknown>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const bytes = toBytes(size, unit);
  const tooSmall = bytes !== null && bytes <= disk.virtualSizeBytes;
  const onDone = useCallback(
    (_task: Task) => {
      setTaskId(null);
      void queryClient.invalidateQueries({ queryKey: keys.vmPart(props.vmId, 'disks') });
    },
    [queryClient, props.vmId],
  );
  const resize = async () => {
    if (bytes === null) return;
    setError(null);
    try {
      const { task } = await client.resizeVmDisk({ id: props.vmId, diskId: disk.id, sizeBytes: bytes });
      setTaskId(task.id);
      setSize('');
    } catch (err: unknown) {
      setError(err);
    }
  };
  const resizable = disk.device === 'disk' && !disk.readOnly;
  return (
    <tr>
      <td className="mono">{disk.id}</td>
      <td>
        {disk.device} ({disk.bus})
      </td>
      <td>{disk.format}</td>
      <td>{formatBytes(disk.virtualSizeBytes)}</td>
      <td>{formatBytes(disk.allocationBytes)}</td>
      <td className="muted">
        {disk.backingChain.length === 0
          ? '—'
          : disk.backingChain.map((b) => `${b.format} ${formatBytes(b.virtualSizeBytes)}`).join(' → ')}
      </td>
      <td style={{ whiteSpace: 'normal', minWidth: 260 }}>
        {resizable && !props.readOnly && (
          <div className="stack" style={{ gap: 4, padding: '6px 0' }}>
            <div className="row">
              <div style={{ width: 150 }}>
                <SizeInput
                  id={`resize-${disk.id}`}
                  describedBy=""
                  invalid={tooSmall}
                  label="New size"
                  value={size}
                  unit={unit}
                  onChange={(v, u) => {
                    setSize(v);
                    setUnit(u);
                  }}
                />
              </div>
              <button
                type="button"
                className="btn btn-small"
                disabled={bytes === null || tooSmall || taskId !== null}
                onClick={() => void resize()}
              >
                Grow
              </button>
            </div>
            {tooSmall && <span className="muted">Disks only grow: choose more than the current size.</span>}
            {taskId && <TaskProgress taskId={taskId} onDone={onDone} compact />}
            {error !== null && <ProblemAlert error={error} title="Not resized" />}
          </div>
        )}
      </td>
    </tr>
  );
}

/** Snapshots: the list, and taking one (only the kinds this VM supports are offered). */
export function SnapshotsSection(props: { vm: Vm; readOnly: boolean }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const snapshots = useQuery({
    queryKey: keys.vmPart(props.vm.id, 'snapshots'),
    queryFn: ({ signal }) => client.listVmSnapshots({ id: props.vm.id }, { signal }),
    retry: false,
  });
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<{ action: 'revert' | 'delete'; snapshot: Snapshot } | null>(null);
  const nameProblem = name ? resourceNameProblem(name) : null;
  const caps = snapshots.data?.capabilities;
  const canSnapshot = caps ? caps.internal || caps.diskOnly : false;
  const onDone = useCallback(() => {
    setTaskId(null);
    void queryClient.invalidateQueries({ queryKey: keys.vmPart(props.vm.id, 'snapshots') });
  }, [queryClient, props.vm.id]);
  const take = async () => {
    setError(null);
    try {
      const { task } = await client.createVmSnapshot(
        { id: props.vm.id, name },
        { idempotencyKey: randomKey() },
      );
      setTaskId(task.id);
      setName('');
    } catch (err: unknown) {
      setError(err);
    }
  };
  const act = async () => {
    if (!confirm) return;
    const { action, snapshot } = confirm;
    setConfirm(null);
    setError(null);
    try {
      const { task } =
        action === 'revert'
          ? await client.revertVmSnapshot({ id: props.vm.id, snapshotId: snapshot.id })
          : await client.deleteVmSnapshot({ id: props.vm.id, snapshotId: snapshot.id });
      setTaskId(task.id);
    } catch (err: unknown) {
      setError(err);
    }
  };
  if (snapshots.error) return <ProblemAlert error={snapshots.error} title="Snapshots unavailable" />;
  return (
    <div className="stack">
      {!props.readOnly && (
        <div className="row" style={{ alignItems: 'flex-start' }}>
          <TextField
            label="New snapshot"
            error={nameProblem}
            hint={
              caps && !canSnapshot
                ? 'This VM cannot be snapshotted on this host.'
                : 'A name, like before-upgrade.'
            }
            className="input"
            value={name}
            onChange={setName}
          />
          <button
            type="button"
            className="btn"
            style={{ marginTop: 22 }}
            disabled={!name || nameProblem !== null || !canSnapshot || taskId !== null}
            onClick={() => void take()}
          >
            Take snapshot
          </button>
        </div>
      )}
      {taskId && <TaskProgress taskId={taskId} onDone={onDone} />}
      {error !== null && <ProblemAlert error={error} title="No snapshot taken" />}
      {snapshots.data && snapshots.data.items.length === 0 ? (
        <p className="muted">No snapshots yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>VM state</th>
                <th>Taken</th>
                {!props.readOnly && <th>Actions</th>}
              </tr>
            </thead>
            <tbody>
              {(snapshots.data?.items ?? []).map((s) => (
                <tr key={s.id}>
                  <td>{s.name}</td>
                  <td>
                    {s.kind.replace('_', ' ')}
                    {s.includesMemory ? ' + memory' : ''}
                  </td>
                  <td>{s.vmState}</td>
                  <td>{formatDateTime(s.createdAt)}</td>
                  {!props.readOnly && (
                    <td className="row" style={{ gap: 6 }}>
                      <button
                        type="button"
                        className="btn"
                        disabled={taskId !== null}
                        onClick={() => setConfirm({ action: 'revert', snapshot: s })}
                      >
                        Revert
                      </button>
                      <button
                        type="button"
                        className="btn btn-danger"
                        disabled={taskId !== null}
                        onClick={() => setConfirm({ action: 'delete', snapshot: s })}
                      >
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog
        open={confirm !== null}
        title={confirm?.action === 'revert' ? 'Revert to this snapshot?' : 'Delete this snapshot?'}
        onClose={() => setConfirm(null)}
        footer={
          <>
            <button type="button" className="btn" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button
              type="button"
              className={confirm?.action === 'delete' ? 'btn btn-danger' : 'btn btn-primary'}
              onClick={() => void act()}
            >
              {confirm?.action === 'revert' ? 'Revert' : 'Delete'}
            </button>
          </>
        }
      >
        {confirm?.action === 'revert' ? (
          <p>
            The disks of {props.vm.name} go back to <strong>{confirm.snapshot.name}</strong>; what was written
            since is lost.
            {confirm.snapshot.includesMemory
              ? ' The snapshot holds the memory too: the VM comes back running where it was.'
              : ' The VM is stopped afterwards.'}
          </p>
        ) : (
          <p>
            Snapshot <strong>{confirm?.snapshot.name}</strong> is deleted; its children stay (under its
            parent). The VM itself does not change.
          </p>
        )}
      </Dialog>
    </div>
  );
}
