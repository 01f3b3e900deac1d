import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtClient } from '@gureum/libvirt';
import {
  ensureTestGuests,
  removeDomain,
  virsh,
  virshOk,
  waitForSerialMarker,
  type TestGuests,
} from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HypervisorEvent, VmSpec, VolumeRef } from '../../ports/hypervisor.js';
import { serialLogPath } from './domain-spec.js';
import { LibvirtHypervisor } from './libvirt-hypervisor.js';
import { RecordingLogger } from './testing.js';

// Real: libvirtd (qemu:///system, TCG), LibvirtHypervisor, a tiny test guest. Observer: virsh (independent of our
// client). Everything is named gureum-test-<random>; only those objects are touched and all are removed.

const URI = 'qemu:///system';
const PREFIX = `gureum-test-${randomBytes(4).toString('hex')}`;
const IMAGES = `${PREFIX}-images`;
const VMS = `${PREFIX}-vms`;
const VM_NAME = `${PREFIX}-vm`;
const VM_ID = randomUUID();
const IMAGE: VolumeRef = { pool: IMAGES, name: 'image.img' };
const OVERLAY: VolumeRef = { pool: VMS, name: `vm-${VM_ID}-disk.qcow2` };

let guests: TestGuests;
let tmp: string;
let hv: LibvirtHypervisor;
let client: LibvirtClient;
const events: HypervisorEvent[] = [];

function spec(overrides: Partial<VmSpec> = {}): VmSpec {
  return {
    id: VM_ID,
    name: VM_NAME,
    description: 'gureum adapter integration test',
    vcpus: 1,
    memoryBytes: 128 * 1024 * 1024,
    firmware: 'bios',
    bootOrder: 'hd',
    disks: [
      { id: randomUUID(), device: 'disk', bus: 'virtio', target: 'vda', volume: OVERLAY, format: 'qcow2' },
    ],
    cdrom: { bus: 'ide', target: 'hdc', media: null },
    nvram: null,
    metadata: { ownerId: 'integration-test' },
    ...overrides,
  };
}

/** Waits for an event of our VM matching `match`, looking at events from index `from` on. */
async function nextEvent(
  match: (e: HypervisorEvent) => boolean,
  from: number,
  timeoutMs = 30_000,
): Promise<HypervisorEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events.slice(from).find((e) => e.vmId === VM_ID && match(e));
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(events.slice(from))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const lifecycle = (cause: string, detail?: string) => (e: HypervisorEvent) =>
  e.kind === 'lifecycle' && e.cause === cause && (detail === undefined || e.detail === detail);

async function sha256Of(stream: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

/** What afterAll closes: only what beforeAll got as far as creating. */
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  guests = await ensureTestGuests();
  tmp = await mkdtemp(join(tmpdir(), 'gureum-test-'));
  closers.push(() => rm(tmp, { recursive: true, force: true }));
  hv = await LibvirtHypervisor.create({
    uri: URI,
    domainType: 'qemu',
    logger: new RecordingLogger(),
    serialLogDir: join(tmp, 'serial'),
  });
  closers.unshift(() => hv.close());
  hv.onEvent((e) => events.push(e));
  client = await LibvirtClient.connect(URI);
  closers.unshift(() => client.close());
});

afterAll(async () => {
  // Independent of the code under test, and tolerant of whatever state a failure left behind.
  await removeDomain(VM_NAME);
  for (const pool of [VMS, IMAGES]) {
    await virsh(['pool-destroy', pool]);
    await virsh(['pool-undefine', pool]);
  }
  for (const close of closers) await close();
});

describe('LibvirtHypervisor on a real libvirtd (steps run in order)', () => {
  it('is up and reports the host', async () => {
    expect(hv.status).toBe('up');
    const info = await hv.hostInfo();
    expect(info.libvirtVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info).toMatchObject({ domainType: 'qemu' });
    expect(info.cpus).toBeGreaterThan(0);
  });

  it('ensures two directory pools, idempotently', async () => {
    for (const [pool, dir] of [
      [IMAGES, join(tmp, 'images')],
      [VMS, join(tmp, 'vms')],
    ] as const) {
      await hv.ensurePool(pool, dir);
      await hv.ensurePool(pool, dir);
      const out = await virshOk(['pool-info', pool]);
      expect(out).toMatch(/State:\s+running/);
      expect(out).toMatch(/Autostart:\s+yes/);
    }
  });

  it('uploads the test disk into a raw volume; a download through the client has the same sha256', async () => {
    const size = (await stat(guests.disk)).size;
    await hv.createVolume({ ref: IMAGE, capacityBytes: size, format: 'raw' });
    await hv.uploadVolume(IMAGE, createReadStream(guests.disk), { lengthBytes: size });
    const pool = await client.storagePoolLookupByName({ name: IMAGES });
    const vol = await client.storageVolLookupByName({ pool, name: IMAGE.name });
    const download = await client.storageVolDownload({ vol, offset: 0n, length: 0n, flags: 0 });
    expect(await sha256Of(download)).toBe(
      createHash('sha256')
        .update(await readFile(guests.disk))
        .digest('hex'),
    );
    // Created raw, but after the upload (and the refresh it ends with) libvirt probes the bytes: qcow2, 64 MiB.
    expect(await hv.volumeInfo(IMAGE)).toMatchObject({
      format: 'qcow2',
      capacityBytes: 64 * 1024 * 1024,
      backing: null,
    });
  });

  it('creates a qcow2 overlay backed by the image through the volume API', async () => {
    const info = await hv.createVolume({
      ref: OVERLAY,
      capacityBytes: 0,
      format: 'qcow2',
      backing: { ref: IMAGE, format: 'qcow2' },
    });
    expect(info).toMatchObject({
      ref: OVERLAY,
      path: join(tmp, 'vms', OVERLAY.name),
      format: 'qcow2',
      capacityBytes: 64 * 1024 * 1024,
      backing: { path: join(tmp, 'images', IMAGE.name), format: 'qcow2' },
    });
    expect((await hv.listVolumes(VMS)).map((v) => v.ref)).toEqual([OVERLAY]);
  });

  it('defines the VM, and a redefine keeps a VNC password set outside Gureum', async () => {
    await hv.defineVm(spec());
    const xml = await virshOk(['dumpxml', '--inactive', '--security-info', VM_NAME]);
    expect(xml).toContain(`<uuid>${VM_ID}</uuid>`);
    expect(xml).toContain(`file='${serialLogPath(join(tmp, 'serial'), VM_ID)}'`);
    // A password (VNC allows 8 characters) with every character XML must escape.
    const withPassword = xml.replace(
      /<graphics type='vnc'/,
      `<graphics type='vnc' passwd='g&amp;&apos;&lt;x&quot;1'`,
    );
    const file = join(tmp, 'edited.xml');
    await writeFile(file, withPassword);
    await virshOk(['define', file]);
    const passwd = /<graphics [^>]*(passwd=(['"])[^'"]*\2)/.exec(
      await virshOk(['dumpxml', '--inactive', '--security-info', VM_NAME]),
    )?.[1];
    expect(passwd).toBeDefined();
    await hv.defineVm(spec({ memoryBytes: 160 * 1024 * 1024 }));
    const after = await virshOk(['dumpxml', '--inactive', '--security-info', VM_NAME]);
    expect(after).toContain(passwd);
    expect(after).toContain(`<memory unit='KiB'>163840</memory>`);
    expect(after).toMatch(/listen='127\.0\.0\.1'/);
  });

  it('starts: started/running event, TG-READY on the serial log; ACPI shutdown: stopped event', async () => {
    const from = events.length;
    await hv.startVm(VM_ID);
    expect(await nextEvent(lifecycle('started'), from)).toMatchObject({
      detail: 'booted',
      state: 'running',
      name: VM_NAME,
    });
    await waitForSerialMarker(serialLogPath(join(tmp, 'serial'), VM_ID), 'TG-READY', { timeoutMs: 60_000 });
    const stopFrom = events.length;
    await hv.shutdownVm(VM_ID);
    expect(await nextEvent(lifecycle('stopped'), stopFrom)).toMatchObject({
      detail: 'shutdown',
      state: 'stopped',
    });
  });

  it('sees an external virsh destroy as stopped/destroyed', async () => {
    const from = events.length;
    await hv.startVm(VM_ID);
    await nextEvent(lifecycle('started'), from);
    const destroyFrom = events.length;
    await virshOk(['destroy', VM_NAME]);
    expect(await nextEvent(lifecycle('stopped'), destroyFrom)).toMatchObject({
      detail: 'destroyed',
      state: 'stopped',
    });
  });

  it('resets (one reboot event) and destroys: stopped/destroyed; listVms shows the states in one call', async () => {
    const from = events.length;
    await hv.startVm(VM_ID);
    await nextEvent(lifecycle('started'), from);
    expect((await hv.listVms()).find((v) => v.id === VM_ID)).toEqual({
      id: VM_ID,
      name: VM_NAME,
      state: 'running',
      reason: 'booted',
    });
    // libvirtd reports a reset as two REBOOT events; the adapter delivers one.
    const raw = await client.subscribe('domainReboot');
    const rawTimes: number[] = [];
    raw.on((e) => {
      if (e.dom.uuid === VM_ID) rawTimes.push(performance.now());
    });
    const resetFrom = events.length;
    await hv.resetVm(VM_ID);
    await nextEvent((e) => e.kind === 'reboot', resetFrom);
    await new Promise((r) => setTimeout(r, 300));
    await raw.close();
    expect(events.slice(resetFrom).filter((e) => e.vmId === VM_ID && e.kind === 'reboot')).toHaveLength(1);
    expect(rawTimes.length).toBeGreaterThanOrEqual(1);
    console.info(
      `reset: ${rawTimes.length} raw REBOOT events, ${(rawTimes.at(-1) ?? 0) - (rawTimes[0] ?? 0)} ms apart`,
    );
    const destroyFrom = events.length;
    await hv.destroyVm(VM_ID);
    expect(await nextEvent(lifecycle('stopped'), destroyFrom)).toMatchObject({
      detail: 'destroyed',
      state: 'stopped',
    });
    await hv.destroyVm(VM_ID); // already off: fine
    expect((await hv.listVms()).find((v) => v.id === VM_ID)).toEqual({
      id: VM_ID,
      name: VM_NAME,
      state: 'stopped',
      reason: 'destroyed',
    });
    expect(await hv.getVm({ name: VM_NAME })).toMatchObject({ id: VM_ID, state: 'stopped' });
  });

  it('lists the overlay as the VM volume', async () => {
    expect(await hv.vmVolumes(VM_ID)).toEqual([OVERLAY]);
  });

  it('undefines, deletes the volumes, and removes the pools', async () => {
    await hv.undefineVm(VM_ID);
    await hv.undefineVm(VM_ID);
    expect(await hv.getVm({ id: VM_ID })).toBeNull();
    for (const ref of [OVERLAY, IMAGE]) {
      await hv.deleteVolume(ref);
      await hv.deleteVolume(ref);
      expect(await hv.volumeInfo(ref)).toBeNull();
    }
    for (const name of [VMS, IMAGES]) {
      const pool = await client.storagePoolLookupByName({ name });
      await client.storagePoolDestroy({ pool });
      await client.storagePoolUndefine({ pool });
    }
    expect((await virsh(['pool-info', VMS])).code).not.toBe(0);
  });
});
