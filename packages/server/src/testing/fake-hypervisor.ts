import { AppError } from '../domain/errors.js';
import type { VmState } from '../domain/model.js';
import type {
  CallOptions,
  HostInfo,
  Hypervisor,
  HypervisorEvent,
  HypervisorStatus,
  LifecycleCause,
  Unsubscribe,
  VmRuntime,
  VmSpec,
  VolumeInfo,
  VolumeRef,
} from '../ports/hypervisor.js';

interface FakeVm {
  spec: VmSpec;
  state: VmState;
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
    if (vm && state) vm.state = state;
    this.emit({ kind: 'lifecycle', vmId, name: vm?.spec.name ?? vmId, cause, detail, state });
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
    vm.state = to;
    this.emit({ kind: 'lifecycle', vmId: id, name: vm.spec.name, cause, detail, state: to });
  }

  private runtime(vm: FakeVm): VmRuntime {
    return { id: vm.spec.id, name: vm.spec.name, state: vm.state, reason: 'unknown' };
  }

  hostInfo(_options?: CallOptions): Promise<HostInfo> {
    this.enter('hostInfo');
    return Promise.resolve({
      hostname: 'fake',
      libvirtVersion: '9.0.0',
      hypervisorVersion: '7.2.0',
      domainType: 'qemu',
      cpus: 2,
      memoryBytes: 8 * 1024 ** 3,
    });
  }

  listVms(_options?: CallOptions): Promise<VmRuntime[]> {
    this.enter('listVms');
    return Promise.resolve([...this.vms.values()].map((vm) => this.runtime(vm)));
  }

  getVm(idOrName: { id: string } | { name: string }, _options?: CallOptions): Promise<VmRuntime | null> {
    this.enter('getVm');
    const vm =
      'id' in idOrName
        ? this.vms.get(idOrName.id)
        : [...this.vms.values()].find((v) => v.spec.name === idOrName.name);
    return Promise.resolve(vm ? this.runtime(vm) : null);
  }

  defineVm(spec: VmSpec, _options?: CallOptions): Promise<void> {
    this.enter('defineVm');
    const clash = [...this.vms.values()].find((v) => v.spec.name === spec.name && v.spec.id !== spec.id);
    if (clash) throw new AppError('VM_NAME_TAKEN', 'conflict', `domain '${spec.name}' already exists`);
    const existing = this.vms.get(spec.id);
    this.vms.set(spec.id, { spec, state: existing?.state ?? 'stopped' });
    this.emit({
      kind: 'lifecycle',
      vmId: spec.id,
      name: spec.name,
      cause: 'defined',
      detail: 'added',
      state: null,
    });
    return Promise.resolve();
  }

  undefineVm(id: string, _options?: CallOptions): Promise<void> {
    this.enter('undefineVm');
    const vm = this.vms.get(id);
    if (!vm) return Promise.resolve();
    if (vm.state !== 'stopped')
      throw new AppError('VM_INVALID_STATE', 'conflict', 'cannot undefine a running VM here');
    this.vms.delete(id);
    this.emit({
      kind: 'lifecycle',
      vmId: id,
      name: vm.spec.name,
      cause: 'undefined',
      detail: 'removed',
      state: null,
    });
    return Promise.resolve();
  }

  startVm(id: string): Promise<void> {
    this.enter('startVm');
    this.transition(id, ['stopped', 'crashed'], 'running', 'started', 'booted');
    return Promise.resolve();
  }

  shutdownVm(id: string): Promise<void> {
    this.enter('shutdownVm');
    const vm = this.vm(id);
    if (vm.state !== 'running') throw new AppError('VM_INVALID_STATE', 'conflict', `VM is ${vm.state}`);
    // A cooperative guest powers off shortly after the ACPI request.
    setTimeout(() => {
      if (this.vms.get(id)?.state === 'running')
        this.transition(id, ['running'], 'stopped', 'stopped', 'shutdown');
    }, 5);
    return Promise.resolve();
  }

  destroyVm(id: string): Promise<void> {
    this.enter('destroyVm');
    const vm = this.vm(id);
    if (vm.state === 'stopped') return Promise.resolve();
    this.transition(id, ['running', 'paused', 'crashed', 'suspended'], 'stopped', 'stopped', 'destroyed');
    return Promise.resolve();
  }

  rebootVm(id: string): Promise<void> {
    this.enter('rebootVm');
    const vm = this.vm(id);
    if (vm.state !== 'running') throw new AppError('VM_INVALID_STATE', 'conflict', `VM is ${vm.state}`);
    this.emit({ kind: 'reboot', vmId: id, name: vm.spec.name });
    return Promise.resolve();
  }

  resetVm(id: string): Promise<void> {
    this.enter('resetVm');
    return this.rebootVm(id);
  }

  pauseVm(id: string): Promise<void> {
    this.enter('pauseVm');
    this.transition(id, ['running'], 'paused', 'suspended', 'paused');
    return Promise.resolve();
  }

  resumeVm(id: string): Promise<void> {
    this.enter('resumeVm');
    this.transition(id, ['paused'], 'running', 'resumed', 'unpaused');
    return Promise.resolve();
  }

  vmVolumes(id: string): Promise<VolumeRef[]> {
    this.enter('vmVolumes');
    const vm = this.vms.get(id);
    if (!vm) return Promise.resolve([]);
    const refs = vm.spec.disks.map((d) => d.volume);
    if (vm.spec.nvram) refs.push(vm.spec.nvram);
    return Promise.resolve(refs);
  }

  ensurePool(name: string, directory: string): Promise<void> {
    this.enter('ensurePool');
    this.pools.set(name, directory);
    return Promise.resolve();
  }

  createVolume(spec: {
    ref: VolumeRef;
    capacityBytes: number;
    format: 'qcow2' | 'raw';
    backing?: { ref: VolumeRef; format: 'qcow2' | 'raw' };
  }): Promise<VolumeInfo> {
    this.enter('createVolume');
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
      allocationBytes: 0,
      backing: backing ? { path: backing.path, format: backing.format } : null,
    };
    this.volumes.set(key(spec.ref), info);
    return Promise.resolve(info);
  }

  deleteVolume(ref: VolumeRef): Promise<void> {
    this.enter('deleteVolume');
    this.volumes.delete(key(ref));
    return Promise.resolve();
  }

  volumeInfo(ref: VolumeRef): Promise<VolumeInfo | null> {
    this.enter('volumeInfo');
    return Promise.resolve(this.volumes.get(key(ref)) ?? null);
  }

  listVolumes(pool: string): Promise<VolumeInfo[]> {
    this.enter('listVolumes');
    return Promise.resolve([...this.volumes.values()].filter((v) => v.ref.pool === pool));
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
