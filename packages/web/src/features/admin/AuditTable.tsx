import type { AuditEvent } from '@gureum/contract';
import { StatusBadge } from '../../components/StateBadge';
import { formatDateTime } from '../../lib/format';

/** Audit entries: when, who, what, on which resource, and how it ended. */
export function AuditTable(props: { events: readonly AuditEvent[]; actorName?: (id: string) => string }) {
  if (props.events.length === 0) return <p className="muted">No audit entries.</p>;
  const name = props.actorName ?? ((id: string) => id.slice(0, 8));
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Audit log">
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Resource</th>
            <th>Outcome</th>
            <th>Request</th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((e) => (
            <tr key={e.id}>
              <td>{formatDateTime(e.time)}</td>
              <td>{e.actorId ? name(e.actorId) : <span className="muted">system</span>}</td>
              <td className="mono">{e.action}</td>
              <td className="mono">{e.resource ? `${e.resource.kind} ${e.resource.id.slice(0, 8)}` : '—'}</td>
              <td>
                <StatusBadge status={e.outcome} label={e.status ? `${e.outcome} (${e.status})` : e.outcome} />
              </td>
              <td className="request-id">{e.requestId ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
