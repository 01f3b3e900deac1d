import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureTestGuests,
  removeDomain,
  virsh,
  virshOk,
  waitForDomainState,
  type TestGuests,
} from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmSpec, VolumeRef } from '../../ports/hypervisor.js';
import { LibvirtHypervisor } from './libvirt-hypervisor.js';
import { RecordingLogger } from './testing.js';

// Real: libvirtd (qemu:///system, TCG) and LibvirtHypervisor: cdrom media, boot configuration and UEFI. Observer:
// virsh (independent of our client). Everything is named gureum-test-<random>; only those objects are touched.

const PREFIX = `gureum-test-${randomBytes(4).toString('hex')}`;
const IMAGES = `${PREFIX}-images`;
const VMS = `${PREFIX}-vms`;
const VM_NAME = `${PREFIX}-media`;
const UEFI_NAME = `${PREFIX}-uefi`;
const VM_ID = randomUUID();
const UEFI_ID = randomUUID();
const ISO: VolumeRef = { pool: IMAGES, name: 'install.iso' };
const DISK: VolumeRef = { pool: VMS, name: `vm-${VM_ID}-disk.qcow2` };
const UEFI_DISK: VolumeRef = { pool: VMS, name: `vm-${UEFI_ID}-disk.qcow2` };
const NVRAM: VolumeRef = { pool: VMS, name: `vm-${UEFI_ID}-nvram.fd` };
const MiB = 1024 * 1024;
/** A cdrom with media has `<source file=…>`; an empty one none, or (live, libvirt ≥ 8) a bare `<source index>`. */
const NO_FILE = /<source[^>]*file=/;

let guests: TestGuests;
let tmp: string;
let hv: LibvirtHypervisor;

function spec(overrides: Partial<VmSpec> = {}): VmSpec {
  return {
    id: VM_ID,
    name: VM_NAME,
    description: '',
    vcpus: 1,
    memoryBytes: 96 * MiB,
    firmware: 'bios',
    bootOrder: 'hd',
    disks: [
      { id: randomUUID(), device: 'disk', bus: 'virtio', target: 'vda', volume: DISK, format: 'qcow2' },
    ],
    cdrom: { bus: 'ide', target: 'hdc', media: null },
    nvram: null,
    metadata: { ownerId: 'integration-test' },
    ...overrides,
  };
}

/** The cdrom `<disk>` element of a domain's XML (live, or `--inactive`). */
async function cdromXml(name: string, inactive: boolean): Promise<string> {
  const xml = await virshOk(['dumpxml', ...(inactive ? ['--inactive'] : []), name]);
  const disk = /<disk type='file' device='cdrom'>[\s\S]*?<\/disk>/.exec(xml)?.[0];
  if (!disk) throw new Error(`no cdrom in ${xml}`);
  return disk;
}

/**
 * A live media change; when it fails, what libvirt believes of the tray (live XML) and what QEMU says (query-block)
 * are printed before the error is rethrown, to tell a guest closing the tray from libvirt's tracked state going stale.
 */
async function changeMediaLive(media: VolumeRef | null): Promise<void> {
  try {
    await hv.changeMedia(VM_ID, { bus: 'ide', target: 'hdc', media });
  } catch (err) {
    const live = await cdromXml(VM_NAME, false).catch((e: unknown) => String(e));
    const qemu = await virsh(['qemu-monitor-command', VM_NAME, '--hmp', 'info block']);
    console.error(`live media change failed\nlibvirt: ${live}\nqemu: ${qemu.stdout}${qemu.stderr}`);
    throw err;
  }
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  guests = await ensureTestGuests();
  tmp = await mkdtemp(join(tmpdir(), 'gureum-test-'));
  hv = await LibvirtHypervisor.create({
    uri: 'qemu:///system',
    domainType: 'qemu',
    logger: new RecordingLogger(),
  });
  await hv.ensurePool(IMAGES, join(tmp, 'images'));
  await hv.ensurePool(VMS, join(tmp, 'vms'));
  const size = (await stat(guests.installIso)).size;
  await hv.createVolume({ ref: ISO, capacityBytes: size, format: 'raw' });
  await hv.uploadVolume(ISO, createReadStream(guests.installIso), { lengthBytes: size });
  await hv.createVolume({ ref: DISK, capacityBytes: 256 * MiB, format: 'qcow2' });
});

afterAll(async () => {
  await removeDomain(VM_NAME);
  await removeDomain(UEFI_NAME);
  for (const pool of [VMS, IMAGES]) {
    await virsh(['pool-destroy', pool]);
    await virsh(['pool-undefine', pool]);
  }
  await hv.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('cdrom media and boot configuration on a real libvirtd (steps run in order)', () => {
  it('reads the boot order and media of the persistent definition', async () => {
    await hv.defineVm(spec({ bootOrder: 'cdrom_hd', cdrom: { bus: 'ide', target: 'hdc', media: ISO } }));
    expect(await hv.bootConfig(VM_ID, { live: false })).toEqual({ bootOrder: 'cdrom_hd', hasMedia: true });
    expect(await hv.bootConfig(VM_ID, { live: true })).toBeNull();
    expect(await cdromXml(VM_NAME, true)).toContain(`file='${join(tmp, 'images', ISO.name)}'`);
    await hv.defineVm(spec());
    expect(await hv.bootConfig(VM_ID, { live: false })).toEqual({ bootOrder: 'hd', hasMedia: false });
    expect(await hv.bootConfig(randomUUID(), { live: false })).toBeNull();
  });

  it('changes the media of a running VM live only: insert, replace, eject', async () => {
    // A blank disk and an empty tray: SeaBIOS finds nothing to boot and waits, which is all this needs.
    await hv.startVm(VM_ID);
    await waitForDomainState(VM_NAME, 'running');
    expect(await hv.bootConfig(VM_ID, { live: true })).toEqual({ bootOrder: 'hd', hasMedia: false });

    await changeMediaLive(ISO);
    expect(await cdromXml(VM_NAME, false)).toContain(`file='${join(tmp, 'images', ISO.name)}'`);
    expect(await cdromXml(VM_NAME, true)).not.toMatch(NO_FILE);
    expect(await hv.bootConfig(VM_ID, { live: true })).toEqual({ bootOrder: 'hd', hasMedia: true });
    await changeMediaLive(ISO); // the same again: fine

    await changeMediaLive(null);
    expect(await cdromXml(VM_NAME, false)).not.toMatch(NO_FILE);
    expect(await hv.bootConfig(VM_ID, { live: true })).toEqual({ bootOrder: 'hd', hasMedia: false });
    await changeMediaLive(null); // ejecting an empty tray: fine
  });

  it('a redefine of the running VM changes the next boot only', async () => {
    await hv.defineVm(spec({ bootOrder: 'cdrom_hd', cdrom: { bus: 'ide', target: 'hdc', media: ISO } }));
    expect(await hv.bootConfig(VM_ID, { live: false })).toEqual({ bootOrder: 'cdrom_hd', hasMedia: true });
    expect(await hv.bootConfig(VM_ID, { live: true })).toEqual({ bootOrder: 'hd', hasMedia: false });
    await hv.destroyVm(VM_ID);
    await hv.startVm(VM_ID);
    expect(await hv.bootConfig(VM_ID, { live: true })).toEqual({ bootOrder: 'cdrom_hd', hasMedia: true });
    await hv.destroyVm(VM_ID);
  });

  it('refuses a live change of a stopped VM with VM_INVALID_STATE', async () => {
    await expect(hv.changeMedia(VM_ID, { bus: 'ide', target: 'hdc', media: null })).rejects.toMatchObject({
      code: 'VM_INVALID_STATE',
    });
  });
});

describe('UEFI on a real libvirtd', () => {
  it('reports OVMF as libvirt sees it (virsh domcapabilities as observer)', async () => {
    const caps = await virshOk(['domcapabilities', '--machine', 'pc', '--virttype', 'qemu']);
    const efi = /<enum name='firmware'>[\s\S]*?<value>efi<\/value>/.test(caps);
    expect(await hv.firmwareSupport()).toEqual({ uefi: efi });
    expect(efi, 'this host is expected to have OVMF (scripts/setup-host.sh installs it)').toBe(true);
  });

  it('defines a UEFI VM whose NVRAM libvirt creates at start and removes at undefine', async () => {
    await hv.createVolume({ ref: UEFI_DISK, capacityBytes: 64 * MiB, format: 'qcow2' });
    const nvramPath = join(tmp, 'vms', NVRAM.name);
    await hv.defineVm(
      spec({
        id: UEFI_ID,
        name: UEFI_NAME,
        memoryBytes: 160 * MiB,
        firmware: 'uefi',
        disks: [
          {
            id: randomUUID(),
            device: 'disk',
            bus: 'virtio',
            target: 'vda',
            volume: UEFI_DISK,
            format: 'qcow2',
          },
        ],
        nvram: NVRAM,
      }),
    );
    const xml = await virshOk(['dumpxml', '--inactive', UEFI_NAME]);
    expect(xml).toContain(`<nvram`);
    expect(xml).toContain(nvramPath);
    expect(xml).toMatch(/<feature enabled='no' name='secure-boot'\/>/);
    expect(await exists(nvramPath)).toBe(false);
    await hv.startVm(UEFI_ID);
    await waitForDomainState(UEFI_NAME, 'running');
    expect(await exists(nvramPath)).toBe(true);
    expect(await hv.vmVolumes(UEFI_ID)).toContainEqual(NVRAM);
    await hv.destroyVm(UEFI_ID);
    await waitForDomainState(UEFI_NAME, 'shut off');
    await hv.undefineVm(UEFI_ID);
    expect(await exists(nvramPath)).toBe(false);
    await hv.deleteVolume(NVRAM); // gone already: not an error
    await hv.deleteVolume(UEFI_DISK);
    expect((await virsh(['dominfo', UEFI_NAME])).code).not.toBe(0);
  });
});
