import { isApiError, type GureumClient } from '@gureum/client';
import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { AppServicesProvider, type AppServices } from './lib/app-context';
import type { SessionStore } from './lib/session';
import { syncCacheWithEvents } from './live/cache-sync';
import { EventHub } from './live/event-hub';

/**
 * Owns what lives as long as a session: the token on the client and the events WebSocket. Logging out (or the
 * session expiring) closes the socket and forgets every cached answer, so the next user sees nothing of the last.
 */
export function SessionRoot(props: {
  client: GureumClient;
  sessions: SessionStore;
  queryClient: QueryClient;
  children: ReactNode;
}) {
  const { client, sessions, queryClient } = props;
  const session = useSyncExternalStore(sessions.subscribe, () => sessions.current);
  const token = session?.token;
  if (client.token !== token) client.setToken(token);

  const hub = useMemo(() => (token ? new EventHub(client) : null), [client, token]);

  useEffect(() => {
    if (!hub) {
      queryClient.clear();
      return;
    }
    const unsync = syncCacheWithEvents(hub, queryClient);
    const unwatch = hub.subscribeState(() => {
      const { state, error } = hub.state;
      if (state === 'closed' && isApiError(error) && error.status === 401) {
        sessions.signOut('Your session has expired or was revoked. Log in again to continue.');
      }
    });
    hub.start();
    return () => {
      unwatch();
      unsync();
      hub.stop();
    };
  }, [hub, queryClient, sessions]);

  const services = useMemo<AppServices>(
    () => ({ client, sessions, queryClient, hub }),
    [client, sessions, queryClient, hub],
  );
  return <AppServicesProvider value={services}>{props.children}</AppServicesProvider>;
}
