import type { BootOrder, VmInstallation } from '@gureum/contract';
import { describe, expect, it } from 'vitest';
import { problem, type Reply } from '../test/fake-api.js';
import { useFakeGureum } from '../test/setup.js';
import { image } from '../test/world.js';

// The install-from-ISO commands against the fake API (contract-checked requests and replies); the routes this file
// needs beyond the shared world are answered by handlers here.
const t = useFakeGureum();
const GiB = 2 ** 30;
const json = (status: number, body: unknown): Reply => ({ status, body });

function bootOrderRoutes(initial: BootOrder, running: boolean): { order: BootOrder } {
  const state = { order: initial };
  t.api.on('getVmBootOrder', () => json(200, { order: state.order, pendingRestart: false }));
  t.api.on('setVmBootOrder', (req) => {
    const before = state.order;
    state.order = (req.json as { order: BootOrder }).order;
    return json(200, { order: state.order, pendingRestart: running && before !== state.order });
  });
  return state;
}

const installing: VmInstallation = {
  status: 'installing',
  startedAt: '2026-01-01T00:00:00.000Z',
  isoImageId: 'img_iso',
  keepMediaAfterInstall: false,
  message: 'Installing: done when the guest reboots or powers off after writing its disk.',
};

describe('vm create --iso', () => {
  it('creates a blank disk of --disk size with the ISO, keeping it with --keep-iso', async () => {
    const iso = image({ name: 'netinst', kind: 'iso' });
    t.world.images.set(iso.id, iso);
    const r = await t.run(['vm', 'create', 'srv-1', '--iso', 'netinst', '--disk', '8G', '--keep-iso']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(t.api.calls('createVm')[0]?.json).toMatchObject({
      name: 'srv-1',
      source: { blank: { sizeBytes: 8 * GiB }, isoImageId: iso.id },
      keepMediaAfterInstall: true,
    });
  });

  it('refuses a disk image as --iso, both or neither of --image and --iso, and --keep-iso with a disk', async () => {
    const disk = image({ name: 'debian-12' });
    t.world.images.set(disk.id, disk);
    for (const argv of [
      ['vm', 'create', 'srv-1', '--iso', 'debian-12'],
      ['vm', 'create', 'srv-1'],
      ['vm', 'create', 'srv-1', '--iso', 'a', '--image', 'b'],
      ['vm', 'create', 'srv-1', '--image', 'debian-12', '--keep-iso'],
    ]) {
      const r = await t.run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: Invalid usage — .* \[USAGE\]/);
    }
    expect(t.api.calls('createVm')).toHaveLength(0);
  });
});

describe('vm boot-order', () => {
  it('shows the order, and sets each of the four', async () => {
    const vm = t.world.addVm({ name: 'web-1' });
    const state = bootOrderRoutes('hd', false);
    expect(await t.run(['vm', 'boot-order', 'web-1'])).toMatchObject({
      code: 0,
      stdout: 'Boot order of vm web-1: hd\n',
    });
    for (const order of ['cdrom_hd', 'hd', 'cdrom', 'hd_cdrom'] as const) {
      const r = await t.run(['vm', 'boot-order', 'web-1', order]);
      expect(r).toMatchObject({ code: 0, stdout: `Set the boot order of vm web-1: ${order}\n`, stderr: '' });
      expect(state.order).toBe(order);
    }
    expect(t.api.calls('setVmBootOrder').map((c) => c.path)).toEqual(
      Array(4).fill(`/api/v1/vms/${vm.id}/boot-order`),
    );
  });

  it('says when a running VM uses the new order only from its next boot; --json prints the reply', async () => {
    t.world.addVm({ name: 'web-1', state: 'running' });
    bootOrderRoutes('hd', true);
    const r = await t.run(['vm', 'boot-order', 'web-1', 'cdrom_hd']);
    expect(r.stderr).toContain('applies at its next boot');
    const j = await t.run(['vm', 'boot-order', 'web-1', 'hd', '--json']);
    expect(JSON.parse(j.stdout)).toEqual({ order: 'hd', pendingRestart: true });
  });

  it('refuses an order outside the four before calling the server', async () => {
    t.world.addVm({ name: 'web-1' });
    const r = await t.run(['vm', 'boot-order', 'web-1', 'floppy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ORDER must be one of cdrom_hd, hd, cdrom, hd_cdrom/);
    expect(t.api.requests).toHaveLength(0);
  });
});

describe('vm media', () => {
  it('inserts an ISO by name and ejects it', async () => {
    const vm = t.world.addVm({ name: 'web-1' });
    const iso = image({ name: 'rescue', kind: 'iso' });
    t.world.images.set(iso.id, iso);
    t.api.on('insertVmMedia', (req) =>
      json(200, { imageId: (req.json as { imageId: string }).imageId, name: 'rescue' }),
    );
    t.api.on('ejectVmMedia', () => ({ status: 204 }));
    expect(await t.run(['vm', 'media', 'insert', 'web-1', '--image', 'rescue'])).toMatchObject({
      code: 0,
      stdout: 'Inserted rescue into vm web-1.\n',
    });
    expect(t.api.calls('insertVmMedia')[0]).toMatchObject({
      path: `/api/v1/vms/${vm.id}/media`,
      json: { imageId: iso.id },
    });
    expect(await t.run(['vm', 'media', 'eject', 'web-1'])).toMatchObject({
      code: 0,
      stdout: 'Ejected the media of vm web-1.\n',
    });
    expect(t.api.calls('ejectVmMedia')).toHaveLength(1);
  });

  it('prints the server refusing a disk image', async () => {
    t.world.addVm({ name: 'web-1' });
    t.world.images.set('img_d', image({ id: 'img_d', name: 'debian-12' }));
    t.api.on('insertVmMedia', () =>
      problem('IMAGE_KIND_MISMATCH', 'An installer or cdrom media must be an image of kind iso.'),
    );
    const r = await t.run(['vm', 'media', 'insert', 'web-1', '--image', 'debian-12']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[IMAGE_KIND_MISMATCH]');
  });

  it('checks its usage before calling the server', async () => {
    for (const argv of [
      ['vm', 'media', 'insert', 'web-1'],
      ['vm', 'media', 'eject', 'web-1', '--image', 'x'],
      ['vm', 'media', 'swap', 'web-1'],
    ]) {
      const r = await t.run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
    }
    expect(t.api.requests).toHaveLength(0);
  });
});

describe('vm install-status and install-complete', () => {
  it('shows the installation phase', async () => {
    const vm = t.world.addVm({ name: 'srv-1', state: 'running' });
    t.api.on('getVmInstallation', () => json(200, installing));
    const r = await t.run(['vm', 'install-status', 'srv-1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Installation:\s+installing/);
    expect(r.stdout).toMatch(/ISO:\s+img_iso/);
    expect(t.api.calls('getVmInstallation')[0]?.path).toBe(`/api/v1/vms/${vm.id}/installation`);
    expect(JSON.parse((await t.run(['vm', 'install-status', 'srv-1', '--json'])).stdout)).toEqual(installing);
  });

  it('marks it installed (or failed) through the task and prints the outcome', async () => {
    const vm = t.world.addVm({ name: 'srv-1', state: 'running' });
    let current: VmInstallation = installing;
    t.api.on('getVmInstallation', () => json(200, current));
    t.api.on('completeVmInstallation', (req) => {
      const status = (req.json as { status: 'installed' | 'failed' }).status;
      const task = t.world.runTask('vm.complete-installation', { kind: 'vm', id: vm.id }, () => {
        current = { ...installing, status, finishedAt: '2026-01-01T00:01:00.000Z', isoImageId: null };
      });
      return json(202, { task });
    });
    const r = await t.run(['vm', 'install-complete', 'srv-1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Installation:\s+installed/);
    const failed = await t.run(['vm', 'install-complete', 'srv-1', '--failed', '--no-wait']);
    expect(failed.stdout).toMatch(/^Task tsk_\d+ \(vm\.complete-installation\) /);
    expect(t.api.calls('completeVmInstallation').map((c) => c.json)).toEqual([
      { status: 'installed' },
      { status: 'failed' },
    ]);
  });
});
