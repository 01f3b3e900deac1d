import type { VmInstallation } from '@gureum/contract';
import type { TaskRecord, VmRecord } from '../domain/model.js';
import type { TaskEngine } from '../tasks/index.js';
import { assertCanMutate, type Actor } from './access.js';
import {
  assertCompletable,
  COMPLETE_INSTALLATION,
  type InstallationOutcome,
  type VmCompleteInstallationInput,
} from './install.tasks.js';
import { installationSummary } from './installation.js';
import type { VmService } from './vm.service.js';

const MESSAGES: Record<VmRecord['installationStatus'], (vm: VmRecord) => string | undefined> = {
  not_installed: (vm) =>
    vm.mediaImageId === null
      ? 'Insert an installer ISO and start the VM to install.'
      : 'Start the VM to install from the ISO.',
  installing: () =>
    'Installing: done when the guest reboots or powers off after writing its disk, or when marked complete.',
  installed: () => undefined,
  failed: (vm) =>
    vm.mediaImageId === null
      ? 'Marked failed. Insert an installer ISO and start the VM to try again.'
      : 'Marked failed. Start the VM to try again from the ISO.',
};

/** The installation phase of VMs installed from an ISO: reading it, and ending it by hand. */
export class InstallService {
  constructor(private readonly deps: { vms: VmService; tasks: TaskEngine }) {}

  async get(actor: Actor, idOrName: string): Promise<VmInstallation> {
    return installationOf(await this.deps.vms.find(actor, idOrName));
  }

  /**
   * Marks the installation `installed` (ISO ejected unless kept, boot order `hd`) or `failed` (nothing else changes;
   * starting the VM again with an ISO retries). The same task the install tracker runs by itself.
   */
  async complete(
    actor: Actor,
    idOrName: string,
    status: InstallationOutcome,
    meta: { requestId: string },
  ): Promise<TaskRecord> {
    assertCanMutate(actor);
    const vm = await this.deps.vms.find(actor, idOrName);
    assertCompletable(vm, status);
    const input: VmCompleteInstallationInput = {
      vmId: vm.id,
      status,
      trigger: 'manual',
      mediaImageId: vm.mediaImageId,
    };
    return this.deps.tasks.submit(COMPLETE_INSTALLATION, input, {
      actorId: actor.id,
      ownerId: vm.ownerId,
      resource: { kind: 'vm', id: vm.id },
      requestId: meta.requestId,
    });
  }
}

export function installationOf(vm: VmRecord): VmInstallation {
  const message = MESSAGES[vm.installationStatus](vm);
  return {
    ...installationSummary(vm),
    isoImageId: vm.mediaImageId,
    keepMediaAfterInstall: vm.keepMediaAfterInstall,
    ...(message === undefined ? {} : { message }),
  };
}
