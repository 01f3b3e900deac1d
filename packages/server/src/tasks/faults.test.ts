import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../domain/errors.js';
import { TaskEngine } from './engine.js';
import { FaultInjector, parseFaults, type FaultHit } from './faults.js';
import { newTestKit } from './testing.js';
import { SagaWorld, sagaDefinition } from './testing-saga.js';

describe('parseFaults', () => {
  it('reads crash and fail rules at every point, with wildcards, separated by commas or spaces', () => {
    expect(
      parseFaults(
        'crash-after-step:vm.create:define-domain, crash-before-step:vm.delete:*\nfail-after-step-done:*:x crash-before-undo:vm.create:create-volume',
      ),
    ).toEqual([
      { action: 'crash', point: 'after-step', kind: 'vm.create', step: 'define-domain' },
      { action: 'crash', point: 'before-step', kind: 'vm.delete', step: '*' },
      { action: 'fail', point: 'after-step-done', kind: '*', step: 'x' },
      { action: 'crash', point: 'before-undo', kind: 'vm.create', step: 'create-volume' },
    ]);
  });

  it.each([
    'crash-after:vm.create:x',
    'explode-after-step:vm.create:x',
    'crash-after-step:vm.create',
    'crash-after-step::x',
    'crash-after-step:a:b:c',
  ])('refuses %s', (spec) => {
    expect(() => parseFaults(spec)).toThrow(/Invalid fault/);
  });

  it('is off unless configured', () => {
    expect(FaultInjector.fromSpec(undefined)).toBeUndefined();
    expect(FaultInjector.fromSpec('  ')).toBeUndefined();
    expect(FaultInjector.fromSpec('crash-before-step:a:b')?.rules).toHaveLength(1);
  });
});

describe('FaultInjector', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('fires only the matching rule', async () => {
    const hits: FaultHit[] = [];
    const faults = new FaultInjector(parseFaults('crash-after-step:vm.create:b'), {
      crash: (hit) => void hits.push(hit),
    });
    await faults.at('before-step', 't1', 'vm.create', 'b');
    await faults.at('after-step', 't1', 'vm.delete', 'b');
    await faults.at('after-step', 't1', 'vm.create', 'a');
    expect(hits).toEqual([]);
    await faults.at('after-step', 't1', 'vm.create', 'b');
    expect(hits).toEqual([
      {
        rule: { action: 'crash', point: 'after-step', kind: 'vm.create', step: 'b' },
        taskId: 't1',
        kind: 'vm.create',
        step: 'b',
      },
    ]);
  });

  it('crashes with SIGKILL by default and never returns', async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const faults = new FaultInjector(parseFaults('crash-before-step:*:*'));
    const settled = vi.fn();
    faults.at('before-step', 't1', 'k', 's').then(settled, settled);
    await new Promise((r) => setTimeout(r, 10));
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
    expect(settled).not.toHaveBeenCalled();
  });

  it('fail- rules throw FAULT_INJECTED, which the engine compensates like any failure', async () => {
    const kit = newTestKit();
    const world = new SagaWorld();
    const engine = new TaskEngine({
      ...kit,
      instanceId: 'p1',
      faults: new FaultInjector(parseFaults('fail-before-step:vm.create:define-domain')),
    });
    engine.register(sagaDefinition(world));
    expect(
      kit.logger.entries.some((e) => e.level === 'warn' && e.msg === 'FAULT INJECTION IS ON (test only)'),
    ).toBe(true);
    const { id } = await engine.submit(
      'vm.create',
      { vmId: 'vm1' },
      { actorId: 'u', ownerId: 'u', resource: { kind: 'vm', id: 'vm1' } },
    );
    const task = await engine.wait(id, { timeoutMs: 5_000 });
    expect(task.error?.code).toBe('FAULT_INJECTED');
    expect(world.undoCalls).toEqual(['define-domain', 'create-volume', 'reserve']);
    expect(world.things.size).toBe(0);
    await expect(
      new FaultInjector(parseFaults('fail-after-step:*:*')).at('after-step', 't', 'k', 's'),
    ).rejects.toSatisfy((e: unknown) => isAppError(e, 'FAULT_INJECTED'));
  });
});
