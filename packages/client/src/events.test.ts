import type { EventEnvelope } from '@gureum/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  ApiError,
  createGureumClient,
  eventsUrl,
  type EventSubscription,
  type EventsState,
  type GureumClient,
} from './index.js';
import { FakeGureumServer } from './test/fake-server.js';
import { lifecycleEvent } from './test/fixtures.js';

let server: FakeGureumServer;
let client: GureumClient;
let baseUrl: string;
const subscriptions: EventSubscription[] = [];

beforeEach(async () => {
  server = new FakeGureumServer();
  baseUrl = await server.start();
  client = createGureumClient({ baseUrl, token: 'secret-token', WebSocket });
});

afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.close();
  await server.close();
});

/** Polls until `check` holds (events travel over a real socket). */
async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Recorder {
  readonly events: EventEnvelope[];
  readonly states: EventsState[];
  readonly resets: EventEnvelope[];
  readonly errors: unknown[];
  readonly sub: EventSubscription;
}

function subscribe(
  options: { since?: number; topics?: ('vm' | 'task')[]; client?: GureumClient } = {},
): Recorder {
  const rec: Omit<Recorder, 'sub'> = { events: [], states: [], resets: [], errors: [] };
  const sub = (options.client ?? client).events({
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.topics ? { topics: options.topics } : {}),
    onEvent: (e) => rec.events.push(e),
    onState: (s) => rec.states.push(s),
    onReset: (e) => rec.resets.push(e),
    onError: (e) => rec.errors.push(e),
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
  });
  subscriptions.push(sub);
  return { ...rec, sub };
}

describe('events', () => {
  it('authenticates with the first message (no token in the URL) and delivers live events in order', async () => {
    const rec = subscribe({ topics: ['vm', 'task'] });
    await rec.sub.ready;
    expect(rec.sub.state).toBe('open');
    const url = server.eventConnections[0];
    expect(url?.pathname).toBe('/api/v1/events');
    expect(url?.searchParams.get('topics')).toBe('vm,task');
    expect(url?.search).not.toContain('secret-token');
    for (let id = 1; id <= 5; id++) server.publish(lifecycleEvent(id, id % 2 ? 'vm.started' : 'vm.stopped'));
    await eventually(() => rec.events.length === 5, '5 events');
    expect(rec.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(rec.events[1]?.type).toBe('vm.stopped');
    expect(rec.sub.lastEventId).toBe(5);
    expect(rec.states).toEqual(['connecting', 'open']);
  });

  it('replays from `since` on the first connection', async () => {
    for (let id = 1; id <= 4; id++) server.publish(lifecycleEvent(id));
    const rec = subscribe({ since: 2 });
    await eventually(() => rec.events.length === 2, 'replay');
    expect(rec.events.map((e) => e.id)).toEqual([3, 4]);
    expect(server.eventConnections[0]?.searchParams.get('since')).toBe('2');
  });

  it('reconnects after a drop, resumes from the last id, without duplicates and in order', async () => {
    server.replayOverlap = 2; // the server replays two events the client already has: they must be dropped
    const rec = subscribe();
    await rec.sub.ready;
    server.publish(lifecycleEvent(1));
    server.publish(lifecycleEvent(2));
    server.publish(lifecycleEvent(3));
    await eventually(() => rec.events.length === 3, 'first events');

    server.dropEventConnections();
    server.publish(lifecycleEvent(4)); // missed while disconnected
    server.publish(lifecycleEvent(5));
    await eventually(() => rec.states.filter((s) => s === 'open').length === 2, 'reconnection');
    server.publish(lifecycleEvent(6));
    await eventually(() => rec.events.length >= 6, 'replayed and live events');
    await new Promise((r) => setTimeout(r, 50));

    expect(rec.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(server.eventConnections.at(-1)?.searchParams.get('since')).toBe('3');
    expect(rec.states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(rec.errors).toEqual([]);
  });

  it('resumes from the server position of `ready` when nothing was delivered before a drop', async () => {
    server.publish(lifecycleEvent(1)); // history the subscriber does not want (no `since`)
    const rec = subscribe();
    await rec.sub.ready;
    server.dropEventConnections();
    server.publish(lifecycleEvent(2)); // published while the subscriber was away, before it saw any event
    await eventually(() => rec.states.filter((s) => s === 'open').length === 2, 'reconnection');
    await eventually(() => rec.events.length >= 1, 'the missed event');
    expect(rec.events.map((e) => e.id)).toEqual([2]);
    expect(server.eventConnections.at(-1)?.searchParams.get('since')).toBe('1');
  });

  it('keeps reconnecting with backoff while the server is away, then resumes', async () => {
    const infos: { state: EventsState; attempt: number; delayMs?: number }[] = [];
    const seen: number[] = [];
    const sub = client.events({
      onEvent: (e) => seen.push(e.id),
      onState: (state, info) => infos.push({ state, ...info }),
      reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
    });
    subscriptions.push(sub);
    await sub.ready;
    server.publish(lifecycleEvent(1));
    await eventually(() => seen.length === 1, 'first event');
    server.refuseEvents = true;
    server.closeEventConnections(1001, 'going away');
    await eventually(() => server.eventAttempts >= 4, 'several refused attempts');
    server.publish(lifecycleEvent(2));
    server.refuseEvents = false;
    await eventually(() => seen.length === 2, 'the missed event');
    const retries = infos.filter((i) => i.state === 'reconnecting');
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    for (const r of retries) expect(r.delayMs).toBeLessThanOrEqual(40 * 1.2);
    expect(infos.at(-1)).toEqual({ state: 'open', attempt: 0 });
    expect(server.eventConnections.at(-1)?.searchParams.get('since')).toBe('1');
  });

  it('surfaces sync.reset when `since` is older than the retained log', async () => {
    for (let id = 1; id <= 10; id++) server.publish(lifecycleEvent(id));
    server.retainedAfter = 8;
    const rec = subscribe({ since: 3 });
    await eventually(() => rec.resets.length === 1, 'sync.reset');
    expect(rec.resets[0]?.type).toBe('sync.reset');
    expect(rec.events[0]?.type).toBe('sync.reset'); // delivered to onEvent as well, first
    expect(rec.sub.lastEventId).toBe(10);
    server.publish(lifecycleEvent(11));
    await eventually(() => rec.events.length === 2, 'live event after reset');
    expect(rec.events[1]?.id).toBe(11);
  });

  it('accepts a reset to a lower id (the server log was reset) and keeps delivering', async () => {
    for (let id = 1; id <= 3; id++) server.publish(lifecycleEvent(id));
    const rec = subscribe({ since: 0 });
    await eventually(() => rec.events.length === 3, 'replay');
    server.log.splice(0);
    server.retainedAfter = 100; // the restarted server has no history the client can resume from
    server.dropEventConnections();
    await eventually(() => rec.resets.length === 1, 'sync.reset after restart');
    expect(rec.sub.lastEventId).toBe(0);
    server.retainedAfter = 0;
    server.publish(lifecycleEvent(1));
    await eventually(() => rec.events.at(-1)?.id === 1, 'new event 1 after the reset');
  });

  it('stops for good on a bad token: state closed, ready rejects with the problem', async () => {
    const bad = createGureumClient({ baseUrl, token: 'wrong', WebSocket });
    const rec = subscribe({ client: bad });
    const err: unknown = await rec.sub.ready.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(rec.states).toEqual(['connecting', 'closed']);
    expect(rec.errors).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.eventConnections).toHaveLength(1);
  });

  it('close() stops reconnecting', async () => {
    const rec = subscribe();
    await rec.sub.ready;
    rec.sub.close();
    expect(rec.sub.state).toBe('closed');
    server.dropEventConnections();
    await new Promise((r) => setTimeout(r, 150));
    expect(server.eventConnections).toHaveLength(1);
    expect(rec.states).toEqual(['connecting', 'open', 'closed']);
  });

  it('builds ws:// and wss:// URLs from the base URL', () => {
    expect(eventsUrl('http://h:8080/', 5, ['vm'])).toBe('ws://h:8080/api/v1/events?since=5&topics=vm');
    expect(eventsUrl('https://h/gureum', undefined, [])).toBe('wss://h/gureum/api/v1/events');
  });

  it('reports callback errors through onError and keeps going', async () => {
    const errors: unknown[] = [];
    const seen: number[] = [];
    const sub = client.events({
      onEvent: (e) => {
        seen.push(e.id);
        if (e.id === 1) throw new Error('boom');
      },
      onError: (e) => errors.push(e),
    });
    subscriptions.push(sub);
    await sub.ready;
    server.publish(lifecycleEvent(1));
    server.publish(lifecycleEvent(2));
    await eventually(() => seen.length === 2, 'both events');
    expect(errors).toHaveLength(1);
  });
});
