import { isApiError } from '@gureum/client';
import { useState, useSyncExternalStore } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useServices } from '../../lib/app-context';

/** Username and password → a session token (kept in memory and sessionStorage, never in the URL). */
export function LoginPage() {
  const { client, sessions } = useServices();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const notice = useSyncExternalStore(sessions.subscribe, () => sessions.message);
  const from = fromOf(location.state);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const { token, expiresAt } = await client.login({ username, password });
      sessions.signIn({ token, expiresAt, username });
      void navigate(from ?? '/vms', { replace: true });
    } catch (err: unknown) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        aria-labelledby="login-title"
      >
        <div className="brand">
          <img src="/favicon.svg" alt="" />
          <span>Gureum</span>
        </div>
        <h1 id="login-title">Log in</h1>
        {notice && (
          <div className="alert alert-warning" role="status">
            <span className="alert-title">Logged out</span>
            <span>{notice}</span>
          </div>
        )}
        {error !== null &&
          (isApiError(error, 'INVALID_CREDENTIALS') ? (
            <div className="alert" role="alert">
              <span className="alert-title">Wrong username or password</span>
              <span>Check both and try again.</span>
            </div>
          ) : (
            <ProblemAlert error={error} title="Cannot log in" />
          ))}
        <div className="field">
          <label htmlFor="login-username">Username</label>
          <input
            id="login-username"
            className="input"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            className="input"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

/** Where the login redirect came from (`<Navigate state={{ from }}>`), if it is a path of this app. */
function fromOf(state: unknown): string | undefined {
  if (typeof state !== 'object' || state === null || !('from' in state)) return undefined;
  const from = state.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') ? from : undefined;
}
