import { mkdir, rm } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import {
  DomainBlockResizeFlags,
  DomainRebootFlags,
  DomainState,
  DomainShutdownFlags,
  type LibvirtClient,
} from '@gureum/libvirt';
import type {
  CallOptions,
  ConsoleKind,
  FirmwareSupport,
  HostInfo,
  Hypervisor,
  HypervisorEvent,
  HypervisorStatus,
  Unsubscribe,
  VmBootConfig,
  VmSnapshotInfo,
  VmCdromSpec,
  VmRuntime,
  VmSpec,
  VolumeInfo,
  VolumeRef,
} from '../../ports/hypervisor.js';
import { openSerialConsole, openVncConsole } from './consoles.js';
import { serialLogPath } from './domain-spec.js';
import { isInvalidState, isMissingDomain, translated, translateError, type ErrorContext } from './errors.js';
import * as media from './media.js';
import * as snapshots from './snapshots.js';
import { LibvirtSession, type AdapterLogger, type SessionOptions } from './session.js';
import * as storage from './storage.js';
import * as vms from './vms.js';
import { vmStateOf } from './words.js';

/** Options of {@link LibvirtHypervisor.create}. */
export interface LibvirtHypervisorOptions {
  /** libvirt URI, e.g. `qemu:///system`. */
  readonly uri: string;
  /** Domain type of new definitions: `kvm`, or `qemu` (TCG) where there is no hardware virtualization. */
  readonly domainType: 'qemu' | 'kvm';
  readonly logger: AdapterLogger;
  readonly connectTimeoutMs?: number;
  /** Directory for the VMs' serial console logs (`<dir>/<vmId>.log`, written by virtlogd); none when absent. */
  readonly serialLogDir?: string;
  /** Default timeout of a libvirt call (ms, default 120 000). */
  readonly callTimeoutMs?: number;
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Two REBOOT events of one VM this close together are one reset (ms, default 200). */
  readonly rebootDedupeMs?: number;
  /**
   * Storage pools Gureum manages, for `vmVolumes`; pools passed to `ensurePool` are added. While none is known,
   * every pool of the host counts.
   */
  readonly managedPools?: readonly string[];
  /** Domains per `connectGetAllDomainStats` call in `listVms` (default 2000). */
  readonly statsBatchSize?: number;
  /** Retrying a live media change while the guest keeps closing the tray (default 15 s, every 250 ms). */
  readonly trayRetry?: media.TrayRetry;
}

function versionText(encoded: bigint): string {
  const n = Number(encoded);
  return `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1000) % 1000}.${n % 1000}`;
}

/**
 * The Hypervisor port on libvirt, over Gureum's own RPC client. One connection per host: auto-reconnect, domain
 * events translated to Gureum's words, every libvirt error translated in one place (errors.ts).
 *
 * @example
 * ```ts
 * const hypervisor = await LibvirtHypervisor.create({ uri: 'qemu:///system', domainType: 'kvm', logger });
 * hypervisor.onEvent((e) => logger.info(e, 'hypervisor event'));
 * await hypervisor.startVm(vmId);
 * ```
 */
export class LibvirtHypervisor implements Hypervisor {
  private readonly managedPools: Set<string>;
  private firmware: { client: LibvirtClient | undefined; answer: Promise<FirmwareSupport> } | undefined;

  private constructor(
    private readonly session: LibvirtSession,
    private readonly options: LibvirtHypervisorOptions,
  ) {
    this.managedPools = new Set(options.managedPools ?? []);
  }

  /**
   * Connects to libvirt and subscribes to domain events. When libvirtd is unreachable the hypervisor is created
   * `down` and connects by itself later (`onStatus` then fires `up`); a bad URI or refused authentication rejects.
   */
  static async create(options: LibvirtHypervisorOptions): Promise<LibvirtHypervisor> {
    if (options.serialLogDir !== undefined) {
      // Best effort: for a remote URI the directory has to exist on the hypervisor host instead.
      await mkdir(options.serialLogDir, { recursive: true }).catch((err: unknown) => {
        options.logger.warn({ err, dir: options.serialLogDir }, 'cannot create the serial log directory');
      });
    }
    const sessionOptions: SessionOptions = {
      uri: options.uri,
      logger: options.logger,
      connectTimeoutMs: options.connectTimeoutMs,
      callTimeoutMs: options.callTimeoutMs,
      reconnectInitialDelayMs: options.reconnectInitialDelayMs,
      reconnectMaxDelayMs: options.reconnectMaxDelayMs,
      rebootDedupeMs: options.rebootDedupeMs,
    };
    return new LibvirtHypervisor(await LibvirtSession.open(sessionOptions), options);
  }

  get status(): HypervisorStatus {
    return this.session.status;
  }

  onStatus(listener: (status: HypervisorStatus) => void): Unsubscribe {
    return this.session.onStatus(listener);
  }

  onEvent(listener: (event: HypervisorEvent) => void): Unsubscribe {
    return this.session.onEvent(listener);
  }

  /** Closes the connection and stops reconnecting. */
  close(): Promise<void> {
    return this.session.close();
  }

  /** Runs `work` with the client, translating errors for `ctx`. */
  private run<T>(ctx: ErrorContext, work: (client: LibvirtClient) => Promise<T>): Promise<T> {
    return translated(ctx, () => work(this.session.requireClient()));
  }

  hostInfo(options?: CallOptions): Promise<HostInfo> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'hostInfo', signal: o.signal }, async (client) => {
      const [hostname, lib, hv, node] = await Promise.all([
        client.connectGetHostname(o),
        client.connectGetLibVersion(o),
        client.connectGetVersion(o),
        client.nodeGetInfo(o),
      ]);
      return {
        hostname,
        libvirtVersion: versionText(lib),
        hypervisorVersion: versionText(hv),
        domainType: this.options.domainType,
        cpus: node.cpus,
        memoryBytes: Number(node.memory) * 1024,
      };
    });
  }

  listVms(options?: CallOptions): Promise<VmRuntime[]> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'listVms', signal: o.signal }, (client) =>
      vms.listVms(client, this.options.statsBatchSize ?? 2000, o),
    );
  }

  getVm(idOrName: { id: string } | { name: string }, options?: CallOptions): Promise<VmRuntime | null> {
    const o = { signal: options?.signal };
    const vm = 'id' in idOrName ? idOrName.id : idOrName.name;
    return this.run({ operation: 'getVm', vm, signal: o.signal }, (client) => vms.getVm(client, idOrName, o));
  }

  defineVm(spec: VmSpec, options?: CallOptions): Promise<void> {
    const o = { signal: options?.signal };
    const specOptions = { domainType: this.options.domainType, serialLogDir: this.options.serialLogDir };
    return this.run({ operation: 'defineVm', vm: spec.id, signal: o.signal }, (client) =>
      vms.defineVm(client, spec, specOptions, o),
    );
  }

  undefineVm(id: string, options?: CallOptions): Promise<void> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'undefineVm', vm: id, signal: o.signal }, async (client) => {
      await vms.undefineVm(client, id, o);
      await this.removeSerialLog(id);
    });
  }

  /**
   * The serial log of an undefined VM belongs to nothing any more: remove it with the definition, or deleted VMs
   * leave a file per VM in the storage directory. Best effort (for a remote URI the file is on the other host).
   */
  private async removeSerialLog(id: string): Promise<void> {
    const dir = this.options.serialLogDir;
    if (dir === undefined || !vms.isUuid(id)) return;
    await rm(serialLogPath(dir, id), { force: true }).catch((err: unknown) => {
      this.options.logger.warn({ err, vm: id }, 'cannot remove the serial log of an undefined VM');
    });
  }

  startVm(id: string, options?: CallOptions): Promise<void> {
    return this.domainCall('startVm', id, options, async (client, dom, o) => {
      await client.domainCreateWithFlags({ dom, flags: 0 }, o);
    });
  }

  shutdownVm(id: string, options?: CallOptions): Promise<void> {
    return this.domainCall('shutdownVm', id, options, (client, dom, o) =>
      client.domainShutdownFlags({ dom, flags: DomainShutdownFlags.AcpiPowerBtn }, o),
    );
  }

  destroyVm(id: string, options?: CallOptions): Promise<void> {
    if (!vms.isUuid(id)) return Promise.resolve();
    return this.domainCall('destroyVm', id, options, async (client, dom, o) => {
      try {
        await client.domainDestroyFlags({ dom, flags: 0 }, o);
      } catch (err: unknown) {
        // Already off ("domain is not running") or gone: the goal is reached.
        if (!isInvalidState(err) && !isMissingDomain(err)) throw err;
      }
    });
  }

  rebootVm(id: string, options?: CallOptions): Promise<void> {
    return this.domainCall('rebootVm', id, options, (client, dom, o) =>
      client.domainReboot({ dom, flags: DomainRebootFlags.AcpiPowerBtn }, o),
    );
  }

  resetVm(id: string, options?: CallOptions): Promise<void> {
    return this.domainCall('resetVm', id, options, (client, dom, o) =>
      client.domainReset({ dom, flags: 0 }, o),
    );
  }

  pauseVm(id: string, options?: CallOptions): Promise<void> {
    return this.domainCall('pauseVm', id, options, (client, dom, o) => client.domainSuspend({ dom }, o));
  }

  resumeVm(id: string, options?: CallOptions): Promise<void> {
    return this.domainCall('resumeVm', id, options, (client, dom, o) => client.domainResume({ dom }, o));
  }

  resizeVmDisk(id: string, target: string, capacityBytes: number, options?: CallOptions): Promise<void> {
    return this.domainCall('resizeVmDisk', id, options, (client, dom, o) =>
      client.domainBlockResize(
        { dom, disk: target, size: BigInt(capacityBytes), flags: DomainBlockResizeFlags.Bytes },
        o,
      ),
    );
  }

  listSnapshots(id: string, options?: CallOptions): Promise<VmSnapshotInfo[]> {
    const o = { signal: options?.signal };
    return translated({ operation: 'listSnapshots', vm: id, signal: o.signal }, () =>
      snapshots.listSnapshots(this.session.requireClient(), id, o),
    );
  }

  createSnapshot(
    id: string,
    spec: { name: string; description: string; targets: string[] },
    options?: CallOptions,
  ): Promise<void> {
    return this.domainCall('createSnapshot', id, options, async (client, dom, o) => {
      const { state } = await client.domainGetState({ dom, flags: 0 }, o);
      const running = state !== DomainState.Shutoff && state !== DomainState.Crashed;
      await snapshots.createSnapshot(client, id, { ...spec, running }, o);
    });
  }

  revertSnapshot(id: string, name: string, options?: CallOptions): Promise<void> {
    return this.domainCall('revertSnapshot', id, options, (client, _dom, o) =>
      snapshots.revertSnapshot(client, id, name, o),
    );
  }

  deleteSnapshot(id: string, name: string, options?: CallOptions): Promise<void> {
    return this.domainCall('deleteSnapshot', id, options, (client, _dom, o) =>
      snapshots.deleteSnapshot(client, id, name, o),
    );
  }

  changeMedia(id: string, cdrom: VmCdromSpec, options?: CallOptions): Promise<void> {
    return this.domainCall('changeMedia', id, options, (client, _dom, o) =>
      media.changeMedia(client, id, cdrom, o, this.options.trayRetry),
    );
  }

  bootConfig(id: string, which: { live: boolean }, options?: CallOptions): Promise<VmBootConfig | null> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'bootConfig', vm: id, signal: o.signal }, (client) =>
      media.bootConfig(client, id, which.live, o),
    );
  }

  /** Asked once per connection: what a host's firmware offers does not change while it runs. */
  firmwareSupport(options?: CallOptions): Promise<FirmwareSupport> {
    const o = { signal: options?.signal };
    const client = this.session.status === 'up' ? this.session.requireClient() : undefined;
    if (this.firmware && this.firmware.client === client) return this.firmware.answer;
    const answer = this.run({ operation: 'firmwareSupport', signal: o.signal }, (c) =>
      media.firmwareSupport(c, this.options.domainType, o),
    );
    const entry = { client, answer };
    this.firmware = entry;
    answer.catch(() => {
      if (this.firmware === entry) this.firmware = undefined;
    });
    return answer;
  }

  vmVolumes(id: string, options?: CallOptions): Promise<VolumeRef[]> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'vmVolumes', vm: id, signal: o.signal }, (client) =>
      vms.vmVolumes(client, id, (pool) => this.managedPools.size === 0 || this.managedPools.has(pool), o),
    );
  }

  ensurePool(name: string, directory: string, options?: CallOptions): Promise<void> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'ensurePool', pool: name, signal: o.signal }, async (client) => {
      await storage.ensurePool(client, name, directory, o);
      this.managedPools.add(name);
    });
  }

  createVolume(
    spec: {
      ref: VolumeRef;
      capacityBytes: number;
      format: 'qcow2' | 'raw';
      backing?: { ref: VolumeRef; format: 'qcow2' | 'raw' };
    },
    options?: CallOptions,
  ): Promise<VolumeInfo> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'createVolume', volume: spec.ref, signal: o.signal }, (client) =>
      storage.createVolume(client, spec, o),
    );
  }

  deleteVolume(ref: VolumeRef, options?: CallOptions): Promise<void> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'deleteVolume', volume: ref, signal: o.signal }, (client) =>
      storage.deleteVolume(client, ref, o),
    );
  }

  volumeInfo(ref: VolumeRef, options?: CallOptions): Promise<VolumeInfo | null> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'volumeInfo', volume: ref, signal: o.signal }, (client) =>
      storage.volumeInfo(client, ref, o),
    );
  }

  resizeVolume(ref: VolumeRef, capacityBytes: number, options?: CallOptions): Promise<void> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'resizeVolume', volume: ref, signal: o.signal }, (client) =>
      storage.resizeVolume(client, ref, capacityBytes, o),
    );
  }

  listVolumes(pool: string, options?: CallOptions): Promise<VolumeInfo[]> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'listVolumes', pool, signal: o.signal }, (client) =>
      storage.listVolumes(client, pool, o),
    );
  }

  openConsole(id: string, kind: ConsoleKind, options?: CallOptions): Promise<Duplex> {
    const o = { signal: options?.signal };
    return this.run({ operation: 'openConsole', vm: id, signal: o.signal }, (client) =>
      kind === 'vnc' ? openVncConsole(client, id, o) : openSerialConsole(this.options.uri, id, o),
    );
  }

  uploadVolume(
    ref: VolumeRef,
    source: AsyncIterable<Uint8Array>,
    options: CallOptions & { lengthBytes: number },
  ): Promise<void> {
    const o = { signal: options.signal };
    return this.run({ operation: 'uploadVolume', volume: ref, signal: o.signal }, (client) =>
      storage.uploadVolume(client, ref, source, options.lengthBytes, o),
    );
  }

  /**
   * A call on one domain by its id (no lookup: handles resolve by UUID). When libvirt refuses it because of the
   * domain's state, the state is read so the VM_INVALID_STATE message can name it.
   */
  private domainCall(
    operation: string,
    id: string,
    options: CallOptions | undefined,
    work: (
      client: LibvirtClient,
      dom: ReturnType<typeof vms.domHandle>,
      o: { signal: AbortSignal | undefined },
    ) => Promise<unknown>,
  ): Promise<void> {
    const o = { signal: options?.signal };
    const ctx: ErrorContext = { operation, vm: id, signal: o.signal };
    return translated(ctx, async () => {
      const client = this.session.requireClient();
      const dom = vms.domHandle(id);
      try {
        await work(client, dom, o);
      } catch (err: unknown) {
        if (!isInvalidState(err)) throw err;
        const state = await client.domainGetState({ dom, flags: 0 }, o).then(
          (s) => vmStateOf(s.state),
          () => undefined,
        );
        throw translateError(err, { ...ctx, state });
      }
    });
  }
}
