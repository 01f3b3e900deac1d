/** @vitest-environment happy-dom */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi } from '../../test/fake-api';
import { vmFixture, vmId } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { SnapshotsSection } from './StorageSection';

// The snapshots tab with the real providers; the server is an in-memory fake (fake-api.ts).
afterEach(cleanup);

const vm = vmFixture({ id: vmId(1), name: 'alpha', state: 'running' });
const snap = (name: string, includesMemory: boolean) => ({
  id: name,
  vmId: vm.id,
  name,
  description: '',
  kind: 'internal',
  includesMemory,
  vmState: includesMemory ? 'running' : 'stopped',
  parentId: null,
  createdAt: '2026-01-01T00:00:00Z',
});
const task = (kind: string) => ({
  id: 'task-1',
  kind,
  status: 'running',
  progress: 0,
  resource: { kind: 'vm', id: vm.id },
  actorId: 'user-1',
  createdAt: '2026-01-01T00:00:00Z',
});

function setup(readOnly = false) {
  const api = fakeApi({
    [`GET /vms/${vm.id}/snapshots`]: {
      status: 200,
      body: {
        items: [snap('base', false), snap('live', true)],
        capabilities: { internal: true, diskOnly: false, memory: true },
      },
    },
    [`POST /vms/${vm.id}/snapshots/live/actions/revert`]: {
      status: 202,
      body: { task: task('vm.snapshot-revert') },
    },
    [`DELETE /vms/${vm.id}/snapshots/base`]: { status: 202, body: { task: task('vm.snapshot-delete') } },
    'GET /tasks/task-1': { status: 200, body: task('vm.snapshot-revert') },
  });
  renderPage(<SnapshotsSection vm={vm} readOnly={readOnly} />, { client: api.client, path: `/vms/${vm.id}` });
  return api;
}

describe('SnapshotsSection', () => {
  it('reverts after a confirmation that says what happens to the VM', async () => {
    const api = setup();
    await screen.findByText('live');
    const revertButtons = screen.getAllByRole('button', { name: 'Revert' });
    fireEvent.click(revertButtons[1] as HTMLElement);
    expect(await screen.findByText(/comes back running where it was/)).toBeTruthy();
    expect(api.requests.some((r) => r.method === 'POST' && r.path.endsWith('/actions/revert'))).toBe(false);
    const confirm = screen.getAllByRole('button', { name: 'Revert' }).at(-1) as HTMLElement;
    fireEvent.click(confirm);
    await waitFor(() =>
      expect(
        api.requests.some(
          (r) => r.method === 'POST' && r.path === `/vms/${vm.id}/snapshots/live/actions/revert`,
        ),
      ).toBe(true),
    );
  });

  it('deletes after a confirmation; cancelling sends nothing', async () => {
    const api = setup();
    await screen.findByText('base');
    fireEvent.click(screen.getAllByRole('button', { name: 'Delete' })[0] as HTMLElement);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getAllByRole('button', { name: 'Delete' })[0] as HTMLElement);
    const confirm = screen.getAllByRole('button', { name: 'Delete' }).at(-1) as HTMLElement;
    fireEvent.click(confirm);
    await waitFor(() =>
      expect(
        api.requests.some((r) => r.method === 'DELETE' && r.path === `/vms/${vm.id}/snapshots/base`),
      ).toBe(true),
    );
  });

  it('offers no actions to a viewer', async () => {
    setup(true);
    await screen.findByText('base');
    expect(screen.queryByRole('button', { name: 'Revert' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });
});
