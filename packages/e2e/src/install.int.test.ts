// End to end, as a new user would: the real server process (startGureum), the typed client, libvirtd and the test
// installer ISO (.cache/test-guests/install.iso). Observers independent of Gureum: virsh (domain XML) and the
// serial console log libvirt writes. Also: the boot order round trip and live media changes as virsh sees them,
// and kill -9 in the middle of vm.complete-installation.
import { createReadStream, statSync } from 'node:fs';
import type { Image, Task, Vm } from '@gureum/contract';
import { domainState, ensureTestGuests, readSerialLog, virshOk } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { done, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { waitUntil } from './observe.js';

const MiB = 1024 * 1024;
const INSTALL_TIMEOUT_MS = 180_000;

let gureum: GureumServer | undefined;
let iso: Image;

function server(): GureumServer {
  if (!gureum) throw new Error('no server');
  return gureum;
}

beforeAll(async () => {
  gureum = await startGureum({ dialect: 'sqlite' });
  const guests = await ensureTestGuests();
  const created = await gureum.client.createImage({ name: gureum.name('installer'), kind: 'iso' });
  iso = await gureum.client.uploadImageContent({ id: created.id }, createReadStream(guests.installIso), {
    size: statSync(guests.installIso).size,
  });
}, 120_000);

afterAll(async () => {
  await gureum?.dispose();
});

/**
 * Everything a VM printed on its serial console. libvirt truncates the log file each time QEMU starts (a power
 * cycle), so the file is read every 10 ms and each truncated generation kept.
 */
class SerialRecorder {
  private readonly generations: string[] = [];
  private current = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private reading = false;

  constructor(private readonly path: string) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), 10);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const text = await readSerialLog(this.path);
      if (!text.startsWith(this.current)) this.generations.push(this.current);
      this.current = text;
    } finally {
      this.reading = false;
    }
  }

  /** All output since the recorder started, every generation in order. */
  get all(): string {
    return [...this.generations, this.current].join('');
  }

  /** Output of the QEMU process running now (since the last power cycle). */
  get latest(): string {
    return this.current;
  }

  waitFor(pattern: RegExp, what: string, timeoutMs: number, latestOnly = false): Promise<RegExpExecArray> {
    return waitUntil(
      () => pattern.exec(latestOnly ? this.latest : this.all) ?? undefined,
      `${what} on the serial console`,
      timeoutMs,
      20,
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}\nserial output (${this.generations.length + 1} power cycles):\n${this.all.slice(-4000)}`,
      );
    });
  }
}

/** The `<disk>` elements of a domain as virsh prints them, by device (`disk`, `cdrom`). */
async function devices(name: string, inactive: boolean): Promise<{ disk: string; cdrom: string }> {
  const xml = await virshOk(['dumpxml', ...(inactive ? ['--inactive'] : []), name]);
  const of = (device: string): string => {
    const found = new RegExp(`<disk type='file' device='${device}'>[\\s\\S]*?</disk>`).exec(xml)?.[0];
    if (!found) throw new Error(`no ${device} in the XML of ${name}:\n${xml}`);
    return found;
  };
  return { disk: of('disk'), cdrom: of('cdrom') };
}

const bootOf = (element: string): number | null => {
  const order = /<boot order='(\d+)'\/>/.exec(element)?.[1];
  return order === undefined ? null : Number(order);
};
const hasMedia = (element: string): boolean => /<source[^>]*file=/.test(element);

describe('install from ISO with no API call after start', () => {
  it('reaches installed, ejects the ISO, boots from its disk, and stays installed across a power cycle', async () => {
    const g = server();
    const { client } = g;
    const startedAt = Date.now();
    const vm: Vm = done(
      await client.createVm(
        {
          name: g.name('inst'),
          vcpus: 1,
          memoryBytes: 128 * MiB,
          source: { blank: { sizeBytes: 64 * MiB }, isoImageId: iso.id },
          start: true,
        },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    const serial = new SerialRecorder(g.serialLog(vm.id)).start();
    try {
      expect(vm).toMatchObject({ state: 'running', bootOrder: 'cdrom_hd', media: { imageId: iso.id } });
      expect((await client.getVmInstallation({ id: vm.id })).status).toBe('installing');

      // From here on only observers: the serial console and virsh. Gureum acts on libvirt's events by itself.
      const installed = await serial.waitFor(
        /TG-INSTALLED id=([0-9a-f]+)/,
        'TG-INSTALLED',
        INSTALL_TIMEOUT_MS,
      );
      const installId = installed[1] ?? '';
      // The power cycle onto the new definition: the running domain boots the disk only and has no ISO.
      await waitUntil(
        async () => {
          // virsh prints the inactive XML of a domain that is off: only a running one shows its live devices.
          if ((await domainState(vm.name)) !== 'running') return false;
          const live = await devices(vm.name, false);
          return bootOf(live.disk) === 1 && !hasMedia(live.cdrom);
        },
        'the VM to run on its installed definition',
        INSTALL_TIMEOUT_MS - (Date.now() - startedAt),
        200,
      );
      await serial.waitFor(
        new RegExp(`TG-FROM-DISK id=${installId} src=hd`),
        'TG-FROM-DISK after the power cycle',
        60_000,
        true,
      );
      expect(serial.latest).not.toContain('TG-INSTALLED');

      const after = await waitUntil(
        async () => {
          const v = await client.getVm({ idOrName: vm.id });
          return v.installation.status === 'installed' ? v : undefined;
        },
        'the API to show installed',
        10_000,
      );
      expect(Date.now() - startedAt).toBeLessThan(INSTALL_TIMEOUT_MS);
      expect(after).toMatchObject({ state: 'running', bootOrder: 'hd', media: null });
      expect(await client.getVmInstallation({ id: vm.id })).toMatchObject({
        status: 'installed',
        isoImageId: null,
        finishedAt: expect.any(String) as unknown,
      });
      const persistent = await devices(vm.name, true);
      expect(bootOf(persistent.disk)).toBe(1);
      expect(bootOf(persistent.cdrom)).toBeNull();
      expect(hasMedia(persistent.cdrom)).toBe(false);
      const tasks = (await client.listTasks({ resource: vm.id })).items;
      expect(tasks.find((t: Task) => t.kind === 'vm.complete-installation')).toMatchObject({
        status: 'succeeded',
        actorId: 'system',
      });

      // A power cycle through the API, and a restart of the server: still installed, still from the disk.
      done(await client.stopVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
      await g.kill('SIGTERM');
      await g.restart();
      expect(await client.getVm({ idOrName: vm.id })).toMatchObject({
        state: 'stopped',
        bootOrder: 'hd',
        media: null,
        installation: { status: 'installed' },
      });
      done(await client.startVm({ id: vm.id }, { wait: true, timeoutMs: 60_000 }));
      await serial.waitFor(
        new RegExp(`TG-FROM-DISK id=${installId} src=hd`),
        'TG-FROM-DISK after stop and start',
        60_000,
        true,
      );
      await serial.waitFor(/TG-READY/, 'TG-READY after stop and start', 60_000, true);
      expect(serial.latest).not.toContain('TG-INSTALLED');
      expect((await client.getVmInstallation({ id: vm.id })).status).toBe('installed');
      done(await client.deleteVm({ idOrName: vm.id }, { wait: true, timeoutMs: 60_000 }));
    } catch (err: unknown) {
      // What the server did about it, for the failure report.
      const tail = g
        .logs()
        .split('\n')
        .filter((l) => /install|complete-installation|reboot|vm\.(started|stopped)/i.test(l))
        .slice(-40)
        .join('\n');
      throw new Error(`${String(err)}\nserver log (install lines):\n${tail}`, { cause: err });
    } finally {
      serial.stop();
    }
  });
});

describe('boot order and media as libvirt has them', () => {
  const EXPECTED = {
    cdrom_hd: { cdrom: 1, disk: 2 },
    hd: { disk: 1, cdrom: null },
    cdrom: { cdrom: 1, disk: null },
    hd_cdrom: { disk: 1, cdrom: 2 },
  } as const;

  it('writes each of the four boot orders into the inactive definition; a fifth is refused', async () => {
    const g = server();
    const vm = done(
      await g.client.createVm(
        {
          name: g.name('boot'),
          vcpus: 1,
          memoryBytes: 96 * MiB,
          source: { blank: { sizeBytes: 32 * MiB }, isoImageId: iso.id },
        },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    for (const order of ['hd', 'cdrom', 'hd_cdrom', 'cdrom_hd'] as const) {
      expect(await g.client.setVmBootOrder({ id: vm.id, order })).toEqual({ order, pendingRestart: false });
      const xml = await devices(vm.name, true);
      expect({ disk: bootOf(xml.disk), cdrom: bootOf(xml.cdrom) }, order).toEqual(EXPECTED[order]);
      expect(await g.client.getVmBootOrder({ id: vm.id })).toEqual({ order, pendingRestart: false });
    }
    const before = await virshOk(['dumpxml', '--inactive', vm.name]);
    const res = await fetch(`${g.url}/api/v1/vms/${vm.id}/boot-order`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ order: 'network' }),
    });
    expect(res.status).toBe(400);
    expect(await virshOk(['dumpxml', '--inactive', vm.name])).toBe(before);
    done(await g.client.deleteVm({ idOrName: vm.id }, { wait: true, timeoutMs: 60_000 }));
  });

  it('inserts and ejects an ISO on a running VM, live and in the definition', async () => {
    const g = server();
    const image = await uploadTestImage(g.client, g.name('disk'));
    const vm = done(
      await g.client.createVm(
        {
          name: g.name('media'),
          vcpus: 1,
          memoryBytes: 128 * MiB,
          source: { imageId: image.id },
          start: true,
        },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(vm.media).toBeNull();
    expect(await g.client.insertVmMedia({ id: vm.id, imageId: iso.id })).toEqual({
      imageId: iso.id,
      name: iso.name,
    });
    const path = `${g.storageDir}/images/image-${iso.id}.img`;
    for (const inactive of [false, true]) {
      expect((await devices(vm.name, inactive)).cdrom).toContain(`file='${path}'`);
    }
    expect(await g.client.setVmBootOrder({ id: vm.id, order: 'cdrom_hd' })).toEqual({
      order: 'cdrom_hd',
      pendingRestart: true,
    });
    const busy = await fetch(`${g.url}/api/v1/images/${iso.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${g.token}` },
    });
    expect(busy.status).toBe(409);
    await g.client.ejectVmMedia({ id: vm.id });
    for (const inactive of [false, true]) {
      expect(hasMedia((await devices(vm.name, inactive)).cdrom)).toBe(false);
    }
    expect((await g.client.getVm({ idOrName: vm.id })).media).toBeNull();
    done(await g.client.deleteVm({ idOrName: vm.id }, { wait: true, timeoutMs: 60_000 }));
    await g.client.deleteImage({ id: image.id });
  });
});

describe('kill -9 during vm.complete-installation, then restart', () => {
  it.each(['define-persistent', 'record'])(
    'crash-after-step:vm.complete-installation:%s → resumed to installed, no task left running',
    async (step) => {
      const g = server();
      const vm = done(
        await g.client.createVm(
          {
            name: g.name(`crash-${step}`),
            vcpus: 1,
            memoryBytes: 96 * MiB,
            source: { blank: { sizeBytes: 32 * MiB }, isoImageId: iso.id },
          },
          { wait: true, timeoutMs: 60_000 },
        ),
      );
      await g.kill('SIGTERM');
      await g.restart({ faults: `crash-after-step:vm.complete-installation:${step}` });
      const reply = g.client.completeVmInstallation({ id: vm.id }).catch((err: unknown) => err);
      const exit = await g.waitForExit(60_000);
      expect(exit.signal).toBe('SIGKILL');
      await reply;
      await g.restart();
      const task = (await g.client.listTasks({ resource: vm.id })).items.find(
        (t) => t.kind === 'vm.complete-installation',
      );
      if (!task) throw new Error('no complete-installation task');
      expect((await g.client.waitForTask(task.id, { timeoutMs: 60_000 })).status).toBe('succeeded');
      expect((await g.client.listTasks({ status: 'running' })).items).toEqual([]);
      expect((await g.client.listTasks({ status: 'queued' })).items).toEqual([]);
      expect(await g.client.getVm({ idOrName: vm.id })).toMatchObject({
        bootOrder: 'hd',
        media: null,
        installation: { status: 'installed' },
      });
      const xml = await devices(vm.name, true);
      expect(bootOf(xml.disk)).toBe(1);
      expect(hasMedia(xml.cdrom)).toBe(false);
      done(await g.client.deleteVm({ idOrName: vm.id }, { wait: true, timeoutMs: 60_000 }));
    },
  );
});
