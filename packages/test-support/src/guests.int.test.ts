import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlankDisk, createOverlay, testDomainXml } from './domain.js';
import { ensureTestGuests, readTestGuestsManifest, type TestGuests } from './guests.js';
import { SerialConsole, serialLogSize, waitForSerialMarker } from './serial.js';
import { removeDomain, virshOk, waitForDomainState } from './virsh.js';

// Real guests under libvirt (TCG): one disk boot and the ISO install flow, ~20 s on an idle host (timeouts leave
// room for a loaded one: ~4x slower at load 10 on 2 cores).
const tag = `${process.pid}`;
const domains: string[] = [];
let guests: TestGuests;
let work: string;

async function define(xml: string, name: string): Promise<void> {
  const file = join(work, `${name}.xml`);
  await writeFile(file, xml);
  domains.push(name);
  await virshOk(['define', file]);
}

beforeAll(async () => {
  guests = await ensureTestGuests();
  work = await mkdtemp(join(tmpdir(), 'gureum-test-guests-'));
});

afterAll(async () => {
  for (const d of domains) await removeDomain(d);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('test guests', () => {
  it('has a manifest describing every artifact', () => {
    const m = readTestGuestsManifest(guests);
    expect(m.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(m.files).sort()).toEqual(['disk.qcow2', 'initrd.gz', 'install.iso', 'vmlinuz']);
  });

  it('boots disk.qcow2 (overlay) to TG-READY, answers on the serial shell and powers off on ACPI shutdown', async () => {
    const name = `tg-ts-disk-${tag}`;
    const overlay = join(work, 'disk-overlay.qcow2');
    const log = join(work, 'disk.log');
    const sock = join(work, 'disk.sock');
    await createOverlay(guests.disk, overlay);
    await define(testDomainXml({ name, disk: overlay, serialLog: log, serialSocket: sock }), name);
    await virshOk(['start', name]);
    const con = await SerialConsole.connect(sock);
    try {
      expect(await waitForSerialMarker(log, 'TG-READY', { timeoutMs: 60_000 })).toMatch(/blk=.*vda2/);
      expect(await waitForSerialMarker(log, /TG-PERSIST count=\d+/)).toBe('TG-PERSIST count=1');
      const r = await con.run('echo hi-$((40+2))', { timeoutMs: 10_000 });
      expect(r).toEqual({ output: 'hi-42', code: 0 });
    } finally {
      await con.close();
    }
    await virshOk(['shutdown', name]);
    await waitForDomainState(name, 'shut off', 15_000);
    expect(await waitForSerialMarker(log, 'TG-SHUTDOWN action=poweroff', { timeoutMs: 1000 })).toBeTruthy();
  });

  it('installs from install.iso onto a blank disk, reboots and comes up from the disk with the same id', async () => {
    const name = `tg-ts-install-${tag}`;
    const disk = join(work, 'install-target.qcow2');
    const log = join(work, 'install.log');
    await createBlankDisk(disk, 64);
    // cdrom first, disk second: after the install the CD defers to the installed disk
    await define(
      testDomainXml({ name, disk, cdrom: guests.installIso, boot: ['cdrom', 'hd'], serialLog: log }),
      name,
    );
    await virshOk(['start', name]);
    const installed = await waitForSerialMarker(log, /^TG-INSTALLED id=[0-9a-f]+/, { timeoutMs: 60_000 });
    const id = /id=([0-9a-f]+)/.exec(installed)?.[1];
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const afterInstall = await serialLogSize(log);
    // reboot -f restarts in the same QEMU process (on_reboot=restart): the log goes on
    const fromDisk = await waitForSerialMarker(log, /^TG-FROM-DISK /, {
      fromOffset: afterInstall,
      timeoutMs: 60_000,
    });
    expect(fromDisk).toBe(`TG-FROM-DISK id=${id ?? ''} src=hd`);
    await waitForSerialMarker(log, 'TG-READY', { fromOffset: afterInstall, timeoutMs: 30_000 });
    await virshOk(['destroy', name]);
  });
});
