import type { VmDiskDetail } from '@gureum/contract';
import { describe, expect, it } from 'vitest';
import { problem, type Reply } from '../test/fake-api.js';
import { useFakeGureum } from '../test/setup.js';

// `gureum disk show|resize` against the fake API (contract-checked requests and replies).
const t = useFakeGureum();
const GiB = 2 ** 30;
const json = (status: number, body: unknown): Reply => ({ status, body });

function diskRoutes(vmId: string): { disks: VmDiskDetail[] } {
  const state = {
    disks: [
      {
        id: 'vol_sys',
        device: 'disk',
        bus: 'virtio',
        format: 'qcow2',
        readOnly: false,
        virtualSizeBytes: 2 * GiB,
        allocationBytes: 300 * 2 ** 20,
        imageId: 'img_debian',
        volumeId: 'vol_sys',
        backingChain: [{ format: 'qcow2', virtualSizeBytes: 2 * GiB, imageId: 'img_debian' }],
      },
      {
        id: 'vol_data',
        device: 'disk',
        bus: 'virtio',
        format: 'raw',
        readOnly: false,
        virtualSizeBytes: 10 * GiB,
        allocationBytes: 0,
        volumeId: 'vol_data',
        backingChain: [],
      },
    ] as VmDiskDetail[],
  };
  t.api.on('listVmDisks', () => json(200, { items: state.disks }));
  t.api.on('getVmDisk', (req) => {
    const disk = state.disks.find((d) => req.path.endsWith(`/${d.id}`));
    return disk ? json(200, disk) : problem('DISK_NOT_FOUND', 'No such disk.');
  });
  t.api.on('resizeVmDisk', (req) => {
    const { sizeBytes } = req.json as { sizeBytes: number };
    const disk = state.disks.find((d) => req.path.includes(`/disks/${d.id}/`));
    if (!disk) return problem('DISK_NOT_FOUND', 'No such disk.');
    if (sizeBytes <= disk.virtualSizeBytes) return problem('DISK_SHRINK_REFUSED', 'Disks only grow.');
    const task = t.world.runTask('vm.disk-resize', { kind: 'vm', id: vmId }, () => {
      disk.virtualSizeBytes = sizeBytes;
    });
    return json(202, { task });
  });
  return state;
}

describe('disk show', () => {
  it('lists the disks of a VM found by name, and shows one by position or id', async () => {
    const vm = t.world.addVm({ name: 'web-1' });
    diskRoutes(vm.id);
    const r = await t.run(['disk', 'show', 'web-1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#\s+ID\s+FORMAT\s+SIZE\s+ALLOCATED\s+BACKING$/m);
    expect(r.stdout).toMatch(/^1\s+vol_sys\s+qcow2\s+2 GiB\s+300 MiB\s+qcow2 image img_debian$/m);
    expect(r.stdout).toMatch(/^2\s+vol_data\s+raw\s+10 GiB\s+0 B\s+-$/m);
    expect(t.api.calls('listVmDisks')[0]?.path).toBe(`/api/v1/vms/${vm.id}/disks`);
    const one = await t.run(['disk', 'show', 'web-1', '2']);
    expect(one.stdout).toMatch(/Disk:\s+vol_data/);
    expect(one.stdout).toMatch(/Size:\s+10 GiB \(10737418240 bytes\)/);
    const byId = await t.run(['disk', 'show', 'web-1', 'vol_sys', '--json']);
    expect(JSON.parse(byId.stdout)).toMatchObject({ id: 'vol_sys', imageId: 'img_debian' });
    const missing = await t.run(['disk', 'show', 'web-1', '3']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no disk "3" (the VM has 2)');
  });
});

describe('disk resize', () => {
  it('grows a disk through its task and prints the new size', async () => {
    const vm = t.world.addVm({ name: 'web-1', state: 'running' });
    const state = diskRoutes(vm.id);
    const r = await t.run(['disk', 'resize', 'web-1', '1', '20G']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Resized disk vol_sys of vm web-1 to 20 GiB.');
    expect(t.api.calls('resizeVmDisk')[0]?.json).toEqual({ sizeBytes: 20 * GiB });
    expect(state.disks[0]?.virtualSizeBytes).toBe(20 * GiB);
  });

  it('reports a refused shrink with the server’s code and exits non-zero; a bad size is a usage error', async () => {
    const vm = t.world.addVm({ name: 'web-1' });
    diskRoutes(vm.id);
    const shrink = await t.run(['disk', 'resize', 'web-1', 'vol_data', '1G']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toMatch(/^error: Disk shrink refused.*\[DISK_SHRINK_REFUSED\]/);
    const bad = await t.run(['disk', 'resize', 'web-1', '1', 'big']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"big" is not a size');
    expect(t.api.calls('resizeVmDisk')).toHaveLength(1);
  });
});
