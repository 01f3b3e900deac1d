// End to end: snapshots of a real guest through the typed client, against a real server and libvirtd. The test
// guest counts its boots in a file on its disk (TG-PERSIST count=N on the serial log): reverting to a snapshot taken
// after the first boot must bring the count back, and a snapshot of the running guest (with its memory) must bring
// a stopped VM back running.
import { domainState, readSerialLog, virshOk } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { done, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { waitForBoot, waitUntil } from './observe.js';

const MiB = 1024 * 1024;

/** The TG-PERSIST counts the guest printed so far, in order. */
async function persistCounts(log: string): Promise<number[]> {
  const text = await readSerialLog(log);
  return [...text.matchAll(/TG-PERSIST count=(\d+)/g)].map((m) => Number(m[1]));
}

describe('snapshots of a real guest', () => {
  let g: GureumServer | undefined;

  beforeAll(async () => {
    g = await startGureum({ dialect: 'sqlite' });
  });

  afterAll(async () => {
    await g?.dispose();
  });

  it('reverting restores the disk as it was (the boot counter goes back), and a memory snapshot resumes the guest', async () => {
    if (!g) throw new Error('no server');
    const { client } = g;
    const image = await uploadTestImage(client, g.name('img'));
    const name = g.name('snap');
    const vm = done(
      await client.createVm(
        { name, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start: true },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    const log = g.serialLog(vm.id);
    await waitForBoot(log, 1);
    done(await client.forceStopVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));

    // A snapshot of the stopped VM: its disk only, with count=1 on it.
    const list0 = await client.listVmSnapshots({ id: vm.id });
    expect(list0.capabilities).toEqual({ internal: true, diskOnly: false, memory: true });
    const base = done(
      await client.createVmSnapshot(
        { id: vm.id, name: 'after-first-boot' },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(base).toMatchObject({ name: 'after-first-boot', includesMemory: false, vmState: 'stopped' });
    expect(await virshOk(['snapshot-list', name, '--name'])).toContain('after-first-boot');

    // The second boot writes count=2.
    done(await client.startVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
    await waitForBoot(log, 2);
    done(await client.forceStopVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));

    // Revert, boot: the disk had count=1 again, so this boot writes count=2 again, not 3 (QEMU starts a new serial
    // log at each start: it holds this boot only).
    done(
      await client.revertVmSnapshot(
        { id: vm.id, snapshotId: 'after-first-boot' },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    done(await client.startVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
    await waitForBoot(log, 2);
    expect(await persistCounts(log)).toEqual([2]);

    // A snapshot of the running guest includes its memory: reverting a stopped VM to it brings it back running.
    const live = done(
      await client.createVmSnapshot({ id: vm.id, name: 'running' }, { wait: true, timeoutMs: 120_000 }),
    );
    expect(live).toMatchObject({ includesMemory: true, vmState: 'running', parentId: 'after-first-boot' });
    done(await client.forceStopVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
    expect(await domainState(name)).toBe('shut off');
    done(
      await client.revertVmSnapshot({ id: vm.id, snapshotId: 'running' }, { wait: true, timeoutMs: 120_000 }),
    );
    expect(await domainState(name)).toBe('running');
    await waitUntil(
      async () => ((await client.getVm({ idOrName: vm.id })).state === 'running' ? true : undefined),
      'the API to show the reverted VM running',
      10_000,
    );

    // Delete one, then the VM with the other: nothing is left (libvirt refuses to undefine a domain with snapshot
    // metadata unless told to drop it).
    const deleted = await client.deleteVmSnapshot(
      { id: vm.id, snapshotId: 'after-first-boot' },
      { wait: true },
    );
    expect(deleted.status).toBe(204);
    expect((await client.listVmSnapshots({ id: vm.id })).items.map((s) => [s.name, s.parentId])).toEqual([
      ['running', null],
    ]);
    const gone = await client.deleteVm({ idOrName: vm.id }, { wait: true, timeoutMs: 60_000 });
    expect(gone.status).toBe(204);
    expect(await domainState(name)).toBeUndefined();
    await client.deleteImage({ id: image.id });
  });
});
