import { EventsCloseCode } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connectEvents,
  createVm,
  startHarness,
  uploadImage,
  type EventsClient,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// The events WebSocket over a real listening server (the `ws` package as client). Real server over in-memory SQLite
// (real adapter) and the FakeHypervisor (fake); VM state changes are caused with FakeHypervisor.emitExternal, which
// yields exactly one event each.
let h: Harness;
let imageId: string;
let vm: VmJson;
beforeAll(async () => {
  h = await startHarness();
  imageId = await uploadImage(h);
  vm = await createVm(h, imageId);
});
afterAll(async () => {
  await h.close();
});

type Frame = Record<string, unknown>;
const ids = (frames: Frame[]): number[] =>
  frames.filter((f) => typeof f.id === 'number').map((f) => f.id as number);
const afterReady = (c: EventsClient): Frame[] => c.messages.filter((m) => m.type !== 'ready');

async function lastEventId(): Promise<number> {
  return (await h.db.events.bounds()).maxId ?? 0;
}

/** Waits until the event log holds `id` (the live-state queue appends asynchronously). */
async function logReaches(id: number): Promise<void> {
  await expect.poll(lastEventId).toBeGreaterThanOrEqual(id);
}

describe('authentication', () => {
  it('answers ready with the newest event id after a valid auth message', async () => {
    const c = await connectEvents(h);
    const ready = await c.next((m) => m.type === 'ready');
    expect(ready).toEqual({ type: 'ready', lastEventId: await lastEventId() });
    c.close();
  });

  it('closes with 4401 and an error frame for a bad token', async () => {
    const c = await connectEvents(h, { token: 'gur_not-a-token' });
    expect((await c.closed).code).toBe(EventsCloseCode.Unauthenticated);
    expect(c.messages).toEqual([
      {
        type: 'error',
        problem: expect.objectContaining({ code: 'UNAUTHENTICATED', status: 401 }) as unknown,
      },
    ]);
  });

  it('closes with 4401 when the first message is not an auth message', async () => {
    const c = await connectEvents(h, { token: null });
    c.ws.send('hello');
    expect((await c.closed).code).toBe(EventsCloseCode.Unauthenticated);
  });

  it('closes with 4400 for an invalid query', async () => {
    const c = await connectEvents(h, { token: null, query: { since: 'abc' } });
    expect((await c.closed).code).toBe(EventsCloseCode.InvalidRequest);
    expect(c.messages[0]).toMatchObject({ type: 'error', problem: { code: 'VALIDATION_FAILED' } });
  });

  it('closes with 4408 when no auth message arrives within 10 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const c = await connectEvents(h, { token: null });
      // The server arms its timer when the socket opens.
      await vi.waitFor(() => {
        expect(vi.getTimerCount()).toBeGreaterThan(0);
      });
      vi.advanceTimersByTime(9_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(c.ws.readyState).toBe(c.ws.OPEN);
      vi.advanceTimersByTime(1_000);
      expect((await c.closed).code).toBe(EventsCloseCode.AuthTimeout);
      expect(c.messages[0]).toMatchObject({ type: 'error', problem: { code: 'UNAUTHENTICATED' } });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('replay with since', () => {
  it('after a reconnect delivers exactly the missed events in order, then live ones, no duplicates', async () => {
    const first = await connectEvents(h);
    await first.next((m) => m.type === 'ready');
    const start = await h.request('POST', `/vms/${vm.id}/actions/start`, { query: { wait: 'true' } });
    expect(start.statusCode).toBe(200);
    const seenUpTo = await lastEventId();
    await first.next((m) => m.id === seenUpTo);
    first.close();
    await first.closed;

    // Three changes while disconnected: exactly three events.
    h.hypervisor.emitExternal(vm.id, 'suspended', 'paused', 'paused');
    h.hypervisor.emitExternal(vm.id, 'resumed', 'unpaused', 'running');
    h.hypervisor.emitExternal(vm.id, 'stopped', 'destroyed', 'stopped');
    await logReaches(seenUpTo + 3);

    const second = await connectEvents(h, { query: { since: String(seenUpTo) } });
    await second.next((m) => m.id === seenUpTo + 3);
    expect(second.messages[0]).toEqual({ type: 'ready', lastEventId: seenUpTo + 3 });
    expect(afterReady(second).map((m) => [m.id, m.type, (m.data as { state: string }).state])).toEqual([
      [seenUpTo + 1, 'vm.paused', 'paused'],
      [seenUpTo + 2, 'vm.resumed', 'running'],
      [seenUpTo + 3, 'vm.stopped', 'stopped'],
    ]);

    h.hypervisor.emitExternal(vm.id, 'started', 'booted', 'running');
    await second.next((m) => m.id === seenUpTo + 4);
    const received = ids(afterReady(second));
    expect(received).toEqual([seenUpTo + 1, seenUpTo + 2, seenUpTo + 3, seenUpTo + 4]);
    expect(afterReady(second)[3]).toMatchObject({
      type: 'vm.started',
      resource: { kind: 'vm', id: vm.id },
      data: { name: vm.name, state: 'running', previousState: 'stopped', reason: 'booted' },
    });
    second.close();
  });

  it('without since sends only live events', async () => {
    const c = await connectEvents(h);
    await c.next((m) => m.type === 'ready');
    const before = await lastEventId();
    h.hypervisor.emitExternal(vm.id, 'stopped', 'destroyed', 'stopped');
    await c.next((m) => m.type === 'vm.stopped');
    expect(ids(afterReady(c))).toEqual([before + 1]);
    c.close();
  });
});

describe('topics', () => {
  it('topics=task delivers task events only', async () => {
    const tasksOnly = await connectEvents(h, { query: { topics: 'task' } });
    await tasksOnly.next((m) => m.type === 'ready');
    const res = await h.request('POST', `/vms/${vm.id}/actions/start`, { query: { wait: 'true' } });
    expect(res.statusCode).toBe(200);
    // A later task event is the barrier: frames arrive in order, so everything before it has arrived too.
    const stop = await h.request('POST', `/vms/${vm.id}/actions/force-stop`, { query: { wait: 'true' } });
    expect(stop.statusCode).toBe(200);
    await tasksOnly.next(
      (m) =>
        m.type === 'task.updated' &&
        (m.data as { task: { kind: string; status: string } }).task.status === 'succeeded' &&
        (m.data as { task: { kind: string } }).task.kind === 'vm.force-stop',
    );
    const types = new Set(afterReady(tasksOnly).map((m) => m.type));
    expect([...types]).toEqual(['task.updated']);
    const log = await h.db.events.listAfter(0, 10_000);
    expect(log.some((e) => e.type === 'vm.started' || e.type === 'vm.stopped')).toBe(true);
    tasksOnly.close();
  });

  it('rejects an unknown topic with 4400', async () => {
    const c = await connectEvents(h, { token: null, query: { topics: 'vm,secrets' } });
    expect((await c.closed).code).toBe(EventsCloseCode.InvalidRequest);
  });
});

describe('a since the log cannot serve', () => {
  it('older than the retained log: sync.reset first, then live events', async () => {
    const newest = await lastEventId();
    expect(newest).toBeGreaterThan(5);
    await h.db.events.trim(2);
    const { minId } = await h.db.events.bounds();
    const c = await connectEvents(h, { query: { since: '1' } });
    const reset = await c.next((m) => m.type === 'sync.reset');
    expect(afterReady(c)[0]).toBe(reset);
    expect(reset).toMatchObject({
      id: newest,
      resource: { kind: 'system', id: 'events' },
      data: { reason: 'since_too_old', oldestId: minId },
    });
    h.hypervisor.emitExternal(vm.id, 'started', 'booted', 'running');
    const live = await c.next((m) => m.type === 'vm.started' || m.type === 'vm.resumed');
    expect(live.id).toBe(newest + 1);
    expect(afterReady(c)).toHaveLength(2);
    c.close();
  });

  it('newer than the log (another database): sync.reset with since_unknown', async () => {
    const c = await connectEvents(h, { query: { since: String((await lastEventId()) + 1000) } });
    const reset = await c.next((m) => m.type === 'sync.reset');
    expect(reset).toMatchObject({ data: { reason: 'since_unknown' } });
    c.close();
  });
});
