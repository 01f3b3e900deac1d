import type { EventsOptions, EventSubscription } from '@gureum/client';
import { describe, expect, it } from 'vitest';
import { lifecycle, vmId } from '../test/fixtures';
import { EventHub } from './event-hub';

/** A stand-in for the client's `events()`: the test drives the subscription's callbacks. */
function fakeClient() {
  let options: EventsOptions | undefined;
  let closed = false;
  const client = {
    events(o: EventsOptions): EventSubscription {
      options = o;
      return {
        state: 'connecting',
        lastEventId: undefined,
        ready: Promise.resolve(),
        close: () => {
          closed = true;
        },
      };
    },
  };
  const opts = (): EventsOptions => {
    if (!options) throw new Error('not subscribed');
    return options;
  };
  return { client, opts, isClosed: () => closed };
}

describe('EventHub', () => {
  it('subscribes to vm, task and image events and hands each to its listeners', () => {
    const { client, opts } = fakeClient();
    const hub = new EventHub(client);
    hub.start();
    expect(opts().topics).toEqual(['vm', 'task', 'image']);
    const seen: number[] = [];
    const off = hub.onEvent((e) => seen.push(e.id));
    opts().onEvent(lifecycle(1, 'vm.started', vmId(1), 'running'));
    off();
    opts().onEvent(lifecycle(2, 'vm.stopped', vmId(1), 'stopped'));
    expect(seen).toEqual([1]);
  });

  it('replays what arrived after a mark, for lists fetched while events kept coming', () => {
    const { client, opts } = fakeClient();
    const hub = new EventHub(client);
    hub.start();
    opts().onEvent(lifecycle(1, 'vm.started', vmId(1), 'running'));
    const mark = hub.mark();
    opts().onEvent(lifecycle(2, 'vm.stopped', vmId(1), 'stopped'));
    opts().onEvent(lifecycle(3, 'vm.started', vmId(2), 'running'));
    expect(hub.since(mark).map((e) => e.id)).toEqual([2, 3]);
    expect(hub.since(hub.mark())).toEqual([]);
  });

  it('reports its state and releases whenOpen on open, or after the timeout', async () => {
    const { client, opts, isClosed } = fakeClient();
    const hub = new EventHub(client);
    hub.start();
    let opened = false;
    const waiting = hub.whenOpen(10_000).then(() => {
      opened = true;
    });
    await Promise.resolve();
    expect(opened).toBe(false);
    const states: string[] = [];
    hub.subscribeState(() => states.push(hub.state.state));
    opts().onState?.('open', { attempt: 0 });
    await waiting;
    expect(opened).toBe(true);
    opts().onState?.('reconnecting', { attempt: 1, delayMs: 250 });
    expect(hub.state).toEqual({ state: 'reconnecting', attempt: 1 });
    expect(states).toEqual(['open', 'reconnecting']);
    const started = Date.now();
    await hub.whenOpen(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    hub.stop();
    expect(isClosed()).toBe(true);
  });
});
