import { AppError } from '../domain/errors.js';
import type { VmState } from '../domain/model.js';
import type { Duplex } from 'node:stream';
import type {
  CallOptions,
  ConsoleKind,
  FirmwareSupport,
  HostInfo,
  Hypervisor,
  HypervisorEvent,
  HypervisorStatus,
  LifecycleCause,
  Unsubscribe,
  VmBootConfig,
  VmCdromSpec,
  VmRuntime,
  VmSnapshotInfo,
  VmSpec,
  VolumeInfo,
  VolumeRef,
} from '../ports/hypervisor.js';
import { FakeConsoles } from './fake-consoles.js';

interface FakeVm {
  /** The persistent definition. */
  spec: VmSpec;
  /** Snapshots as libvirt keeps them, oldest first; `current` is the one the VM was last taken or reverted at. */
  snapshots?: (VmSnapshotInfo & { savedState: VmState })[];
  currentSnapshot?: string | null;
  state: VmState;
  /** The definition the running VM started with (live media changes apply to it); null while it is off. */
  live: VmSpec | null;
  /** libvirt's reason for the state, as the adapter words it (`shutdown`, `destroyed`, `booted`, …). */
  reason?: string;
}

/** A blank qcow2 as libvirt creates it is not empty: its header and tables take this much of the file. */
export const BLANK_QCOW2_ALLOCATION_BYTES = 196_608;

function bootConfigOf(spec: VmSpec): VmBootConfig {
  const hasDisk = spec.disks.length > 0;
  const hasCdrom = spec.cdrom !== null;
  // What the adapter writes (domain-spec.ts effectiveBootOrder): a mode naming a missing device kind falls back.
  const bootOrder = hasDisk && hasCdrom ? spec.bootOrder : hasDisk ? 'hd' : 'cdrom';
  return { bootOrder, hasMedia: spec.cdrom?.media != null };
}

const key = (ref: VolumeRef): string => `${ref.pool}/${ref.name}`;

/**
 * An in-memory hypervisor for unit tests of services and routes. It behaves like libvirt where services rely on
 * it: operations emit lifecycle events (asynchronously, like the daemon), deletes are idempotent, missing VMs
 * raise VM_NOT_FOUND, and invalid transitions raise VM_INVALID_STATE. Tests can break it on purpose with
 * `failNext` and take it down with `setStatus('down')`.
 */
export class FakeHypervisor implements Hypervisor {
  status: HypervisorStatus = 'up';
  readonly vms = new Map<string, FakeVm>();
  readonly volumes = new Map<string, VolumeInfo & { bytes?: Buffer }>();
  readonly pools = new Map<string, string>();
  readonly calls: string[] = [];
  private readonly eventListeners = new Set<(e: HypervisorEvent) => void>();
  private readonly statusListeners = new Set<(s: HypervisorStatus) => void>();
  private readonly failures = new Map<string, Error>();
  /** A guest that ignores ACPI: `shutdownVm` succeeds and nothing happens (graceful stops time out). */
  ignoreShutdown = false;
  /** What `firmwareSupport` reports (a host with OVMF by default). */
  uefiAvailable = true;
  /** The VMs' consoles: a TCP RFB-banner echo server per VM for VNC, in-memory echo streams for serial. */
  readonly consoles = new FakeConsoles();

  onStatus(listener: (status: HypervisorStatus) => void): Unsubscribe {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onEvent(listener: (event: HypervisorEvent) => void): Unsubscribe {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Makes the next call of `method` throw `error`. */
  failNext(method: string, error: Error = new Error(`injected failure in ${method}`)): void {
    this.failures.set(method, error);
  }

  setStatus(status: HypervisorStatus): void {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }

  /** Emits an event as if something outside Gureum (virsh, the guest) changed a VM. */
  emitExternal(vmId: string, cause: LifecycleCause, detail: string, state: VmState | null): void {
    const vm = this.vms.get(vmId);
    if (vm && state) this.setState(vm, state, detail);
    if (state === 'stopped' || state === 'crashed') this.consoles.vmStopped(vmId);
    this.emit({ kind: 'lifecycle', vmId, name: vm?.spec.name ?? vmId, cause, detail, state });
  }

  /** The guest rebooted itself (libvirt's REBOOT event): the VM keeps running on its live definition. */
  emitGuestReboot(vmId: string): void {
    this.reboot(vmId);
  }

  /** The guest wrote `bytes` to a disk: the volume's allocation grows as a qcow2 file's would. */
  writeToVolume(ref: VolumeRef, bytes: number): void {
    const vol = this.volumes.get(key(ref));
    if (!vol) throw new Error(`no volume ${key(ref)}`);
    vol.allocationBytes += bytes;
  }

  private setState(vm: FakeVm, state: VmState, reason: string): void {
    const wasOff = vm.state === 'stopped' || vm.state === 'crashed';
    vm.state = state;
    vm.reason = reason;
    if (state === 'stopped' || state === 'crashed') vm.live = null;
    else if (wasOff || vm.live === null) vm.live = structuredClone(vm.spec);
  }

  private emit(event: HypervisorEvent): void {
    queueMicrotask(() => {
      for (const l of this.eventListeners) l(event);
    });
  }

  private enter(method: string): void {
    this.calls.push(method);
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
    if (this.status !== 'up')
      throw new AppError('LIBVIRT_UNAVAILABLE', 'unavailable', 'libvirt is not reachable');
  }

  /**
   * Runs one port method: records the call, applies `failNext` and the status, and turns every throw into a
   * rejected promise, as the real (async) adapter does, so `.catch()` chains behave the same with the fake.
   */
  private call<T>(method: string, body: () => T): Promise<T> {
    try {
      this.enter(method);
      return Promise.resolve(body());
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private vm(id: string): FakeVm {
    const vm = this.vms.get(id);
    if (!vm) throw new AppError('VM_NOT_FOUND', 'not_found', `no domain with uuid ${id}`);
    return vm;
  }

  private transition(id: string, from: VmState[], to: VmState, cause: LifecycleCause, detail: string): void {
    const vm = this.vm(id);
    if (!from.includes(vm.state)) {
      throw new AppError('VM_INVALID_STATE', 'conflict', `VM is ${vm.state}`);
    }
    this.setState(vm, to, detail);
    if (to === 'stopped' || to === 'crashed') this.consoles.vmStopped(id);
    this.emit({ kind: 'lifecycle', vmId: id, name: vm.spec.name, cause, detail, state: to });
  }

  private runtime(vm: FakeVm): VmRuntime {
    return { id: vm.spec.id, name: vm.spec.name, state: vm.state, reason: vm.reason ?? 'unknown' };
  }

  hostInfo(_options?: CallOptions): Promise<HostInfo> {
    return this.call('hostInfo', () => ({
      hostname: 'fake',
      libvirtVersion: '9.0.0',
      hypervisorVersion: '7.2.0',
      domainType: 'qemu' as const,
      cpus: 2,
      memoryBytes: 8 * 1024 ** 3,
    }));
  }

  listVms(_options?: CallOptions): Promise<VmRuntime[]> {
    return this.call('listVms', () => [...this.vms.values()].map((vm) => this.runtime(vm)));
  }

  getVm(idOrName: { id: string } | { name: string }, _options?: CallOptions): Promise<VmRuntime | null> {
    return this.call('getVm', () => {
      const vm =
        'id' in idOrName
          ? this.vms.get(idOrName.id)
          : [...this.vms.values()].find((v) => v.spec.name === idOrName.name);
      return vm ? this.runtime(vm) : null;
    });
  }

  defineVm(spec: VmSpec, _options?: CallOptions): Promise<void> {
    return this.call('defineVm', () => {
      const clash = [...this.vms.values()].find((v) => v.spec.name === spec.name && v.spec.id !== spec.id);
      if (clash) throw new AppError('VM_NAME_TAKEN', 'conflict', `domain '${spec.name}' already exists`);
      const existing = this.vms.get(spec.id);
      this.vms.set(spec.id, {
        spec: structuredClone(spec),
        state: existing?.state ?? 'stopped',
        live: existing?.live ?? null,
      });
      this.emit({
        kind: 'lifecycle',
        vmId: spec.id,
        name: spec.name,
        cause: 'defined',
        detail: 'added',
        state: null,
      });
    });
  }

  undefineVm(id: string, _options?: CallOptions): Promise<void> {
    return this.call('undefineVm', () => {
      const vm = this.vms.get(id);
      if (!vm) return;
      if (vm.state !== 'stopped')
        throw new AppError('VM_INVALID_STATE', 'conflict', 'cannot undefine a running VM here');
      this.vms.delete(id);
      // Undefined with the NVRAM flag: libvirt removes the UEFI variables file too.
      if (vm.spec.nvram) this.volumes.delete(key(vm.spec.nvram));
      this.emit({
        kind: 'lifecycle',
        vmId: id,
        name: vm.spec.name,
        cause: 'undefined',
        detail: 'removed',
        state: null,
      });
    });
  }

  startVm(id: string): Promise<void> {
    return this.call('startVm', () => {
      const { spec } = this.vm(id);
      const media = spec.cdrom?.media;
      if (media && !this.volumes.has(key(media)))
        throw new AppError('INTERNAL', 'internal', `cdrom source ${key(media)} is missing`);
      this.transition(id, ['stopped', 'crashed'], 'running', 'started', 'booted');
      // libvirt copies the OVMF variables template into a missing NVRAM file at the first start.
      if (spec.firmware === 'uefi' && spec.nvram && !this.volumes.has(key(spec.nvram))) {
        const ref = spec.nvram;
        this.volumes.set(key(ref), {
          ref,
          path: `/fake/${ref.pool}/${ref.name}`,
          format: 'raw',
          capacityBytes: 540_672,
          allocationBytes: 540_672,
          backing: null,
        });
      }
    });
  }

  shutdownVm(id: string): Promise<void> {
    return this.call('shutdownVm', () => {
      const vm = this.vm(id);
      if (vm.state !== 'running') throw new AppError('VM_INVALID_STATE', 'conflict', `VM is ${vm.state}`);
      if (this.ignoreShutdown) return;
      // A cooperative guest powers off shortly after the ACPI request.
      setTimeout(() => {
        if (this.vms.get(id)?.state === 'running')
          this.transition(id, ['running'], 'stopped', 'stopped', 'shutdown');
      }, 5);
    });
  }

  destroyVm(id: string): Promise<void> {
    return this.call('destroyVm', () => {
      const vm = this.vm(id);
      if (vm.state === 'stopped') return;
      this.transition(id, ['running', 'paused', 'crashed', 'suspended'], 'stopped', 'stopped', 'destroyed');
    });
  }

  rebootVm(id: string): Promise<void> {
    return this.call('rebootVm', () => {
      this.reboot(id);
    });
  }

  resetVm(id: string): Promise<void> {
    return this.call('resetVm', () => {
      this.reboot(id);
    });
  }

  private reboot(id: string): void {
    const vm = this.vm(id);
    if (vm.state !== 'running') throw new AppError('VM_INVALID_STATE', 'conflict', `VM is ${vm.state}`);
    this.emit({ kind: 'reboot', vmId: id, name: vm.spec.name });
  }

  pauseVm(id: string): Promise<void> {
    return this.call('pauseVm', () => {
      this.transition(id, ['running'], 'paused', 'suspended', 'paused');
    });
  }

  resumeVm(id: string): Promise<void> {
    return this.call('resumeVm', () => {
      this.transition(id, ['paused'], 'running', 'resumed', 'unpaused');
    });
  }

  changeMedia(id: string, cdrom: VmCdromSpec): Promise<void> {
    return this.call('changeMedia', () => {
      const vm = this.vm(id);
      if (vm.live === null)
        throw new AppError('VM_INVALID_STATE', 'conflict', 'domain is not running (live change)');
      if (vm.live.cdrom?.target !== cdrom.target)
        throw new AppError('INTERNAL', 'internal', `no cdrom ${cdrom.target}`);
      if (cdrom.media && !this.volumes.has(key(cdrom.media)))
        throw new AppError('INTERNAL', 'internal', `no volume ${key(cdrom.media)}`);
      vm.live.cdrom = { ...vm.live.cdrom, media: cdrom.media };
    });
  }

  bootConfig(id: string, which: { live: boolean }): Promise<VmBootConfig | null> {
    return this.call('bootConfig', () => {
      const vm = this.vms.get(id);
      if (!vm) return null;
      const spec = which.live ? vm.live : vm.spec;
      return spec ? bootConfigOf(spec) : null;
    });
  }

  firmwareSupport(): Promise<FirmwareSupport> {
    return this.call('firmwareSupport', () => ({ uefi: this.uefiAvailable }));
  }

  vmVolumes(id: string): Promise<VolumeRef[]> {
    return this.call('vmVolumes', () => {
      const vm = this.vms.get(id);
      if (!vm) return [];
      const refs = vm.spec.disks.map((d) => d.volume);
      if (vm.spec.nvram) refs.push(vm.spec.nvram);
      return refs;
    });
  }

  ensurePool(name: string, directory: string): Promise<void> {
    return this.call('ensurePool', () => {
      this.pools.set(name, directory);
    });
  }

  createVolume(spec: {
    ref: VolumeRef;
    capacityBytes: number;
    format: 'qcow2' | 'raw';
    backing?: { ref: VolumeRef; format: 'qcow2' | 'raw' };
  }): Promise<VolumeInfo> {
    return this.call('createVolume', () => {
      if (!this.pools.has(spec.ref.pool))
        throw new AppError('INTERNAL', 'internal', `no pool ${spec.ref.pool}`);
      if (this.volumes.has(key(spec.ref)))
        throw new AppError('INTERNAL', 'internal', `volume ${key(spec.ref)} exists`);
      const backing = spec.backing ? this.volumes.get(key(spec.backing.ref)) : undefined;
      if (spec.backing && !backing) throw new AppError('INTERNAL', 'internal', 'backing volume missing');
      const info: VolumeInfo = {
        ref: spec.ref,
        path: `/fake/${spec.ref.pool}/${spec.ref.name}`,
        format: spec.format,
        capacityBytes: spec.capacityBytes,
        allocationBytes: spec.format === 'qcow2' ? BLANK_QCOW2_ALLOCATION_BYTES : 0,
        // As libvirt writes it: the backing format the overlay was created with.
        backing: backing && spec.backing ? { path: backing.path, format: spec.backing.format } : null,
      };
      this.volumes.set(key(spec.ref), info);
      return info;
    });
  }

  deleteVolume(ref: VolumeRef): Promise<void> {
    return this.call('deleteVolume', () => {
      this.volumes.delete(key(ref));
    });
  }

  volumeInfo(ref: VolumeRef): Promise<VolumeInfo | null> {
    return this.call('volumeInfo', () => this.volumes.get(key(ref)) ?? null);
  }

  listSnapshots(id: string): Promise<VmSnapshotInfo[]> {
    return this.call('listSnapshots', () =>
      (this.vm(id).snapshots ?? []).map(({ savedState: _saved, ...info }) => ({ ...info })),
    );
  }

  /** Like libvirt: names are unique per VM; a running VM's snapshot includes its memory; the parent is current. */
  createSnapshot(id: string, spec: { name: string; description: string; targets: string[] }): Promise<void> {
    return this.call('createSnapshot', () => {
      const vm = this.vm(id);
      const list = (vm.snapshots ??= []);
      if (list.some((s) => s.name === spec.name))
        throw new AppError('SNAPSHOT_NAME_TAKEN', 'conflict', `snapshot ${spec.name} exists`);
      const running = vm.state === 'running' || vm.state === 'paused';
      list.push({
        name: spec.name,
        description: spec.description,
        state: running ? 'running' : 'shutoff',
        createdAt: new Date(Date.now() + list.length).toISOString(),
        parent: vm.currentSnapshot ?? null,
        memory: running,
        savedState: vm.state,
      });
      vm.currentSnapshot = spec.name;
    });
  }

  /** The VM returns to the state it had (a memory snapshot runs again; a disk-only one is off). */
  revertSnapshot(id: string, name: string): Promise<void> {
    return this.call('revertSnapshot', () => {
      const vm = this.vm(id);
      const snap = vm.snapshots?.find((s) => s.name === name);
      if (!snap) throw new AppError('SNAPSHOT_NOT_FOUND', 'not_found', `no snapshot ${name}`);
      vm.currentSnapshot = name;
      const target: VmState = snap.memory ? 'running' : 'stopped';
      if (vm.state !== target) {
        vm.live = target === 'running' ? vm.spec : null;
        this.transition(
          id,
          [vm.state],
          target,
          target === 'running' ? 'started' : 'stopped',
          'from_snapshot',
        );
      }
    });
  }

  deleteSnapshot(id: string, name: string): Promise<void> {
    return this.call('deleteSnapshot', () => {
      const vm = this.vm(id);
      const snap = vm.snapshots?.find((s) => s.name === name);
      if (!snap || !vm.snapshots) return;
      for (const child of vm.snapshots) if (child.parent === name) child.parent = snap.parent;
      vm.snapshots = vm.snapshots.filter((s) => s !== snap);
      if (vm.currentSnapshot === name) vm.currentSnapshot = snap.parent;
    });
  }

  resizeVolume(ref: VolumeRef, capacityBytes: number): Promise<void> {
    return this.call('resizeVolume', () => {
      const volume = this.volumes.get(key(ref));
      if (!volume) throw new AppError('VOLUME_NOT_FOUND', 'not_found', `no volume ${key(ref)}`);
      if (capacityBytes > volume.capacityBytes) volume.capacityBytes = capacityBytes;
    });
  }

  /** Like libvirt: the VM must run and have a disk at `target` (its live definition); the volume grows. */
  resizeVmDisk(id: string, target: string, capacityBytes: number): Promise<void> {
    return this.call('resizeVmDisk', () => {
      const vm = this.vm(id);
      if (vm.live === null) throw new AppError('VM_INVALID_STATE', 'conflict', 'domain is not running');
      const disk = vm.live.disks.find((d) => d.target === target);
      if (!disk) throw new AppError('DISK_NOT_FOUND', 'not_found', `no disk ${target}`);
      const volume = this.volumes.get(key(disk.volume));
      if (!volume) throw new AppError('INTERNAL', 'internal', `volume of ${target} missing`);
      if (capacityBytes < volume.capacityBytes)
        throw new AppError('INTERNAL', 'internal', 'cannot shrink a disk live');
      volume.capacityBytes = capacityBytes;
    });
  }

  listVolumes(pool: string): Promise<VolumeInfo[]> {
    return this.call('listVolumes', () => [...this.volumes.values()].filter((v) => v.ref.pool === pool));
  }

  async openConsole(id: string, kind: ConsoleKind, _options?: CallOptions): Promise<Duplex> {
    this.enter('openConsole');
    const vm = this.vm(id);
    if (vm.state !== 'running' && vm.state !== 'paused')
      throw new AppError('VM_INVALID_STATE', 'conflict', `VM is ${vm.state}`);
    return this.consoles.open(id, kind);
  }

  async uploadVolume(
    ref: VolumeRef,
    source: AsyncIterable<Uint8Array>,
    options: CallOptions & { lengthBytes: number },
  ): Promise<void> {
    this.enter('uploadVolume');
    const vol = this.volumes.get(key(ref));
    if (!vol) throw new AppError('INTERNAL', 'internal', `no volume ${key(ref)}`);
    const chunks: Buffer[] = [];
    for await (const chunk of source) {
      options.signal?.throwIfAborted();
      chunks.push(Buffer.from(chunk));
    }
    vol.bytes = Buffer.concat(chunks);
    vol.allocationBytes = vol.bytes.length;
  }
}
