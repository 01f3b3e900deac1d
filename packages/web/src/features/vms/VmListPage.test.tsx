/** @vitest-environment happy-dom */
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeApi } from '../../test/fake-api';
import { created, deleted, lifecycle, vmFixture, vmId } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { VmListPage } from './VmListPage';

// The VM list with the real providers, cache wiring and events hub; the server is an in-memory fake (fake-api.ts)
// and the test plays the events WebSocket.

beforeAll(() => {
  // happy-dom lays nothing out: give the scroll box a size so the virtualiser renders rows.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1200 });
});
afterEach(cleanup);

const me = { id: 'user-1', username: 'ada', role: 'admin', createdAt: '2026-01-01T00:00:00Z' };
const alpha = vmFixture({ id: vmId(1), name: 'alpha', state: 'running' });
const bravo = vmFixture({ id: vmId(2), name: 'bravo', state: 'stopped', tags: ['db'] });

function setup(vms = [alpha, bravo]) {
  const api = fakeApi({
    'GET /me': { status: 200, body: me },
    'GET /users': { status: 200, body: { items: [me], nextCursor: null } },
    'GET /vms': { status: 200, body: { items: vms, nextCursor: null } },
  });
  const page = renderPage(<VmListPage />, { client: api.client, path: '/vms' });
  act(() => api.setState('open'));
  return { api, page };
}

const row = (name: string) => screen.getByRole('link', { name }).closest('[role="row"]');
const stateIn = (name: string) => {
  const r = row(name);
  if (!(r instanceof HTMLElement)) throw new Error(`no row for ${name}`);
  return within(r).getByText(/Running|Stopped|Paused|Crashed|Unknown|Suspended/).textContent;
};

describe('VmListPage', () => {
  it('shows the VMs with their state and owner', async () => {
    setup();
    await screen.findByRole('link', { name: 'alpha' });
    expect(stateIn('alpha')).toBe('Running');
    expect(stateIn('bravo')).toBe('Stopped');
    expect(screen.getAllByText('ada (you)')).toHaveLength(2);
  });

  it('updates a row from events, without refetching, and ignores replayed or older ones', async () => {
    const { api } = setup();
    await screen.findByRole('link', { name: 'alpha' });
    const listCalls = () => api.requests.filter((r) => r.path === '/vms').length;
    expect(listCalls()).toBe(1);

    act(() => api.emit(lifecycle(10, 'vm.stopped', alpha.id, 'stopped', 'running')));
    await waitFor(() => expect(stateIn('alpha')).toBe('Stopped'));

    act(() => api.emit(lifecycle(9, 'vm.started', alpha.id, 'running'))); // older, late
    act(() => api.emit(lifecycle(10, 'vm.stopped', alpha.id, 'stopped', 'running'))); // replayed
    expect(stateIn('alpha')).toBe('Stopped');

    act(() => api.emit(created(11, vmFixture({ id: vmId(3), name: 'charlie', state: 'running' }))));
    await screen.findByRole('link', { name: 'charlie' });

    act(() => api.emit(deleted(12, bravo.id)));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'bravo' })).toBeNull());
    expect(listCalls()).toBe(1);
  });

  it('refetches after sync.reset', async () => {
    const { api } = setup();
    await screen.findByRole('link', { name: 'alpha' });
    act(() =>
      api.emit({
        id: 50,
        type: 'sync.reset',
        time: alpha.createdAt,
        resource: { kind: 'system', id: 'events' },
        data: { reason: 'since_too_old', oldestId: 40 },
      }),
    );
    await waitFor(() => expect(api.requests.filter((r) => r.path === '/vms')).toHaveLength(2));
  });

  it('filters by search and state, and says when nothing matches', async () => {
    setup();
    await screen.findByRole('link', { name: 'alpha' });
    fireEvent.change(screen.getByLabelText('Filter by state'), { target: { value: 'stopped' } });
    await waitFor(() => expect(screen.queryByRole('link', { name: 'alpha' })).toBeNull());
    expect(screen.getByRole('link', { name: 'bravo' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'nothing-like-this' } });
    await screen.findByText('No VM matches these filters');
  });

  it('asks for confirmation before a bulk delete, listing the VMs', async () => {
    const { api } = setup();
    await screen.findByRole('link', { name: 'alpha' });
    fireEvent.click(screen.getByLabelText('Select alpha'));
    fireEvent.click(screen.getByLabelText('Select bravo'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('alpha')).toBeTruthy();
    expect(within(dialog).getByText('bravo')).toBeTruthy();
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('tells what to do next when there is no VM', async () => {
    setup([]);
    await screen.findByText('No virtual machines yet');
    expect(screen.getByRole('link', { name: 'Create your first VM' })).toBeTruthy();
  });
});
