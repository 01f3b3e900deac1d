import type { ProblemData, TaskRecord, TaskStepRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/repositories.js';
import type { FaultInjector } from './faults.js';
import { problemFromError, problemType } from './problem.js';
import { isMarker, type RegisteredTask } from './registry.js';
import type { TaskLogger, UndoContext } from './types.js';

/** What a compensation did, newest step first. */
export interface RollbackReport {
  undone: string[];
  failed: { name: string; code: string }[];
}

export interface CompensateArgs {
  store: TaskStore;
  clock: Clock;
  logger: TaskLogger;
  faults: FaultInjector | undefined;
  definition: RegisteredTask;
  task: TaskRecord;
  reason: UndoContext['reason'];
  /** Called before each undo; throws to stop (the process lost the task's lease). */
  checkpoint?: () => void;
}

/**
 * Undoes every `started` or `done` step of the journal, newest first, with its journaled data, and marks each
 * `undone` or `undo_failed`. A step already `undone` is never undone again, so a compensation cut short by a crash
 * continues where it stopped. An undo failure does not stop the others (best effort, like incus `revert`).
 */
export async function compensate(args: CompensateArgs): Promise<RollbackReport> {
  const { store, clock, logger, definition, task } = args;
  const report: RollbackReport = { undone: [], failed: [] };
  const steps = (await store.listSteps(task.id))
    .filter((s) => !isMarker(s.name) && (s.status === 'started' || s.status === 'done'))
    .sort((a, b) => b.seq - a.seq);
  for (const step of steps) {
    args.checkpoint?.();
    const undo = definition.undoFor(step.name);
    try {
      await args.faults?.at('before-undo', task.id, task.kind, step.name);
      if (undo === undefined) throw new Error(`no undo is registered for step '${step.name}'`);
      if (undo !== null) {
        const ctx: UndoContext = {
          task,
          step: { name: step.name, seq: step.seq },
          reason: args.reason,
          logger,
        };
        await undo(step.undoData, ctx);
        report.undone.push(step.name);
      }
      await store.updateStep(task.id, step.seq, { status: 'undone', updatedAt: clock.now().toISOString() });
    } catch (err: unknown) {
      logger.error({ err, taskId: task.id, step: step.name, seq: step.seq }, 'task step could not be undone');
      report.failed.push({ name: step.name, code: problemFromError(err).code });
      await store.updateStep(task.id, step.seq, {
        status: 'undo_failed',
        updatedAt: clock.now().toISOString(),
      });
    }
  }
  return report;
}

/** One sentence per fact: what was rolled back, and what could not be. */
export function describeRollback(report: RollbackReport): string {
  const parts: string[] = [];
  if (report.undone.length > 0) parts.push(`Rolled back: ${report.undone.join(', ')}.`);
  if (report.failed.length > 0) {
    const names = report.failed.map((f) => `${f.name} [${f.code}]`).join(', ');
    parts.push(`Could not roll back: ${names}; the drift report lists what is left.`);
  }
  if (parts.length === 0) parts.push('Nothing needed rolling back.');
  return parts.join(' ');
}

/** The Problem of a run that threw: the error's own Problem, naming the failed step and the rollback. */
export function failedProblem(
  err: unknown,
  failedStep: string | null,
  report: RollbackReport,
  requestId: string | null,
): ProblemData {
  const problem = problemFromError(err, requestId ?? undefined);
  const where = failedStep === null ? '' : `Step '${failedStep}' failed: `;
  const sentence = /[.!?]$/.test(problem.detail) ? problem.detail : `${problem.detail}.`;
  return { ...problem, detail: `${where}${sentence} ${describeRollback(report)}` };
}

function taskProblem(
  code: string,
  title: string,
  status: number,
  detail: string,
  requestId: string | null,
): ProblemData {
  return {
    type: problemType(code),
    title,
    status,
    detail,
    code,
    ...(requestId === null ? {} : { requestId }),
  };
}

export function cancelledProblem(report: RollbackReport, requestId: string | null): ProblemData {
  return taskProblem(
    'TASK_CANCELLED',
    'Task cancelled',
    409,
    `The task was cancelled. ${describeRollback(report)}`,
    requestId,
  );
}

/** Where the journal says a crashed run stopped. */
function whereStopped(steps: readonly TaskStepRecord[]): string {
  const last = steps.filter((s) => !isMarker(s.name)).sort((a, b) => b.seq - a.seq)[0];
  if (last === undefined) return 'before its first step';
  return last.status === 'started' ? `during step '${last.name}'` : `after step '${last.name}'`;
}

/** The Problem of a task a crash or shutdown interrupted, compensated by recovery. */
export function interruptedProblem(
  task: TaskRecord,
  steps: readonly TaskStepRecord[],
  report: RollbackReport,
  note = '',
): ProblemData {
  const detail = `The server stopped while the task was running (${whereStopped(steps)}).${note} ${describeRollback(report)}`;
  return taskProblem('TASK_INTERRUPTED', 'Task interrupted', 503, detail, task.requestId);
}
