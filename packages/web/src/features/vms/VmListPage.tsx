import type { Vm, VmState } from '@gureum/contract';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { useMe } from '../../lib/app-context';
import {
  allTags,
  searchFromView,
  selectVms,
  viewFromSearch,
  type VmListView,
  type VmSortKey,
} from '../../live/vm-view';
import { BulkActionDialog, type BulkAction } from './BulkActionDialog';
import { useOwnerName, useVmCollection } from './use-vms';
import { VmGrid } from './VmGrid';

const STATES: VmState[] = ['running', 'stopped', 'paused', 'crashed', 'suspended', 'unknown'];

/** The live VM list: search, filters and sort in the URL, bulk actions, virtualised rows. */
export function VmListPage() {
  const { data, error, isPending } = useVmCollection();
  const me = useMe();
  const { ownerName, users } = useOwnerName();
  const [params, setParams] = useSearchParams();
  const view = useMemo(() => viewFromSearch(params), [params]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulk, setBulk] = useState<{ action: BulkAction; vms: Vm[] } | null>(null);

  const byId = data?.byId;
  const all = useMemo(() => (byId ? [...byId.values()] : []), [byId]);
  const shown = useMemo(() => selectVms(all, view, ownerName), [all, view, ownerName]);
  const tags = useMemo(() => allTags(all), [all]);
  const chosen = useMemo(() => shown.filter((vm) => selected.has(vm.id)), [shown, selected]);

  const update = (patch: Partial<VmListView>) => {
    setParams(searchFromView({ ...view, ...patch }), { replace: true });
  };
  const sortBy = (key: VmSortKey) => {
    update(
      view.sort === key
        ? { direction: view.direction === 'asc' ? 'desc' : 'asc' }
        : { sort: key, direction: 'asc' },
    );
  };
  const toggle = (id: string) => {
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  const toggleAll = () => {
    setSelected((s) => (shown.every((vm) => s.has(vm.id)) ? new Set() : new Set(shown.map((vm) => vm.id))));
  };
  const filtered = view.q !== '' || view.state !== '' || view.tag !== '' || view.ownerId !== '';

  return (
    <div className="page page-fill">
      <div className="page-head">
        <h1>Virtual machines</h1>
        {data && (
          <span className="muted" aria-live="polite">
            {filtered ? `${shown.length} of ${all.length}` : all.length}
          </span>
        )}
        <span className="spacer" />
        {me?.role !== 'viewer' && (
          <Link className="btn btn-primary" to="/vms/new">
            Create VM
          </Link>
        )}
      </div>
      <div className="row" role="search">
        <input
          className="input"
          type="search"
          placeholder="Search name, description, tag, IP"
          aria-label="Search VMs"
          value={view.q}
          onChange={(e) => update({ q: e.target.value })}
          style={{ width: 280 }}
        />
        <select
          className="select"
          aria-label="Filter by state"
          value={view.state}
          onChange={(e) => update({ state: STATES.find((s) => s === e.target.value) ?? '' })}
        >
          <option value="">All states</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select
          className="select"
          aria-label="Filter by tag"
          value={view.tag}
          onChange={(e) => update({ tag: e.target.value })}
        >
          <option value="">All tags</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        {me?.role === 'admin' && (
          <select
            className="select"
            aria-label="Filter by owner"
            value={view.ownerId}
            onChange={(e) => update({ ownerId: e.target.value })}
          >
            <option value="">All owners</option>
            {(users ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
              </option>
            ))}
          </select>
        )}
        {filtered && (
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => update({ q: '', state: '', tag: '', ownerId: '' })}
          >
            Clear filters
          </button>
        )}
        <span className="spacer" style={{ flex: 1 }} />
        <span className="muted">{chosen.length > 0 ? `${chosen.length} selected` : ''}</span>
        {(['start', 'stop', 'delete'] as const).map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'delete' ? 'btn btn-danger' : 'btn'}
            disabled={chosen.length === 0 || me?.role === 'viewer'}
            onClick={() => setBulk({ action, vms: chosen })}
          >
            {action === 'start' ? 'Start' : action === 'stop' ? 'Stop' : 'Delete'}
          </button>
        ))}
      </div>
      {error ? (
        <ProblemAlert error={error} title="Cannot load the VMs" />
      ) : isPending ? (
        <div className="empty">
          <Spinner label="Loading VMs" />
        </div>
      ) : all.length === 0 ? (
        <EmptyState
          title="No virtual machines yet"
          action={
            me?.role !== 'viewer' ? (
              <Link className="btn btn-primary" to="/vms/new">
                Create your first VM
              </Link>
            ) : undefined
          }
        >
          Create one from a disk image, or install one from an ISO. No images yet? Upload one on the{' '}
          <Link to="/images">Images</Link> page first.
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState title="No VM matches these filters">Change the search or clear the filters.</EmptyState>
      ) : (
        <VmGrid
          vms={shown}
          selected={selected}
          onToggle={toggle}
          onToggleAll={toggleAll}
          sort={view.sort}
          direction={view.direction}
          onSort={sortBy}
          ownerName={ownerName}
        />
      )}
      {bulk && (
        <BulkActionDialog
          action={bulk.action}
          vms={bulk.vms}
          onClose={() => {
            setBulk(null);
            setSelected(new Set());
          }}
        />
      )}
    </div>
  );
}
