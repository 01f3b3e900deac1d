import { afterEach, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../domain/model.js';
import { Gate, newTestKit } from './testing.js';
import {
  drainTestEngines,
  newTestEngine,
  SagaWorld,
  sagaDefinition,
  type SagaOptions,
} from './testing-saga.js';
import type { TaskFinish } from './types.js';

// All fakes (in-memory stores, recording publisher, manual clock); the engine is real. `onFinished` is how the
// audit log hears of task outcomes without the engine knowing about services.
afterEach(drainTestEngines);

const WAIT = { timeoutMs: 5_000 };
const OPTS = { actorId: 'u1', ownerId: 'u2', resource: { kind: 'vm', id: 'vm1' }, requestId: 'req-1' };

function harness(options: SagaOptions = {}, observer?: (f: TaskFinish) => void) {
  const kit = newTestKit();
  const finishes: TaskFinish[] = [];
  const engine = newTestEngine(kit, {
    onFinished:
      observer ??
      ((f) => {
        finishes.push(f);
      }),
  });
  engine.register(sagaDefinition(new SagaWorld(), options));
  return { kit, engine, finishes };
}

describe('TaskEngine onFinished', () => {
  it('tells once that a task succeeded, with the stored final record', async () => {
    const { engine, finishes } = harness();
    const task = await engine.submit('vm.create', { vmId: 'vm1' }, OPTS);
    await engine.wait(task.id, WAIT);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]).toMatchObject({ outcome: 'succeeded', undone: [] });
    expect(finishes[0]?.task).toMatchObject({
      id: task.id,
      status: 'succeeded',
      actorId: 'u1',
      ownerId: 'u2',
      requestId: 'req-1',
    });
  });

  it('tells that a task failed, and which steps were undone', async () => {
    const { engine, finishes } = harness({ failAt: 'define-domain' });
    const task = await engine.submit('vm.create', { vmId: 'vm1' }, OPTS);
    await engine.wait(task.id, WAIT);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]).toMatchObject({
      outcome: 'failed',
      undone: ['define-domain', 'create-volume', 'reserve'],
      task: { status: 'failed', error: { code: 'DISK_FULL' } },
    });
  });

  it('tells that a task was cancelled', async () => {
    const gate = new Gate();
    const { engine, finishes } = harness({ block: { step: 'create-volume', gate, abortable: true } });
    const task = await engine.submit('vm.create', { vmId: 'vm1' }, OPTS);
    await engine.cancel(task.id, { actorId: 'u1' });
    await engine.wait(task.id, WAIT);
    expect(finishes.map((f) => [f.outcome, f.task.status])).toEqual([['cancelled', 'cancelled']]);
  });

  it('tells that recovery compensated a task a crash left running', async () => {
    const kit = newTestKit();
    const running: TaskRecord = {
      id: 't-orphan',
      kind: 'vm.create',
      status: 'running',
      progress: 0.3,
      message: null,
      resourceKind: 'vm',
      resourceId: 'vm1',
      actorId: 'u1',
      ownerId: 'u2',
      input: { vmId: 'vm1' },
      result: null,
      error: null,
      requestId: 'req-9',
      cancelRequested: false,
      createdAt: kit.clock.now().toISOString(),
      startedAt: kit.clock.now().toISOString(),
      finishedAt: null,
      heartbeatAt: kit.clock.now().toISOString(),
    };
    await kit.store.insert(running);
    const at = kit.clock.now().toISOString();
    await kit.store.insertStep({
      taskId: running.id,
      seq: 1,
      name: 'reserve',
      status: 'done',
      undoData: { thing: 'vm1/reserve' },
      createdAt: at,
      updatedAt: at,
    });
    const finishes: TaskFinish[] = [];
    const engine = newTestEngine(kit, { instanceId: 'p2', onFinished: (f) => finishes.push(f) });
    engine.register(sagaDefinition(new SagaWorld()));
    expect((await engine.recover()).compensated).toEqual([running.id]);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]).toMatchObject({
      outcome: 'compensated',
      undone: ['reserve'],
      task: { id: running.id, status: 'failed', error: { code: 'TASK_INTERRUPTED' } },
    });
  });

  it('a failing observer is logged and changes nothing for the task', async () => {
    const { kit, engine } = harness({}, () => {
      throw new Error('audit database is gone');
    });
    const task = await engine.submit('vm.create', { vmId: 'vm1' }, OPTS);
    expect(await engine.wait(task.id, WAIT)).toMatchObject({ status: 'succeeded' });
    expect(kit.logger.entries.some((e) => e.msg === 'task finish observer failed')).toBe(true);
  });
});
