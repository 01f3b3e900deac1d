// End to end: a real server process (SQLite and PostgreSQL: the same loop on both), the typed client, a real
// libvirtd and a tiny real guest, with virsh and the filesystem as independent observers.
import { statSync } from 'node:fs';
import { isApiError } from '@gureum/client';
import { domainState, ensureTestGuests, readSerialLog } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { done, sha256File, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import {
  capacityOf,
  countOf,
  domainNames,
  filesUnder,
  poolVolumes,
  waitForBoot,
  waitUntil,
} from './observe.js';

const MiB = 1024 * 1024;

describe.each(['sqlite', 'postgres'] as const)('VM lifecycle through the typed client (%s)', (dialect) => {
  let gureum: GureumServer | undefined;

  beforeAll(async () => {
    gureum = await startGureum({ dialect });
  });

  afterAll(async () => {
    await gureum?.dispose();
  });

  it(`uploads, creates, stops, starts, reboots and deletes a real VM, leaving nothing behind (${dialect})`, async () => {
    if (!gureum) throw new Error('no server');
    const g = gureum;
    const { client } = g;
    const guests = await ensureTestGuests();

    // Upload: streamed through the client; the server hashed what it stored.
    const image = await uploadTestImage(client, g.name('img'));
    expect(image).toMatchObject({ status: 'ready', kind: 'disk', format: 'qcow2' });
    expect(image.sha256).toBe(await sha256File(guests.disk));
    expect(image.sizeBytes).toBe(statSync(guests.disk).size);
    expect((await client.getImage({ id: image.id })).sha256).toBe(image.sha256);
    const imageFile = `image-${image.id}.img`;
    expect(await poolVolumes(g.pools.images)).toEqual([imageFile]);

    // Create and start.
    const name = g.name('vm');
    const vm = done(
      await client.createVm(
        { name, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start: true },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(vm).toMatchObject({ name, state: 'running', vcpus: 1, memoryBytes: 128 * MiB });
    expect(await domainState(name)).toBe('running');
    expect(await poolVolumes(g.pools.vms)).toHaveLength(1);
    const log = g.serialLog(vm.id);
    await waitForBoot(log, 1);

    // Graceful stop: the guest sees the ACPI power button and powers itself off.
    const stopped = done(await client.stopVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
    expect(stopped.state).toBe('stopped');
    expect(await domainState(name)).toBe('shut off');
    expect(await readSerialLog(log)).toContain('TG-SHUTDOWN action=poweroff');
    expect((await client.getVm({ idOrName: vm.id })).state).toBe('stopped');

    // Disk details from libvirt: a qcow2 overlay on the image.
    const [disk] = (await client.listVmDisks({ id: vm.id })).items;
    if (!disk) throw new Error('no disk');
    expect(disk).toMatchObject({ format: 'qcow2', imageId: image.id, backingChain: [{ imageId: image.id }] });
    expect(await capacityOf(name, 'vda')).toBe(disk.virtualSizeBytes);

    // Grow it offline (the volume), and see libvirt report the new size; shrinking is refused.
    const offline = disk.virtualSizeBytes + 64 * MiB;
    const grown = done(
      await client.resizeVmDisk(
        { id: vm.id, diskId: disk.id, sizeBytes: offline },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(grown.virtualSizeBytes).toBe(offline);
    expect(await capacityOf(name, 'vda')).toBe(offline);
    const shrink: unknown = await client
      .resizeVmDisk({ id: vm.id, diskId: disk.id, sizeBytes: disk.virtualSizeBytes })
      .catch((e: unknown) => e);
    expect(isApiError(shrink, 'DISK_SHRINK_REFUSED') && shrink.status === 400).toBe(true);
    expect(await capacityOf(name, 'vda')).toBe(offline);

    // Start again: the second boot of the same disk.
    const started = done(await client.startVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
    expect(started.state).toBe('running');
    expect(await domainState(name)).toBe('running');
    await waitForBoot(log, 2);

    // Grow it online: QEMU's block device (what the guest sees) has the new size.
    const online = offline + 32 * MiB;
    done(
      await client.resizeVmDisk(
        { id: vm.id, diskId: disk.id, sizeBytes: online },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(await capacityOf(name, 'vda')).toBe(online);
    expect((await client.getVmDisk({ id: vm.id, diskId: disk.id })).virtualSizeBytes).toBe(online);

    // Reboot: the same QEMU process boots again (the log goes on: a second TG-BOOT), and the VM stays running.
    const rebooted = done(await client.rebootVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
    expect(rebooted.state).toBe('running');
    const afterReboot = await waitUntil(
      async () => {
        const text = await readSerialLog(log);
        return countOf(text, 'TG-BOOT') >= 2 ? text : undefined;
      },
      'a second TG-BOOT after the reboot',
      60_000,
    );
    expect(countOf(afterReboot, 'TG-BOOT')).toBe(2);
    expect(afterReboot.indexOf('TG-SHUTDOWN')).toBeLessThan(afterReboot.lastIndexOf('TG-BOOT'));
    expect(await domainState(name)).toBe('running');
    expect((await client.getVm({ idOrName: name })).state).toBe('running');

    // Delete: domain, volume, files and row are gone; only the image remains.
    const deleted = await client.deleteVm({ idOrName: vm.id }, { wait: true, timeoutMs: 60_000 });
    expect(deleted.status).toBe(204);
    expect(await domainState(name)).toBeUndefined();
    expect(await domainNames(g.poolPrefix)).toEqual([]);
    expect(await poolVolumes(g.pools.vms)).toEqual([]);
    expect(await poolVolumes(g.pools.images)).toEqual([imageFile]);
    expect(await filesUnder(g.storageDir)).toEqual([`images/${imageFile}`]);
    const err: unknown = await client.getVm({ idOrName: vm.id }).catch((e: unknown) => e);
    expect(isApiError(err, 'VM_NOT_FOUND') && err.status === 404).toBe(true);
    expect((await client.listVms()).items).toEqual([]);

    // The image, no longer in use, goes too: the storage dir is empty again.
    await client.deleteImage({ id: image.id });
    expect(await poolVolumes(g.pools.images)).toEqual([]);
    expect(await filesUnder(g.storageDir)).toEqual([]);
    expect((await client.listImages()).items).toEqual([]);
  });
});
