import { Role, type Role as RoleName, type User } from '@gureum/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { Field, TextField } from '../../components/Field';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { useToasts } from '../../components/Toasts';
import { useClient, useMe } from '../../lib/app-context';
import { formatDateTime, randomKey } from '../../lib/format';
import { keys } from '../../live/query-keys';
import { useUsers } from '../vms/use-vms';
import { QuotaDialog } from './QuotaDialog';

const ROLES: readonly RoleName[] = Role.enum;
const USERNAME = /^[a-z0-9]([a-z0-9._-]{0,30}[a-z0-9])?$/;

/** Users (admin): create, change role, reset password, edit quota, delete. */
export function UsersPage() {
  const client = useClient();
  const me = useMe();
  const toasts = useToasts();
  const queryClient = useQueryClient();
  const users = useUsers(true);
  const [creating, setCreating] = useState(false);
  const [quotaOf, setQuotaOf] = useState<User | null>(null);
  const [passwordOf, setPasswordOf] = useState<User | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.users });
  const setRole = useMutation({
    mutationFn: (v: { user: User; role: RoleName }) => client.updateUser({ id: v.user.id, role: v.role }),
    onSuccess: () => void refresh(),
    onError: (err) => toasts.error(err, 'Role not changed'),
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Users</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          Add user
        </button>
      </div>
      {users.error ? (
        <ProblemAlert error={users.error} title="Cannot list the users" />
      ) : users.isPending ? (
        <Spinner label="Loading users" />
      ) : users.data.length === 0 ? (
        <EmptyState title="No users">Add the people who will run VMs here.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Users">
            <thead>
              <tr>
                <th>Username</th>
                <th>Role</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.username}
                    {u.id === me?.id ? <span className="muted"> (you)</span> : null}
                  </td>
                  <td>
                    <select
                      className="select"
                      aria-label={`Role of ${u.username}`}
                      value={u.role}
                      disabled={setRole.isPending}
                      onChange={(e) => {
                        const role = ROLES.find((r) => r === e.target.value);
                        if (role) setRole.mutate({ user: u, role });
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{formatDateTime(u.createdAt)}</td>
                  <td className="row" style={{ height: 40 }}>
                    <button type="button" className="btn btn-small" onClick={() => setQuotaOf(u)}>
                      Quota
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setPasswordOf(u)}>
                      Reset password
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={u.id === me?.id}
                      onClick={() => setDeleting(u)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreateUserDialog onClose={() => setCreating(false)} onCreated={() => void refresh()} />}
      {quotaOf && <QuotaDialog user={quotaOf} onClose={() => setQuotaOf(null)} />}
      {passwordOf && <PasswordDialog user={passwordOf} onClose={() => setPasswordOf(null)} />}
      {deleting && (
        <DeleteUserDialog
          user={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => void refresh()}
        />
      )}
    </div>
  );
}

function CreateUserDialog(props: { onClose: () => void; onCreated: () => void }) {
  const client = useClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<RoleName>('member');
  const create = useMutation({
    mutationFn: () => client.createUser({ username, password, role }, { idempotencyKey: randomKey() }),
    onSuccess: () => {
      props.onCreated();
      props.onClose();
    },
  });
  const nameError =
    username && !USERNAME.test(username) ? 'Lowercase letters, digits, . _ -; up to 32.' : null;
  const passwordError = password && password.length < 8 ? 'At least 8 characters.' : null;
  return (
    <Dialog
      open
      title="Add a user"
      onClose={props.onClose}
      busy={create.isPending}
      footer={
        <>
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!username || !password || !!nameError || !!passwordError || create.isPending}
            onClick={() => create.mutate()}
          >
            Add user
          </button>
        </>
      }
    >
      <TextField
        label="Username"
        error={nameError}
        className="input"
        autoComplete="off"
        value={username}
        onChange={setUsername}
      />
      <TextField
        label="Password"
        error={passwordError}
        hint="At least 8 characters; tell it to the user."
        className="input"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
      />
      <Field label="Role" hint="Admins manage everything; members own VMs; viewers only look.">
        {({ id, describedBy }) => (
          <select
            id={id}
            className="select"
            aria-describedby={describedBy}
            value={role}
            onChange={(e) => setRole(ROLES.find((r) => r === e.target.value) ?? 'member')}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        )}
      </Field>
      {create.error && <ProblemAlert error={create.error} title="The user was not added" />}
    </Dialog>
  );
}

function PasswordDialog(props: { user: User; onClose: () => void }) {
  const client = useClient();
  const toasts = useToasts();
  const [password, setPassword] = useState('');
  const save = useMutation({
    mutationFn: () => client.updateUser({ id: props.user.id, password }),
    onSuccess: () => {
      toasts.show({ kind: 'success', title: `Password of ${props.user.username} changed` });
      props.onClose();
    },
  });
  return (
    <Dialog
      open
      title={`New password for ${props.user.username}`}
      onClose={props.onClose}
      busy={save.isPending}
      footer={
        <>
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={password.length < 8 || save.isPending}
            onClick={() => save.mutate()}
          >
            Change password
          </button>
        </>
      }
    >
      <Field label="New password" hint="At least 8 characters.">
        {({ id, describedBy }) => (
          <input
            id={id}
            className="input"
            type="password"
            autoComplete="new-password"
            aria-describedby={describedBy}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      {save.error && <ProblemAlert error={save.error} title="Password not changed" />}
    </Dialog>
  );
}

function DeleteUserDialog(props: { user: User; onClose: () => void; onDeleted: () => void }) {
  const client = useClient();
  const remove = useMutation({
    mutationFn: () => client.deleteUser({ id: props.user.id }),
    onSuccess: () => {
      props.onDeleted();
      props.onClose();
    },
  });
  return (
    <Dialog
      open
      title={`Delete ${props.user.username}?`}
      onClose={props.onClose}
      busy={remove.isPending}
      footer={
        <>
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate()}
          >
            Delete user
          </button>
        </>
      }
    >
      <p>Their API tokens are revoked at once. This cannot be undone.</p>
      {remove.error && <ProblemAlert error={remove.error} title="The user was not deleted" />}
    </Dialog>
  );
}
