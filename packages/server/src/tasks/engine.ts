import { randomUUID } from 'node:crypto';
import { ConflictError, taskNotFound } from '../domain/errors.js';
import type { TaskRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { LeaseStore, TaskStore } from '../ports/repositories.js';
import { serverShuttingDown, taskKindUnknown } from './errors.js';
import type { FaultInjector } from './faults.js';
import { acquireLease, busyError, holderFor } from './lease.js';
import { isFinished } from './public-task.js';
import { recoverTasks, type RecoveryOptions, type RecoveryReport } from './recovery.js';
import { eraseDefinition, type RegisteredTask } from './registry.js';
import { TaskRun, type EngineDeps } from './run.js';
import type { LeaseSpec, SubmitOptions, TaskDefinition, TaskFinish, TaskLogger } from './types.js';
import { untilDeadline } from './deadline.js';

export interface TaskEngineOptions {
  store: TaskStore;
  leases: LeaseStore;
  events: EventPublisher;
  logger: TaskLogger;
  clock?: Clock;
  /** This process; lease holders and logs name it. A random id by default (a restart is a new instance). */
  instanceId?: string;
  heartbeatMs?: number;
  leaseTtlMs?: number;
  /** How often `wait()` polls the store for a task another process runs. */
  pollMs?: number;
  /**
   * After `recover()`, how often to recover tasks whose heartbeat went stale (a run whose final write failed, a
   * replica that died). 0 turns it off. Default 30 s.
   */
  sweepMs?: number;
  faults?: FaultInjector;
  newId?: () => string;
  /**
   * Told once per task that reaches a final status (succeeded, failed, cancelled, or compensated by recovery), after
   * it is stored. The engine never waits for it; the audit log listens here, so tasks stay free of services.
   */
  onFinished?: (finish: TaskFinish) => void;
}

export interface DrainReport {
  /** Tasks that reached a final status while draining. */
  finished: string[];
  /** Tasks left `running` at a journaled point (or cut off by the timeout): the next start recovers them. */
  leftForRecovery: string[];
}

/**
 * Runs tasks as persisted sagas: each step journaled before it acts, one lease per resource renewed by a heartbeat,
 * compensation in reverse on failure or cancel, and recovery of whatever a crash left unfinished.
 */
export class TaskEngine {
  private readonly deps: EngineDeps;
  private readonly registry = new Map<string, RegisteredTask>();
  private readonly active = new Map<string, TaskRun>();
  private readonly recovering = new Set<string>();
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly newId: () => string;
  private readonly sweepMs: number;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private isBeating = false;
  private isDraining = false;

  constructor(options: TaskEngineOptions) {
    this.deps = {
      store: options.store,
      leases: options.leases,
      events: options.events,
      clock: options.clock ?? systemClock,
      logger: options.logger,
      faults: options.faults,
      instanceId: options.instanceId ?? randomUUID(),
      leaseTtlMs: options.leaseTtlMs ?? 15_000,
      onFinished: options.onFinished,
    };
    this.heartbeatMs = options.heartbeatMs ?? 2_000;
    this.pollMs = options.pollMs ?? 250;
    this.sweepMs = options.sweepMs ?? 30_000;
    this.newId = options.newId ?? randomUUID;
    if (this.heartbeatMs >= this.deps.leaseTtlMs)
      throw new Error('heartbeatMs must be shorter than leaseTtlMs');
    if (options.faults) {
      options.faults.rules.forEach((rule) => {
        options.logger.warn({ fault: rule }, 'FAULT INJECTION IS ON (test only)');
      });
    }
  }

  get instanceId(): string {
    return this.deps.instanceId;
  }

  /** Ids of the tasks this process is running now. */
  get activeTaskIds(): string[] {
    return [...this.active.keys()];
  }

  register<I, R, U extends object = Record<string, unknown>>(definition: TaskDefinition<I, R, U>): void {
    if (this.registry.has(definition.kind))
      throw new Error(`Task kind '${definition.kind}' is already registered.`);
    this.registry.set(definition.kind, eraseDefinition(definition));
  }

  /**
   * Creates the task (`queued`), takes its lease, and starts it in the background. A held lease is a conflict
   * (e.g. 409 `VM_BUSY`) and no task is created: the caller gets the 409 without a task to look at.
   */
  async submit(kind: string, input: unknown, options: SubmitOptions): Promise<TaskRecord> {
    if (this.isDraining) throw serverShuttingDown();
    const def = this.registry.get(kind);
    if (!def) throw taskKindUnknown(kind);
    const id = this.newId();
    const lease = def.lease(input);
    if (lease && !(await acquireLease(this.deps, lease.key, holderFor(this.instanceId, id)))) {
      throw await busyError(this.deps, lease);
    }
    const now = this.deps.clock.now().toISOString();
    const record: TaskRecord = {
      id,
      kind,
      status: 'queued',
      progress: 0,
      message: options.message ?? null,
      resourceKind: options.resource.kind,
      resourceId: options.resource.id,
      actorId: options.actorId,
      ownerId: options.ownerId,
      input,
      result: null,
      error: null,
      requestId: options.requestId ?? null,
      cancelRequested: false,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      heartbeatAt: now,
    };
    try {
      await this.deps.store.insert(record);
    } catch (err: unknown) {
      if (lease)
        await this.deps.leases.release(lease.key, holderFor(this.instanceId, id)).catch(() => undefined);
      throw err;
    }
    this.start(def, record, lease, 'fresh');
    return record;
  }

  /** The task once it ends, or as it stands when `timeoutMs` passes or `signal` aborts (e.g. the client left). */
  async wait(taskId: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<TaskRecord> {
    const current = await this.deps.store.findById(taskId);
    if (!current) throw taskNotFound(taskId);
    if (isFinished(current.status)) return current;
    const deadline = untilDeadline(options.timeoutMs, options.signal);
    try {
      const run = this.active.get(taskId);
      if (run) {
        await Promise.race([run.done, deadline.reached]);
      } else {
        // Another process runs it (or recovery will): watch the store.
        while (!deadline.isReached) {
          await Promise.race([new Promise((r) => setTimeout(r, this.pollMs)), deadline.reached]);
          const task = await this.deps.store.findById(taskId);
          if (!task || isFinished(task.status)) break;
        }
      }
    } finally {
      deadline.dispose();
    }
    return (await this.deps.store.findById(taskId)) ?? current;
  }

  /**
   * Requests cancellation of a queued or running task. The run stops at its next step boundary (or sooner where its
   * handler honours the signal), its journal is undone, and it ends `cancelled`. A run that completes anyway succeeds.
   */
  async cancel(taskId: string, options: { actorId: string }): Promise<TaskRecord> {
    const task = await this.deps.store.findById(taskId);
    if (!task) throw taskNotFound(taskId);
    if (isFinished(task.status)) {
      throw new ConflictError('TASK_NOT_CANCELLABLE', `The task has already ${task.status}.`, {
        task: taskId,
        status: task.status,
      });
    }
    this.deps.logger.info({ taskId, actorId: options.actorId }, 'task cancellation requested');
    this.active.get(taskId)?.requestCancel();
    // Persisted too: a task another process runs sees it at its next heartbeat, an orphan at recovery.
    return (await this.deps.store.update(taskId, { cancelRequested: true })) ?? task;
  }

  /**
   * Finishes what a previous process left queued or running: resumes it (`recovery: 'resume'`) or undoes its
   * journal and fails it with `TASK_INTERRUPTED`. Call once at start-up, before accepting requests; calling it again
   * is harmless. `onlyStale` (for periodic sweeps with several replicas) skips tasks whose heartbeat is recent.
   */
  recover(options: RecoveryOptions = {}): Promise<RecoveryReport> {
    if (!options.onlyStale) this.startSweeper();
    return recoverTasks(
      {
        deps: this.deps,
        definition: (kind) => this.registry.get(kind),
        claim: (taskId) => {
          if (this.active.has(taskId) || this.recovering.has(taskId)) return null;
          this.recovering.add(taskId);
          return () => this.recovering.delete(taskId);
        },
        activeRun: (taskId) => this.active.get(taskId),
        resume: (def, task, lease) => {
          this.start(def, task, lease, 'resume');
        },
      },
      options,
    );
  }

  /**
   * Graceful shutdown: refuses new tasks, lets each running step reach its journaled end, then stops. Tasks that
   * had more steps to go stay `running` (their leases expire) and the next start recovers them.
   */
  async drain(timeoutMs: number): Promise<DrainReport> {
    this.isDraining = true;
    const runs = [...this.active.values()];
    for (const run of runs) run.interrupt('the server is shutting down');
    const deadline = untilDeadline(timeoutMs);
    await Promise.race([Promise.all(runs.map((r) => r.done)), deadline.reached]);
    deadline.dispose();
    for (const run of this.active.values()) run.fence('the server shut down');
    this.stopHeartbeat();
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    return {
      finished: runs.filter((r) => r.hasEnded).map((r) => r.id),
      leftForRecovery: runs.filter((r) => !r.hasEnded).map((r) => r.id),
    };
  }

  private start(
    def: RegisteredTask,
    task: TaskRecord,
    lease: LeaseSpec | null,
    mode: 'fresh' | 'resume',
  ): void {
    const run = new TaskRun(this.deps, def, task, lease, (stopped) => {
      if (this.active.get(stopped.id) === stopped) this.active.delete(stopped.id);
      if (this.active.size === 0) this.stopHeartbeat();
    });
    this.active.set(task.id, run);
    this.startHeartbeat();
    // The `queued` (or resumed) event goes first on the run's write queue, before `running`.
    void run.announce();
    void run.execute(mode);
  }

  private startSweeper(): void {
    if (this.sweeper !== null || this.sweepMs <= 0 || this.isDraining) return;
    this.sweeper = setInterval(() => {
      this.recover({ onlyStale: true }).catch((err: unknown) => {
        this.deps.logger.warn({ err }, 'stale task sweep failed');
      });
    }, this.sweepMs);
    this.sweeper.unref();
  }

  private startHeartbeat(): void {
    if (this.heartbeat !== null || this.isDraining) return;
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat === null) return;
    clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async beat(): Promise<void> {
    if (this.isBeating) return;
    this.isBeating = true;
    try {
      await Promise.all(
        [...this.active.values()].map((run) =>
          run.beat().catch((err: unknown) => {
            this.deps.logger.warn({ err, taskId: run.id }, 'task heartbeat failed');
          }),
        ),
      );
    } finally {
      this.isBeating = false;
    }
  }
}
