import type { TaskRecord } from '../domain/model.js';

/** The slice of pino's interface the task engine logs through (pino and Fastify's logger satisfy it). */
export interface TaskLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * What a task must hold exclusively while it runs: one lease row per key (e.g. `vm:<id>`). A second task for the
 * same key is refused with a conflict carrying `busyCode`.
 */
export interface LeaseSpec {
  key: string;
  /** Conflict code when the lease is taken; `RESOURCE_BUSY` when absent. */
  busyCode?: string;
  /** Human-readable conflict message; a generic one when absent. */
  busyMessage?: string;
}

/** The lease every VM operation takes: one operation at a time per VM, refused with 409 `VM_BUSY`. */
export function vmLease(vmId: string): LeaseSpec {
  return { key: `vm:${vmId}`, busyCode: 'VM_BUSY', busyMessage: 'The VM is busy with another operation.' };
}

export interface UndoContext {
  /** The task as stored when compensation began. */
  task: TaskRecord;
  step: { name: string; seq: number };
  /** Why the journal is being rolled back. */
  reason: 'failed' | 'cancelled' | 'interrupted';
  logger: TaskLogger;
}

/**
 * Undoes one journaled step from its journaled data. It runs after a failure, a cancel, or in a NEW process after
 * a crash, and the step may have done nothing, part or all of its work: it must tolerate "already gone".
 */
export type UndoFn<D> = (data: D, ctx: UndoContext) => Promise<void>;

/** One undo per step name; `null` declares, explicitly, that a step has nothing to undo. */
export type UndoMap<U> = { [K in keyof U & string]: UndoFn<U[K]> | null };

export interface TaskContext<I, U extends object = Record<string, unknown>> {
  readonly input: I;
  /** The task as stored when this run began. */
  readonly task: TaskRecord;
  /** Aborted when the task is cancelled (or its lease is lost): pass it down to libvirt calls. */
  readonly signal: AbortSignal;
  /** 1 for the first run; 2, 3, … when the run is a resumption after a crash. */
  readonly attempt: number;
  readonly logger: TaskLogger;
  /** Reports progress in [0, 1]; persisted and published, throttled (≥ 5 % change, ≥ 100 ms, or a new message). */
  progress(fraction: number, message?: string): void;
  /**
   * Journals step `name` with `undoData` BEFORE `run` acts, runs it, then marks it done. If the task fails or is
   * cancelled later, `undo[name](undoData)` is called. Throws when the task was cancelled or the engine drains.
   */
  step<K extends keyof U & string, T>(name: K, undoData: U[K], run: () => Promise<T>): Promise<T>;
}

/**
 * A kind of task. Undo functions live here (not in closures) so that crash recovery in a new process can call
 * them with the journaled data alone.
 *
 * `U` maps step names to the type of their undo data; the journal stores that data as JSON, so keep it plain.
 */
export interface TaskDefinition<I, R, U extends object = Record<string, unknown>> {
  kind: string;
  /** The lease the task holds while it runs, or null for none. */
  lease?(input: I): LeaseSpec | null;
  run(ctx: TaskContext<I, U>): Promise<R>;
  undo: UndoMap<U>;
  /**
   * What start-up does with a task a crash left unfinished: `resume` runs it again from the start (every step must
   * then be idempotent; the journal continues), `compensate` undoes its journaled steps and fails it.
   */
  recovery: 'resume' | 'compensate';
  /** Resumptions after which recovery compensates instead (a task that crashes the server must not loop). Default 3. */
  maxResumeAttempts?: number;
  /** Relative weight of each step: progress advances by itself as steps complete. */
  progressWeights?: Partial<Record<keyof U & string, number>>;
}

export interface SubmitOptions {
  actorId: string;
  ownerId: string;
  resource: { kind: string; id: string };
  requestId?: string;
  message?: string;
}

/** How a task ended, for observers outside the engine (the audit log). */
export interface TaskFinish {
  /** The task as stored with its final status. */
  task: TaskRecord;
  /** `compensated`: recovery undid the journal of a task that a crash (or shutdown) left unfinished. */
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'compensated';
  /** Steps whose undo ran on the way to this end, newest first. */
  undone: string[];
}
