import { AppError } from '../domain/errors.js';
import type { TaskRecord, TaskStepRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { LeaseStore, TaskStore } from '../ports/repositories.js';
import { TaskCancelledError, TaskInterruptedError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { cancelledProblem, compensate, failedProblem } from './journal.js';
import { holderFor, renewLease, type LeaseClient } from './lease.js';
import { TASK_UPDATED, toPublicTask } from './public-task.js';
import { RESUME_MARKER, type ErasedContext, type RegisteredTask } from './registry.js';
import type { LeaseSpec, TaskFinish, TaskLogger } from './types.js';

export interface EngineDeps extends LeaseClient {
  store: TaskStore;
  leases: LeaseStore;
  events: EventPublisher;
  clock: Clock;
  logger: TaskLogger;
  faults: FaultInjector | undefined;
  instanceId: string;
  /** Told once per task that reaches a final status here. */
  onFinished: ((finish: TaskFinish) => void) | undefined;
}

/** Tells the observer how a task ended; an observer's failure is logged, never the task's problem. */
export function notifyFinished(deps: EngineDeps, finish: TaskFinish): void {
  try {
    deps.onFinished?.(finish);
  } catch (err: unknown) {
    deps.logger.warn({ err, taskId: finish.task.id }, 'task finish observer failed');
  }
}

const PROGRESS_MIN_DELTA = 0.05;
const PROGRESS_MIN_INTERVAL_MS = 100;

/** Publishes `task.updated` with the public task shape; a publishing failure is logged, never fatal to the task. */
export async function publishTask(deps: EngineDeps, task: TaskRecord): Promise<void> {
  try {
    await deps.events.publish({
      type: TASK_UPDATED,
      resourceKind: 'task',
      resourceId: task.id,
      ownerId: task.ownerId,
      data: { task: toPublicTask(task) },
    });
  } catch (err: unknown) {
    deps.logger.warn({ err, taskId: task.id }, 'could not publish task.updated');
  }
}

/**
 * One execution of one task in this process. All its writes go through one queue, so the stored record and the
 * published events follow the order of the calls (a late progress update never lands after the final status).
 */
export class TaskRun {
  readonly holder: string;
  private readonly controller = new AbortController();
  private writes: Promise<unknown> = Promise.resolve();
  private cancelError: TaskCancelledError | null = null;
  private interruptReason: string | null = null;
  private fenced = false;
  private ended = false;
  private seq = 0;
  private attempt = 1;
  private failedStep: string | null = null;
  private lastProgress: { atMs: number; fraction: number; message: string | null } = {
    atMs: Number.NEGATIVE_INFINITY,
    fraction: 0,
    message: null,
  };
  private readonly completedSteps = new Set<string>();
  private resolveDone: () => void = () => undefined;
  /** Settles when the run stopped: ended with a final status, or left for recovery. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    private readonly deps: EngineDeps,
    private readonly def: RegisteredTask,
    private record: TaskRecord,
    readonly lease: LeaseSpec | null,
    private readonly onStop: (run: TaskRun) => void,
  ) {
    this.holder = holderFor(deps.instanceId, record.id);
  }

  get id(): string {
    return this.record.id;
  }

  /** True once the task reached succeeded, failed or cancelled in this run. */
  get hasEnded(): boolean {
    return this.ended;
  }

  /** Cancels: the signal aborts, the next step boundary throws, and the journal is compensated. */
  requestCancel(): void {
    if (this.cancelError || this.ended) return;
    this.cancelError = new TaskCancelledError();
    this.controller.abort(this.cancelError);
  }

  /** Stops at the next journaled point and leaves the task to recovery (graceful shutdown). */
  interrupt(reason: string): void {
    this.interruptReason ??= reason;
  }

  /** Like interrupt, and this process writes nothing more about the task (its lease was lost or drain gave up). */
  fence(reason: string): void {
    this.interrupt(reason);
    this.fenced = true;
    this.controller.abort(new TaskInterruptedError(reason));
  }

  announce(): Promise<void> {
    return this.enqueue(() => publishTask(this.deps, this.record));
  }

  /** Renews the lease and the heartbeat; picks up a cancel requested through another process. */
  async beat(): Promise<void> {
    if (this.fenced || this.ended) return;
    if (this.lease && !(await renewLease(this.deps, this.lease.key, this.holder))) {
      if (this.endedMeanwhile()) return; // released at its end while renewing
      this.deps.logger.error(
        { taskId: this.id, lease: this.lease.key },
        'task lost its lease; stopping it here',
      );
      this.fence('its lease was lost');
      return;
    }
    const task = await this.update({ heartbeatAt: this.now() }, false);
    if (task.cancelRequested) this.requestCancel();
  }

  async execute(mode: 'fresh' | 'resume'): Promise<void> {
    try {
      await this.runToEnd(mode);
    } catch (err: unknown) {
      const level = err instanceof TaskInterruptedError ? 'warn' : 'error';
      this.deps.logger[level](
        { err, taskId: this.id },
        'task stopped before its end; recovery will finish it',
      );
    } finally {
      if (this.ended && this.lease) {
        await this.deps.leases.release(this.lease.key, this.holder).catch((err: unknown) => {
          this.deps.logger.warn({ err, taskId: this.id }, 'could not release the task lease; it will expire');
        });
      }
      this.onStop(this);
      this.resolveDone();
    }
  }

  private async runToEnd(mode: 'fresh' | 'resume'): Promise<void> {
    if (this.interruptReason !== null) return;
    if (this.cancelError) {
      await this.finish('cancelled', {
        error: cancelledProblem({ undone: [], failed: [] }, this.record.requestId),
      });
      return;
    }
    await this.prepareJournal(mode);
    const now = this.now();
    await this.update({ status: 'running', startedAt: this.record.startedAt ?? now, heartbeatAt: now });
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await this.def.run(this.context()) };
    } catch (error: unknown) {
      outcome = { ok: false, error };
    }
    if (outcome.ok) {
      await this.finish('succeeded', { result: outcome.value ?? null, progress: 1 });
      return;
    }
    if (this.fenced || outcome.error instanceof TaskInterruptedError) throw outcome.error;
    await this.failAndCompensate(outcome.error);
  }

  private async failAndCompensate(error: unknown): Promise<void> {
    const cancelled = this.cancelError !== null;
    const report = await compensate({
      ...this.deps,
      definition: this.def,
      task: this.record,
      reason: cancelled ? 'cancelled' : 'failed',
      checkpoint: () => {
        if (this.fenced) throw new TaskInterruptedError(this.interruptReason ?? 'fenced');
      },
    });
    const { requestId } = this.record;
    if (cancelled) {
      await this.finish('cancelled', { error: cancelledProblem(report, requestId) }, report.undone);
      return;
    }
    this.deps.logger.warn(
      { err: error, taskId: this.id, step: this.failedStep },
      'task failed; journal compensated',
    );
    await this.finish(
      'failed',
      { error: failedProblem(error, this.failedStep, report, requestId) },
      report.undone,
    );
  }

  private async prepareJournal(mode: 'fresh' | 'resume'): Promise<void> {
    const steps = await this.deps.store.listSteps(this.id);
    this.seq = steps.reduce((max, s) => Math.max(max, s.seq), 0);
    this.attempt = 1 + steps.filter((s) => s.name === RESUME_MARKER).length;
    if (mode === 'resume') {
      this.attempt += 1;
      await this.journal(RESUME_MARKER, { attempt: this.attempt }, 'done');
    }
  }

  private context(): ErasedContext {
    return {
      input: this.record.input,
      task: this.record,
      signal: this.controller.signal,
      attempt: this.attempt,
      logger: this.deps.logger,
      progress: (fraction, message) => {
        this.progress(fraction, message);
      },
      step: (name, undoData, run) => this.step(name, undoData, run),
    };
  }

  private async step<T>(name: string, undoData: unknown, run: () => Promise<T>): Promise<T> {
    this.checkpoint();
    if (this.def.undoFor(name) === undefined) {
      throw new AppError(
        'TASK_STEP_UNKNOWN',
        'internal',
        `Task '${this.def.kind}' has no undo entry for '${name}'.`,
      );
    }
    const seq = await this.journal(name, undoData, 'started');
    const faults = this.deps.faults;
    try {
      await faults?.at('before-step', this.id, this.def.kind, name);
      const value = await run();
      await faults?.at('after-step', this.id, this.def.kind, name);
      await this.enqueue(() =>
        this.deps.store.updateStep(this.id, seq, { status: 'done', updatedAt: this.now() }),
      );
      await faults?.at('after-step-done', this.id, this.def.kind, name);
      this.completedSteps.add(name);
      this.advanceByWeight(name);
      return value;
    } catch (err: unknown) {
      this.failedStep ??= name;
      throw err;
    }
  }

  /** Throws at a step boundary when the run must stop: interrupted (left for recovery) or cancelled. */
  private checkpoint(): void {
    if (this.interruptReason !== null) throw new TaskInterruptedError(this.interruptReason);
    if (this.cancelError) throw this.cancelError;
  }

  private async journal(name: string, undoData: unknown, status: TaskStepRecord['status']): Promise<number> {
    const seq = ++this.seq;
    const now = this.now();
    const step: TaskStepRecord = {
      taskId: this.id,
      seq,
      name,
      status,
      undoData,
      createdAt: now,
      updatedAt: now,
    };
    await this.enqueue(() => this.deps.store.insertStep(step));
    return seq;
  }

  /** Throttled: passes a new message, a change of at least 5 %, or the first update in 100 ms (or when forced). */
  private progress(fraction: number, message?: string, force = false): void {
    if (!Number.isFinite(fraction) || this.ended || this.fenced) return;
    const value = Math.min(1, Math.max(0, fraction));
    const atMs = this.deps.clock.now().getTime();
    const isNewMessage = message !== undefined && message !== this.lastProgress.message;
    const isBigStep = Math.abs(value - this.lastProgress.fraction) >= PROGRESS_MIN_DELTA;
    const isDue = atMs - this.lastProgress.atMs >= PROGRESS_MIN_INTERVAL_MS;
    if (!force && !isNewMessage && !isBigStep && !isDue) return;
    this.lastProgress = { atMs, fraction: value, message: message ?? this.lastProgress.message };
    this.update({ progress: value, ...(message === undefined ? {} : { message }) }).catch((err: unknown) => {
      this.deps.logger.warn({ err, taskId: this.id }, 'could not record task progress');
    });
  }

  private advanceByWeight(name: string): void {
    if (this.def.progressShare(name) === undefined) return;
    let sum = 0;
    for (const done of this.completedSteps) sum += this.def.progressShare(done) ?? 0;
    if (sum > this.lastProgress.fraction) this.progress(sum, undefined, true);
  }

  private async finish(
    status: 'succeeded' | 'failed' | 'cancelled',
    patch: Partial<TaskRecord>,
    undone: string[] = [],
  ): Promise<void> {
    const task = await this.update({ ...patch, status, finishedAt: this.now() });
    this.ended = true;
    notifyFinished(this.deps, { task, outcome: status, undone });
  }

  /** Persists a patch in order, keeps the latest record, and publishes it (status and progress changes). */
  private update(
    patch: Partial<Omit<TaskRecord, 'id' | 'kind' | 'createdAt'>>,
    publish = true,
  ): Promise<TaskRecord> {
    return this.enqueue(async () => {
      const task = await this.deps.store.update(this.id, patch);
      if (!task) throw new Error(`task ${this.id} vanished from the task store`);
      this.record = task;
      if (publish) await publishTask(this.deps, task);
      return task;
    });
  }

  private enqueue<T>(write: () => Promise<T>): Promise<T> {
    const guarded = (): Promise<T> => {
      if (this.fenced) return Promise.reject(new TaskInterruptedError(this.interruptReason ?? 'fenced'));
      return write();
    };
    const result = this.writes.then(guarded, guarded);
    this.writes = result.catch(() => undefined);
    return result;
  }

  /** A call, not a field read, so that TypeScript does not carry a narrowing of `ended` across an await. */
  private endedMeanwhile(): boolean {
    return this.ended;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}
