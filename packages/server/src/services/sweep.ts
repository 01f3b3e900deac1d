import type { Hypervisor } from '../ports/hypervisor.js';
import type { Repositories } from '../ports/repositories.js';
import type { Logger } from './logger.js';

/**
 * A VM row left in phase `creating` with no unfinished task belongs to a create that died before its task could
 * journal anything: nothing was made on the hypervisor for it (the first step journals before acting), so the
 * row alone goes. Runs at start-up, after task recovery.
 */
export async function sweepAbandonedVms(deps: {
  repos: Repositories;
  hypervisor: Hypervisor;
  logger: Logger;
}): Promise<number> {
  const { repos, logger } = deps;
  const unfinished = new Set((await repos.tasks.listUnfinished()).map((t) => t.resourceId));
  let removed = 0;
  for (const row of await repos.vms.listAllStates()) {
    if (row.phase !== 'creating' || unfinished.has(row.id)) continue;
    if ((await repos.volumes.listByVm(row.id)).length > 0) continue;
    await repos.vms.delete(row.id);
    removed += 1;
    logger.warn({ vm: row.id, name: row.name }, 'removed a VM reservation whose create never started');
  }
  return removed;
}
