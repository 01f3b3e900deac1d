import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TaskRecord } from '../domain/model.js';
import { TaskEngine } from './engine.js';
import { FaultInjector, type FaultHit, type FaultPoint } from './faults.js';
import { Gate, newTestKit, type TestEngineKit } from './testing.js';
import { SAGA_STEPS, SagaWorld, sagaDefinition, type SagaOptions } from './testing-saga.js';

// A "crash" here: the fault action records where it fired and then never returns (the process is frozen at that
// point), and the old engine is drained with a zero timeout, which fences it (it writes nothing more). A second
// engine on the same fakes is the restarted server; the SagaWorld plays libvirt, which outlives the process.
const engines: TaskEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.drain(0)));
});

const WAIT = { timeoutMs: 5_000 };
const OPTS = { actorId: 'u1', ownerId: 'u1', resource: { kind: 'vm', id: 'vm1' } };

function engineOf(
  kit: TestEngineKit,
  instanceId: string,
  faults?: FaultInjector,
  sweepMs?: number,
): TaskEngine {
  const engine = new TaskEngine({
    ...kit,
    instanceId,
    heartbeatMs: 10,
    leaseTtlMs: 15_000,
    ...(faults ? { faults } : {}),
    ...(sweepMs === undefined ? {} : { sweepMs }),
  });
  engines.push(engine);
  return engine;
}

interface Crash {
  hit: FaultHit;
  journal: string[];
  things: string[];
}

/** Runs vm.create in a first process until it "crashes" at `spec`; returns the task id and what the crash saw. */
async function crashAt(kit: TestEngineKit, world: SagaWorld, spec: string, options: SagaOptions = {}) {
  let crash: Crash | undefined;
  const faults = FaultInjector.fromSpec(spec, {
    crash: (hit) => {
      crash = { hit, journal: kit.store.journal(hit.taskId), things: [...world.things] };
      return new Promise<void>(() => undefined);
    },
  });
  const first = engineOf(kit, 'p1', faults);
  first.register(sagaDefinition(world, options));
  const task = await first.submit('vm.create', { vmId: 'vm1' }, OPTS);
  await vi.waitFor(() => {
    expect(crash).toBeDefined();
  });
  await first.drain(0);
  if (!crash) throw new Error('unreachable');
  return { taskId: task.id, crash };
}

function restart(kit: TestEngineKit, world: SagaWorld, options: SagaOptions = {}): TaskEngine {
  const engine = engineOf(kit, 'p2');
  engine.register(sagaDefinition(world, options));
  return engine;
}

const POINTS: FaultPoint[] = ['before-step', 'after-step', 'after-step-done'];
const CASES = SAGA_STEPS.flatMap((step, k) => POINTS.map((point) => ({ point, step, k })));

describe('recover(): compensate', () => {
  it.each(CASES)(
    'undoes everything exactly once after a crash at $point:$step',
    async ({ point, step, k }) => {
      const kit = newTestKit();
      const world = new SagaWorld();
      const { taskId, crash } = await crashAt(kit, world, `crash-${point}:vm.create:${step}`);

      // The fault fired where it says, with the journal in the state that point promises.
      const before: string[] = SAGA_STEPS.slice(0, k).map((s) => `${s}:done`);
      const status = point === 'after-step-done' ? 'done' : 'started';
      expect(crash.hit).toMatchObject({ kind: 'vm.create', step, rule: { point, action: 'crash' } });
      expect(crash.journal).toEqual([...before, `${step}:${status}`]);
      expect(crash.things.includes(`vm1/${step}`)).toBe(point !== 'before-step');

      const engine = restart(kit, world);
      const report = await engine.recover();
      expect(report).toEqual({ resumed: [], compensated: [taskId], skipped: [], errors: [] });
      expect(await engine.recover()).toEqual({ resumed: [], compensated: [], skipped: [], errors: [] });

      const undone = SAGA_STEPS.slice(0, k + 1).reverse();
      expect(world.undoCalls).toEqual(undone);
      expect(world.things.size).toBe(0);
      const task = kit.store.tasks.get(taskId);
      expect(task?.status).toBe('failed');
      expect(task?.error?.code).toBe('TASK_INTERRUPTED');
      const where = point === 'after-step-done' ? `after step '${step}'` : `during step '${step}'`;
      expect(task?.error?.detail).toBe(
        `The server stopped while the task was running (${where}). Rolled back: ${undone.join(', ')}.`,
      );
      expect(kit.leases.leases.size).toBe(0);
      expect(kit.events.ofResource(taskId).at(-1)?.data).toMatchObject({ task: { status: 'failed' } });
    },
  );

  it('fails a task interrupted before its first step, with nothing to roll back', async () => {
    const kit = newTestKit();
    const world = new SagaWorld();
    const first = engineOf(kit, 'p1');
    first.register(sagaDefinition(world, { blockBeforeFirstStep: new Gate() }));
    const { id } = await first.submit('vm.create', { vmId: 'vm1' }, OPTS);
    await vi.waitFor(() => {
      expect(kit.store.tasks.get(id)?.status).toBe('running');
    });
    await first.drain(0);

    const report = await restart(kit, world).recover();
    expect(report.compensated).toEqual([id]);
    expect(kit.store.tasks.get(id)?.error?.detail).toBe(
      'The server stopped while the task was running (before its first step). Nothing needed rolling back.',
    );
  });

  it('fails a task left queued, and takes over the live lease of the dead process at once', async () => {
    const kit = newTestKit();
    const now = kit.clock.now();
    const task = orphan(kit, { id: 't-q', status: 'queued' });
    await kit.store.insert(task);
    await kit.leases.acquire(
      'vm:vm1',
      'p1#t-q',
      new Date(now.getTime() + 15_000).toISOString(),
      now.toISOString(),
    );

    const report = await restart(kit, new SagaWorld()).recover();
    expect(report.compensated).toEqual(['t-q']);
    expect(kit.store.tasks.get('t-q')?.status).toBe('failed');
    expect(kit.leases.leases.size).toBe(0);
  });

  it('continues a compensation a crash cut short, undoing no step twice', async () => {
    const kit = newTestKit();
    const world = new SagaWorld();
    const { taskId } = await crashAt(
      kit,
      world,
      'fail-after-step:vm.create:define-domain,crash-before-undo:vm.create:create-volume',
    );
    expect(kit.store.journal(taskId)).toEqual(['reserve:done', 'create-volume:done', 'define-domain:undone']);

    await restart(kit, world).recover();
    expect(world.undoCalls).toEqual(['define-domain', 'create-volume', 'reserve']);
    expect(kit.store.journal(taskId)).toEqual([
      'reserve:undone',
      'create-volume:undone',
      'define-domain:undone',
    ]);
    expect(kit.store.tasks.get(taskId)?.error?.detail).toContain('Rolled back: create-volume, reserve.');
  });

  it('ends a task whose cancel was requested before the crash as cancelled', async () => {
    const kit = newTestKit();
    const world = new SagaWorld();
    const { taskId } = await crashAt(kit, world, 'crash-after-step:vm.create:create-volume', {
      recovery: 'resume',
    });
    await kit.store.update(taskId, { cancelRequested: true });

    await restart(kit, world, { recovery: 'resume' }).recover();
    const task = kit.store.tasks.get(taskId);
    expect(task?.status).toBe('cancelled');
    expect(task?.error?.detail).toBe('The task was cancelled. Rolled back: create-volume, reserve.');
  });

  it('fails a task of a kind no longer registered without pretending it rolled back', async () => {
    const kit = newTestKit();
    await kit.store.insert(orphan(kit, { id: 't-x', kind: 'vm.legacy' }));
    await kit.store.insertStep({
      taskId: 't-x',
      seq: 1,
      name: 'a',
      status: 'done',
      undoData: null,
      createdAt: '',
      updatedAt: '',
    });
    await restart(kit, new SagaWorld()).recover();
    const task = kit.store.tasks.get('t-x');
    expect(task?.status).toBe('failed');
    expect(task?.error?.detail).toContain("No handler for 'vm.legacy' is registered");
    expect(task?.error?.detail).toContain('Could not roll back: a [TASK_KIND_UNKNOWN]');
  });
});

describe('recover(): resume', () => {
  it('runs a resumable task again from the start and succeeds, continuing the journal', async () => {
    const kit = newTestKit();
    const world = new SagaWorld();
    const { taskId } = await crashAt(kit, world, 'crash-after-step:vm.create:create-volume', {
      recovery: 'resume',
    });

    const engine = restart(kit, world, { recovery: 'resume' });
    expect((await engine.recover()).resumed).toEqual([taskId]);
    expect(await engine.recover()).toEqual({ resumed: [], compensated: [], skipped: [], errors: [] });
    const task = await engine.wait(taskId, WAIT);

    expect(task.status).toBe('succeeded');
    expect(world.attempts).toEqual([1, 2]);
    expect(world.undoCalls).toEqual([]);
    expect(kit.store.journal(taskId)).toEqual([
      'reserve:done',
      'create-volume:started',
      '@resume:done',
      'reserve:done',
      'create-volume:done',
      'define-domain:done',
    ]);
    expect(kit.leases.leases.size).toBe(0);
  });

  it('compensates instead after too many resumptions', async () => {
    const kit = newTestKit();
    const world = new SagaWorld();
    await kit.store.insert(orphan(kit, { id: 't-r' }));
    const step = (seq: number, name: string) =>
      kit.store.insertStep({
        taskId: 't-r',
        seq,
        name,
        status: 'done',
        undoData: { thing: `vm1/${name}` },
        createdAt: '',
        updatedAt: '',
      });
    await step(1, 'reserve');
    for (const seq of [2, 3, 4]) await step(seq, '@resume');

    const report = await restart(kit, world, { recovery: 'resume' }).recover();
    expect(report.compensated).toEqual(['t-r']);
    expect(world.undoCalls).toEqual(['reserve']);
    expect(kit.store.tasks.get('t-r')?.error?.detail).toBe(
      "The server stopped while the task was running (after step 'reserve'). It was given up after 3 resumptions. Rolled back: reserve.",
    );
  });
});

describe('recover(): who is an orphan', () => {
  it('with onlyStale, leaves tasks with a fresh heartbeat and live leases of other processes alone', async () => {
    const kit = newTestKit();
    const now = kit.clock.now();
    await kit.store.insert(orphan(kit, { id: 't-fresh' }));
    await kit.store.insert(
      orphan(kit, { id: 't-held', heartbeatAt: new Date(now.getTime() - 60_000).toISOString() }),
    );
    await kit.leases.acquire(
      'vm:vm1',
      'p7#t-held',
      new Date(now.getTime() + 15_000).toISOString(),
      now.toISOString(),
    );
    await kit.store.insert(
      orphan(kit, {
        id: 't-stale',
        resourceId: 'vm2',
        input: { vmId: 'vm2' },
        heartbeatAt: new Date(now.getTime() - 60_000).toISOString(),
      }),
    );

    const engine = restart(kit, new SagaWorld());
    expect(await engine.recover({ onlyStale: true })).toEqual({
      resumed: [],
      compensated: ['t-stale'],
      skipped: ['t-held'],
      errors: [],
    });
    expect(kit.store.tasks.get('t-fresh')?.status).toBe('running');
    // At start-up, every one of them is an orphan.
    expect((await engine.recover()).compensated.sort()).toEqual(['t-fresh', 't-held']);
  });

  it('after start-up, sweeps tasks whose heartbeat went stale, e.g. a run whose final write failed', async () => {
    const kit = newTestKit();
    const world = new SagaWorld();
    const engine = engineOf(kit, 'p1', undefined, 10);
    engine.register(sagaDefinition(world));
    await engine.recover();
    const update = kit.store.update.bind(kit.store);
    kit.store.update = (id, patch) =>
      patch.status === 'succeeded' ? Promise.reject(new Error('database is locked')) : update(id, patch);

    const { id } = await engine.submit('vm.create', { vmId: 'vm1' }, OPTS);
    await vi.waitFor(() => {
      expect(engine.activeTaskIds).toEqual([]);
    });
    expect(kit.store.tasks.get(id)?.status).toBe('running');
    kit.clock.advance(15_001);

    await vi.waitFor(() => {
      expect(kit.store.tasks.get(id)?.status).toBe('failed');
    });
    expect(world.undoCalls).toEqual(['define-domain', 'create-volume', 'reserve']);
    expect(kit.leases.leases.size).toBe(0);
  });

  it('never recovers a task this process is running', async () => {
    const kit = newTestKit();
    const gate = new Gate();
    const engine = engineOf(kit, 'p1');
    engine.register(sagaDefinition(new SagaWorld(), { block: { step: 'reserve', gate } }));
    const { id } = await engine.submit('vm.create', { vmId: 'vm1' }, OPTS);
    expect(await engine.recover()).toEqual({ resumed: [], compensated: [], skipped: [], errors: [] });
    gate.open();
    expect((await engine.wait(id, WAIT)).status).toBe('succeeded');
  });
});

function orphan(kit: TestEngineKit, patch: Partial<TaskRecord> & { id: string }): TaskRecord {
  const now = kit.clock.now().toISOString();
  return {
    kind: 'vm.create',
    status: 'running',
    progress: 0.3,
    message: null,
    resourceKind: 'vm',
    resourceId: 'vm1',
    actorId: 'u1',
    ownerId: 'u1',
    input: { vmId: 'vm1' },
    result: null,
    error: null,
    requestId: null,
    cancelRequested: false,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    heartbeatAt: now,
    ...patch,
  };
}
