import type { AuditEvent } from '@gureum/contract';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { useClient } from '../../lib/app-context';
import { keys } from '../../live/query-keys';
import { useOwnerName } from '../vms/use-vms';
import { AuditTable } from './AuditTable';

/** The audit log (admins see everyone's entries), filtered by actor and resource, paged. */
export function AuditPage() {
  const client = useClient();
  const { ownerName, users } = useOwnerName();
  const [actor, setActor] = useState('');
  const [resource, setResource] = useState('');
  const filter = { ...(actor ? { actor } : {}), ...(resource.trim() ? { resource: resource.trim() } : {}) };
  const audit = useInfiniteQuery({
    queryKey: keys.audit(filter),
    queryFn: ({ pageParam, signal }) =>
      client.listAuditEvents(
        { ...filter, limit: 100, ...(pageParam ? { cursor: pageParam } : {}) },
        { signal },
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
  const events: AuditEvent[] = audit.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>Audit log</h1>
        <span className="spacer" />
        <select
          className="select"
          aria-label="Actor"
          value={actor}
          onChange={(e) => setActor(e.target.value)}
        >
          <option value="">Everyone</option>
          {(users ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.username}
            </option>
          ))}
        </select>
        <input
          className="input"
          placeholder="Resource id"
          aria-label="Resource id"
          value={resource}
          onChange={(e) => setResource(e.target.value)}
        />
      </div>
      {audit.error ? (
        <ProblemAlert error={audit.error} title="Cannot read the audit log" />
      ) : audit.isPending ? (
        <Spinner label="Loading the audit log" />
      ) : (
        <>
          <AuditTable events={events} actorName={ownerName} />
          {audit.hasNextPage && (
            <button
              type="button"
              className="btn"
              disabled={audit.isFetchingNextPage}
              onClick={() => void audit.fetchNextPage()}
            >
              {audit.isFetchingNextPage ? 'Loading…' : 'Load older entries'}
            </button>
          )}
        </>
      )}
    </div>
  );
}
