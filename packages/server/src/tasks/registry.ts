import type { LeaseSpec, TaskContext, TaskDefinition, UndoFn } from './types.js';

/** Journal entries the engine writes for itself (never undone, never shown as rolled back). */
export const RESUME_MARKER = '@resume';
export const isMarker = (stepName: string): boolean => stepName.startsWith('@');

export type ErasedContext = TaskContext<unknown>;

/** A definition with its type parameters erased, as the engine stores and runs it. */
export interface RegisteredTask {
  kind: string;
  recovery: 'resume' | 'compensate';
  maxResumeAttempts: number;
  lease(input: unknown): LeaseSpec | null;
  run(ctx: ErasedContext): Promise<unknown>;
  /** The undo for a step name: a function, null (nothing to undo), or undefined (unknown step). */
  undoFor(stepName: string): UndoFn<unknown> | null | undefined;
  /** The share of progress a step's completion is worth, or undefined without weights. */
  progressShare(stepName: string): number | undefined;
}

/**
 * Erases a definition's types. This is the one boundary where the engine asserts types instead of checking them:
 * the input was given to `submit()` for this very kind (or is that input read back from the task row), and the undo
 * data was journaled by `ctx.step()` of this kind with the type `U` ties to the step name.
 */
export function eraseDefinition<I, R, U extends object>(def: TaskDefinition<I, R, U>): RegisteredTask {
  const undo = def.undo as Record<string, UndoFn<unknown> | null>;
  const weights = (def.progressWeights ?? {}) as Record<string, number | undefined>;
  const total = Object.values(weights).reduce<number>((sum, w) => sum + (w ?? 0), 0);
  for (const name of Object.keys(weights)) {
    if (!Object.hasOwn(undo, name))
      throw new Error(`Task '${def.kind}': weighted step '${name}' has no undo entry.`);
  }
  return {
    kind: def.kind,
    recovery: def.recovery,
    maxResumeAttempts: def.maxResumeAttempts ?? 3,
    lease: (input) => def.lease?.(input as I) ?? null,
    run: (ctx) => def.run(ctx as unknown as TaskContext<I, U>),
    undoFor: (name) => (Object.hasOwn(undo, name) ? undo[name] : undefined),
    progressShare: (name) => {
      const weight = weights[name];
      return weight === undefined || total <= 0 ? undefined : weight / total;
    },
  };
}
