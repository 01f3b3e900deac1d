import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../domain/errors.js';
import type { TaskRecord } from '../domain/model.js';
import { Gate, newTestKit, rejectionOf } from './testing.js';
import {
  drainTestEngines,
  newSagaHarness,
  newTestEngine,
  SagaWorld,
  sagaDefinition,
} from './testing-saga.js';
import type { TaskDefinition } from './types.js';

// Leases, wait() and drain(). All fakes (in-memory stores, recording publisher, manual clock); the engine is real.
afterEach(drainTestEngines);

const WAIT = { timeoutMs: 5_000 };

describe('TaskEngine: leases', () => {
  it('refuses a second task on a busy VM with VM_BUSY and creates no task', async () => {
    const gate = new Gate();
    const { kit, engine, submit } = newSagaHarness({ block: { step: 'reserve', gate } });
    const first = await submit('vm1');

    const err = await rejectionOf(submit('vm1'));
    expect([err.code, err.kind]).toEqual(['VM_BUSY', 'conflict']);
    expect(err.meta).toEqual({ resource: 'vm:vm1', taskId: first.id });
    expect(kit.store.tasks.size).toBe(1);

    const other = await submit('vm2'); // another VM is not blocked
    gate.open();
    await engine.wait(first.id, WAIT);
    await engine.wait(other.id, WAIT);
    const again = await submit('vm1'); // released at the end
    expect((await engine.wait(again.id, WAIT)).status).toBe('succeeded');
  });

  it('takes over the expired lease of a dead holder', async () => {
    const { kit, engine, submit } = newSagaHarness();
    const now = kit.clock.now();
    await kit.leases.acquire(
      'vm:vm1',
      'dead#t0',
      new Date(now.getTime() + 15_000).toISOString(),
      now.toISOString(),
    );
    expect((await rejectionOf(submit())).code).toBe('VM_BUSY');

    kit.clock.advance(15_001);
    const task = await submit();
    expect((await engine.wait(task.id, WAIT)).status).toBe('succeeded');
  });

  it('keeps its lease and heartbeat alive while it runs', async () => {
    const gate = new Gate();
    const { kit, engine, submit } = newSagaHarness({ block: { step: 'reserve', gate } });
    const { id } = await submit();
    kit.clock.advance(60_000);
    await vi.waitFor(() => {
      const lease = kit.leases.leases.get('vm:vm1');
      expect(Date.parse(lease?.expiresAt ?? '')).toBe(kit.clock.now().getTime() + 15_000);
      expect(kit.store.tasks.get(id)?.heartbeatAt).toBe(kit.clock.now().toISOString());
    });
    const other = newTestEngine(kit, { instanceId: 'p2' });
    other.register(sagaDefinition(new SagaWorld()));
    const err = await rejectionOf(
      other.submit(
        'vm.create',
        { vmId: 'vm1' },
        { actorId: 'u', ownerId: 'u', resource: { kind: 'vm', id: 'vm1' } },
      ),
    );
    expect(err.code).toBe('VM_BUSY');
    gate.open();
    expect((await engine.wait(id, WAIT)).status).toBe('succeeded');
  });

  it('stops writing about a task whose lease was taken away', async () => {
    const gate = new Gate();
    const { kit, engine, submit } = newSagaHarness({ block: { step: 'create-volume', gate } });
    const { id } = await submit();
    await vi.waitFor(() => {
      expect(kit.store.journal(id)).toContain('create-volume:started');
    });
    kit.leases.leases.set('vm:vm1', { holder: 'p9#other', expiresAt: '2100-01-01T00:00:00.000Z' });
    await vi.waitFor(() => {
      expect(kit.logger.entries.some((e) => e.msg === 'task lost its lease; stopping it here')).toBe(true);
    });
    gate.open();
    await vi.waitFor(() => {
      expect(engine.activeTaskIds).toEqual([]);
    });
    expect(kit.store.tasks.get(id)?.status).toBe('running'); // left to whoever holds the lease now
    expect(kit.store.journal(id)).toEqual(['reserve:done', 'create-volume:started']);
    expect(kit.leases.leases.get('vm:vm1')?.holder).toBe('p9#other');
  });
});

describe('TaskEngine: wait and drain', () => {
  it('wait() returns the running record when the timeout passes, or when its signal aborts', async () => {
    const gate = new Gate();
    const { engine, submit } = newSagaHarness({ block: { step: 'reserve', gate } });
    const { id } = await submit();
    expect((await engine.wait(id, { timeoutMs: 20 })).status).toBe('running');
    const controller = new AbortController();
    controller.abort();
    expect((await engine.wait(id, { timeoutMs: 60_000, signal: controller.signal })).status).toBe('running');
    await expect(engine.wait('missing', { timeoutMs: 1 })).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'TASK_NOT_FOUND'),
    );
    gate.open();
    expect((await engine.wait(id, WAIT)).status).toBe('succeeded');
  });

  it('wait() watches the store for a task another process runs', async () => {
    const { kit, engine } = newSagaHarness();
    const now = kit.clock.now().toISOString();
    const task: TaskRecord = {
      id: 't-elsewhere',
      kind: 'vm.create',
      status: 'running',
      progress: 0.5,
      message: null,
      resourceKind: 'vm',
      resourceId: 'vm9',
      actorId: 'u',
      ownerId: 'u',
      input: { vmId: 'vm9' },
      result: null,
      error: null,
      requestId: null,
      cancelRequested: false,
      createdAt: now,
      startedAt: now,
      finishedAt: null,
      heartbeatAt: now,
    };
    await kit.store.insert(task);
    const waiting = engine.wait(task.id, WAIT);
    setTimeout(() => void kit.store.update(task.id, { status: 'succeeded', finishedAt: now }), 30);
    expect((await waiting).status).toBe('succeeded');
  });

  it('drain() lets the running step finish, stops at the journaled point and keeps the lease', async () => {
    const gate = new Gate();
    const { kit, engine, submit } = newSagaHarness({ block: { step: 'reserve', gate } });
    const { id } = await submit();
    await vi.waitFor(() => {
      expect(kit.store.journal(id)).toEqual(['reserve:started']);
    });
    const draining = engine.drain(5_000);
    expect((await rejectionOf(submit('vm2'))).code).toBe('SERVER_SHUTTING_DOWN');
    gate.open();
    expect(await draining).toEqual({ finished: [], leftForRecovery: [id] });
    expect(kit.store.journal(id)).toEqual(['reserve:done']);
    expect(kit.store.tasks.get(id)?.status).toBe('running');
    expect(kit.leases.leases.get('vm:vm1')?.holder).toBe(`p1#${id}`);
  });

  it('drain() lets a task that completes finish, and gives up on a stuck one at the timeout', async () => {
    const stuck = new Gate();
    const kit = newTestKit();
    const engine = newTestEngine(kit);
    const world = new SagaWorld();
    engine.register(
      sagaDefinition(world, { kind: 'vm.stuck', block: { step: 'create-volume', gate: stuck } }),
    );
    engine.register<null, string>({
      kind: 'vm.quick',
      recovery: 'compensate',
      undo: {},
      run: () => Promise.resolve('ok'),
    });
    const opts = { actorId: 'u', ownerId: 'u', resource: { kind: 'vm', id: 'v' } };
    const s = await engine.submit('vm.stuck', { vmId: 'vm1' }, opts);
    await vi.waitFor(() => {
      expect(kit.store.journal(s.id)).toContain('create-volume:started');
    });
    const q = await engine.submit('vm.quick', null, opts);

    const report = await engine.drain(30);

    expect(report).toEqual({ finished: [q.id], leftForRecovery: [s.id] });
    stuck.open();
    await new Promise((r) => setTimeout(r, 20));
    expect(kit.store.journal(s.id)).toEqual(['reserve:done', 'create-volume:started']); // fenced: no more writes
    expect(kit.store.tasks.get(s.id)?.status).toBe('running');
  });

  it('runs tasks without a lease', async () => {
    const kit = newTestKit();
    const engine = newTestEngine(kit);
    const def: TaskDefinition<null, number> = {
      kind: 'host.noop',
      recovery: 'compensate',
      undo: {},
      run: () => Promise.resolve(7),
    };
    engine.register(def);
    const task = await engine.submit('host.noop', null, {
      actorId: 'a',
      ownerId: 'a',
      resource: { kind: 'host', id: 'h' },
    });
    expect((await engine.wait(task.id, WAIT)).result).toBe(7);
    expect(kit.leases.leases.size).toBe(0);
  });
});
