import { AppError } from '../domain/errors.js';

/** Why a run stopped: the user cancelled it (the abort reason of the task's signal). */
export class TaskCancelledError extends AppError {
  override readonly name = 'TaskCancelledError';
  constructor(message = 'The task was cancelled.') {
    super('TASK_CANCELLED', 'conflict', message);
  }
}

/**
 * Thrown by `ctx.step()` when the engine drains or lost the task's lease: the run stops at a journaled point and is
 * left `running` for recovery (no compensation in this process).
 */
export class TaskInterruptedError extends AppError {
  override readonly name = 'TaskInterruptedError';
  constructor(reason: string) {
    super('TASK_INTERRUPTED', 'unavailable', `The task was interrupted: ${reason}.`);
  }
}

export const taskKindUnknown = (kind: string): AppError =>
  new AppError('TASK_KIND_UNKNOWN', 'internal', `No task definition is registered for kind '${kind}'.`, {
    kind,
  });

export const serverShuttingDown = (): AppError =>
  new AppError('SERVER_SHUTTING_DOWN', 'unavailable', 'The server is shutting down; retry in a moment.');
