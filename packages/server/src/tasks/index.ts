export { TaskEngine, type DrainReport, type TaskEngineOptions } from './engine.js';
export type { RecoveryOptions, RecoveryReport } from './recovery.js';
export {
  vmLease,
  type LeaseSpec,
  type SubmitOptions,
  type TaskContext,
  type TaskFinish,
  type TaskDefinition,
  type TaskLogger,
  type UndoContext,
  type UndoFn,
  type UndoMap,
} from './types.js';
export { TaskCancelledError, TaskInterruptedError } from './errors.js';
export {
  FaultInjector,
  parseFaults,
  type FaultAction,
  type FaultHit,
  type FaultPoint,
  type FaultRule,
} from './faults.js';
export {
  INTERNAL_ERROR_CODE,
  STATUS_BY_KIND,
  problemFromError,
  problemTitle,
  problemType,
} from './problem.js';
export { isFinished, TASK_UPDATED, toPublicTask, type PublicTask } from './public-task.js';
export { Reverter, withReverter } from './reverter.js';
