import { useQuery } from '@tanstack/react-query';
import { useClient, useEventsState } from '../../lib/app-context';
import { keys } from '../../live/query-keys';

/**
 * Says when libvirt or the database is down (from `GET /health`, asked every 15 s and after any 503), and when
 * the live connection is reconnecting, so nobody mistakes a frozen screen for a quiet one.
 */
export function Banners() {
  const client = useClient();
  const health = useQuery({
    queryKey: keys.health,
    queryFn: ({ signal }) => client.getHealth(undefined, { signal }),
    refetchInterval: 15_000,
    retry: false,
  });
  const events = useEventsState();
  const down: string[] = [];
  if (health.data?.libvirt === 'down') down.push('libvirt');
  if (health.data?.database === 'down') down.push('the database');
  return (
    <div aria-live="polite">
      {health.isError && (
        <div className="banner banner-danger" role="alert">
          The Gureum server is not answering. What you see may be out of date.
        </div>
      )}
      {down.length > 0 && (
        <div className="banner banner-danger" role="alert">
          {down.join(' and ')} {down.length > 1 ? 'are' : 'is'} unreachable: VM states may read “unknown” and
          changes are refused until it is back. Reads still work.
        </div>
      )}
      {events.state === 'reconnecting' && (
        <div className="banner banner-warning" role="status" data-testid="reconnecting">
          <span className="spinner" aria-hidden="true" /> Live updates interrupted — reconnecting
          {events.attempt > 1 ? ` (attempt ${events.attempt})` : ''}… Missed changes will be replayed.
        </div>
      )}
      {events.state === 'closed' && events.error && (
        <div className="banner banner-warning" role="status">
          Live updates stopped: {events.error.message}. Reload the page to try again.
        </div>
      )}
    </div>
  );
}
