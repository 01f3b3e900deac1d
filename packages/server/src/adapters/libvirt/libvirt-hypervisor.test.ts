import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainState, DomainUndefineFlags, ErrorNumber, remoteProcedures as rp } from '@gureum/libvirt';
import { FakeLibvirtError, waitUntil } from '@gureum/libvirt/testing';
import { parseDomainXml } from '@gureum/libvirt-xml';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { HypervisorStatus, VmSpec } from '../../ports/hypervisor.js';
import { LibvirtHypervisor, type LibvirtHypervisorOptions } from './libvirt-hypervisor.js';
import { FakeHost, RecordingLogger } from './testing.js';

// Real: LibvirtHypervisor and @gureum/libvirt's client over a socket. Fake: libvirtd (FakeLibvirtd via FakeHost).

const VM_ID = '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab';

let host: FakeHost;
let hv: LibvirtHypervisor | undefined;
const logger = new RecordingLogger();

async function start(options: Partial<LibvirtHypervisorOptions> = {}): Promise<LibvirtHypervisor> {
  host = await FakeHost.start();
  hv = await LibvirtHypervisor.create({
    uri: host.uri,
    domainType: 'qemu',
    logger,
    reconnectInitialDelayMs: 5,
    reconnectMaxDelayMs: 20,
    ...options,
  });
  return hv;
}

afterEach(async () => {
  await hv?.close();
  hv = undefined;
  await host.close();
});

function spec(overrides: Partial<VmSpec> = {}): VmSpec {
  return {
    id: VM_ID,
    name: 'web-1',
    description: 'a <test> & more',
    vcpus: 1,
    memoryBytes: 128 * 1024 * 1024,
    firmware: 'bios',
    bootOrder: 'cdrom_hd',
    disks: [
      {
        id: 'd1',
        device: 'disk',
        bus: 'virtio',
        target: 'vda',
        volume: { pool: 'vms', name: 'vm-disk.qcow2' },
        format: 'qcow2',
      },
    ],
    cdrom: { bus: 'ide', target: 'hdc', media: { pool: 'images', name: 'install.iso' } },
    nvram: null,
    metadata: { ownerId: 'user-1' },
    ...overrides,
  };
}

function withPools(h: FakeHost): void {
  h.addPool('vms', '/pools/vms', { 'vm-disk.qcow2': 'qcow2', 'vm-nvram.fd': 'raw' });
  h.addPool('images', '/pools/images', { 'install.iso': 'iso', 'base.qcow2': 'qcow2' });
}

describe('status', () => {
  it('is up once connected and subscribed to the six domain events', async () => {
    const h = await start();
    expect(h.status).toBe('up');
    const [conn] = host.daemon.connections;
    expect([...(conn?.callbacks.values() ?? [])].map((c) => c.eventId).sort((a, b) => a - b)).toEqual([
      0, 1, 9, 10, 15, 16,
    ]);
  });

  it('goes down when the connection drops and fires up again once re-subscribed, events flowing', async () => {
    const h = await start();
    const seen: HypervisorStatus[] = [];
    h.onStatus((s) => seen.push(s));
    host.daemon.dropConnections();
    await waitUntil(() => seen.length === 2, 5000, 'down then up');
    expect(seen).toEqual(['down', 'up']);
    expect(host.daemon.connections[0]?.callbacks.size).toBe(6);
    const events: string[] = [];
    h.onEvent((e) => events.push(e.kind));
    const d = host.addDomain('web-1', DomainState.Running);
    host.lifecycle(d, 5, 1);
    await waitUntil(() => events.length === 1);
  });

  it('stays down while libvirtd is stopped and calls fail with LIBVIRT_UNAVAILABLE', async () => {
    const h = await start();
    await host.daemon.stop();
    await waitUntil(() => h.status === 'down');
    await expect(h.listVms()).rejects.toMatchObject({ code: 'LIBVIRT_UNAVAILABLE', kind: 'unavailable' });
    const up = new Promise<void>((resolve) =>
      h.onStatus((s) => {
        if (s === 'up') resolve();
      }),
    );
    await host.daemon.listen();
    await up;
    await expect(h.listVms()).resolves.toEqual([]);
  });

  it('is created down when libvirtd is not there yet, and comes up by itself', async () => {
    host = await FakeHost.start();
    await host.daemon.stop();
    hv = await LibvirtHypervisor.create({
      uri: host.uri,
      domainType: 'qemu',
      logger,
      reconnectInitialDelayMs: 5,
      reconnectMaxDelayMs: 20,
    });
    expect(hv.status).toBe('down');
    await expect(hv.getVm({ id: VM_ID })).rejects.toMatchObject({ code: 'LIBVIRT_UNAVAILABLE' });
    const seen: HypervisorStatus[] = [];
    hv.onStatus((s) => seen.push(s));
    await host.daemon.listen();
    await waitUntil(() => seen.includes('up'), 5000, 'up');
    expect(hv.status).toBe('up');
  });
});

describe('VMs', () => {
  it('lists every VM with one list call and one stats call (state group only)', async () => {
    const h = await start();
    host.addDomain('a', DomainState.Running);
    host.addDomain('b', DomainState.Paused);
    host.addDomain('c');
    for (let i = 0; i < 50; i++) host.addDomain(`many-${i}`);
    const vms = await h.listVms();
    expect(vms).toHaveLength(53);
    expect(vms.slice(0, 3)).toEqual([
      expect.objectContaining({ name: 'a', state: 'running', reason: 'booted' }),
      expect.objectContaining({ name: 'b', state: 'paused', reason: 'user' }),
      expect.objectContaining({ name: 'c', state: 'stopped', reason: 'shutdown' }),
    ]);
    expect(host.daemon.callsTo(rp.connectListAllDomains)).toHaveLength(1);
    const stats = host.daemon.callsTo(rp.connectGetAllDomainStats);
    expect(stats).toHaveLength(1);
    expect(stats[0]?.args).toMatchObject({ stats: 1 });
  });

  it('splits the stats call into batches on big hosts', async () => {
    const h = await start({ statsBatchSize: 20 });
    for (let i = 0; i < 45; i++) host.addDomain(`vm-${i}`);
    expect(await h.listVms()).toHaveLength(45);
    expect(host.daemon.callsTo(rp.connectGetAllDomainStats)).toHaveLength(3);
  });

  it('gets one VM by id or name, null when missing', async () => {
    const h = await start();
    const d = host.addDomain('web-1', DomainState.Running);
    expect(await h.getVm({ id: d.dom.uuid })).toEqual({
      id: d.dom.uuid,
      name: 'web-1',
      state: 'running',
      reason: 'booted',
    });
    expect(await h.getVm({ name: 'web-1' })).toMatchObject({ id: d.dom.uuid });
    expect(await h.getVm({ name: 'nope' })).toBeNull();
    expect(await h.getVm({ id: VM_ID })).toBeNull();
    expect(await h.getVm({ id: 'not-a-uuid' })).toBeNull();
  });

  it('defines a VM from its spec with typed XML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gureum-unit-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const serialLogDir = join(dir, 'serial');
    const h = await start({ serialLogDir });
    withPools(host);
    await h.defineVm(spec());
    const xml = host.domains.get(VM_ID)?.xml ?? '';
    const d = parseDomainXml(xml);
    expect(d).toMatchObject({
      type: 'qemu',
      name: 'web-1',
      uuid: VM_ID,
      description: 'a <test> & more',
      memoryBytes: 128 * 1024 * 1024,
      vcpus: 1,
    });
    expect(d.machine).toBe('pc');
    expect(d.metadata).toEqual({ vmId: VM_ID, ownerId: 'user-1' });
    expect(d.disks).toEqual([
      expect.objectContaining({
        device: 'disk',
        type: 'file',
        bus: 'virtio',
        target: 'vda',
        source: { file: '/pools/vms/vm-disk.qcow2' },
        driverType: 'qcow2',
        bootOrder: 2,
        alias: 'ua-d1',
      }),
      expect.objectContaining({
        device: 'cdrom',
        bus: 'ide',
        target: 'hdc',
        source: { file: '/pools/images/install.iso' },
        bootOrder: 1,
      }),
    ]);
    expect(d.serials).toEqual([
      expect.objectContaining({ type: 'pty', logFile: join(serialLogDir, `${VM_ID}.log`) }),
    ]);
    expect(d.graphics).toEqual([
      expect.objectContaining({ type: 'vnc', listen: '127.0.0.1', autoport: true }),
    ]);
    expect(xml).toContain('<acpi/>');
    expect(host.daemon.callsTo(rp.domainDefineXmlFlags)[0]?.args).toMatchObject({ flags: 1 });
  });

  it.each([
    ['cdrom_hd', 2, 1],
    ['hd', 1, undefined],
    ['cdrom', undefined, 1],
    ['hd_cdrom', 1, 2],
  ] as const)('boot order %s → disk %s, cdrom %s', async (bootOrder, disk, cdrom) => {
    const h = await start();
    withPools(host);
    await h.defineVm(spec({ bootOrder }));
    const d = parseDomainXml(host.domains.get(VM_ID)?.xml ?? '');
    expect(d.disks.map((x) => x.bootOrder)).toEqual([disk, cdrom]);
  });

  it('boots the disk when the boot order names a cdrom the VM lacks; an empty tray is fine', async () => {
    const h = await start();
    withPools(host);
    await h.defineVm(spec({ cdrom: null }));
    expect(parseDomainXml(host.domains.get(VM_ID)?.xml ?? '').disks.map((x) => x.bootOrder)).toEqual([1]);
    await h.defineVm(spec({ cdrom: { bus: 'ide', target: 'hdc', media: null } }));
    const cdrom = parseDomainXml(host.domains.get(VM_ID)?.xml ?? '').disks[1];
    expect(cdrom).toMatchObject({ device: 'cdrom', source: null, bootOrder: 1 });
  });

  it('defines UEFI with secure boot off and the NVRAM at the volume path', async () => {
    const h = await start();
    withPools(host);
    await h.defineVm(
      spec({ firmware: 'uefi', memoryBytes: 256 * 1024 * 1024, nvram: { pool: 'vms', name: 'vm-nvram.fd' } }),
    );
    const xml = host.domains.get(VM_ID)?.xml ?? '';
    expect(parseDomainXml(xml)).toMatchObject({ firmware: 'uefi', nvramPath: '/pools/vms/vm-nvram.fd' });
    expect(xml).toMatch(/name="secure-boot"/);
    await h.defineVm(
      spec({ firmware: 'uefi', memoryBytes: 256 * 1024 * 1024, nvram: { pool: 'vms', name: 'not-yet.fd' } }),
    );
    expect(parseDomainXml(host.domains.get(VM_ID)?.xml ?? '').nvramPath).toBe('/pools/vms/not-yet.fd');
  });

  it('keeps the VNC password and hand-added NICs on a redefine (reads the XML with SECURE | INACTIVE)', async () => {
    const h = await start();
    withPools(host);
    await h.defineVm(spec());
    const d = host.domains.get(VM_ID);
    if (!d) throw new Error('not defined');
    d.xml = d.xml
      .replace('<graphics type="vnc" port="-1"', `<graphics type='vnc' passwd='hunter2' port="-1"`)
      .replace(
        '</devices>',
        `<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/></interface></devices>`,
      );
    await h.defineVm(spec({ vcpus: 2 }));
    const xml = host.domains.get(VM_ID)?.xml ?? '';
    expect(parseDomainXml(xml).vcpus).toBe(2);
    expect(xml).toContain(`passwd='hunter2'`);
    expect(parseDomainXml(xml).interfaces).toEqual([expect.objectContaining({ mac: '52:54:00:aa:bb:cc' })]);
    expect(host.daemon.callsTo(rp.domainGetXmlDesc).at(-1)?.args).toMatchObject({ flags: 3 });
  });

  it('refuses a name another VM has, and a missing disk volume', async () => {
    const h = await start();
    withPools(host);
    host.addDomain('web-1');
    await expect(h.defineVm(spec())).rejects.toMatchObject({ code: 'VM_NAME_TAKEN', kind: 'conflict' });
    await expect(
      h.defineVm(
        spec({
          name: 'web-2',
          disks: [
            {
              id: 'd1',
              device: 'disk',
              bus: 'virtio',
              target: 'vda',
              volume: { pool: 'vms', name: 'gone.qcow2' },
              format: 'qcow2',
            },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'VOLUME_NOT_FOUND', kind: 'not_found' });
  });

  it('undefines with every metadata flag; a missing VM is fine', async () => {
    const h = await start();
    const d = host.addDomain('web-1');
    await h.undefineVm(d.dom.uuid);
    await h.undefineVm(d.dom.uuid);
    const all =
      DomainUndefineFlags.ManagedSave |
      DomainUndefineFlags.SnapshotsMetadata |
      DomainUndefineFlags.Nvram |
      DomainUndefineFlags.CheckpointsMetadata;
    expect(host.daemon.callsTo(rp.domainUndefineFlags)[0]?.args).toMatchObject({ flags: all });
    expect(host.domains.size).toBe(0);
  });

  it("removes the undefined VM's serial log (and only that), also when it is already gone", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gureum-serial-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const h = await start({ serialLogDir: dir });
    const d = host.addDomain('web-1');
    const other = '0b0e3a4c-1111-4222-8333-944455556666';
    await writeFile(join(dir, `${d.dom.uuid}.log`), 'TG-READY\n');
    await writeFile(join(dir, `${other}.log`), 'TG-READY\n');
    await h.undefineVm(d.dom.uuid);
    expect(await readdir(dir)).toEqual([`${other}.log`]);
    await h.undefineVm(d.dom.uuid);
    expect(await readdir(dir)).toEqual([`${other}.log`]);
  });

  it('retries undefine without the checkpoints flag on an older libvirt', async () => {
    const h = await start();
    const d = host.addDomain('web-1');
    host.daemon.handle(rp.domainUndefineFlags, ({ flags }) => {
      if (flags & DomainUndefineFlags.CheckpointsMetadata)
        throw new FakeLibvirtError(ErrorNumber.InvalidArg, 'unsupported flags (0x10)');
      host.domains.delete(d.dom.uuid);
    });
    await h.undefineVm(d.dom.uuid);
    expect(host.domains.size).toBe(0);
  });

  it('destroys idempotently and maps power errors', async () => {
    const h = await start();
    const d = host.addDomain('web-1');
    await h.destroyVm(d.dom.uuid); // already off
    await h.destroyVm(VM_ID); // missing
    await expect(h.startVm(VM_ID)).rejects.toMatchObject({ code: 'VM_NOT_FOUND', kind: 'not_found' });
    await expect(h.shutdownVm(d.dom.uuid)).rejects.toMatchObject({
      code: 'VM_INVALID_STATE',
      message: 'The VM is stopped, which does not allow this operation.',
    });
    await h.startVm(d.dom.uuid);
    await expect(h.startVm(d.dom.uuid)).rejects.toMatchObject({
      code: 'VM_INVALID_STATE',
      meta: { state: 'running' },
    });
    await h.shutdownVm(d.dom.uuid);
    await h.rebootVm(d.dom.uuid);
    expect(host.daemon.callsTo(rp.domainShutdownFlags)[0]?.args).toMatchObject({ flags: 1 });
    expect(host.daemon.callsTo(rp.domainReboot)[0]?.args).toMatchObject({ flags: 1 });
    await expect(h.startVm('bogus')).rejects.toMatchObject({ code: 'VM_NOT_FOUND' });
  });

  it("rethrows the caller's abort reason", async () => {
    const h = await start();
    const d = host.addDomain('web-1');
    host.daemon.handle(rp.domainCreateWithFlags, () => new Promise(() => undefined));
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    const started = h.startVm(d.dom.uuid, { signal: controller.signal });
    controller.abort(reason);
    await expect(started).rejects.toBe(reason);
  });

  it('lists the volumes a definition references inside pools, NVRAM included', async () => {
    const h = await start();
    withPools(host);
    await h.defineVm(
      spec({ firmware: 'uefi', memoryBytes: 256 * 1024 * 1024, nvram: { pool: 'vms', name: 'vm-nvram.fd' } }),
    );
    expect(await h.vmVolumes(VM_ID)).toEqual([
      { pool: 'vms', name: 'vm-disk.qcow2' },
      { pool: 'vms', name: 'vm-nvram.fd' },
    ]);
    expect(await h.vmVolumes('00000000-0000-4000-8000-00000000ffff')).toEqual([]);
    await h.ensurePool('images', '/pools/images'); // now only 'images' is known to be managed
    expect(await h.vmVolumes(VM_ID)).toEqual([]);
    await h.ensurePool('vms', '/pools/vms');
    expect(await h.vmVolumes(VM_ID)).toHaveLength(2);
  });

  it('reports the host', async () => {
    const h = await start();
    expect(await h.hostInfo()).toEqual({
      hostname: 'fake-host',
      libvirtVersion: '9.0.0',
      hypervisorVersion: '7.2.22',
      domainType: 'qemu',
      cpus: 2,
      memoryBytes: 4 * 1024 ** 3,
    });
  });
});

describe('storage', () => {
  it('defines, builds, starts and autostarts a missing pool, and is idempotent', async () => {
    const h = await start();
    await h.ensurePool('gureum-vms', '/srv/vms');
    await h.ensurePool('gureum-vms', '/srv/vms/');
    expect(host.pools.get('gureum-vms')).toMatchObject({ active: true, autostart: true, dir: '/srv/vms' });
    expect(host.daemon.callsTo(rp.storagePoolDefineXml)).toHaveLength(1);
    expect(host.daemon.callsTo(rp.storagePoolBuild)).toHaveLength(1);
    expect(host.daemon.callsTo(rp.storagePoolCreate)).toHaveLength(1);
  });

  it('starts a pool that exists inactive (after a libvirtd restart), and refuses another directory', async () => {
    const h = await start();
    const pool = host.addPool('gureum-vms', '/srv/vms');
    pool.active = false;
    await h.ensurePool('gureum-vms', '/srv/vms');
    expect(pool.active).toBe(true);
    await expect(h.ensurePool('gureum-vms', '/elsewhere')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('creates an overlay with its backing store through the volume API, never smaller than the base', async () => {
    const h = await start();
    withPools(host);
    const info = await h.createVolume({
      ref: { pool: 'vms', name: 'overlay.qcow2' },
      capacityBytes: 0,
      format: 'qcow2',
      backing: { ref: { pool: 'images', name: 'base.qcow2' }, format: 'qcow2' },
    });
    expect(info).toEqual({
      ref: { pool: 'vms', name: 'overlay.qcow2' },
      path: '/pools/vms/overlay.qcow2',
      format: 'qcow2',
      capacityBytes: 1024 * 1024,
      allocationBytes: 0,
      backing: { path: '/pools/images/base.qcow2', format: 'qcow2' },
    });
    await expect(
      h.createVolume({ ref: { pool: 'vms', name: 'overlay.qcow2' }, capacityBytes: 1, format: 'raw' }),
    ).rejects.toMatchObject({
      code: 'VOLUME_NAME_TAKEN',
    });
  });

  it('deletes idempotently, reads info (null when missing) and lists after a refresh', async () => {
    const h = await start();
    withPools(host);
    await h.createVolume({ ref: { pool: 'vms', name: 'blank.img' }, capacityBytes: 4096, format: 'raw' });
    expect(await h.volumeInfo({ pool: 'vms', name: 'blank.img' })).toMatchObject({
      format: 'raw',
      capacityBytes: 4096,
      backing: null,
    });
    expect((await h.listVolumes('vms')).map((v) => v.ref.name)).toEqual([
      'blank.img',
      'vm-disk.qcow2',
      'vm-nvram.fd',
    ]);
    expect(host.daemon.callsTo(rp.storagePoolRefresh)).toHaveLength(1);
    await h.deleteVolume({ pool: 'vms', name: 'blank.img' });
    await h.deleteVolume({ pool: 'vms', name: 'blank.img' });
    await h.deleteVolume({ pool: 'no-such-pool', name: 'x' });
    expect(await h.volumeInfo({ pool: 'vms', name: 'blank.img' })).toBeNull();
  });

  it('uploads from an async source with offset 0 and the announced length', async () => {
    const h = await start();
    withPools(host);
    async function* source(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('hello ');
      await new Promise((r) => setTimeout(r, 5));
      yield Buffer.from('world');
    }
    await h.uploadVolume({ pool: 'images', name: 'base.qcow2' }, source(), { lengthBytes: 11 });
    expect(host.daemon.callsTo(rp.storageVolUpload)[0]?.args).toMatchObject({
      offset: 0n,
      length: 11n,
      flags: 0,
    });
    await waitUntil(
      () => host.pools.get('images')?.volumes.get('base.qcow2')?.data.toString() === 'hello world',
    );
  });
});
