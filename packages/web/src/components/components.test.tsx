/** @vitest-environment happy-dom */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { LoginPage } from '../features/auth/LoginPage';
import { Banners } from '../features/health/Banners';
import { fakeApi } from '../test/fake-api';
import { renderPage } from '../test/render';
import { Dialog } from './Dialog';

afterEach(cleanup);

function DialogHarness() {
  const [open, setOpen] = useState(true);
  return (
    <>
      <button type="button">outside</button>
      <Dialog
        open={open}
        title="Confirm"
        onClose={() => setOpen(false)}
        footer={<button type="button">Last</button>}
      >
        <input aria-label="first field" />
      </Dialog>
      <span>{open ? 'is open' : 'is closed'}</span>
    </>
  );
}

describe('Dialog', () => {
  it('opens modal, focuses its first control, keeps Tab inside and closes on Escape', () => {
    render(<DialogHarness />);
    const dialog = screen.getByRole('dialog');
    expect(dialog.getAttribute('aria-labelledby')).toBeTruthy();
    const close = screen.getByRole('button', { name: 'Close' });
    expect(document.activeElement).toBe(close);
    const last = screen.getByRole('button', { name: 'Last' });
    last.focus();
    fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.getByText('is closed')).toBeTruthy();
  });
});

describe('LoginPage', () => {
  const problem = {
    type: 'https://gureum.dev/errors#invalid-credentials',
    title: 'Invalid credentials',
    status: 401,
    detail: 'Wrong username or password.',
    instance: '/api/v1/auth/login',
    code: 'INVALID_CREDENTIALS',
    requestId: 'req-1',
  };

  it('logs in: the token goes to the session, never into the URL', async () => {
    const api = fakeApi({
      'POST /auth/login': (req) =>
        JSON.stringify(req.body) === JSON.stringify({ username: 'ada', password: 'secret-pw' })
          ? { status: 200, body: { token: 'the-token', expiresAt: '2099-01-01T00:00:00Z' } }
          : { status: 401, body: problem },
    });
    const page = renderPage(<LoginPage />, { client: api.client, path: '/login', loggedIn: false });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ada' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-pw' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(page.sessions.current?.token).toBe('the-token'));
    expect(api.requests.every((r) => !r.query.toString().includes('the-token'))).toBe(true);
  });

  it('says so when the password is wrong', async () => {
    const api = fakeApi({ 'POST /auth/login': { status: 401, body: problem } });
    renderPage(<LoginPage />, { client: api.client, path: '/login', loggedIn: false });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ada' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await screen.findByText('Wrong username or password');
  });

  it('shows why the previous session ended', () => {
    const api = fakeApi({});
    const page = renderPage(<LoginPage />, { client: api.client, path: '/login', loggedIn: false });
    act(() => page.sessions.signOut('Your session has expired or was revoked. Log in again to continue.'));
    expect(screen.getByText(/session has expired/)).toBeTruthy();
  });
});

describe('Banners', () => {
  it('shows the reconnecting state of the live connection, and libvirt being down', async () => {
    const api = fakeApi({
      'GET /health': {
        status: 200,
        body: { status: 'degraded', libvirt: 'down', database: 'up', version: '0' },
      },
    });
    renderPage(<Banners />, { client: api.client });
    await screen.findByText(/libvirt is unreachable/);
    expect(screen.queryByTestId('reconnecting')).toBeNull();
    act(() => api.setState('reconnecting', 2));
    expect(screen.getByTestId('reconnecting').textContent).toContain('reconnecting (attempt 2)');
    act(() => api.setState('open'));
    expect(screen.queryByTestId('reconnecting')).toBeNull();
  });
});
