import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { imageVolumeRef } from '../services/image.service.js';
import {
  createVm,
  expectProblem,
  isoBytes,
  MiB,
  snapshotState,
  startHarness,
  uploadImage,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';
import { BLANK_QCOW2_ALLOCATION_BYTES } from '../testing/fake-hypervisor.js';

// Installing from an ISO through app.inject(): create blank + ISO, installation tracking from hypervisor events,
// complete-installation by hand, failed and retry. Real server over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake: the guest's reboot, power-off and disk writes are played with its test helpers).
let h: Harness;
let isoId: string;
let diskImageId: string;
beforeAll(async () => {
  h = await startHarness();
  isoId = await uploadImage(h, { kind: 'iso', bytes: isoBytes(), name: 'installer' });
  diskImageId = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.hypervisor.uefiAvailable = true;
});

const GiB = 1024 * MiB;

interface InstallVmJson extends VmJson {
  bootOrder: string;
  firmware: string;
  installation: { status: string; startedAt?: string; finishedAt?: string };
  media: { imageId: string; name: string } | null;
}

interface InstallationJson {
  status: string;
  startedAt?: string;
  finishedAt?: string;
  isoImageId: string | null;
  keepMediaAfterInstall: boolean;
  message?: string;
}

function blankBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `inst-${randomUUID().slice(0, 8)}`,
    vcpus: 1,
    memoryBytes: 256 * MiB,
    source: { blank: { sizeBytes: GiB }, isoImageId: isoId },
    ...overrides,
  };
}

async function createBlank(overrides: Record<string, unknown> = {}): Promise<InstallVmJson> {
  const res = await h.request('POST', '/vms', { body: blankBody(overrides), query: { wait: 'true' } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<InstallVmJson>();
}

async function getVm(id: string): Promise<InstallVmJson> {
  return (await h.request('GET', `/vms/${id}`)).json<InstallVmJson>();
}

async function installation(id: string): Promise<InstallationJson> {
  const res = await h.request('GET', `/vms/${id}/installation`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<InstallationJson>();
}

/** Polls `check` until it returns true (the tracker works from events, asynchronously). */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The `data` of the events of `type` about VM `vmId`, oldest first, from the persisted event log. */
async function eventsOf(vmId: string, type: string): Promise<unknown[]> {
  const all = await h.db.events.listAfter(0, 100_000);
  return all.filter((e) => e.resourceId === vmId && e.type === type).map((e) => e.data);
}

const act = (id: string, action: string, body: Record<string, unknown> = {}) =>
  h.request('POST', `/vms/${id}/actions/${action}`, { body, query: { wait: 'true' } });

function systemDisk(vm: InstallVmJson): { pool: string; name: string } {
  const spec = h.hypervisor.vms.get(vm.id)?.spec;
  const disk = spec?.disks[0];
  if (!disk) throw new Error('no system disk');
  return disk.volume;
}

/** The guest of `vm` writes its installation onto the system disk. */
function guestInstalls(vm: InstallVmJson): void {
  h.hypervisor.writeToVolume(systemDisk(vm), 20 * MiB);
}

async function installingVm(overrides: Record<string, unknown> = {}): Promise<InstallVmJson> {
  const vm = await createBlank({ start: true, ...overrides });
  expect(vm.installation.status).toBe('installing');
  return vm;
}

describe('POST /vms from a blank disk and an ISO', () => {
  it('makes a blank qcow2 system disk, a cdrom with the ISO, boot order cdrom_hd, not_installed', async () => {
    const vm = await createBlank();
    expect(vm).toMatchObject({
      state: 'stopped',
      bootOrder: 'cdrom_hd',
      firmware: 'bios',
      installation: { status: 'not_installed' },
      media: { imageId: isoId, name: 'installer' },
    });
    expect(vm.disks).toEqual([expect.objectContaining({ device: 'disk', sizeBytes: GiB })]);
    const spec = h.hypervisor.vms.get(vm.id)?.spec;
    expect(spec).toMatchObject({
      bootOrder: 'cdrom_hd',
      cdrom: { bus: 'ide', target: 'hdc', media: imageVolumeRef(`${h.config.poolPrefix}-images`, isoId) },
    });
    const volume = h.hypervisor.volumes.get(`${systemDisk(vm).pool}/${systemDisk(vm).name}`);
    expect(volume).toMatchObject({ format: 'qcow2', capacityBytes: GiB, backing: null });
    expect(systemDisk(vm).name).toMatch(new RegExp(`^vm-${vm.id}-disk-[0-9a-f-]{36}\\.qcow2$`));
    expect(await installation(vm.id)).toMatchObject({
      status: 'not_installed',
      isoImageId: isoId,
      keepMediaAfterInstall: false,
      message: 'Start the VM to install from the ISO.',
    });
  });

  it('with start=true is installing right away, and says so with vm.installation-changed', async () => {
    const vm = await createBlank({ start: true });
    expect(vm.state).toBe('running');
    expect(vm.installation.status).toBe('installing');
    expect(vm.installation.startedAt).toEqual(expect.any(String));
    expect(await eventsOf(vm.id, 'vm.installation-changed')).toEqual([
      expect.objectContaining({
        installation: { status: 'installing', startedAt: vm.installation.startedAt },
      }),
    ]);
  });

  it('refuses an installer of kind disk (400), an unknown one (404) and one still uploading (409)', async () => {
    const uploading = await h.request('POST', '/images', { body: { name: 'iso-later', kind: 'iso' } });
    const cases: [string, number, string][] = [
      [diskImageId, 400, 'IMAGE_KIND_MISMATCH'],
      [randomUUID(), 404, 'IMAGE_NOT_FOUND'],
      [uploading.json<{ id: string }>().id, 409, 'IMAGE_NOT_READY'],
    ];
    for (const [id, status, code] of cases) {
      const before = await snapshotState(h);
      const body = blankBody({ source: { blank: { sizeBytes: GiB }, isoImageId: id } });
      const res = await h.request('POST', '/vms', { body });
      const problem = expectProblem(res, status, code);
      if (status === 400)
        expect(problem.errors).toEqual([expect.objectContaining({ path: '/body/source/isoImageId' })]);
      expect(await snapshotState(h)).toEqual(before);
    }
  });

  it("refuses another user's ISO as not found", async () => {
    const res = await h.request('POST', '/vms', { body: blankBody(), token: h.member.token });
    expectProblem(res, 404, 'IMAGE_NOT_FOUND');
  });

  it.each<[unknown, string]>([
    [{ blank: { sizeBytes: 0 }, isoImageId: 'x' }, '0 bytes'],
    [{ blank: { sizeBytes: -1 } }, 'no ISO'],
    [{ blank: { sizeBytes: GiB, extra: 1 }, isoImageId: 'x' }, 'unknown field'],
    [{ blank: { sizeBytes: 2 ** 60 }, isoImageId: 'x' }, 'absurd size'],
  ])('refuses a hostile blank source (%j: %s) with 400', async (source) => {
    const before = await snapshotState(h);
    const res = await h.request('POST', '/vms', { body: blankBody({ source }) });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(await snapshotState(h)).toEqual(before);
  });
});

describe('UEFI firmware', () => {
  it('gets OVMF with a per-VM NVRAM volume that libvirt fills at start and removes at delete', async () => {
    const vm = await createBlank({ firmware: 'uefi', start: true });
    expect(vm.firmware).toBe('uefi');
    const spec = h.hypervisor.vms.get(vm.id)?.spec;
    expect(spec?.firmware).toBe('uefi');
    const nvram = spec?.nvram;
    expect(nvram?.name).toMatch(new RegExp(`^vm-${vm.id}-nvram-[0-9a-f-]{36}\\.fd$`));
    if (!nvram) throw new Error('no nvram');
    expect(h.hypervisor.volumes.has(`${nvram.pool}/${nvram.name}`)).toBe(true);
    const plan = await h.request('DELETE', `/vms/${vm.id}`, { query: { dryRun: 'true' } });
    expect(plan.json()).toMatchObject({
      wouldDelete: expect.arrayContaining([expect.objectContaining({ kind: 'nvram' })]),
    });
    const deleted = await h.request('DELETE', `/vms/${vm.id}`, { query: { wait: 'true' } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(h.hypervisor.volumes.has(`${nvram.pool}/${nvram.name}`)).toBe(false);
  });

  it('is refused with 400 when the host has no OVMF, or with too little memory for it', async () => {
    h.hypervisor.uefiAvailable = false;
    const before = await snapshotState(h);
    const none = await h.request('POST', '/vms', { body: blankBody({ firmware: 'uefi' }) });
    expect(expectProblem(none, 400, 'VALIDATION_FAILED').errors).toEqual([
      expect.objectContaining({ path: '/body/firmware' }),
    ]);
    h.hypervisor.uefiAvailable = true;
    const small = await h.request('POST', '/vms', {
      body: blankBody({ firmware: 'uefi', memoryBytes: 128 * MiB }),
    });
    expect(expectProblem(small, 400, 'VALIDATION_FAILED').errors).toEqual([
      expect.objectContaining({ path: '/body/memoryBytes' }),
    ]);
    expect(await snapshotState(h)).toEqual(before);
  });
});

describe('installation tracking (no API call after start)', () => {
  it('a guest that reboots after writing its disk is installed, ejected, on hd, and back up from its disk', async () => {
    const vm = await installingVm();
    guestInstalls(vm);
    h.hypervisor.emitGuestReboot(vm.id);
    await eventually(async () => (await getVm(vm.id)).installation.status === 'installed', 'installed');
    await eventually(() => Promise.resolve(h.hypervisor.vms.get(vm.id)?.live?.bootOrder === 'hd'), 'restart');
    const after = await getVm(vm.id);
    expect(after).toMatchObject({ state: 'running', bootOrder: 'hd', media: null });
    expect(after.installation.finishedAt).toEqual(expect.any(String));
    const fake = h.hypervisor.vms.get(vm.id);
    // Persistent and live definitions: disk first, no ISO.
    expect(fake?.spec).toMatchObject({ bootOrder: 'hd', cdrom: { media: null } });
    expect(fake?.live).toMatchObject({ bootOrder: 'hd', cdrom: { media: null } });
    expect(fake?.state).toBe('running');
    expect(await eventsOf(vm.id, 'vm.media-changed')).toEqual([expect.objectContaining({ media: null })]);
    expect(await eventsOf(vm.id, 'vm.installation-changed')).toEqual([
      expect.objectContaining({ installation: expect.objectContaining({ status: 'installing' }) }),
      expect.objectContaining({ installation: expect.objectContaining({ status: 'installed' }) }),
    ]);
    const tasks = await h.request('GET', '/tasks', { query: { resource: vm.id } });
    const done = tasks.json<{ items: { kind: string; status: string; actorId: string }[] }>().items;
    expect(done).toContainEqual(
      expect.objectContaining({ kind: 'vm.complete-installation', status: 'succeeded', actorId: 'system' }),
    );
  });

  it('a guest that powers itself off after writing its disk is installed and stays off', async () => {
    const vm = await installingVm();
    guestInstalls(vm);
    h.hypervisor.emitExternal(vm.id, 'stopped', 'shutdown', 'stopped');
    await eventually(async () => (await getVm(vm.id)).installation.status === 'installed', 'installed');
    expect(await getVm(vm.id)).toMatchObject({ state: 'stopped', bootOrder: 'hd', media: null });
    expect(h.hypervisor.vms.get(vm.id)?.spec).toMatchObject({ bootOrder: 'hd', cdrom: { media: null } });
    const started = await act(vm.id, 'start');
    expect(started.statusCode, started.body).toBe(200);
    expect((await getVm(vm.id)).installation.status).toBe('installed');
  });

  it('a graceful stop through the API after the install completes it (the tracker waits for the stop task)', async () => {
    const vm = await installingVm();
    guestInstalls(vm);
    const stopped = await act(vm.id, 'stop');
    expect(stopped.statusCode, stopped.body).toBe(200);
    await eventually(async () => (await getVm(vm.id)).installation.status === 'installed', 'installed', 8000);
  });

  it('keeps the ISO when asked to at create, and still boots from the disk', async () => {
    const vm = await installingVm({ keepMediaAfterInstall: true });
    guestInstalls(vm);
    h.hypervisor.emitExternal(vm.id, 'stopped', 'shutdown', 'stopped');
    await eventually(async () => (await getVm(vm.id)).installation.status === 'installed', 'installed');
    expect(await getVm(vm.id)).toMatchObject({ bootOrder: 'hd', media: { imageId: isoId } });
    expect(await installation(vm.id)).toMatchObject({ keepMediaAfterInstall: true, isoImageId: isoId });
  });

  it.each([
    ['reboots without writing its disk', (vm: InstallVmJson) => h.hypervisor.emitGuestReboot(vm.id)],
    [
      'powers off without writing its disk',
      (vm: InstallVmJson) => h.hypervisor.emitExternal(vm.id, 'stopped', 'shutdown', 'stopped'),
    ],
    [
      'is destroyed (plug pulled) after writing its disk',
      (vm: InstallVmJson) => {
        guestInstalls(vm);
        h.hypervisor.emitExternal(vm.id, 'stopped', 'destroyed', 'stopped');
      },
    ],
    [
      'crashes after writing its disk',
      (vm: InstallVmJson) => {
        guestInstalls(vm);
        h.hypervisor.emitExternal(vm.id, 'crashed', 'panicked', 'crashed');
      },
    ],
  ])('a guest that %s is still installing', async (_what, play) => {
    const vm = await installingVm();
    play(vm);
    await new Promise((r) => setTimeout(r, 100));
    expect((await getVm(vm.id)).installation.status).toBe('installing');
    expect(h.hypervisor.vms.get(vm.id)?.spec.bootOrder).toBe('cdrom_hd');
  });

  it('a VM started outside Gureum (virsh start) becomes installing too', async () => {
    const vm = await createBlank();
    const fake = h.hypervisor.vms.get(vm.id);
    if (!fake) throw new Error('no fake VM');
    h.hypervisor.emitExternal(vm.id, 'started', 'booted', 'running');
    await eventually(async () => (await getVm(vm.id)).installation.status === 'installing', 'installing');
  });

  it('completes an install whose guest powered off while libvirt was unreachable, once it is back', async () => {
    const vm = await installingVm();
    guestInstalls(vm);
    h.hypervisor.setStatus('down');
    const fake = h.hypervisor.vms.get(vm.id);
    if (!fake) throw new Error('no fake VM');
    // Nobody listens: no event, only the state libvirt reports afterwards.
    Object.assign(fake, { state: 'stopped', reason: 'shutdown', live: null });
    h.hypervisor.setStatus('up');
    await eventually(async () => (await getVm(vm.id)).installation.status === 'installed', 'installed');
  });

  it('the blank disk baseline is what libvirt reported when the install began', async () => {
    const vm = await installingVm();
    const row = await h.db.vms.findById(vm.id);
    expect(row?.installationBaselineBytes).toBe(BLANK_QCOW2_ALLOCATION_BYTES);
  });
});

describe('POST /vms/{id}/actions/complete-installation', () => {
  it('marks a running install installed: ISO ejected live, hd at the next boot, no power cycle', async () => {
    const vm = await installingVm();
    const powerCycles = h.hypervisor.calls.filter((c) => c === 'destroyVm').length;
    const res = await act(vm.id, 'complete-installation');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'installed',
      isoImageId: null,
      finishedAt: expect.any(String),
    });
    const fake = h.hypervisor.vms.get(vm.id);
    expect(fake?.spec).toMatchObject({ bootOrder: 'hd', cdrom: { media: null } });
    expect(fake?.live).toMatchObject({ bootOrder: 'cdrom_hd', cdrom: { media: null } });
    const order = await h.request('GET', `/vms/${vm.id}/boot-order`);
    expect(order.json()).toEqual({ order: 'hd', pendingRestart: true });
    expect(h.hypervisor.calls.filter((c) => c === 'destroyVm')).toHaveLength(powerCycles);
    expect((await getVm(vm.id)).state).toBe('running');
  });

  it('without ?wait answers 202 with the task', async () => {
    const vm = await createBlank();
    const res = await h.request('POST', `/vms/${vm.id}/actions/complete-installation`, { body: {} });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ task: { kind: 'vm.complete-installation', resource: { id: vm.id } } });
    const task = res.json<{ task: { id: string } }>().task;
    const done = await h.request('GET', `/tasks/${task.id}`, { query: { wait: 'true' } });
    expect(done.json()).toMatchObject({ status: 'succeeded' });
  });

  it('marks a failed install, which a start with the ISO retries', async () => {
    const vm = await installingVm();
    const first = (await getVm(vm.id)).installation.startedAt;
    const failed = await act(vm.id, 'complete-installation', { status: 'failed' });
    expect(failed.statusCode, failed.body).toBe(200);
    expect(failed.json()).toMatchObject({ status: 'failed', isoImageId: isoId });
    expect(await getVm(vm.id)).toMatchObject({ bootOrder: 'cdrom_hd', media: { imageId: isoId } });
    expect((await installation(vm.id)).message).toContain('try again');
    // The guest gives up; the user retries.
    expect((await act(vm.id, 'force-stop')).statusCode).toBe(200);
    expect((await getVm(vm.id)).installation.status).toBe('failed');
    await new Promise((r) => setTimeout(r, 5));
    expect((await act(vm.id, 'start')).statusCode).toBe(200);
    const retried = await getVm(vm.id);
    expect(retried.installation.status).toBe('installing');
    expect(retried.installation.startedAt).not.toBe(first);
    expect(retried.installation.finishedAt).toBeUndefined();
    guestInstalls(vm);
    h.hypervisor.emitGuestReboot(vm.id);
    await eventually(async () => (await getVm(vm.id)).installation.status === 'installed', 'installed');
  });

  it("refuses to complete what is installed already (409), a bad status (400), others' VMs (404)", async () => {
    const fromImage = await createVm(h, diskImageId);
    const before = await snapshotState(h);
    expectProblem(await act(fromImage.id, 'complete-installation'), 409, 'VM_INVALID_STATE');
    expectProblem(
      await act(fromImage.id, 'complete-installation', { status: 'installing' }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await h.request('POST', `/vms/${fromImage.id}/actions/complete-installation`, {
        body: {},
        token: h.member.token,
      }),
      404,
      'VM_NOT_FOUND',
    );
    expect(await snapshotState(h)).toEqual(before);
  });

  it('leaves everything as it was when libvirt refuses the new definition', async () => {
    const vm = await installingVm();
    h.hypervisor.failNext('defineVm');
    const res = await act(vm.id, 'complete-installation');
    expect(res.statusCode).toBe(500);
    expect(await getVm(vm.id)).toMatchObject({
      bootOrder: 'cdrom_hd',
      media: { imageId: isoId },
      installation: { status: 'installing' },
    });
    expect(h.hypervisor.vms.get(vm.id)?.spec).toMatchObject({ bootOrder: 'cdrom_hd' });
    expect(h.hypervisor.vms.get(vm.id)?.live?.cdrom?.media).not.toBeNull();
  });
});
