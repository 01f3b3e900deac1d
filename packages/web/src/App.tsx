import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Spinner } from './components/Progress';
import { ToastProvider } from './components/Toasts';
import { AuditPage } from './features/admin/AuditPage';
import { QuotasPage } from './features/admin/QuotasPage';
import { TokensPage } from './features/admin/TokensPage';
import { UsersPage } from './features/admin/UsersPage';
import { LoginPage } from './features/auth/LoginPage';
import { ImagesPage } from './features/images/ImagesPage';
import { TasksPage } from './features/tasks/TasksPage';
import { CreateVmPage } from './features/vms/CreateVmPage';
import { VmDetailPage } from './features/vms/VmDetailPage';
import { VmListPage } from './features/vms/VmListPage';
import { Layout } from './Layout';
import { useSession } from './lib/app-context';

// The consoles pull in noVNC and xterm.js: loaded only when a console is opened.
const VncConsolePage = lazy(() =>
  import('./features/console/VncConsolePage').then((m) => ({ default: m.VncConsolePage })),
);
const SerialConsolePage = lazy(() =>
  import('./features/console/SerialConsolePage').then((m) => ({ default: m.SerialConsolePage })),
);

function RequireSession(props: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return props.children;
}

function Loading() {
  return (
    <div className="empty">
      <Spinner />
    </div>
  );
}

export function App() {
  const session = useSession();
  return (
    <ToastProvider>
      <Routes>
        <Route path="/login" element={session ? <Navigate to="/vms" replace /> : <LoginPage />} />
        <Route
          element={
            <RequireSession>
              <Layout />
            </RequireSession>
          }
        >
          <Route index element={<Navigate to="/vms" replace />} />
          <Route path="vms" element={<VmListPage />} />
          <Route path="vms/new" element={<CreateVmPage />} />
          <Route path="vms/:id" element={<VmDetailPage />} />
          <Route
            path="vms/:id/console/vnc"
            element={
              <Suspense fallback={<Loading />}>
                <VncConsolePage />
              </Suspense>
            }
          />
          <Route
            path="vms/:id/console/serial"
            element={
              <Suspense fallback={<Loading />}>
                <SerialConsolePage />
              </Suspense>
            }
          />
          <Route path="images" element={<ImagesPage />} />
          <Route path="tasks" element={<TasksPage />} />
          <Route path="tokens" element={<TokensPage />} />
          <Route path="admin/users" element={<UsersPage />} />
          <Route path="admin/quotas" element={<QuotasPage />} />
          <Route path="admin/audit" element={<AuditPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </ToastProvider>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. Go back to the <a href="/vms">virtual machines</a>.
      </p>
    </div>
  );
}
