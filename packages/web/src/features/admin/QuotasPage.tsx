import type { User } from '@gureum/contract';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { useClient } from '../../lib/app-context';
import { keys } from '../../live/query-keys';
import { useUsers } from '../vms/use-vms';
import { describeQuota, QuotaDialog } from './QuotaDialog';

/** Every user's quota at a glance (admin), each editable. */
export function QuotasPage() {
  const users = useUsers(true);
  const [editing, setEditing] = useState<User | null>(null);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Quotas</h1>
      </div>
      <p className="muted">
        Limits on what each user may own. Creating or resizing past a limit is refused with QUOTA_EXCEEDED.
      </p>
      {users.error ? (
        <ProblemAlert error={users.error} title="Cannot list the users" />
      ) : users.isPending ? (
        <Spinner label="Loading users" />
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Quotas">
            <thead>
              <tr>
                <th>User</th>
                <th>Role</th>
                <th>Quota</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.id}>
                  <td>{u.username}</td>
                  <td>{u.role}</td>
                  <td>
                    <QuotaCell userId={u.id} />
                  </td>
                  <td>
                    <button type="button" className="btn btn-small" onClick={() => setEditing(u)}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && <QuotaDialog user={editing} onClose={() => setEditing(null)} />}
    </div>
  );
}

function QuotaCell(props: { userId: string }) {
  const client = useClient();
  const quota = useQuery({
    queryKey: keys.quota(props.userId),
    queryFn: ({ signal }) => client.getUserQuota({ id: props.userId }, { signal }),
    retry: false,
  });
  if (quota.error) return <span className="muted">unavailable</span>;
  if (!quota.data) return <span className="muted">…</span>;
  return <span>{describeQuota(quota.data)}</span>;
}
