import type { VmState } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor, HypervisorEvent, VmRuntime } from '../ports/hypervisor.js';
import type { VmRepository } from '../ports/repositories.js';
import type { Logger } from './logger.js';

/** The API event a state transition produces. */
export function transitionEventType(previous: VmState, next: VmState): string | null {
  if (previous === next) return null;
  switch (next) {
    case 'running':
      return previous === 'paused' || previous === 'suspended' ? 'vm.resumed' : 'vm.started';
    case 'stopped':
      return 'vm.stopped';
    case 'paused':
      return 'vm.paused';
    case 'crashed':
      return 'vm.crashed';
    case 'suspended':
      return 'vm.suspended';
    case 'unknown':
      return null;
  }
}

/**
 * The live truth of every VM's runtime state. libvirt's event stream feeds it; one bulk listing corrects it at
 * start-up and after every reconnect. Each change is written to the database, appended to the event log and
 * pushed to clients, in that order. Reads never call libvirt.
 */
export class LiveStateService {
  private readonly view = new Map<string, VmRuntime>();
  /** Domains libvirt has that Gureum has no row for (drift findings read this). */
  private readonly foreign = new Map<string, VmRuntime>();
  private queue: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly watchers = new Set<(vmId: string, state: VmState) => void>();
  private reconciledOnce = false;

  constructor(
    private readonly deps: {
      hypervisor: Hypervisor;
      vms: VmRepository;
      events: EventPublisher;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** Subscribes to the hypervisor and reconciles when it is (or becomes) reachable. */
  start(): Promise<void> {
    const { hypervisor } = this.deps;
    this.unsubscribe.push(
      hypervisor.onEvent((event) => this.enqueue(() => this.apply(event))),
      hypervisor.onStatus((status) => {
        if (status === 'up') this.enqueue(() => this.reconcile());
      }),
    );
    if (hypervisor.status === 'up') this.enqueue(() => this.reconcile());
    return this.idle();
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Resolves once every queued event and reconciliation has been processed. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  get hasReconciled(): boolean {
    return this.reconciledOnce;
  }

  /** The live state of a VM: `unknown` while libvirt is unreachable or the domain is missing. */
  stateOf(vmId: string): VmState {
    if (this.deps.hypervisor.status !== 'up') return 'unknown';
    return this.view.get(vmId)?.state ?? 'unknown';
  }

  foreignDomains(): VmRuntime[] {
    return [...this.foreign.values()];
  }

  /** Records what a just-finished operation observed, so reads right after it agree with the event to come. */
  remember(runtime: VmRuntime): void {
    this.view.set(runtime.id, runtime);
    for (const watcher of this.watchers) watcher(runtime.id, runtime.state);
  }

  forget(vmId: string): void {
    this.view.delete(vmId);
  }

  /**
   * Resolves with the VM's state once it is one of `states` (at once when it already is), or rejects when the
   * signal aborts. Fed by the event stream, never by polling.
   */
  waitForState(vmId: string, states: readonly VmState[], signal: AbortSignal): Promise<VmState> {
    const current = this.view.get(vmId)?.state;
    if (current && states.includes(current)) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.watchers.delete(watcher);
        signal.removeEventListener('abort', onAbort);
      };
      const watcher = (id: string, state: VmState): void => {
        if (id !== vmId || !states.includes(state)) return;
        done();
        resolve(state);
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      this.watchers.add(watcher);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      this.deps.logger.error({ err }, 'live state update failed');
    });
  }

  private async apply(event: HypervisorEvent): Promise<void> {
    if (event.kind !== 'lifecycle') return;
    if (event.cause === 'undefined') {
      this.view.delete(event.vmId);
      this.foreign.delete(event.vmId);
      return;
    }
    if (event.state === null) return;
    // libvirt announces a boot as RESUMED/unpaused and then STARTED/booted: only a resume of a paused VM is one.
    const previous = this.view.get(event.vmId)?.state;
    if (event.cause === 'resumed' && previous !== 'paused' && previous !== 'suspended') return;
    const runtime: VmRuntime = {
      id: event.vmId,
      name: event.name,
      state: event.state,
      reason: event.detail,
    };
    await this.observe(runtime, event.detail);
  }

  /** Applies one observed runtime: updates the view, and on a change writes the DB and publishes the event. */
  private async observe(runtime: VmRuntime, cause: string): Promise<void> {
    const { vms, events, clock } = this.deps;
    this.view.set(runtime.id, runtime);
    for (const watcher of this.watchers) watcher(runtime.id, runtime.state);
    const vm = await vms.findById(runtime.id);
    if (!vm) {
      this.foreign.set(runtime.id, runtime);
      return;
    }
    this.foreign.delete(runtime.id);
    const previous = vm.lastState;
    if (previous === runtime.state) return;
    const at = clock.now().toISOString();
    await vms.setLastState(vm.id, runtime.state, at);
    const type = transitionEventType(previous, runtime.state);
    if (type === null) return;
    await events.publish({
      type,
      time: at,
      resourceKind: 'vm',
      resourceId: vm.id,
      ownerId: vm.ownerId,
      data: { name: vm.name, state: runtime.state, previousState: previous, reason: cause },
    });
  }

  /** One bulk listing: corrects the view and publishes every change missed while disconnected. */
  private async reconcile(): Promise<void> {
    const { hypervisor, vms, logger } = this.deps;
    let runtimes: VmRuntime[];
    try {
      runtimes = await hypervisor.listVms();
    } catch (err: unknown) {
      logger.warn({ err }, 'reconcile: listing VMs failed; will retry on the next reconnect');
      return;
    }
    this.view.clear();
    this.foreign.clear();
    const byId = new Map(runtimes.map((r) => [r.id, r]));
    for (const runtime of runtimes) await this.observe(runtime, 'reconciled');
    for (const row of await vms.listAllStates()) {
      if (!byId.has(row.id) && row.phase === 'ready' && row.lastState !== 'unknown') {
        // The domain vanished while we were not looking: keep the row (drift reports it) and say so.
        await this.observe({ id: row.id, name: row.name, state: 'unknown', reason: 'missing' }, 'missing');
        this.view.delete(row.id);
      }
    }
    this.reconciledOnce = true;
    logger.info({ domains: runtimes.length }, 'reconciled live state with libvirt');
  }
}
