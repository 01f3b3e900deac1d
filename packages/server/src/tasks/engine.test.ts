import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PublicTask } from './public-task.js';
import { Gate, newTestKit, rejectionOf, type TestEngineKit } from './testing.js';
import { drainTestEngines, newSagaHarness, newTestEngine, sagaDefinition } from './testing-saga.js';

// All fakes (in-memory stores, recording publisher, manual clock); the engine is real.
afterEach(drainTestEngines);

const WAIT = { timeoutMs: 5_000 };

function publicTasks(kit: TestEngineKit, taskId: string): PublicTask[] {
  return kit.events.ofResource(taskId).map((e) => (e.data as { task: PublicTask }).task);
}

describe('TaskEngine: running', () => {
  it('runs the steps, journals them and ends succeeded with its result, publishing every change', async () => {
    const { kit, world, engine, submit } = newSagaHarness();
    const queued = await submit();
    expect(queued).toMatchObject({
      status: 'queued',
      kind: 'vm.create',
      resourceKind: 'vm',
      resourceId: 'vm1',
    });

    const done = await engine.wait(queued.id, WAIT);

    expect(done).toMatchObject({ status: 'succeeded', progress: 1, error: null });
    expect(done.result).toEqual({ things: ['vm1/create-volume', 'vm1/define-domain', 'vm1/reserve'] });
    expect(kit.store.journal(queued.id)).toEqual([
      'reserve:done',
      'create-volume:done',
      'define-domain:done',
    ]);
    expect(world.undoCalls).toEqual([]);
    expect(kit.leases.leases.size).toBe(0);
    const events = kit.events.ofResource(queued.id);
    expect(events.map((e) => (e.data as { task: PublicTask }).task.status)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    expect(
      events.every((e) => e.type === 'task.updated' && e.resourceKind === 'task' && e.ownerId === 'u1'),
    ).toBe(true);
    expect(events.some((e) => 'input' in (e.data as { task: object }).task)).toBe(false);
  });

  it('advances progress by step weights and throttles progress reports', async () => {
    const { kit, engine, submit } = newSagaHarness({
      progressWeights: { reserve: 1, 'create-volume': 1, 'define-domain': 2 },
    });
    const { id } = await submit();
    await engine.wait(id, WAIT);
    expect(publicTasks(kit, id).map((t) => [t.status, t.progress])).toEqual([
      ['queued', 0],
      ['running', 0],
      ['running', 0.25],
      ['running', 0.5],
      ['running', 1],
      ['succeeded', 1],
    ]);

    const engine2 = newTestEngine(kit, { instanceId: 'p2' });
    engine2.register<null, null>({
      kind: 'image.download',
      recovery: 'compensate',
      undo: {},
      run: (ctx) => {
        ctx.progress(0.1);
        ctx.progress(0.12); // < 5 % and < 100 ms: dropped
        ctx.progress(0.2);
        ctx.progress(0.21, 'verifying checksum'); // a new message always passes
        ctx.progress(0.22, 'verifying checksum'); // dropped
        kit.clock.advance(150);
        ctx.progress(0.23); // 100 ms later: passes
        return Promise.resolve(null);
      },
    });
    const task = await engine2.submit('image.download', null, {
      actorId: 'u1',
      ownerId: 'u1',
      resource: { kind: 'image', id: 'i1' },
    });
    await engine2.wait(task.id, WAIT);
    const running = publicTasks(kit, task.id).filter((t) => t.status === 'running');
    expect(running.map((t) => [t.progress, t.message ?? null])).toEqual([
      [0, null],
      [0.1, null],
      [0.2, null],
      [0.21, 'verifying checksum'],
      [0.23, 'verifying checksum'],
    ]);
  });

  it('compensates in reverse with the journaled data when a step fails, and fails with a Problem', async () => {
    const { kit, world, engine, submit } = newSagaHarness({ failAt: 'define-domain' });
    const { id } = await submit();
    const task = await engine.wait(id, WAIT);

    // The failing step is undone too: it may have acted in part, and undos tolerate "already gone".
    expect(world.undoCalls).toEqual(['define-domain', 'create-volume', 'reserve']);
    expect(world.things.size).toBe(0);
    expect(kit.store.journal(id)).toEqual(['reserve:undone', 'create-volume:undone', 'define-domain:undone']);
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({
      code: 'DISK_FULL',
      status: 409,
      type: 'https://gureum.dev/errors#disk-full',
    });
    expect(task.error?.detail).toBe(
      "Step 'define-domain' failed: No space is left in the pool. Rolled back: define-domain, create-volume, reserve.",
    );
    expect(kit.leases.leases.size).toBe(0);
  });

  it('records an undo that fails as undo_failed, keeps undoing, and says both in the Problem', async () => {
    const { kit, world, engine, submit } = newSagaHarness({
      failAt: 'define-domain',
      failUndoOf: 'create-volume',
    });
    const { id } = await submit();
    const task = await engine.wait(id, WAIT);

    expect(world.undoCalls).toEqual(['define-domain', 'create-volume', 'reserve']);
    expect(kit.store.journal(id)).toEqual([
      'reserve:undone',
      'create-volume:undo_failed',
      'define-domain:undone',
    ]);
    expect(task.status).toBe('failed');
    expect(task.error?.code).toBe('DISK_FULL');
    expect(task.error?.detail).toContain('Rolled back: define-domain, reserve.');
    expect(task.error?.detail).toContain('Could not roll back: create-volume [INTERNAL]');
    expect(task.error?.detail).not.toContain('/var/lib'); // the raw message stays in the log
    expect(
      kit.logger.entries.some((e) => e.level === 'error' && e.msg === 'task step could not be undone'),
    ).toBe(true);
  });

  it('hides an internal error behind a generic detail', async () => {
    const kit = newTestKit();
    const engine = newTestEngine(kit);
    engine.register<null, null, { only: null }>({
      kind: 'x.boom',
      recovery: 'compensate',
      undo: { only: null },
      run: async (ctx) => {
        await ctx.step('only', null, () => Promise.reject(new Error('ENOENT /etc/secret')));
        return null;
      },
    });
    const task = await engine.submit('x.boom', null, {
      actorId: 'a',
      ownerId: 'a',
      resource: { kind: 'x', id: '1' },
      requestId: 'req-9',
    });
    const done = await engine.wait(task.id, WAIT);
    expect(done.error).toMatchObject({ code: 'INTERNAL', status: 500, requestId: 'req-9' });
    expect(done.error?.detail).not.toContain('secret');
    expect(kit.store.journal(task.id)).toEqual(['only:undone']);
  });

  it('fails a step that has no undo entry before it acts', async () => {
    const kit = newTestKit();
    const engine = newTestEngine(kit);
    let acted = false;
    engine.register<null, null>({
      kind: 'x.sloppy',
      recovery: 'compensate',
      undo: {},
      run: async (ctx) => {
        await ctx.step('unlisted', null, () => {
          acted = true;
          return Promise.resolve();
        });
        return null;
      },
    });
    const task = await engine.submit('x.sloppy', null, {
      actorId: 'a',
      ownerId: 'a',
      resource: { kind: 'x', id: '1' },
    });
    expect((await engine.wait(task.id, WAIT)).error?.code).toBe('TASK_STEP_UNKNOWN');
    expect(acted).toBe(false);
  });

  it('refuses unknown kinds and duplicate registrations', async () => {
    const { engine, world } = newSagaHarness();
    expect(() => {
      engine.register(sagaDefinition(world));
    }).toThrow(/already registered/);
    const err = await rejectionOf(
      engine.submit('nope', null, { actorId: 'a', ownerId: 'a', resource: { kind: 'x', id: '1' } }),
    );
    expect(err.code).toBe('TASK_KIND_UNKNOWN');
  });
});

describe('TaskEngine: cancel', () => {
  it('cancels a running task: the signal aborts, journaled steps are undone, the task ends cancelled', async () => {
    const gate = new Gate();
    const { kit, world, engine, submit } = newSagaHarness({
      block: { step: 'create-volume', gate, abortable: true },
    });
    const { id } = await submit();
    await vi.waitFor(() => {
      expect(kit.store.journal(id)).toContain('create-volume:started');
    });

    const requested = await engine.cancel(id, { actorId: 'u1' });
    expect(requested.cancelRequested).toBe(true);
    const task = await engine.wait(id, WAIT);

    expect(task.status).toBe('cancelled');
    expect(task.error).toMatchObject({ code: 'TASK_CANCELLED', status: 409 });
    expect(task.error?.detail).toBe('The task was cancelled. Rolled back: create-volume, reserve.');
    expect(world.undoCalls).toEqual(['create-volume', 'reserve']);
    expect(world.things.size).toBe(0);
    expect(kit.leases.leases.size).toBe(0);
  });

  it('stops at the next step boundary when the step ignores the signal', async () => {
    const gate = new Gate();
    const { kit, world, engine, submit } = newSagaHarness({ block: { step: 'create-volume', gate } });
    const { id } = await submit();
    await vi.waitFor(() => {
      expect(kit.store.journal(id)).toContain('create-volume:started');
    });
    await engine.cancel(id, { actorId: 'u1' });
    gate.open();
    const task = await engine.wait(id, WAIT);
    expect(task.status).toBe('cancelled');
    expect(kit.store.journal(id)).toEqual(['reserve:undone', 'create-volume:undone']);
    expect(world.things.size).toBe(0);
  });

  it('cancels a task right after submit, before any step acted', async () => {
    const { world, engine, submit } = newSagaHarness();
    const { id } = await submit();
    await engine.cancel(id, { actorId: 'u1' });
    const task = await engine.wait(id, WAIT);
    expect(task.status).toBe('cancelled');
    expect(task.error?.detail).toContain('Nothing needed rolling back.');
    expect(world.things.size).toBe(0);
  });

  it('refuses to cancel a finished task (TASK_NOT_CANCELLABLE) or an unknown one (TASK_NOT_FOUND)', async () => {
    const { engine, submit } = newSagaHarness();
    const { id } = await submit();
    await engine.wait(id, WAIT);
    const err = await rejectionOf(engine.cancel(id, { actorId: 'u1' }));
    expect([err.code, err.kind]).toEqual(['TASK_NOT_CANCELLABLE', 'conflict']);
    expect((await rejectionOf(engine.cancel('missing', { actorId: 'u1' }))).code).toBe('TASK_NOT_FOUND');
  });

  it('picks up a cancel persisted by another process at the next heartbeat', async () => {
    const gate = new Gate();
    const { kit, engine, submit } = newSagaHarness({
      block: { step: 'create-volume', gate, abortable: true },
    });
    const { id } = await submit();
    await vi.waitFor(() => {
      expect(kit.store.journal(id)).toContain('create-volume:started');
    });
    await kit.store.update(id, { cancelRequested: true });
    expect((await engine.wait(id, WAIT)).status).toBe('cancelled');
  });
});
