import { isApiError } from '@gureum/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { createApiClient } from './lib/api';
import { SessionStore } from './lib/session';
import { SessionRoot } from './SessionRoot';
import { keys } from './live/query-keys';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';

const sessions = new SessionStore(window.sessionStorage);
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Live data comes from events, not from refetching on focus or on a timer.
      refetchOnWindowFocus: false,
      staleTime: 30_000,
      // A 4xx will not get better by asking again.
      retry: (count, err) => !(isApiError(err) && err.status < 500) && count < 2,
    },
  },
});
const client = createApiClient(
  {
    onUnauthorized: () => {
      sessions.signOut('Your session has expired or was revoked. Log in again to continue.');
    },
    onUnavailable: () => void queryClient.invalidateQueries({ queryKey: keys.health }),
  },
  window.location.origin,
  sessions.current?.token,
);

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');
createRoot(container).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <SessionRoot client={client} sessions={sessions} queryClient={queryClient}>
          <App />
        </SessionRoot>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
