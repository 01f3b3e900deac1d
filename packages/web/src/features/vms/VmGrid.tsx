import type { Vm } from '@gureum/contract';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { Link } from 'react-router';
import { StateBadge } from '../../components/StateBadge';
import { formatBytes, formatDateTime } from '../../lib/format';
import { primaryAddress, type SortDirection, type VmSortKey } from '../../live/vm-view';

export const ROW_HEIGHT = 44;
const COLUMNS =
  '44px minmax(160px, 2fr) 120px 140px minmax(110px, 1fr) 80px 100px minmax(120px, 1.2fr) 170px';

const HEADERS: { key: VmSortKey | null; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'state', label: 'State' },
  { key: null, label: 'IP address' },
  { key: 'owner', label: 'Owner' },
  { key: 'vcpus', label: 'vCPUs' },
  { key: 'memory', label: 'Memory' },
  { key: null, label: 'Tags' },
  { key: 'created', label: 'Created' },
];

/**
 * The VM table, virtualised: only the rows in view (plus a margin) are in the DOM, so 1,000 VMs scroll and
 * update as smoothly as 10. Rows have a fixed height and are keyed by VM id: a live change re-renders one row and
 * moves nothing else.
 */
export function VmGrid(props: {
  vms: readonly Vm[];
  selected: ReadonlySet<string>;
  onToggle: (id: string) => void;
  onToggleAll: () => void;
  sort: VmSortKey;
  direction: SortDirection;
  onSort: (key: VmSortKey) => void;
  ownerName: (id: string) => string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const { vms } = props;
  const virtualizer = useVirtualizer({
    count: vms.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => vms[index]?.id ?? index,
  });
  const allSelected = vms.length > 0 && vms.every((vm) => props.selected.has(vm.id));
  return (
    <div className="vgrid">
      <div className="vgrid-scroll" ref={scrollRef}>
        <div role="table" aria-label="Virtual machines" aria-rowcount={vms.length + 1}>
          <div role="row" className="vgrid-row vgrid-head" style={{ gridTemplateColumns: COLUMNS }}>
            <span role="columnheader">
              <input
                type="checkbox"
                className="checkbox"
                aria-label="Select all shown VMs"
                checked={allSelected}
                onChange={props.onToggleAll}
              />
            </span>
            {HEADERS.map((h) => (
              <span
                role="columnheader"
                key={h.label}
                aria-sort={
                  h.key && h.key === props.sort
                    ? props.direction === 'asc'
                      ? 'ascending'
                      : 'descending'
                    : undefined
                }
              >
                {h.key ? (
                  <button type="button" className="sort-btn" onClick={() => props.onSort(h.key ?? 'name')}>
                    {h.label}
                    <span aria-hidden="true">
                      {h.key === props.sort ? (props.direction === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                ) : (
                  h.label
                )}
              </span>
            ))}
          </div>
          <div className="vgrid-body" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const vm = vms[item.index];
              if (!vm) return null;
              const selected = props.selected.has(vm.id);
              return (
                <div
                  role="row"
                  key={vm.id}
                  aria-rowindex={item.index + 2}
                  aria-selected={selected}
                  className="vgrid-row"
                  data-vm-id={vm.id}
                  style={{
                    gridTemplateColumns: COLUMNS,
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    transform: `translateY(${item.start}px)`,
                  }}
                >
                  <span role="cell">
                    <input
                      type="checkbox"
                      className="checkbox"
                      aria-label={`Select ${vm.name}`}
                      checked={selected}
                      onChange={() => props.onToggle(vm.id)}
                    />
                  </span>
                  <span role="cell">
                    <Link to={`/vms/${vm.id}`}>{vm.name}</Link>
                  </span>
                  <span role="cell" data-col="state">
                    <StateBadge state={vm.state} />
                  </span>
                  <span role="cell" className="mono">
                    {primaryAddress(vm) ?? <span className="muted">—</span>}
                  </span>
                  <span role="cell">{props.ownerName(vm.ownerId)}</span>
                  <span role="cell">{vm.vcpus}</span>
                  <span role="cell">{formatBytes(vm.memoryBytes)}</span>
                  <span role="cell">
                    {vm.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </span>
                  <span role="cell" className="muted">
                    {formatDateTime(vm.createdAt)}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}
