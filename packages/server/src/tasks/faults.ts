import { AppError } from '../domain/errors.js';

/**
 * Where a fault can fire, relative to one journaled step:
 * - `before-step`: the step is journaled `started`, its action has not run;
 * - `after-step`: the action ran, the journal still says `started` (the worst case for recovery);
 * - `after-step-done`: the journal says `done`;
 * - `before-undo`: compensation is about to undo the step.
 */
export type FaultPoint = 'before-step' | 'after-step' | 'after-step-done' | 'before-undo';
/** `crash` kills the process (SIGKILL, unless an action is injected); `fail` throws from that point. */
export type FaultAction = 'crash' | 'fail';

export interface FaultRule {
  action: FaultAction;
  point: FaultPoint;
  /** Task kind, or `*`. */
  kind: string;
  /** Step name, or `*`. */
  step: string;
}

export interface FaultHit {
  rule: FaultRule;
  taskId: string;
  kind: string;
  step: string;
}

const POINTS: readonly FaultPoint[] = ['before-step', 'after-step', 'after-step-done', 'before-undo'];
const ACTIONS: readonly FaultAction[] = ['crash', 'fail'];

/**
 * Parses a fault spec such as `crash-after-step:vm.create:define-domain,fail-before-step:vm.delete:*`
 * (items separated by commas or whitespace). Throws on anything it does not understand: a typo in a test's fault
 * must not silently test nothing.
 */
export function parseFaults(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const item of spec.split(/[\s,]+/).filter((s) => s !== '')) {
    const parts = item.split(':');
    const [head, kind, step] = parts;
    const dash = head?.indexOf('-') ?? -1;
    const action = head?.slice(0, dash);
    const point = head?.slice(dash + 1);
    const knownAction = ACTIONS.find((a) => a === action);
    const knownPoint = POINTS.find((p) => p === point);
    if (parts.length !== 3 || !knownAction || !knownPoint || !kind || !step) {
      throw new Error(
        `Invalid fault '${item}': expected <crash|fail>-<${POINTS.join('|')}>:<task kind|*>:<step|*>`,
      );
    }
    rules.push({ action: knownAction, point: knownPoint, kind, step });
  }
  return rules;
}

/** Kills this process the way `kill -9` does: no cleanup, no flush, no handler. */
async function sigkillSelf(): Promise<never> {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is not delivered synchronously everywhere: never let the task go on in the meantime.
  return new Promise<never>(() => undefined);
}

export interface FaultInjectorOptions {
  /** What `crash` does; SIGKILL of this process by default. Unit tests inject a recorder or a never-settling freeze. */
  crash?: (hit: FaultHit) => Promise<void> | void;
}

/**
 * Test-only fault injection at journal points, OFF unless configured (`GUREUM_FAULTS`). Integration tests use it to
 * `kill -9` the server at every step of create and delete and check that restart leaves nothing behind. A rule
 * fires every time its point is reached, so restart the server WITHOUT the fault (a resumed task would hit it again).
 */
export class FaultInjector {
  private readonly crash: (hit: FaultHit) => Promise<void> | void;

  constructor(
    readonly rules: readonly FaultRule[],
    options: FaultInjectorOptions = {},
  ) {
    this.crash = options.crash ?? sigkillSelf;
  }

  /** An injector for a spec string, or undefined when the spec is unset or empty (the production case). */
  static fromSpec(spec: string | undefined, options?: FaultInjectorOptions): FaultInjector | undefined {
    if (spec === undefined || spec.trim() === '') return undefined;
    return new FaultInjector(parseFaults(spec), options);
  }

  /** Fires the first rule matching this point, if any. */
  async at(point: FaultPoint, taskId: string, kind: string, step: string): Promise<void> {
    const rule = this.rules.find(
      (r) => r.point === point && (r.kind === '*' || r.kind === kind) && (r.step === '*' || r.step === step),
    );
    if (!rule) return;
    const hit: FaultHit = { rule, taskId, kind, step };
    if (rule.action === 'crash') {
      await this.crash(hit);
      return;
    }
    throw new AppError(
      'FAULT_INJECTED',
      'internal',
      `Injected fault ${rule.action}-${point} at ${kind}:${step}.`,
      {
        kind,
        step,
      },
    );
  }
}
