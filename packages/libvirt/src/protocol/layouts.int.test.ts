/**
 * Live check of the procedure table against the local libvirtd (qemu:///system, root), part 1: host calls,
 * storage pools and volumes (with upload/download streams), networks, and their events. Every call is encoded with
 * the table's args codec and its reply decoded with the table's ret codec, which must consume the whole body
 * (raw client in test/raw-libvirt.ts, independent of the connection core). Domains: layouts-domain.int.test.ts.
 *
 * Objects created here are named `lvlayout-<random>…` and removed at the end (also on failure).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
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
  ConnectFeature,
  NetworkEventType,
  NetworkUpdateCommand,
  NetworkUpdateFlags,
  NetworkUpdateSection,
  NetworkXmlFlags,
  StoragePoolBuildFlags,
  StoragePoolDeleteFlags,
  StoragePoolEventType,
  StoragePoolState,
  StorageVolType,
} from './enums.js';
import { ErrorNumber } from './error-numbers.js';
import { remoteProcedures as rp } from './remote.js';
import { typedParamsToRecord, type Net, type Pool, type Vol } from './types.js';

const tag = randomTag('lvlayout');

describe('procedure layouts against libvirtd: host, storage, networks', () => {
  let c: RawClient;
  let cb: Callbacks;
  let dir = '';

  beforeAll(async () => {
    c = await openRawClient();
    cb = await registerAllEvents(c);
    dir = await mkdtemp(join(tmpdir(), 'lvlayout-'));
  });

  afterAll(async () => {
    // Best-effort clean-up of anything a failed test left behind.
    for (const name of [tag, `${tag}-t`]) {
      const net = await c.call(rp.networkLookupByName, { name }).catch(() => null);
      if (net) await quietly(c.call(rp.networkDestroy, { net }));
      if (net) await quietly(c.call(rp.networkUndefine, { net }));
    }
    const persistent = await c.call(rp.storagePoolLookupByName, { name: `${tag}-p` }).catch(() => null);
    if (persistent) {
      await quietly(c.call(rp.storagePoolDestroy, { pool: persistent }));
      await quietly(c.call(rp.storagePoolUndefine, { pool: persistent }));
    }
    const pool = await c.call(rp.storagePoolLookupByName, { name: tag }).catch(() => null);
    if (pool) {
      const vols = await c
        .call(rp.storagePoolListAllVolumes, { pool, needResults: 1, flags: 0 })
        .catch(() => null);
      for (const vol of vols?.vols ?? []) await quietly(c.call(rp.storageVolDelete, { vol, flags: 0 }));
      await quietly(c.call(rp.storagePoolDestroy, { pool }));
    }
    await quietly(c.call(rp.connectClose, undefined));
    c.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('read-only host calls', () => {
    it('versions, type, hostname, URI, features', async () => {
      expect(await c.call(rp.connectGetLibVersion, undefined)).toBeGreaterThanOrEqual(9_000_000n);
      expect(await c.call(rp.connectGetVersion, undefined)).toBeGreaterThan(1_000_000n);
      expect(await c.call(rp.connectGetType, undefined)).toBe('QEMU');
      expect((await c.call(rp.connectGetHostname, undefined)).length).toBeGreaterThan(0);
      expect(await c.call(rp.connectGetUri, undefined)).toBe('qemu:///system');
      expect(await c.call(rp.connectSupportsFeature, { feature: ConnectFeature.RemoteEventCallback })).toBe(
        1,
      );
    });

    it('nodeGetInfo and nodeGetFreeMemory', async () => {
      const info = await c.call(rp.nodeGetInfo, undefined);
      expect(info.model.length).toBeGreaterThan(0);
      expect(info.cpus).toBe(cpus().length);
      expect(info.memory).toBeGreaterThan(0n);
      expect(info.nodes * info.sockets * info.cores * info.threads).toBe(info.cpus);
      const free = await c.call(rp.nodeGetFreeMemory, undefined);
      expect(free).toBeGreaterThan(0n);
      expect(free).toBeLessThanOrEqual(info.memory * KiB);
    });

    it('capabilities and domain capabilities', async () => {
      expect(await c.call(rp.connectGetCapabilities, undefined)).toMatch(/^<capabilities>/);
      const dc = await c.call(rp.connectGetDomainCapabilities, {
        emulatorbin: null,
        arch: 'x86_64',
        machine: null,
        virttype: 'qemu',
        flags: 0,
      });
      expect(dc).toContain('<domainCapabilities>');
    });

    it('lists domains (with and without results) and their statistics', async () => {
      const all = await c.call(rp.connectListAllDomains, { needResults: 1, flags: 0 });
      expect(all.ret).toBe(all.domains.length);
      const counted = await c.call(rp.connectListAllDomains, { needResults: 0, flags: 0 });
      expect(counted.domains).toEqual([]);
      const stats = await c.call(rp.connectGetAllDomainStats, { doms: [], stats: 0, flags: 0 });
      for (const rec of stats) expect(typedParamsToRecord(rec.params)).toHaveProperty('state.state');
    });

    it('lists storage pools and networks', async () => {
      const pools = await c.call(rp.connectListAllStoragePools, { needResults: 1, flags: 0 });
      expect(pools.ret).toBe(pools.pools.length);
      const nets = await c.call(rp.connectListAllNetworks, { needResults: 1, flags: 0 });
      expect(nets.ret).toBe(nets.nets.length);
    });
  });

  describe('storage and networks', () => {
    let pool: Pool;
    let disk: Vol;
    let raw: Vol;

    it('creates a transient dir pool', async () => {
      pool = await c.call(rp.storagePoolCreateXml, {
        xml: `<pool type='dir'><name>${tag}</name><target><path>${dir}</path></target></pool>`,
        flags: 0,
      });
      expect(pool.name).toBe(tag);
      expect(await c.call(rp.storagePoolLookupByName, { name: tag })).toEqual(pool);
      expect(await c.call(rp.storagePoolLookupByUuid, { uuid: pool.uuid })).toEqual(pool);
      const info = await c.call(rp.storagePoolGetInfo, { pool });
      expect(info.state).toBe(StoragePoolState.Running);
      expect(info.capacity).toBeGreaterThan(0n);
      expect(await c.call(rp.storagePoolGetXmlDesc, { pool, flags: 0 })).toContain(`<path>${dir}</path>`);
      expect(await c.call(rp.storagePoolIsActive, { pool })).toBe(true);
      expect(await c.call(rp.storagePoolGetAutostart, { pool })).toBe(false);
      await c.call(rp.storagePoolRefresh, { pool, flags: 0 });
      expect(await c.call(rp.storagePoolNumOfVolumes, { pool })).toBe(0);
    });

    it('creates and inspects volumes', async () => {
      disk = await c.call(rp.storageVolCreateXml, {
        pool,
        xml: `<volume><name>disk.qcow2</name><capacity unit='bytes'>${MiB}</capacity><target><format type='qcow2'/></target></volume>`,
        flags: 0,
      });
      const path = join(dir, 'disk.qcow2');
      expect(disk).toEqual({ pool: tag, name: 'disk.qcow2', key: path });
      const info = await c.call(rp.storageVolGetInfo, { vol: disk });
      expect(info).toMatchObject({ type: StorageVolType.File, capacity: MiB });
      expect(await c.call(rp.storageVolGetPath, { vol: disk })).toBe(path);
      expect(await c.call(rp.storageVolLookupByPath, { path })).toEqual(disk);
      expect(await c.call(rp.storageVolLookupByKey, { key: path })).toEqual(disk);
      expect(await c.call(rp.storageVolLookupByName, { pool, name: 'disk.qcow2' })).toEqual(disk);
      expect(await c.call(rp.storageVolGetXmlDesc, { vol: disk, flags: 0 })).toContain(
        "<format type='qcow2'/>",
      );
      raw = await c.call(rp.storageVolCreateXml, {
        pool,
        xml: `<volume><name>media.raw</name><capacity unit='bytes'>${64n * KiB}</capacity></volume>`,
        flags: 0,
      });
      const list = await c.call(rp.storagePoolListAllVolumes, { pool, needResults: 1, flags: 0 });
      expect(list.ret).toBe(2);
      expect(list.vols.map((v) => v.name).sort()).toEqual(['disk.qcow2', 'media.raw']);
    });

    it('uploads to and downloads from a volume (streams)', async () => {
      const data = Buffer.alloc(8192);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
      const up = await c.openStream(rp.storageVolUpload, { vol: raw, offset: 0n, length: 8192n, flags: 0 });
      c.sendStream(rp.storageVolUpload, up.serial, MessageStatus.Continue, data);
      c.sendStream(rp.storageVolUpload, up.serial, MessageStatus.Ok);
      expect(await c.nextStreamPacket(up.serial)).toMatchObject({
        type: MessageType.Stream,
        status: MessageStatus.Ok,
      });
      const down = await c.openStream(rp.storageVolDownload, {
        vol: raw,
        offset: 0n,
        length: 8192n,
        flags: 0,
      });
      expect(await c.readStream(rp.storageVolDownload, down.serial)).toEqual(data);
    });

    it('resizes, clones, wipes and deletes volumes, then stops the pool', async () => {
      expect((await c.call(rp.storageVolGetInfo, { vol: disk })).capacity).toBe(MiB);
      await c.call(rp.storageVolResize, { vol: disk, capacity: 4n * MiB, flags: 0 });
      expect((await c.call(rp.storageVolGetInfo, { vol: disk })).capacity).toBe(4n * MiB);
      const clone = await c.call(rp.storageVolCreateXmlFrom, {
        pool,
        xml: `<volume><name>clone.qcow2</name><capacity unit='bytes'>${4n * MiB}</capacity><target><format type='qcow2'/></target></volume>`,
        clonevol: disk,
        flags: 0,
      });
      expect(clone.name).toBe('clone.qcow2');
      await c.call(rp.storageVolWipe, { vol: raw, flags: 0 });
      for (const vol of [clone, raw, disk]) await c.call(rp.storageVolDelete, { vol, flags: 0 });
      expect(await c.call(rp.storagePoolNumOfVolumes, { pool })).toBe(0);
      await c.call(rp.storagePoolDestroy, { pool });
      expect(await errorCode(c.call(rp.storagePoolLookupByName, { name: tag }))).toBe(
        ErrorNumber.NoStoragePool,
      );
    });

    it('walks a persistent pool through build, start, autostart, stop, delete, undefine', async () => {
      const path = join(dir, 'persistent');
      const p = await c.call(rp.storagePoolDefineXml, {
        xml: `<pool type='dir'><name>${tag}-p</name><target><path>${path}</path></target></pool>`,
        flags: 0,
      });
      expect((await c.call(rp.storagePoolGetInfo, { pool: p })).state).toBe(StoragePoolState.Inactive);
      await c.call(rp.storagePoolBuild, { pool: p, flags: StoragePoolBuildFlags.New });
      expect(existsSync(path)).toBe(true);
      await c.call(rp.storagePoolCreate, { pool: p, flags: 0 });
      expect(await c.call(rp.storagePoolIsActive, { pool: p })).toBe(true);
      await c.call(rp.storagePoolSetAutostart, { pool: p, autostart: true });
      expect(await c.call(rp.storagePoolGetAutostart, { pool: p })).toBe(true);
      await c.call(rp.storagePoolSetAutostart, { pool: p, autostart: false });
      await c.call(rp.storagePoolDestroy, { pool: p });
      await c.call(rp.storagePoolDelete, { pool: p, flags: StoragePoolDeleteFlags.Normal });
      expect(existsSync(path)).toBe(false);
      await c.call(rp.storagePoolUndefine, { pool: p });
      expect(await errorCode(c.call(rp.storagePoolLookupByName, { name: `${tag}-p` }))).toBe(
        ErrorNumber.NoStoragePool,
      );
    });

    it('creates and destroys a transient network', async () => {
      const net = await c.call(rp.networkCreateXml, {
        xml: `<network><name>${tag}-t</name><bridge name='lvt${tag.slice(-6)}'/></network>`,
      });
      expect(await c.call(rp.networkIsActive, { net })).toBe(true);
      expect(await c.call(rp.networkIsPersistent, { net })).toBe(false);
      await c.call(rp.networkDestroy, { net });
      expect(await errorCode(c.call(rp.networkLookupByName, { name: `${tag}-t` }))).toBe(
        ErrorNumber.NoNetwork,
      );
    });

    it('defines, starts, updates, stops and undefines a network', async () => {
      const octet = 100 + Math.floor(Math.random() * 100);
      const xml =
        `<network><name>${tag}</name><bridge name='lvl${tag.slice(-6)}'/>` +
        `<ip address='10.254.${octet}.1' netmask='255.255.255.0'><dhcp>` +
        `<range start='10.254.${octet}.100' end='10.254.${octet}.200'/></dhcp></ip></network>`;
      const net: Net = await c.call(rp.networkDefineXml, { xml });
      expect(net.name).toBe(tag);
      expect(await c.call(rp.networkLookupByName, { name: tag })).toEqual(net);
      expect(await c.call(rp.networkLookupByUuid, { uuid: net.uuid })).toEqual(net);
      expect(await c.call(rp.networkIsActive, { net })).toBe(false);
      expect(await c.call(rp.networkIsPersistent, { net })).toBe(true);
      expect(await c.call(rp.networkGetAutostart, { net })).toBe(false);
      await c.call(rp.networkSetAutostart, { net, autostart: true });
      expect(await c.call(rp.networkGetAutostart, { net })).toBe(true);
      await c.call(rp.networkSetAutostart, { net, autostart: false });
      await c.call(rp.networkCreate, { net });
      expect(await c.call(rp.networkIsActive, { net })).toBe(true);
      const leases = await c.call(rp.networkGetDhcpLeases, { net, mac: null, needResults: 1, flags: 0 });
      expect(leases).toEqual({ leases: [], ret: 0 });
      // command and section are distinct non-zero values, so a swapped order would be rejected.
      await c.call(rp.networkUpdate, {
        net,
        command: NetworkUpdateCommand.AddLast,
        section: NetworkUpdateSection.IpDhcpHost,
        parentIndex: -1,
        xml: `<host mac='52:54:00:00:00:42' ip='10.254.${octet}.42'/>`,
        flags: NetworkUpdateFlags.Live | NetworkUpdateFlags.Config,
      });
      expect(await c.call(rp.networkGetXmlDesc, { net, flags: 0 })).toContain("mac='52:54:00:00:00:42'");
      const inactive = await c.call(rp.networkGetXmlDesc, { net, flags: NetworkXmlFlags.Inactive });
      expect(inactive).toContain("mac='52:54:00:00:00:42'");
      await c.call(rp.networkDestroy, { net });
      await c.call(rp.networkUndefine, { net });
      expect(await errorCode(c.call(rp.networkLookupByName, { name: tag }))).toBe(ErrorNumber.NoNetwork);
    });
  });

  describe('events', () => {
    it('decodes every event message received with the event table', async () => {
      const expected = [
        `storagePoolLifecycle::${StoragePoolEventType.Started}`,
        `storagePoolLifecycle::${StoragePoolEventType.Stopped}`,
        `storagePoolLifecycle:-p:${StoragePoolEventType.Defined}`,
        `storagePoolLifecycle:-p:${StoragePoolEventType.Created}`,
        `storagePoolLifecycle:-p:${StoragePoolEventType.Deleted}`,
        `storagePoolLifecycle:-p:${StoragePoolEventType.Undefined}`,
        'storagePoolRefresh:',
        `networkLifecycle::${NetworkEventType.Defined}`,
        `networkLifecycle::${NetworkEventType.Started}`,
        `networkLifecycle::${NetworkEventType.Stopped}`,
        `networkLifecycle::${NetworkEventType.Undefined}`,
        `networkLifecycle:-t:${NetworkEventType.Started}`,
      ];
      expect(await seenEvents(c, cb, tag, expected)).toEqual(expect.arrayContaining(expected));
    });

    it('deregisters every callback', async () => {
      await deregisterAllEvents(c, cb);
      // A second deregistration is refused: the first one really happened.
      const callbackID = cb.storagePool[0] ?? -1;
      expect(await errorCode(c.call(rp.connectStoragePoolEventDeregisterAny, { callbackID }))).toBe(
        ErrorNumber.InternalError,
      );
    });
  });
});
