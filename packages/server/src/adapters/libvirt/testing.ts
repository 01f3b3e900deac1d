/**
 * Test support for the libvirt adapter's unit tests: a small libvirt host (domains, pools, volumes) programmed
 * into the wire-level `FakeLibvirtd`, so LibvirtHypervisor talks to it through the real client and protocol, and
 * a logger that keeps what it was told. Not imported by application code.
 */
import { posix } from 'node:path';
import {
  DomainEventType,
  DomainState,
  ErrorDomain,
  ErrorNumber,
  remoteProcedures as rp,
  type Dom,
  type Pool,
  type Vol,
} from '@gureum/libvirt';
import { FakeLibvirtd, FakeLibvirtError } from '@gureum/libvirt/testing';
import { buildStoragePoolXml, parseDomainXml, parseStorageVolumeXml } from '@gureum/libvirt-xml';
import type { AdapterLogger } from './session.js';

export interface FakeDomain {
  dom: Dom;
  state: number;
  reason: number;
  /** The persistent definition, returned for every `domainGetXmlDesc`. */
  xml: string;
}

export interface FakeVolume {
  vol: Vol;
  format: string;
  capacity: number;
  backing: { path: string; format: string } | null;
  data: Buffer;
}

export interface FakePool {
  pool: Pool;
  dir: string;
  active: boolean;
  autostart: boolean;
  volumes: Map<string, FakeVolume>;
}

const noDomain = (what: string): FakeLibvirtError =>
  new FakeLibvirtError(
    ErrorNumber.NoDomain,
    `Domain not found: no domain with matching ${what}`,
    ErrorDomain.Qemu,
  );
const invalid = (message: string): FakeLibvirtError =>
  new FakeLibvirtError(
    ErrorNumber.OperationInvalid,
    `Requested operation is not valid: ${message}`,
    ErrorDomain.Domain,
  );
const noPool = (name: string): FakeLibvirtError =>
  new FakeLibvirtError(
    ErrorNumber.NoStoragePool,
    `Storage pool not found: no storage pool with matching name '${name}'`,
    ErrorDomain.Storage,
  );
const noVol = (name: string): FakeLibvirtError =>
  new FakeLibvirtError(
    ErrorNumber.NoStorageVol,
    `Storage volume not found: no storage vol with matching name '${name}'`,
    ErrorDomain.Storage,
  );

function uuidFrom(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function volumeXml(v: FakeVolume): string {
  const backing = v.backing
    ? `<backingStore><path>${v.backing.path}</path><format type='${v.backing.format}'/></backingStore>`
    : '';
  return `<volume type='file'><name>${v.vol.name}</name><key>${v.vol.key}</key><capacity unit='bytes'>${v.capacity}</capacity><allocation unit='bytes'>${v.data.length}</allocation><target><path>${v.vol.key}</path><format type='${v.format}'/></target>${backing}</volume>`;
}

/**
 * A libvirt host inside a {@link FakeLibvirtd}: lifecycle calls change domain states and emit the events libvirtd
 * emits (start ⇒ RESUMED then STARTED; destroy ⇒ SHUTDOWN/host then STOPPED/destroyed; reset ⇒ REBOOT twice).
 * Tests can still program any procedure with `daemon.handle(...)` to inject failures.
 */
export class FakeHost {
  readonly domains = new Map<string, FakeDomain>();
  readonly pools = new Map<string, FakePool>();
  private nextId = 1;
  private nextUuid = 1;

  private constructor(readonly daemon: FakeLibvirtd) {}

  static async start(): Promise<FakeHost> {
    const host = new FakeHost(await FakeLibvirtd.start());
    host.program();
    return host;
  }

  get uri(): string {
    return this.daemon.uri;
  }

  close(): Promise<void> {
    return this.daemon.close();
  }

  /** Adds a domain as if someone defined it outside Gureum. */
  addDomain(name: string, state: number = DomainState.Shutoff, uuid = uuidFrom(this.nextUuid++)): FakeDomain {
    const xml = `<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices/></domain>`;
    const d: FakeDomain = {
      dom: { name, uuid, id: state === DomainState.Shutoff ? -1 : this.nextId++ },
      state,
      reason: 1,
      xml,
    };
    this.domains.set(uuid, d);
    return d;
  }

  /** Adds an active directory pool with volumes (name → format). */
  addPool(name: string, dir: string, volumes: Record<string, string> = {}): FakePool {
    const pool: FakePool = {
      pool: { name, uuid: uuidFrom(1000 + this.pools.size) },
      dir,
      active: true,
      autostart: true,
      volumes: new Map(),
    };
    this.pools.set(name, pool);
    for (const [vol, format] of Object.entries(volumes)) this.addVolume(pool, vol, format, 1024 * 1024);
    return pool;
  }

  addVolume(
    pool: FakePool,
    name: string,
    format: string,
    capacity: number,
    backing: FakeVolume['backing'] = null,
  ): FakeVolume {
    const v: FakeVolume = {
      vol: { pool: pool.pool.name, name, key: posix.join(pool.dir, name) },
      format,
      capacity,
      backing,
      data: Buffer.alloc(0),
    };
    pool.volumes.set(name, v);
    return v;
  }

  lifecycle(d: FakeDomain, event: number, detail: number): void {
    this.daemon.emitEvent('domainLifecycle', { dom: d.dom, event, detail });
  }

  private domain(dom: Dom): FakeDomain {
    const d = this.domains.get(dom.uuid);
    if (!d) throw noDomain(`uuid '${dom.uuid}'`);
    return d;
  }

  private running(dom: Dom): FakeDomain {
    const d = this.domain(dom);
    if (d.state !== DomainState.Running && d.state !== DomainState.Paused)
      throw invalid('domain is not running');
    return d;
  }

  private pool(name: string): FakePool {
    const p = this.pools.get(name);
    if (!p) throw noPool(name);
    return p;
  }

  private volume(vol: Vol): FakeVolume {
    const v = this.pool(vol.pool).volumes.get(vol.name);
    if (!v) throw noVol(vol.name);
    return v;
  }

  private program(): void {
    this.programHost();
    this.programDomains();
    this.programLifecycle();
    this.programStorage();
  }

  private programHost(): void {
    const f = this.daemon;
    f.handle(rp.connectGetHostname, () => 'fake-host');
    f.handle(rp.connectGetLibVersion, () => 9000000n);
    f.handle(rp.connectGetVersion, () => 7002022n);
    f.handle(rp.nodeGetInfo, () => ({
      model: 'x86_64',
      memory: 4n * 1024n * 1024n,
      cpus: 2,
      mhz: 2000,
      nodes: 1,
      sockets: 1,
      cores: 2,
      threads: 1,
    }));
  }

  private programDomains(): void {
    const f = this.daemon;
    f.handle(rp.connectListAllDomains, () => {
      const domains = [...this.domains.values()].map((d) => d.dom);
      return { domains, ret: domains.length };
    });
    f.handle(rp.connectGetAllDomainStats, ({ doms }) =>
      doms.flatMap((dom) => {
        const d = this.domains.get(dom.uuid);
        if (!d) return [];
        return [
          {
            dom: d.dom,
            params: [
              { field: 'state.state', value: { type: 1, value: d.state } },
              { field: 'state.reason', value: { type: 1, value: d.reason } },
            ],
          },
        ];
      }),
    );
    f.handle(rp.domainLookupByUuid, ({ uuid }) => this.domain({ name: '', uuid, id: -1 }).dom);
    f.handle(rp.domainLookupByName, ({ name }) => {
      const d = [...this.domains.values()].find((x) => x.dom.name === name);
      if (!d) throw noDomain(`name '${name}'`);
      return d.dom;
    });
    f.handle(rp.domainGetState, ({ dom }) => {
      const d = this.domain(dom);
      return { state: d.state, reason: d.reason };
    });
    f.handle(rp.domainGetXmlDesc, ({ dom }) => this.domain(dom).xml);
    f.handle(rp.domainDefineXmlFlags, ({ xml }) => {
      const parsed = parseDomainXml(xml);
      const uuid = parsed.uuid ?? uuidFrom(this.nextUuid++);
      const clash = [...this.domains.values()].find((d) => d.dom.name === parsed.name && d.dom.uuid !== uuid);
      if (clash) {
        throw new FakeLibvirtError(
          ErrorNumber.OperationFailed,
          `operation failed: domain '${parsed.name}' already exists with uuid ${clash.dom.uuid}`,
        );
      }
      const existing = this.domains.get(uuid);
      const d: FakeDomain = existing ?? {
        dom: { name: parsed.name, uuid, id: -1 },
        state: DomainState.Shutoff,
        reason: 0,
        xml,
      };
      d.xml = xml;
      this.domains.set(uuid, d);
      this.lifecycle(d, DomainEventType.Defined, existing ? 1 : 0);
      return d.dom;
    });
    f.handle(rp.domainUndefineFlags, ({ dom }) => {
      const d = this.domain(dom);
      this.domains.delete(d.dom.uuid);
      this.lifecycle(d, DomainEventType.Undefined, 0);
    });
  }

  private programLifecycle(): void {
    const f = this.daemon;
    f.handle(rp.domainCreateWithFlags, ({ dom }) => {
      const d = this.domain(dom);
      if (d.state === DomainState.Running || d.state === DomainState.Paused)
        throw invalid('domain is already running');
      d.state = DomainState.Running;
      d.reason = 1;
      d.dom = { ...d.dom, id: this.nextId++ };
      this.lifecycle(d, DomainEventType.Resumed, 0);
      this.lifecycle(d, DomainEventType.Started, 0);
      return d.dom;
    });
    f.handle(rp.domainDestroyFlags, ({ dom }) => {
      const d = this.running(dom);
      d.state = DomainState.Shutoff;
      d.reason = 2;
      d.dom = { ...d.dom, id: -1 };
      this.lifecycle(d, DomainEventType.Shutdown, 2);
      this.lifecycle(d, DomainEventType.Stopped, 1);
    });
    f.handle(rp.domainShutdownFlags, ({ dom }) => {
      this.running(dom);
    });
    f.handle(rp.domainReboot, ({ dom }) => {
      this.running(dom);
    });
    f.handle(rp.domainReset, ({ dom }) => {
      const d = this.running(dom);
      this.daemon.emitEvent('domainReboot', { dom: d.dom });
      this.daemon.emitEvent('domainReboot', { dom: d.dom });
    });
    f.handle(rp.domainSuspend, ({ dom }) => {
      const d = this.running(dom);
      d.state = DomainState.Paused;
      this.lifecycle(d, DomainEventType.Suspended, 0);
    });
    f.handle(rp.domainResume, ({ dom }) => {
      const d = this.running(dom);
      if (d.state !== DomainState.Paused) throw invalid('domain is not paused');
      d.state = DomainState.Running;
      this.lifecycle(d, DomainEventType.Resumed, 0);
    });
  }

  private programStorage(): void {
    const f = this.daemon;
    f.handle(rp.connectListAllStoragePools, () => {
      const pools = [...this.pools.values()].map((p) => p.pool);
      return { pools, ret: pools.length };
    });
    f.handle(rp.storagePoolLookupByName, ({ name }) => this.pool(name).pool);
    f.handle(rp.storagePoolDefineXml, ({ xml }) => {
      const name = /<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? 'unnamed';
      const dir = /<path>([^<]+)<\/path>/.exec(xml)?.[1] ?? '/';
      const p = this.addPool(name, dir);
      p.active = false;
      p.autostart = false;
      return p.pool;
    });
    f.handle(rp.storagePoolGetXmlDesc, ({ pool }) => {
      const p = this.pool(pool.name);
      return buildStoragePoolXml({ name: p.pool.name, uuid: p.pool.uuid, type: 'dir', targetPath: p.dir });
    });
    f.handle(rp.storagePoolIsActive, ({ pool }) => this.pool(pool.name).active);
    f.handle(rp.storagePoolBuild, ({ pool }) => {
      this.pool(pool.name);
    });
    f.handle(rp.storagePoolCreate, ({ pool }) => {
      const p = this.pool(pool.name);
      if (p.active) throw invalid('storage pool is already active');
      p.active = true;
    });
    f.handle(rp.storagePoolGetAutostart, ({ pool }) => this.pool(pool.name).autostart);
    f.handle(rp.storagePoolSetAutostart, ({ pool, autostart }) => {
      this.pool(pool.name).autostart = autostart;
    });
    f.handle(rp.storagePoolRefresh, ({ pool }) => {
      this.pool(pool.name);
    });
    f.handle(rp.storagePoolListAllVolumes, ({ pool }) => {
      const vols = [...this.pool(pool.name).volumes.values()].map((v) => v.vol);
      return { vols, ret: vols.length };
    });
    f.handle(rp.storageVolLookupByName, ({ pool, name }) => {
      const v = this.pool(pool.name).volumes.get(name);
      if (!v) throw noVol(name);
      return v.vol;
    });
    f.handle(rp.storageVolGetPath, ({ vol }) => this.volume(vol).vol.key);
    f.handle(rp.storageVolGetInfo, ({ vol }) => {
      const v = this.volume(vol);
      return { type: 0, capacity: BigInt(v.capacity), allocation: BigInt(v.data.length) };
    });
    f.handle(rp.storageVolGetXmlDesc, ({ vol }) => volumeXml(this.volume(vol)));
    f.handle(rp.storageVolCreateXml, ({ pool, xml }) => {
      const p = this.pool(pool.name);
      const spec = parseStorageVolumeXml(xml);
      if (p.volumes.has(spec.name)) {
        throw new FakeLibvirtError(
          ErrorNumber.StorageVolExist,
          `storage volume '${spec.name}' exists already`,
          ErrorDomain.Storage,
        );
      }
      const backing = spec.backingStore?.path
        ? { path: spec.backingStore.path, format: spec.backingStore.format ?? 'raw' }
        : null;
      return this.addVolume(p, spec.name, spec.format ?? 'raw', Number(spec.capacityBytes), backing).vol;
    });
    f.handle(rp.storageVolDelete, ({ vol }) => {
      this.volume(vol);
      this.pool(vol.pool).volumes.delete(vol.name);
    });
    f.handle(rp.storageVolUpload, ({ vol }, ctx) => {
      const v = this.volume(vol);
      const stream = ctx.openStream();
      void (async () => {
        // untilClientDone() also wakes on every data packet: wait for the real finish.
        while (stream.clientOutcome === undefined) await stream.untilClientDone();
        v.data = stream.data();
      })();
    });
  }
}

/** A logger that keeps every entry (level, object, message). */
export class RecordingLogger implements AdapterLogger {
  readonly entries: { level: string; obj: object; msg: string | undefined }[] = [];
  debug(obj: object, msg?: string): void {
    this.entries.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: 'error', obj, msg });
  }
}
