import type { Snapshot } from '@gureum/contract';
import { describe, expect, it } from 'vitest';
import { problem, type Reply } from '../test/fake-api.js';
import { useFakeGureum } from '../test/setup.js';

// `gureum snapshot list|create|revert|delete` against the fake API (contract-checked requests and replies).
const t = useFakeGureum();
const json = (status: number, body: unknown): Reply => ({ status, body });

function snapshotRoutes(vmId: string, internal = true): { items: Snapshot[] } {
  const state = { items: [] as Snapshot[] };
  const snap = (name: string, parentId: string | null, description = ''): Snapshot => ({
    id: name,
    vmId,
    name,
    description,
    kind: 'internal',
    includesMemory: false,
    vmState: 'stopped',
    parentId,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  t.api.on('listVmSnapshots', () =>
    json(200, { items: state.items, capabilities: { internal, diskOnly: false, memory: internal } }),
  );
  t.api.on('createVmSnapshot', (req) => {
    const { name, description } = req.json as { name: string; description?: string };
    if (state.items.some((s) => s.name === name)) return problem('SNAPSHOT_NAME_TAKEN', 'Taken.');
    const task = t.world.runTask('vm.snapshot-create', { kind: 'vm', id: vmId }, () => {
      state.items.push(snap(name, state.items.at(-1)?.name ?? null, description));
    });
    return json(202, { task });
  });
  t.api.on('revertVmSnapshot', () =>
    json(202, { task: t.world.runTask('vm.snapshot-revert', { kind: 'vm', id: vmId }, () => undefined) }),
  );
  t.api.on('deleteVmSnapshot', (req) => {
    const name = req.path.split('/').at(-1) ?? '';
    if (req.query.get('dryRun') === 'true')
      return json(200, { wouldDelete: [{ kind: 'snapshot', id: name, name }] });
    const task = t.world.runTask('vm.snapshot-delete', { kind: 'vm', id: vmId }, () => {
      state.items = state.items.filter((s) => s.name !== name);
    });
    return json(202, { task });
  });
  return state;
}

describe('snapshot', () => {
  it('creates snapshots, lists them as an indented tree, reverts and deletes', async () => {
    const vm = t.world.addVm({ name: 'web-1' });
    const state = snapshotRoutes(vm.id);
    expect((await t.run(['snapshot', 'list', 'web-1'])).stdout).toBe('vm web-1 has no snapshots.\n');
    const c1 = await t.run(['snapshot', 'create', 'web-1', 'base', '--description', 'fresh']);
    expect(c1.stderr).toBe('');
    expect(c1.stdout).toBe('Took snapshot base of vm web-1.\n');
    await t.run(['snapshot', 'create', 'web-1', 'patched']);
    expect(t.api.calls('createVmSnapshot').map((c) => c.json)).toEqual([
      { name: 'base', description: 'fresh' },
      { name: 'patched' },
    ]);
    const listed = await t.run(['snapshot', 'list', 'web-1']);
    expect(listed.stdout).toMatch(/^NAME\s+VM STATE\s+MEMORY\s+TAKEN\s+DESCRIPTION$/m);
    expect(listed.stdout).toMatch(/^base\s+stopped\s+no\s+.*fresh$/m);
    expect(listed.stdout).toMatch(/^ {2}patched\s+stopped\s+no/m);
    const reverted = await t.run(['snapshot', 'revert', 'web-1', 'base']);
    expect(reverted.stdout).toBe('Reverted vm web-1 to snapshot base.\n');
    expect(t.api.calls('revertVmSnapshot')[0]?.path).toBe(
      `/api/v1/vms/${vm.id}/snapshots/base/actions/revert`,
    );
    const plan = await t.run(['snapshot', 'delete', 'web-1', 'base', '--dry-run']);
    expect(plan.stdout).toBe('Would delete snapshot base of vm web-1.\n');
    expect(state.items).toHaveLength(2);
    const deleted = await t.run(['snapshot', 'delete', 'web-1', 'base']);
    expect(deleted.stdout).toBe('Deleted snapshot base of vm web-1.\n');
    expect(state.items.map((s) => s.name)).toEqual(['patched']);
  });

  it('reports a taken name with its code, and says when the VM cannot be snapshotted', async () => {
    const vm = t.world.addVm({ name: 'web-1' });
    snapshotRoutes(vm.id, false);
    await t.run(['snapshot', 'create', 'web-1', 'base']);
    const again = await t.run(['snapshot', 'create', 'web-1', 'base']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[SNAPSHOT_NAME_TAKEN\]/);
    const listed = await t.run(['snapshot', 'list', 'web-1']);
    expect(listed.stderr).toContain('cannot be snapshotted on this host');
  });
});
