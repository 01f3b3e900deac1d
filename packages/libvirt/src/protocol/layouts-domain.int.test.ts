/**
 * Live check of the procedure table against the local libvirtd (qemu:///system, root), part 2: domains — define,
 * configuration, devices, snapshots, live operations, a transient domain with screenshot and console streams —
 * and their events. See layouts.int.test.ts for the method; the raw client is in test/raw-libvirt.ts.
 *
 * Objects created here are named `lvlayout-dom-<random>…` and removed at the end (also on failure).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deregisterAllEvents,
  errorCode,
  KiB,
  MiB,
  openRawClient,
  quietly,
  randomTag,
  registerAllEvents,
  seenEvents,
  type Callbacks,
  type RawClient,
} from '../../test/raw-libvirt.js';
import { MessageStatus, MessageType } from './constants.js';
import {
  DomainBlockResizeFlags,
  DomainConsoleFlags,
  DomainCreateFlags,
  DomainDeviceModifyFlags,
  DomainEventType,
  DomainInterfaceAddressesSource,
  DomainMetadataType,
  DomainModificationImpact,
  DomainPausedReason,
  DomainShutdownFlags,
  DomainState,
  DomainUndefineFlags,
  DomainXmlFlags,
} from './enums.js';
import { ErrorNumber } from './error-numbers.js';
import { remoteProcedures as rp } from './remote.js';
import { typedParamsToRecord, type Dom, type Pool, type Vol } from './types.js';

const tag = randomTag('lvlayout-dom');

describe('procedure layouts against libvirtd: domains', () => {
  let c: RawClient;
  let cb: Callbacks;
  let dir = '';
  let pool: Pool;
  let disk: Vol;
  let raw: Vol;
  let dom: Dom;

  beforeAll(async () => {
    c = await openRawClient();
    cb = await registerAllEvents(c);
    dir = await mkdtemp(join(tmpdir(), 'lvlayout-dom-'));
    // Storage for the domain's disks (these procedures are checked in layouts.int.test.ts).
    pool = await c.call(rp.storagePoolCreateXml, {
      xml: `<pool type='dir'><name>${tag}</name><target><path>${dir}</path></target></pool>`,
      flags: 0,
    });
    disk = await c.call(rp.storageVolCreateXml, {
      pool,
      xml: `<volume><name>disk.qcow2</name><capacity unit='bytes'>${MiB}</capacity><target><format type='qcow2'/></target></volume>`,
      flags: 0,
    });
    raw = await c.call(rp.storageVolCreateXml, {
      pool,
      xml: `<volume><name>media.raw</name><capacity unit='bytes'>${64n * KiB}</capacity></volume>`,
      flags: 0,
    });
  });

  afterAll(async () => {
    // Best-effort clean-up of anything a failed test left behind.
    const transient = await c.call(rp.domainLookupByName, { name: `${tag}-t` }).catch(() => null);
    if (transient) await quietly(c.call(rp.domainDestroyFlags, { dom: transient, flags: 0 }));
    const left = await c.call(rp.domainLookupByName, { name: tag }).catch(() => null);
    if (left) {
      await quietly(c.call(rp.domainDestroyFlags, { dom: left, flags: 0 }));
      const flags = DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata;
      await quietly(c.call(rp.domainUndefineFlags, { dom: left, flags }));
    }
    for (const vol of [disk, raw]) await quietly(c.call(rp.storageVolDelete, { vol, flags: 0 }));
    await quietly(c.call(rp.storagePoolDestroy, { pool }));
    await quietly(c.call(rp.connectClose, undefined));
    c.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('defines a domain and reads it back', async () => {
    const xml =
      `<domain type='qemu'><name>${tag}</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>` +
      `<os><type arch='x86_64'>hvm</type></os></domain>`;
    dom = await c.call(rp.domainDefineXmlFlags, { xml, flags: 0 });
    expect(dom).toMatchObject({ name: tag, id: -1 });
    expect(await c.call(rp.domainLookupByName, { name: tag })).toEqual(dom);
    expect(await c.call(rp.domainLookupByUuid, { uuid: dom.uuid })).toEqual(dom);
    const info = await c.call(rp.domainGetInfo, { dom });
    expect(info).toEqual({
      state: DomainState.Shutoff,
      maxMem: 65536n,
      memory: 65536n,
      nrVirtCpu: 1,
      cpuTime: 0n,
    });
    expect((await c.call(rp.domainGetState, { dom, flags: 0 })).state).toBe(DomainState.Shutoff);
    expect(await c.call(rp.domainGetXmlDesc, { dom, flags: DomainXmlFlags.Inactive })).toContain(dom.uuid);
    expect(await c.call(rp.domainIsActive, { dom })).toBe(false);
    expect(await c.call(rp.domainIsPersistent, { dom })).toBe(true);
    expect(await c.call(rp.domainGetAutostart, { dom })).toBe(false);
    expect(await c.call(rp.domainHasManagedSaveImage, { dom, flags: 0 })).toBe(false);
    expect(await c.call(rp.domainHasCurrentSnapshot, { dom, flags: 0 })).toBe(false);
  });

  it('changes configuration: autostart, metadata, memory, vCPUs', async () => {
    await c.call(rp.domainSetAutostart, { dom, autostart: true });
    expect(await c.call(rp.domainGetAutostart, { dom })).toBe(true);
    await c.call(rp.domainSetAutostart, { dom, autostart: false });
    const config = DomainModificationImpact.Config;
    await c.call(rp.domainSetMetadata, {
      dom,
      type: DomainMetadataType.Element,
      metadata: '<vm id="42"/>',
      key: 'gureum',
      uri: 'https://gureum.example/ns',
      flags: config,
    });
    const meta = { dom, type: DomainMetadataType.Element, uri: 'https://gureum.example/ns', flags: config };
    expect(await c.call(rp.domainGetMetadata, meta)).toMatch(/<vm id="42"\s*\/>/);
    await c.call(rp.domainSetMetadata, {
      dom,
      type: DomainMetadataType.Description,
      metadata: 'layout test',
      key: null,
      uri: null,
      flags: config,
    });
    expect(
      await c.call(rp.domainGetMetadata, {
        dom,
        type: DomainMetadataType.Description,
        uri: null,
        flags: config,
      }),
    ).toBe('layout test');
    await c.call(rp.domainSetMemoryFlags, { dom, memory: 65536n, flags: config });
    await c.call(rp.domainSetVcpusFlags, { dom, nvcpus: 1, flags: config });
  });

  it('attaches, updates and detaches devices in the persistent config', async () => {
    const flags = DomainDeviceModifyFlags.Config;
    const diskXml =
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk.key}'/>` +
      `<target dev='vda' bus='virtio'/><alias name='ua-lvlayout-disk'/></disk>`;
    await c.call(rp.domainAttachDeviceFlags, { dom, xml: diskXml, flags });
    const cd = (source: string): string =>
      `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>${source}` +
      `<target dev='sda' bus='sata'/><readonly/><alias name='ua-lvlayout-cd'/></disk>`;
    await c.call(rp.domainAttachDeviceFlags, { dom, xml: cd(''), flags });
    await c.call(rp.domainUpdateDeviceFlags, { dom, xml: cd(`<source file='${raw.key}'/>`), flags });
    const xml = await c.call(rp.domainGetXmlDesc, { dom, flags: DomainXmlFlags.Inactive });
    expect(xml).toContain(`<source file='${raw.key}'/>`);
    expect(xml).toContain(`<source file='${disk.key}'/>`);
    await c.call(rp.domainDetachDeviceAlias, { dom, alias: 'ua-lvlayout-cd', flags });
    expect(await c.call(rp.domainGetXmlDesc, { dom, flags: DomainXmlFlags.Inactive })).not.toContain(
      'ua-lvlayout-cd',
    );
    // LIVE on an inactive domain: a clean error reply, not a decoding problem.
    expect(
      await errorCode(
        c.call(rp.domainAttachDeviceFlags, { dom, xml: cd(''), flags: DomainDeviceModifyFlags.Live }),
      ),
    ).toBe(ErrorNumber.OperationInvalid);
  });

  it('takes, walks, reverts and deletes snapshots', async () => {
    const s1 = await c.call(rp.domainSnapshotCreateXml, {
      dom,
      xmlDesc: '<domainsnapshot><name>s1</name></domainsnapshot>',
      flags: 0,
    });
    expect(s1).toEqual({ name: 's1', dom });
    const s2 = await c.call(rp.domainSnapshotCreateXml, {
      dom,
      xmlDesc: '<domainsnapshot><name>s2</name></domainsnapshot>',
      flags: 0,
    });
    expect(await c.call(rp.domainHasCurrentSnapshot, { dom, flags: 0 })).toBe(true);
    expect(await c.call(rp.domainSnapshotCurrent, { dom, flags: 0 })).toEqual(s2);
    expect(await c.call(rp.domainSnapshotLookupByName, { dom, name: 's1', flags: 0 })).toEqual(s1);
    expect(await c.call(rp.domainSnapshotGetXmlDesc, { snap: s2, flags: 0 })).toContain('<name>s2</name>');
    expect(await c.call(rp.domainSnapshotGetParent, { snap: s2, flags: 0 })).toEqual(s1);
    expect(await errorCode(c.call(rp.domainSnapshotGetParent, { snap: s1, flags: 0 }))).toBe(
      ErrorNumber.NoDomainSnapshot,
    );
    const all = await c.call(rp.domainListAllSnapshots, { dom, needResults: 1, flags: 0 });
    expect(all.ret).toBe(2);
    expect(all.snapshots.map((s) => s.name).sort()).toEqual(['s1', 's2']);
    const children = await c.call(rp.domainSnapshotListAllChildren, { snap: s1, needResults: 1, flags: 0 });
    expect(children).toEqual({ snapshots: [s2], ret: 1 });
    await c.call(rp.domainRevertToSnapshot, { snap: s1, flags: 0 });
    expect(await c.call(rp.domainSnapshotCurrent, { dom, flags: 0 })).toEqual(s1);
    await c.call(rp.domainSnapshotDelete, { snap: s2, flags: 0 });
    await c.call(rp.domainSnapshotDelete, { snap: s1, flags: 0 });
    expect(await c.call(rp.domainListAllSnapshots, { dom, needResults: 0, flags: 0 })).toEqual({
      snapshots: [],
      ret: 0,
    });
  });

  it('runs the domain through its live operations', async () => {
    const running = await c.call(rp.domainCreateWithFlags, { dom, flags: 0 });
    expect(running.id).toBeGreaterThan(0);
    expect(await c.call(rp.domainLookupById, { id: running.id })).toEqual(running);
    dom = running;
    expect(await c.call(rp.domainGetState, { dom, flags: 0 })).toMatchObject({
      state: DomainState.Running,
    });
    expect(await c.call(rp.domainIsActive, { dom })).toBe(true);
    const block = await c.call(rp.domainGetBlockInfo, { dom, path: 'vda', flags: 0 });
    expect(block.capacity).toBe(MiB);
    expect(block.allocation).toBeGreaterThan(0n);
    await c.call(rp.domainBlockResize, {
      dom,
      disk: 'vda',
      size: 2n * MiB,
      flags: DomainBlockResizeFlags.Bytes,
    });
    expect((await c.call(rp.domainGetBlockInfo, { dom, path: 'vda', flags: 0 })).capacity).toBe(2n * MiB);
    expect(
      await c.call(rp.domainInterfaceAddresses, {
        dom,
        source: DomainInterfaceAddressesSource.Lease,
        flags: 0,
      }),
    ).toEqual([]);
    // USB hot-plug completes without guest help: device-added and device-removed events follow.
    const usb =
      `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${raw.key}'/>` +
      `<target dev='sdb' bus='usb'/><alias name='ua-lvlayout-usb'/></disk>`;
    await c.call(rp.domainAttachDeviceFlags, { dom, xml: usb, flags: DomainDeviceModifyFlags.Live });
    await c.call(rp.domainDetachDeviceAlias, {
      dom,
      alias: 'ua-lvlayout-usb',
      flags: DomainDeviceModifyFlags.Live,
    });
    // The detach returns before QEMU finished removing the device: wait for its event before the domain goes away.
    expect(await seenEvents(c, cb, tag, ['domainDeviceRemoved:'])).toContain('domainDeviceRemoved:');
    const stats = await c.call(rp.connectGetAllDomainStats, { doms: [dom], stats: 0, flags: 0 });
    expect(typedParamsToRecord(stats[0]?.params ?? [])['state.state']).toBe(DomainState.Running);
    // The QEMU program: no agent channel is configured, so a clean error (not an RPC/decoding one).
    const agent = await errorCode(
      c.call(rp.qemuDomainAgentCommand, { dom, cmd: '{"execute":"guest-ping"}', timeout: 5, flags: 0 }),
    );
    expect(agent).toBe(ErrorNumber.ArgumentUnsupported);
    await c.call(rp.domainSuspend, { dom });
    expect((await c.call(rp.domainGetState, { dom, flags: 0 })).state).toBe(DomainState.Paused);
    await c.call(rp.domainResume, { dom });
    await c.call(rp.domainReset, { dom, flags: 0 });
    await c.call(rp.domainShutdownFlags, { dom, flags: DomainShutdownFlags.AcpiPowerBtn });
    await c.call(rp.domainReboot, { dom, flags: 0 });
    await c.call(rp.domainManagedSave, { dom, flags: 0 });
    expect(await c.call(rp.domainHasManagedSaveImage, { dom, flags: 0 })).toBe(true);
    await c.call(rp.domainManagedSaveRemove, { dom, flags: 0 });
    expect(await c.call(rp.domainHasManagedSaveImage, { dom, flags: 0 })).toBe(false);
    const again = await c.call(rp.domainCreateWithFlags, { dom, flags: 0 });
    await c.call(rp.domainDestroyFlags, { dom: again, flags: 0 });
    expect((await c.call(rp.domainGetState, { dom, flags: 0 })).state).toBe(DomainState.Shutoff);
  });

  it('starts a transient domain, takes a screenshot and opens its console (streams)', async () => {
    const xml =
      `<domain type='qemu'><name>${tag}-t</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>` +
      `<os><type arch='x86_64'>hvm</type></os><devices><serial type='pty'/><console type='pty'/>` +
      `<video><model type='vga'/></video></devices></domain>`;
    const flags = DomainCreateFlags.StartPaused | DomainCreateFlags.StartAutoDestroy;
    const t = await c.call(rp.domainCreateXml, { xmlDesc: xml, flags });
    expect(t.id).toBeGreaterThan(0);
    expect(await c.call(rp.domainGetState, { dom: t, flags: 0 })).toEqual({
      state: DomainState.Paused,
      reason: DomainPausedReason.User,
    });
    expect(await c.call(rp.domainIsPersistent, { dom: t })).toBe(false);
    const shot = await c.openStream(rp.domainScreenshot, { dom: t, screen: 0, flags: 0 });
    expect(shot.ret).toBe('image/png');
    const png = await c.readStream(rp.domainScreenshot, shot.serial);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const con = await c.openStream(rp.domainOpenConsole, {
      dom: t,
      devName: null,
      flags: DomainConsoleFlags.Force,
    });
    expect(con.ret).toBeUndefined();
    c.sendStream(rp.domainOpenConsole, con.serial, MessageStatus.Error); // abort
    expect(await c.nextStreamPacket(con.serial)).toMatchObject({
      type: MessageType.Stream,
      status: MessageStatus.Ok,
    });
    await c.call(rp.domainDestroyFlags, { dom: t, flags: 0 });
    expect(await errorCode(c.call(rp.domainLookupByName, { name: `${tag}-t` }))).toBe(ErrorNumber.NoDomain);
  });

  it('detaches the disk and undefines the domain', async () => {
    const xml =
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk.key}'/>` +
      `<target dev='vda' bus='virtio'/></disk>`;
    await c.call(rp.domainDetachDeviceFlags, { dom, xml, flags: DomainDeviceModifyFlags.Config });
    await c.call(rp.domainUndefineFlags, { dom, flags: 0 });
    expect(await errorCode(c.call(rp.domainLookupByName, { name: tag }))).toBe(ErrorNumber.NoDomain);
  });

  it('receives the domain events, decoded with the event table', async () => {
    const L = DomainEventType;
    const expected = [
      `domainLifecycle::${L.Defined}`,
      `domainLifecycle::${L.Started}`,
      `domainLifecycle::${L.Suspended}`,
      `domainLifecycle::${L.Resumed}`,
      `domainLifecycle::${L.Stopped}`,
      `domainLifecycle::${L.Undefined}`,
      `domainLifecycle:-t:${L.Started}`,
      'domainReboot:',
      'domainDeviceAdded:',
      'domainDeviceRemoved:',
      'domainMetadataChange:',
      'domainJobCompleted:',
    ];
    const seen = await seenEvents(c, cb, tag, expected);
    expect(
      expected.filter((e) => !seen.includes(e)),
      `missing events; seen: ${seen.join(' ')}`,
    ).toEqual([]);
    await deregisterAllEvents(c, cb);
    // A second deregistration is refused: the first one really happened.
    const callbackID = cb.domain[0] ?? -1;
    expect(await errorCode(c.call(rp.connectDomainEventCallbackDeregisterAny, { callbackID }))).toBe(
      ErrorNumber.InternalError,
    );
  });
});
