import type { Vm } from '@gureum/contract';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { StateBadge, StatusBadge } from '../../components/StateBadge';
import { useClient, useMe } from '../../lib/app-context';
import { formatBytes, formatDateTime } from '../../lib/format';
import { keys } from '../../live/query-keys';
import { DeleteVmDialog } from './DeleteVmDialog';
import { HistorySection } from './HistorySection';
import { InstallSection } from './InstallSection';
import { DisksSection, SnapshotsSection } from './StorageSection';
import { useOwnerName } from './use-vms';
import { VmActionsBar } from './VmActionsBar';

const TABS = ['Overview', 'Boot & install', 'Disks', 'Snapshots', 'History'] as const;
type Tab = (typeof TABS)[number];

/** One VM: live state and actions, boot order, media and installation, disks, snapshots, tasks and audit. */
export function VmDetailPage() {
  const { id = '' } = useParams();
  const client = useClient();
  const me = useMe();
  // Kept here, not derived from the query: the `vm.deleted` event may arrive before the task says it is done.
  const [deleting, setDeleting] = useState<Vm | null>(null);
  // `null` once a `vm.deleted` event arrived (see cache-sync).
  const vm = useQuery({
    queryKey: keys.vm(id),
    queryFn: ({ signal }): Promise<Vm | null> => client.getVm({ idOrName: id }, { signal }),
    staleTime: Infinity,
  });
  const readOnly = me?.role === 'viewer';

  // The delete dialog stays at one place in the tree whatever the page shows, so it keeps following its task
  // after the VM is gone.
  const dialog = deleting && <DeleteVmDialog vm={deleting} onClose={() => setDeleting(null)} />;
  let body: ReactNode;
  if (vm.error) {
    body = (
      <div className="page">
        <ProblemAlert error={vm.error} title="Cannot show this VM" />
        <Link to="/vms">Back to the list</Link>
      </div>
    );
  } else if (vm.isPending) {
    body = (
      <div className="page">
        <Spinner label="Loading the VM" />
      </div>
    );
  } else if (vm.data === null) {
    body = (
      <div className="page">
        <EmptyState title="This VM was deleted" action={<Link to="/vms">Back to the list</Link>} />
      </div>
    );
  } else {
    body = <VmDetail vm={vm.data} readOnly={readOnly} onDelete={setDeleting} />;
  }
  return (
    <>
      {body}
      {dialog}
    </>
  );
}

function VmDetail(props: { vm: Vm; readOnly: boolean; onDelete: (vm: Vm) => void }) {
  const { vm: data, readOnly } = props;
  const [tab, setTab] = useState<Tab>('Overview');
  return (
    <div className="page">
      <div className="page-head">
        <Link to="/vms" className="muted">
          Virtual machines
        </Link>
        <span className="muted">/</span>
        <h1>{data.name}</h1>
        <span data-testid="vm-state">
          <StateBadge state={data.state} />
        </span>
      </div>
      <VmActionsBar vm={data} readOnly={readOnly} onDelete={() => props.onDelete(data)} />
      <div className="tabs" role="tablist" aria-label="VM sections">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            className="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
          >
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tab}>
        {tab === 'Overview' && <Overview vm={data} />}
        {tab === 'Boot & install' && <InstallSection vm={data} readOnly={readOnly} />}
        {tab === 'Disks' && <DisksSection vm={data} readOnly={readOnly} />}
        {tab === 'Snapshots' && <SnapshotsSection vm={data} readOnly={readOnly} />}
        {tab === 'History' && <HistorySection vmId={data.id} />}
      </div>
    </div>
  );
}

function Overview(props: { vm: Vm }) {
  const { vm } = props;
  const { ownerName } = useOwnerName();
  return (
    <div className="grid-2">
      <section className="card" aria-label="Configuration">
        <h2>Configuration</h2>
        <dl className="facts">
          <dt>ID</dt>
          <dd className="mono">{vm.id}</dd>
          <dt>Owner</dt>
          <dd>{ownerName(vm.ownerId)}</dd>
          <dt>vCPUs</dt>
          <dd>{vm.vcpus}</dd>
          <dt>Memory</dt>
          <dd>{formatBytes(vm.memoryBytes)}</dd>
          <dt>Firmware</dt>
          <dd>{vm.firmware.toUpperCase()}</dd>
          <dt>Installation</dt>
          <dd>
            <StatusBadge status={vm.installation.status} />
          </dd>
          <dt>CD-ROM</dt>
          <dd>{vm.media ? vm.media.name : <span className="muted">empty</span>}</dd>
          <dt>Tags</dt>
          <dd>
            {vm.tags.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              vm.tags.map((t) => (
                <span key={t} className="tag">
                  {t}
                </span>
              ))
            )}
          </dd>
          <dt>Description</dt>
          <dd>{vm.description || <span className="muted">none</span>}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(vm.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>{formatDateTime(vm.updatedAt)}</dd>
        </dl>
      </section>
      <section className="card" aria-label="Devices">
        <h2>Network interfaces</h2>
        {vm.nics.length === 0 ? (
          <p className="muted">No network interface.</p>
        ) : (
          <ul>
            {vm.nics.map((n) => (
              <li key={n.id}>
                <span className="mono">{n.mac}</span> on {n.networkId}:{' '}
                {n.ips.length === 0
                  ? 'no address yet'
                  : n.ips.map((ip) => `${ip.address} (${ip.source})`).join(', ')}
              </li>
            ))}
          </ul>
        )}
        <h2>Disks</h2>
        <ul>
          {vm.disks.map((d) => (
            <li key={d.id}>
              {d.device} on {d.bus}
              {d.sizeBytes !== undefined ? `, ${formatBytes(d.sizeBytes)}` : ''}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
