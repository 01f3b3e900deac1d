import type { GureumClient } from '@gureum/client';
import type { Me } from '@gureum/contract';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { EventHub, HubState } from '../live/event-hub';
import { keys } from '../live/query-keys';
import type { Session, SessionStore } from './session';

/** What every page needs: the API client, the session and the events hub of the session. */
export interface AppServices {
  readonly client: GureumClient;
  readonly sessions: SessionStore;
  readonly queryClient: QueryClient;
  /** The events hub of the current session (null when logged out). */
  readonly hub: EventHub | null;
}

const AppContext = createContext<AppServices | null>(null);

export function AppServicesProvider(props: { value: AppServices; children: ReactNode }) {
  return <AppContext.Provider value={props.value}>{props.children}</AppContext.Provider>;
}

export function useServices(): AppServices {
  const value = useContext(AppContext);
  if (!value) throw new Error('useServices outside <AppServicesProvider>');
  return value;
}

export function useClient(): GureumClient {
  return useServices().client;
}

/** The current session (re-renders on login, logout and expiry). */
export function useSession(): Session | null {
  const { sessions } = useServices();
  return useSyncExternalStore(sessions.subscribe, () => sessions.current);
}

const IDLE: HubState = { state: 'closed', attempt: 0 };

/** The live connection's state: `open`, `reconnecting`… */
export function useEventsState(): HubState {
  const { hub } = useServices();
  return useSyncExternalStore(hub ? hub.subscribeState : () => () => undefined, () =>
    hub ? hub.state : IDLE,
  );
}

/** The logged-in user (role decides what the navigation offers). */
export function useMe(): Me | undefined {
  const client = useClient();
  const session = useSession();
  return useQuery({
    queryKey: keys.me,
    queryFn: ({ signal }) => client.getMe(undefined, { signal }),
    enabled: session !== null,
    staleTime: 60_000,
  }).data;
}
