import { useQuery } from '@tanstack/react-query';
import { useClient } from '../../lib/app-context';
import type { TaskFilter } from '../../live/lists';
import { keys } from '../../live/query-keys';

/** The newest tasks matching `filter`; `task.updated` events keep the list current (see cache-sync). */
export function useTaskList(filter: TaskFilter, limit = 100) {
  const client = useClient();
  return useQuery({
    queryKey: keys.tasks(filter),
    queryFn: ({ signal }) => client.listTasks({ ...filter, limit }, { signal }),
    staleTime: Infinity,
  });
}
