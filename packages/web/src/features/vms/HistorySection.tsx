import { useQuery } from '@tanstack/react-query';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useClient } from '../../lib/app-context';
import { keys } from '../../live/query-keys';
import { AuditTable } from '../admin/AuditTable';
import { TasksTable } from '../tasks/TasksTable';
import { useTaskList } from '../tasks/use-task-list';

/** The VM's tasks (live) and its audit trail. */
export function HistorySection(props: { vmId: string }) {
  const client = useClient();
  const tasks = useTaskList({ resource: props.vmId }, 50);
  const audit = useQuery({
    queryKey: keys.audit({ resource: props.vmId }),
    queryFn: ({ signal }) => client.listAuditEvents({ resource: props.vmId, limit: 50 }, { signal }),
    retry: false,
  });
  return (
    <div className="stack">
      <h2>Tasks</h2>
      {tasks.error ? (
        <ProblemAlert error={tasks.error} title="Tasks unavailable" />
      ) : tasks.data && tasks.data.items.length === 0 ? (
        <EmptyState title="No tasks yet">Actions on this VM appear here as they run.</EmptyState>
      ) : (
        <TasksTable tasks={tasks.data?.items ?? []} />
      )}
      <h2>Audit trail</h2>
      {audit.error ? (
        <ProblemAlert error={audit.error} title="Audit trail unavailable" />
      ) : (
        <AuditTable events={audit.data?.items ?? []} />
      )}
    </div>
  );
}
