import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { TextField } from '../../components/Field';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { useToasts } from '../../components/Toasts';
import { useClient } from '../../lib/app-context';
import { formatDateTime } from '../../lib/format';
import { keys } from '../../live/query-keys';

const LABEL = /^[a-z0-9]([a-z0-9._:-]{0,61}[a-z0-9])?$/;

/** The caller's API tokens (for the CLI and scripts): create (the secret is shown once) and revoke. */
export function TokensPage() {
  const client = useClient();
  const toasts = useToasts();
  const queryClient = useQueryClient();
  const tokens = useQuery({
    queryKey: keys.tokens,
    queryFn: ({ signal }) => client.listTokens(undefined, { signal }),
    retry: false,
  });
  const [creating, setCreating] = useState(false);
  const revoke = useMutation({
    mutationFn: (id: string) => client.deleteToken({ id }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: keys.tokens }),
    onError: (err) => toasts.error(err, 'Token not revoked'),
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>API tokens</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          Create token
        </button>
      </div>
      <p className="muted">
        Tokens let the <code>gureum</code> CLI and scripts act as you: <code>GUREUM_TOKEN=…</code>.
      </p>
      {tokens.error ? (
        <ProblemAlert error={tokens.error} title="Cannot list your tokens" />
      ) : tokens.isPending ? (
        <Spinner label="Loading tokens" />
      ) : tokens.data.items.length === 0 ? (
        <EmptyState title="No API tokens">Create one for the CLI or a script.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="API tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Created</th>
                <th>Expires</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{formatDateTime(t.createdAt)}</td>
                  <td>{t.expiresAt ? formatDateTime(t.expiresAt) : 'never'}</td>
                  <td>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'never'}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate(t.id)}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateTokenDialog
          onClose={() => {
            setCreating(false);
            void queryClient.invalidateQueries({ queryKey: keys.tokens });
          }}
        />
      )}
    </div>
  );
}

function CreateTokenDialog(props: { onClose: () => void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: () => {
      const n = Number(days);
      const expiresAt = days.trim() === '' ? undefined : new Date(Date.now() + n * 86_400_000).toISOString();
      return client.createToken({ name, ...(expiresAt ? { expiresAt } : {}) });
    },
  });
  const nameError = name && !LABEL.test(name) ? 'Lowercase letters, digits, . _ : -.' : null;
  const daysError = days.trim() !== '' && !/^\d+$/.test(days.trim()) ? 'A number of days, or empty.' : null;
  const secret = create.data?.token;
  return (
    <Dialog
      open
      title={secret ? 'Token created' : 'Create an API token'}
      onClose={props.onClose}
      busy={create.isPending}
      footer={
        secret ? (
          <button type="button" className="btn btn-primary" onClick={props.onClose}>
            I have saved it
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={props.onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={!name || !!nameError || !!daysError || create.isPending}
              onClick={() => create.mutate()}
            >
              Create
            </button>
          </>
        )
      }
    >
      {secret ? (
        <>
          <div className="alert alert-warning" role="status">
            <span className="alert-title">Copy it now: it is shown only once</span>
            <span>Gureum stores only a hash of it. If you lose it, revoke it and create another.</span>
          </div>
          <div className="input-group">
            <input
              className="input mono"
              readOnly
              value={secret}
              aria-label="Token secret"
              onFocus={(e) => e.target.select()}
            />
            <button
              type="button"
              className="btn"
              onClick={() => {
                void navigator.clipboard.writeText(secret).then(() => setCopied(true));
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </>
      ) : (
        <>
          <TextField
            label="Name"
            error={nameError}
            hint="What it is for, like ci or laptop."
            className="input"
            value={name}
            onChange={setName}
          />
          <TextField
            label="Expires after (days)"
            error={daysError}
            hint="Empty: never expires."
            className="input"
            inputMode="numeric"
            value={days}
            onChange={setDays}
          />
          {create.error && <ProblemAlert error={create.error} title="No token created" />}
        </>
      )}
    </Dialog>
  );
}
