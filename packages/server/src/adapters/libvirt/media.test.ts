import { DomainDeviceModifyFlags, DomainState, ErrorNumber, remoteProcedures as rp } from '@gureum/libvirt';
import { FakeLibvirtError } from '@gureum/libvirt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LibvirtHypervisor } from './libvirt-hypervisor.js';
import { FakeHost, RecordingLogger } from './testing.js';

// Real: LibvirtHypervisor and @gureum/libvirt's client over a socket. Fake: libvirtd (FakeLibvirtd via FakeHost),
// programmed per test for the cdrom and capability procedures.

let host: FakeHost;
let hv: LibvirtHypervisor | undefined;

/** A short tray retry: keep trying for 600 ms, every 50 ms. */
const TRAY_RETRY = { budgetMs: 600, delayMs: 50 };

async function start(): Promise<LibvirtHypervisor> {
  host = await FakeHost.start();
  hv = await LibvirtHypervisor.create({
    uri: host.uri,
    domainType: 'qemu',
    logger: new RecordingLogger(),
    trayRetry: TRAY_RETRY,
  });
  return hv;
}

afterEach(async () => {
  await hv?.close();
  hv = undefined;
  await host.close();
});

const TRAY_RACE_REMOVE =
  "internal error: unable to execute QEMU command 'blockdev-remove-medium': Tray of device 'ide0-1-0' is not open";
const TRAY_RACE =
  "internal error: unable to execute QEMU command 'blockdev-insert-medium': Tray of the device is not open";

describe('changeMedia', () => {
  it('updates the cdrom live (FORCE), and tries again while the guest closes the tray under it', async () => {
    const hypervisor = await start();
    host.addPool('images', '/srv/images', { 'install.iso': 'iso' });
    const d = host.addDomain('web-1', DomainState.Running);
    const calls: { xml: string; flags: number }[] = [];
    host.daemon.handle(rp.domainUpdateDeviceFlags, ({ xml, flags }) => {
      calls.push({ xml, flags });
      if (calls.length === 1) throw new FakeLibvirtError(ErrorNumber.InternalError, TRAY_RACE);
      if (calls.length === 2) throw new FakeLibvirtError(ErrorNumber.InternalError, TRAY_RACE_REMOVE);
    });
    await hypervisor.changeMedia(d.dom.uuid, {
      bus: 'ide',
      target: 'hdc',
      media: { pool: 'images', name: 'install.iso' },
    });
    expect(calls).toHaveLength(3);
    expect(calls[2]?.flags).toBe(DomainDeviceModifyFlags.Live | DomainDeviceModifyFlags.Force);
    expect(calls[2]?.xml).toContain(`<source file="/srv/images/install.iso"/>`);
    expect(calls[2]?.xml).toContain(`<target dev="hdc" bus="ide"/>`);
  });

  it("repairs libvirt's stale view of an open tray through QMP (blockdev-open-tray), then the change goes through", async () => {
    const hypervisor = await start();
    const d = host.addDomain('web-1', DomainState.Running);
    d.xml = d.xml.replace(
      '<devices/>',
      "<devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide' tray='open'/><alias name='ide0-1-0'/></disk></devices>",
    );
    let repaired = false;
    const commands: string[] = [];
    host.daemon.handle(rp.qemuDomainMonitorCommand, ({ cmd }) => {
      commands.push(cmd);
      repaired = true;
      return '{"return":{}}';
    });
    let calls = 0;
    host.daemon.handle(rp.domainUpdateDeviceFlags, () => {
      calls += 1;
      if (!repaired) throw new FakeLibvirtError(ErrorNumber.InternalError, TRAY_RACE_REMOVE);
    });
    await hypervisor.changeMedia(d.dom.uuid, { bus: 'ide', target: 'hdc', media: null });
    expect(calls).toBe(2);
    expect(commands.map((c) => JSON.parse(c) as unknown)).toEqual([
      { execute: 'blockdev-open-tray', arguments: { id: 'ide0-1-0', force: true } },
    ]);
  });

  it('does not touch QMP when libvirt sees the tray closed (the guest closed it: retrying is enough)', async () => {
    const hypervisor = await start();
    const d = host.addDomain('web-1', DomainState.Running);
    d.xml = d.xml.replace(
      '<devices/>',
      "<devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide' tray='closed'/><alias name='ide0-1-0'/></disk></devices>",
    );
    let qmp = 0;
    host.daemon.handle(rp.qemuDomainMonitorCommand, () => {
      qmp += 1;
      return '{"return":{}}';
    });
    let calls = 0;
    host.daemon.handle(rp.domainUpdateDeviceFlags, () => {
      calls += 1;
      if (calls < 3) throw new FakeLibvirtError(ErrorNumber.InternalError, TRAY_RACE);
    });
    await hypervisor.changeMedia(d.dom.uuid, { bus: 'ide', target: 'hdc', media: null });
    expect(calls).toBe(3);
    expect(qmp).toBe(0);
  });

  it('gives up on the tray when its time budget is spent, and does not retry other refusals', async () => {
    const hypervisor = await start();
    const d = host.addDomain('web-1', DomainState.Running);
    let calls = 0;
    host.daemon.handle(rp.domainUpdateDeviceFlags, () => {
      calls += 1;
      throw new FakeLibvirtError(ErrorNumber.InternalError, TRAY_RACE);
    });
    const eject = { bus: 'ide', target: 'hdc', media: null } as const;
    const started = Date.now();
    await expect(hypervisor.changeMedia(d.dom.uuid, eject)).rejects.toMatchObject({ code: 'INTERNAL' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TRAY_RETRY.budgetMs - TRAY_RETRY.delayMs);
    expect(calls).toBeGreaterThanOrEqual(5);
    expect(calls).toBeLessThanOrEqual(TRAY_RETRY.budgetMs / TRAY_RETRY.delayMs + 1);
    calls = 0;
    host.daemon.handle(rp.domainUpdateDeviceFlags, () => {
      calls += 1;
      throw new FakeLibvirtError(
        ErrorNumber.OperationInvalid,
        'Requested operation is not valid: domain is not running',
      );
    });
    await expect(hypervisor.changeMedia(d.dom.uuid, eject)).rejects.toMatchObject({
      code: 'VM_INVALID_STATE',
    });
    expect(calls).toBe(1);
  });
});

describe('bootConfig and firmwareSupport', () => {
  const xml = (cdromSource: string) =>
    `<domain type='qemu'><name>web-1</name><uuid>UUID</uuid><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>` +
    `<disk type='file' device='disk'><source file='/srv/vms/a.qcow2'/><target dev='vda' bus='virtio'/><boot order='2'/></disk>` +
    `<disk type='file' device='cdrom'>${cdromSource}<target dev='hdc' bus='ide'/><boot order='1'/></disk>` +
    `</devices></domain>`;

  it('reads the boot order and media of the persistent or the live definition', async () => {
    const hypervisor = await start();
    const d = host.addDomain('web-1', DomainState.Running);
    const asked: number[] = [];
    host.daemon.handle(rp.domainGetXmlDesc, ({ dom, flags }) => {
      if (dom.uuid !== d.dom.uuid) throw new FakeLibvirtError(ErrorNumber.NoDomain, 'Domain not found');
      asked.push(flags);
      // Live: libvirt ≥ 8 writes an empty tray as a bare <source index>.
      return xml(flags === 0 ? `<source index='3'/>` : `<source file='/srv/images/x.iso'/>`).replace(
        'UUID',
        d.dom.uuid,
      );
    });
    expect(await hypervisor.bootConfig(d.dom.uuid, { live: false })).toEqual({
      bootOrder: 'cdrom_hd',
      hasMedia: true,
    });
    expect(await hypervisor.bootConfig(d.dom.uuid, { live: true })).toEqual({
      bootOrder: 'cdrom_hd',
      hasMedia: false,
    });
    expect(asked).toEqual([2, 0]);
    d.state = DomainState.Shutoff;
    expect(await hypervisor.bootConfig(d.dom.uuid, { live: true })).toBeNull();
    expect(await hypervisor.bootConfig('6f1c9d9e-2b1a-4c3e-9f00-000000000000', { live: false })).toBeNull();
  });

  it('asks libvirt for the domain capabilities of machine pc once per connection', async () => {
    const hypervisor = await start();
    const asked: unknown[] = [];
    host.daemon.handle(rp.connectGetDomainCapabilities, (args) => {
      asked.push(args);
      return `<domainCapabilities><os supported='yes'><enum name='firmware'><value>efi</value></enum></os></domainCapabilities>`;
    });
    expect(await hypervisor.firmwareSupport()).toEqual({ uefi: true });
    expect(await hypervisor.firmwareSupport()).toEqual({ uefi: true });
    expect(asked).toEqual([{ emulatorbin: null, arch: 'x86_64', machine: 'pc', virttype: 'qemu', flags: 0 }]);
  });
});
