import type { GureumClient } from '@gureum/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { ToastProvider } from '../components/Toasts';
import { AppServicesProvider } from '../lib/app-context';
import { SessionStore } from '../lib/session';
import { syncCacheWithEvents } from '../live/cache-sync';
import { EventHub } from '../live/event-hub';

/** Renders a page with the app's real providers around a (fake-backed) client, at `path` matched by `route`. */
export function renderPage(
  ui: ReactNode,
  options: { client: GureumClient; path?: string; route?: string; loggedIn?: boolean },
) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const sessions = new SessionStore(undefined);
  if (options.loggedIn !== false) {
    sessions.signIn({
      token: 'tok',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      username: 'ada',
    });
  }
  const hub = new EventHub(options.client);
  syncCacheWithEvents(hub, queryClient);
  hub.start();
  const result = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[options.path ?? '/']}>
        <AppServicesProvider value={{ client: options.client, sessions, queryClient, hub }}>
          <ToastProvider>
            <Routes>
              <Route path={options.route ?? '*'} element={ui} />
            </Routes>
          </ToastProvider>
        </AppServicesProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { ...result, queryClient, sessions, hub };
}
