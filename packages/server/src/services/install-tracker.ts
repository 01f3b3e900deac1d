import { isAppError } from '../domain/errors.js';
import type { HypervisorEvent } from '../ports/hypervisor.js';
import type { TaskEngine } from '../tasks/index.js';
import { COMPLETE_INSTALLATION, type VmCompleteInstallationInput } from './install.tasks.js';
import { beginInstallation, hasWrittenDisk, type InstallationDeps } from './installation.js';
import type { Logger } from './logger.js';

/** The actor of tasks the server starts by itself (audit rows and task records name it). */
export const SYSTEM_ACTOR = 'system';

export interface InstallTrackerDeps extends InstallationDeps {
  tasks: Pick<TaskEngine, 'submit'>;
  logger: Logger;
  /** Wait between attempts while the VM is busy with another task (ms, default 1000). */
  retryMs?: number;
  /** Give up retrying after this long (ms, default 120 000); the next reboot or power-off tries again. */
  retryForMs?: number;
}

type Trigger = 'reboot' | 'poweroff';

/**
 * Tracks installations from an ISO with no API call (DESIGN §5), fed by the hypervisor's event stream:
 * - a VM that starts with an ISO while its installation is pending becomes `installing` (also when started outside
 *   Gureum), with its system disk's allocation as the baseline;
 * - when an `installing` VM's guest reboots (libvirt's REBOOT event) or powers itself off (STOPPED/shutdown) and its
 *   system disk's allocation grew past the baseline, the `vm.complete-installation` task runs (the journaled task a
 *   user's `complete-installation` runs too, so a crash in the middle is resumed by task recovery);
 * - after every (re)connection to libvirt, `installing` VMs that powered off while nobody listened are completed.
 * A power-off by force (destroy) or a crash is not the end of an install: only the guest's own shutdown is. A reboot
 * nobody saw (the server was down) leaves the VM `installing` until the guest's next reboot or power-off, or until
 * a user completes it by hand.
 */
export class InstallTracker {
  private queue: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(private readonly deps: InstallTrackerDeps) {}

  /** Subscribes to the hypervisor; sweeps once it is (or becomes) reachable. */
  start(): Promise<void> {
    const { hypervisor } = this.deps;
    this.unsubscribe.push(
      hypervisor.onEvent((event) => {
        this.enqueue(() => this.handle(event));
      }),
      hypervisor.onStatus((status) => {
        if (status === 'up') this.enqueue(() => this.sweep());
      }),
    );
    if (hypervisor.status === 'up') this.enqueue(() => this.sweep());
    return this.idle();
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Resolves once everything queued so far was handled (tests). */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  private enqueue(work: () => Promise<void>): void {
    if (this.stopped) return;
    this.queue = this.queue.then(work).catch((err: unknown) => {
      this.deps.logger.error({ err }, 'install tracker: handling an event failed');
    });
  }

  private async handle(event: HypervisorEvent): Promise<void> {
    if (event.kind === 'reboot') {
      await this.consider(event.vmId, 'reboot', Date.now());
    } else if (event.kind === 'lifecycle') {
      if (event.cause === 'started') await beginInstallation(this.deps, event.vmId);
      // `shutdown`: the guest powered itself off (or obeyed the power button); `destroyed` is a pulled plug.
      else if (event.cause === 'stopped' && event.detail === 'shutdown')
        await this.consider(event.vmId, 'poweroff', Date.now());
    }
  }

  /** Completes the installation when the VM is installing and its guest wrote the system disk. */
  private async consider(vmId: string, trigger: Trigger, since: number): Promise<void> {
    const { repos, logger } = this.deps;
    const vm = await repos.vms.findById(vmId);
    if (vm?.installationStatus !== 'installing' || vm.phase !== 'ready') return;
    if (!(await hasWrittenDisk(this.deps, vm))) {
      logger.info(
        { vm: vmId, trigger },
        'install tracker: the guest did not write its disk yet; still installing',
      );
      return;
    }
    const input: VmCompleteInstallationInput = {
      vmId,
      status: 'installed',
      trigger,
      mediaImageId: vm.mediaImageId,
    };
    try {
      await this.deps.tasks.submit(COMPLETE_INSTALLATION, input, {
        actorId: SYSTEM_ACTOR,
        ownerId: vm.ownerId,
        resource: { kind: 'vm', id: vmId },
        message: `the guest ${trigger === 'reboot' ? 'rebooted' : 'powered off'} after writing its disk`,
      });
      logger.info({ vm: vmId, trigger }, 'install tracker: installation complete; finishing it');
    } catch (err: unknown) {
      // Another operation holds the VM (e.g. the stop that made it power off): try again shortly.
      if (!isAppError(err, 'VM_BUSY') || Date.now() - since > (this.deps.retryForMs ?? 120_000)) throw err;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(() => this.consider(vmId, trigger, since));
      }, this.deps.retryMs ?? 1000);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** `installing` VMs whose guest powered off while the server was down or libvirt unreachable. */
  private async sweep(): Promise<void> {
    for (const vm of await this.deps.repos.vms.listByInstallationStatus('installing')) {
      if (vm.phase !== 'ready') continue;
      const runtime = await this.deps.hypervisor.getVm({ id: vm.id });
      if (runtime?.state === 'stopped' && runtime.reason === 'shutdown') {
        await this.consider(vm.id, 'poweroff', Date.now());
      }
    }
  }
}
