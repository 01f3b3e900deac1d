import { useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet } from 'react-router';
import { ThemeToggle } from './components/ThemeToggle';
import { Banners } from './features/health/Banners';
import { useMe, useServices, useSession } from './lib/app-context';

function Nav(props: { to: string; children: string; end?: boolean }) {
  return (
    <NavLink className="nav-link" to={props.to} end={props.end ?? false}>
      {props.children}
    </NavLink>
  );
}

/** The frame of every page after login: navigation, banners, the page. */
export function Layout() {
  const { client, sessions } = useServices();
  const session = useSession();
  const me = useMe();
  const queryClient = useQueryClient();
  const logout = async () => {
    try {
      await client.logout();
    } catch {
      // The token is forgotten either way; the server expires it if it did not hear us.
    }
    queryClient.clear();
    sessions.signOut('You logged out.');
  };
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="/favicon.svg" alt="" />
          <span>Gureum</span>
        </div>
        <Nav to="/vms">Virtual machines</Nav>
        <Nav to="/images">Images</Nav>
        <Nav to="/tasks">Tasks</Nav>
        <Nav to="/tokens">API tokens</Nav>
        {me?.role === 'admin' && (
          <>
            <div className="nav-section">Admin</div>
            <Nav to="/admin/users">Users</Nav>
            <Nav to="/admin/quotas">Quotas</Nav>
            <Nav to="/admin/audit">Audit log</Nav>
          </>
        )}
        <div className="sidebar-foot">
          <span>
            <strong>{session?.username}</strong>
            {me && <span className="muted"> · {me.role}</span>}
          </span>
          <ThemeToggle />
          <button type="button" className="btn btn-small" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </nav>
      <div className="main">
        <Banners />
        <Outlet />
      </div>
    </div>
  );
}
