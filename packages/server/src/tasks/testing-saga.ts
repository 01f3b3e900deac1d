/**
 * A test saga for the engine's own tests: steps that create things in an in-memory "world" and undos that remove
 * them, with knobs to fail, block or break a step. Tests only.
 */
import { AppError } from '../domain/errors.js';
import { TaskEngine, type TaskEngineOptions } from './engine.js';
import { newTestKit, type Gate, type TestEngineKit } from './testing.js';
import { vmLease, type TaskDefinition } from './types.js';

export const SAGA_STEPS = ['reserve', 'create-volume', 'define-domain'] as const;
export type SagaStep = (typeof SAGA_STEPS)[number];
export type SagaUndoData = Record<SagaStep, { thing: string }>;
export interface SagaInput {
  vmId: string;
}

/** What the saga did: things that exist now, and every undo call in order. */
export class SagaWorld {
  readonly things = new Set<string>();
  readonly undoCalls: string[] = [];
  readonly attempts: number[] = [];
}

export interface SagaOptions {
  kind?: string;
  recovery?: 'resume' | 'compensate';
  /** This step's action throws DISK_FULL (409). */
  failAt?: SagaStep;
  /** This step's undo throws a plain Error. */
  failUndoOf?: SagaStep;
  /** This step's action waits for the gate (and honours the task's signal when `abortable`). */
  block?: { step: SagaStep; gate: Gate; abortable?: boolean };
  /** Waits for the gate before the first step. */
  blockBeforeFirstStep?: Gate;
  progressWeights?: Partial<Record<SagaStep, number>>;
}

export function thingOf(vmId: string, step: SagaStep): string {
  return `${vmId}/${step}`;
}

export function sagaDefinition(
  world: SagaWorld,
  options: SagaOptions = {},
): TaskDefinition<SagaInput, { things: string[] }, SagaUndoData> {
  const undo = (step: SagaStep) => (data: { thing: string }) => {
    world.undoCalls.push(step);
    if (options.failUndoOf === step)
      return Promise.reject(new Error('virStorageVolDelete: /var/lib/x: busy'));
    world.things.delete(data.thing); // tolerates "already gone"
    return Promise.resolve();
  };
  return {
    kind: options.kind ?? 'vm.create',
    recovery: options.recovery ?? 'compensate',
    lease: (input) => vmLease(input.vmId),
    ...(options.progressWeights ? { progressWeights: options.progressWeights } : {}),
    undo: {
      reserve: undo('reserve'),
      'create-volume': undo('create-volume'),
      'define-domain': undo('define-domain'),
    },
    run: async (ctx) => {
      world.attempts.push(ctx.attempt);
      if (options.blockBeforeFirstStep) await options.blockBeforeFirstStep.wait;
      for (const step of SAGA_STEPS) {
        const thing = thingOf(ctx.input.vmId, step);
        await ctx.step(step, { thing }, async () => {
          if (options.block?.step === step)
            await blockOn(options.block.gate, options.block.abortable ? ctx.signal : null);
          if (options.failAt === step)
            throw new AppError('DISK_FULL', 'conflict', 'No space is left in the pool.');
          world.things.add(thing);
        });
      }
      return { things: [...world.things].sort() };
    },
  };
}

async function blockOn(gate: Gate, signal: AbortSignal | null): Promise<void> {
  if (!signal) return gate.wait;
  await new Promise<void>((resolve, reject) => {
    signal.addEventListener('abort', () => {
      reject(new AppError('ABORTED', 'conflict', 'aborted'));
    });
    void gate.wait.then(resolve);
  });
}

const liveEngines: TaskEngine[] = [];

/** An engine on the kit's fakes with a fast heartbeat; `drainTestEngines` (in afterEach) stops them all. */
export function newTestEngine(kit: TestEngineKit, extra: Partial<TaskEngineOptions> = {}): TaskEngine {
  const engine = new TaskEngine({ ...kit, instanceId: 'p1', heartbeatMs: 10, leaseTtlMs: 15_000, ...extra });
  liveEngines.push(engine);
  return engine;
}

export async function drainTestEngines(): Promise<void> {
  await Promise.all(liveEngines.splice(0).map((e) => e.drain(0)));
}

/** An engine running the saga as `vm.create`, and `submit(vmId)`. */
export function newSagaHarness(options: SagaOptions = {}) {
  const kit = newTestKit();
  const world = new SagaWorld();
  const engine = newTestEngine(kit);
  engine.register(sagaDefinition(world, options));
  const submit = (vmId = 'vm1') =>
    engine.submit(
      'vm.create',
      { vmId },
      { actorId: 'u1', ownerId: 'u1', resource: { kind: 'vm', id: vmId } },
    );
  return { kit, world, engine, submit };
}
