import type { TaskRecord } from '../domain/model.js';
import { cancelledProblem, compensate, interruptedProblem } from './journal.js';
import { acquireLease, holderFor, parseHolder } from './lease.js';
import { isMarker, RESUME_MARKER, type RegisteredTask } from './registry.js';
import { notifyFinished, publishTask, type EngineDeps, type TaskRun } from './run.js';
import type { LeaseSpec } from './types.js';

export interface RecoveryOptions {
  /**
   * Only tasks whose heartbeat is older than the lease TTL, and never a live lease of another process: for periodic
   * sweeps when several replicas share the database. By default (start-up) every unfinished task that this process
   * is not running is an orphan, because the process that ran it is gone.
   */
  onlyStale?: boolean;
}

export interface RecoveryReport {
  resumed: string[];
  compensated: string[];
  /** Left alone: another live process holds their lease, or their heartbeat is fresh. */
  skipped: string[];
  /** Recovery itself failed (e.g. the database went away); the next recovery tries again. */
  errors: string[];
}

/** What recovery needs from the engine. */
export interface RecoveryHost {
  deps: EngineDeps;
  definition(kind: string): RegisteredTask | undefined;
  /** Marks a task as being recovered by this call; null when it is running here or already being recovered. */
  claim(taskId: string): (() => void) | null;
  activeRun(taskId: string): TaskRun | undefined;
  resume(def: RegisteredTask, task: TaskRecord, lease: LeaseSpec | null): void;
}

type Outcome = 'resumed' | 'compensated' | 'skipped';

export async function recoverTasks(host: RecoveryHost, options: RecoveryOptions): Promise<RecoveryReport> {
  const { store, clock, logger, leaseTtlMs } = host.deps;
  const report: RecoveryReport = { resumed: [], compensated: [], skipped: [], errors: [] };
  const staleBefore = clock.now().getTime() - leaseTtlMs;
  const tasks = (await store.listUnfinished()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const task of tasks) {
    if (options.onlyStale && Date.parse(task.heartbeatAt ?? task.createdAt) > staleBefore) continue;
    const release = host.claim(task.id);
    if (!release) continue;
    try {
      const outcome = await recoverOne(host, task, options);
      report[outcome].push(task.id);
      logger.info({ taskId: task.id, kind: task.kind, outcome }, 'recovered an unfinished task');
    } catch (err: unknown) {
      report.errors.push(task.id);
      logger.error({ err, taskId: task.id }, 'could not recover the task; the next recovery tries again');
    } finally {
      release();
    }
  }
  return report;
}

async function recoverOne(host: RecoveryHost, task: TaskRecord, options: RecoveryOptions): Promise<Outcome> {
  const { store } = host.deps;
  const def = host.definition(task.kind);
  if (!def) {
    const steps = await store.listSteps(task.id);
    const note = ` No handler for '${task.kind}' is registered, so nothing could be rolled back.`;
    const pending = steps.filter((s) => !isMarker(s.name) && (s.status === 'started' || s.status === 'done'));
    await end(
      host,
      task,
      'failed',
      interruptedProblem(
        task,
        steps,
        {
          undone: [],
          failed: pending.map((s) => ({ name: s.name, code: 'TASK_KIND_UNKNOWN' })),
        },
        note,
      ),
    );
    return 'compensated';
  }
  const lease = leaseOf(host, def, task);
  if (lease && !(await takeOverLease(host, lease.key, task.id, options))) return 'skipped';
  const steps = await store.listSteps(task.id);
  const resumptions = steps.filter((s) => s.name === RESUME_MARKER).length;
  const canResume = def.recovery === 'resume' && !task.cancelRequested;
  if (canResume && resumptions < def.maxResumeAttempts) {
    host.resume(def, task, lease);
    return 'resumed';
  }
  const cancelled = task.cancelRequested;
  const rollback = await compensate({
    ...host.deps,
    definition: def,
    task,
    reason: cancelled ? 'cancelled' : 'interrupted',
  });
  const note = canResume ? ` It was given up after ${resumptions} resumptions.` : '';
  await end(
    host,
    task,
    cancelled ? 'cancelled' : 'failed',
    cancelled ? cancelledProblem(rollback, task.requestId) : interruptedProblem(task, steps, rollback, note),
    rollback.undone,
  );
  if (lease) await host.deps.leases.release(lease.key, holderFor(host.deps.instanceId, task.id));
  return 'compensated';
}

async function end(
  host: RecoveryHost,
  task: TaskRecord,
  status: 'failed' | 'cancelled',
  error: TaskRecord['error'],
  undone: string[] = [],
): Promise<void> {
  const finishedAt = host.deps.clock.now().toISOString();
  const updated = await host.deps.store.update(task.id, { status, error, finishedAt });
  if (!updated) return;
  await publishTask(host.deps, updated);
  notifyFinished(host.deps, { task: updated, outcome: 'compensated', undone });
}

function leaseOf(host: RecoveryHost, def: RegisteredTask, task: TaskRecord): LeaseSpec | null {
  try {
    return def.lease(task.input);
  } catch (err: unknown) {
    host.deps.logger.warn({ err, taskId: task.id }, 'could not compute the lease of an unfinished task');
    return null;
  }
}

/**
 * Takes the lease of a task being recovered. At start-up any holder from another process is a dead predecessor
 * (one control plane), so its lease is taken over at once rather than after it expires. A task of THIS process
 * holding it is waited for. With `onlyStale`, a live holder is respected.
 */
async function takeOverLease(
  host: RecoveryHost,
  key: string,
  taskId: string,
  options: RecoveryOptions,
): Promise<boolean> {
  const { deps } = host;
  const holder = holderFor(deps.instanceId, taskId);
  if (await acquireLease(deps, key, holder)) return true;
  const current = await deps.leases.holderOf(key, deps.clock.now().toISOString());
  if (current === null || current === holder) {
    if (current === holder) await deps.leases.release(key, holder);
    return acquireLease(deps, key, holder);
  }
  const parsed = parseHolder(current);
  if (parsed?.instanceId === deps.instanceId) {
    await host.activeRun(parsed.taskId)?.done;
    return acquireLease(deps, key, holder);
  }
  if (options.onlyStale) return false;
  deps.logger.warn({ taskId, lease: key, holder: current }, 'taking over the lease of a dead process');
  await deps.leases.release(key, current);
  return acquireLease(deps, key, holder);
}
