import type { EventEnvelope } from '@gureum/contract';
import { describe, expect, it } from 'vitest';
import { Capture } from '../test/run.js';
import { useFakeGureum } from '../test/setup.js';
import { T0 } from '../test/world.js';
import { describeEvent } from './events.js';

const t = useFakeGureum();

function started(id: number): EventEnvelope {
  return {
    id,
    type: 'vm.started',
    time: T0,
    resource: { kind: 'vm', id: 'vm-1' },
    data: { name: 'web-1', state: 'running', previousState: 'stopped', reason: 'booted' },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('events', () => {
  it('replays after --since, follows live events as JSON lines, and exits 0 on Ctrl-C', async () => {
    t.api.publish(started(1));
    t.api.publish(started(2));
    const controller = new AbortController();
    const stdout = new Capture();
    const running = t.run(['events', '--since', '1', '--topics', 'vm,task', '--json'], {
      signal: controller.signal,
      stdout,
    });
    await until(() => t.api.subscribers === 1);
    t.api.publish(started(3));
    await until(() => stdout.text.includes('"id":3'));
    controller.abort();
    const r = await running;
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as EventEnvelope);
    expect(lines.map((e) => e.id)).toEqual([2, 3]);
    expect(r.stderr).toMatch(/^Following events on http:\/\/\S+ \(Ctrl-C to stop\)\.\n$/); // once the stream is live
    expect(t.api.eventConnections[0]?.searchParams.get('topics')).toBe('vm,task');
  });

  it('reconnects after a drop and resumes after the last event printed', async () => {
    const controller = new AbortController();
    const stdout = new Capture();
    const running = t.run(['events'], { signal: controller.signal, stdout });
    await until(() => t.api.subscribers === 1);
    t.api.publish(started(1));
    await until(() => stdout.text.includes('#1'));
    t.api.dropEventConnections();
    t.api.publish(started(2)); // missed while disconnected: replayed on resume
    await until(() => stdout.text.includes('#2'));
    controller.abort();
    const r = await running;
    expect(r.code).toBe(0);
    expect(t.api.eventConnections[1]?.searchParams.get('since')).toBe('1');
    expect(r.stdout).toMatch(
      /^2025-01-01T00:00:00\.000Z {2}#1 {2}vm\.started {2}vm\/vm-1 {2}web-1: stopped → running \(booted\)\n.*#2 {2}vm\.started/,
    );
    expect(r.stderr).toMatch(/Disconnected; reconnecting in .*\nReconnected; resuming after event #1\./);
  });

  it('rejects unknown topics and fails clearly with a bad token', async () => {
    expect((await t.run(['events', '--topics', 'vm,cats'])).code).toBe(2);
    const r = await t.run(['events'], { env: { GUREUM_TOKEN: 'wrong' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[UNAUTHENTICATED\]/);
  });

  it('summarizes every kind of event', () => {
    expect(describeEvent(started(1))).toBe('web-1: stopped → running (booted)');
    expect(
      describeEvent({
        id: 1,
        type: 'sync.reset',
        time: T0,
        resource: { kind: 'system', id: 'events' },
        data: { reason: 'since_too_old', oldestId: 5 },
      }),
    ).toMatch(/refetch/);
  });
});
