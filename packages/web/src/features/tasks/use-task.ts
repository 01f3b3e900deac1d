import { isTaskFinished, type Task } from '@gureum/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useClient, useEventsState } from '../../lib/app-context';
import { keys } from '../../live/query-keys';

/**
 * A task, kept current by `task.updated` events. Only while the live connection is down does it ask the server
 * again (every 2 s) until the task has ended.
 */
export function useTask(id: string | undefined) {
  const client = useClient();
  const queryClient = useQueryClient();
  const live = useEventsState().state === 'open';
  return useQuery({
    queryKey: keys.task(id ?? ''),
    enabled: id !== undefined,
    queryFn: async ({ signal }): Promise<Task> => {
      const fetched = await client.getTask({ id: id ?? '' }, { signal });
      // An event may have brought the end of the task while this request was on its way.
      const cached = queryClient.getQueryData<Task>(keys.task(id ?? ''));
      return cached && isTaskFinished(cached) && !isTaskFinished(fetched) ? cached : fetched;
    },
    refetchInterval: (query) => {
      const task = query.state.data;
      return !live && task && !isTaskFinished(task) ? 2000 : false;
    },
  });
}
