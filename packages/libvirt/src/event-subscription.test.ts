import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { LibvirtClient } from './client.js';
import { isConnectionError } from './errors.js';
import { EventSubscription } from './event-subscription.js';
import { domainLifecycleMsg } from './protocol/events.js';
import { remoteProcedures } from './protocol/remote.js';
import type { Dom, Net, Pool } from './protocol/types.js';
import { FakeLibvirtd, waitUntil } from './testing/index.js';
import { encode } from './xdr/codec.js';

const web: Dom = { name: 'web-1', uuid: '0f9d7b1e-3a52-4c1b-9f4e-6d2a8b7c5e01', id: 3 };
const db: Dom = { name: 'db-1', uuid: '1f9d7b1e-3a52-4c1b-9f4e-6d2a8b7c5e02', id: 4 };

let fake: FakeLibvirtd;
let client: LibvirtClient;

beforeEach(async () => {
  fake = await FakeLibvirtd.start();
  client = await LibvirtClient.connect(fake.uri, { autoReconnect: false });
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

describe('subscribe', () => {
  it('registers with the daemon and delivers typed bodies without the callback id', async () => {
    const events = await client.subscribe('domainLifecycle');
    expect(fake.callsTo(remoteProcedures.connectDomainEventCallbackRegisterAny)[0]?.args).toEqual({
      eventID: 0,
      filter: null,
    });
    expectTypeOf(events).toEqualTypeOf<EventSubscription<{ dom: Dom; event: number; detail: number }>>();
    fake.emitEvent('domainLifecycle', { dom: web, event: 2, detail: 0 });
    expect(await events.nextEvent({ timeoutMs: 1000 })).toEqual({ dom: web, event: 2, detail: 0 });
  });

  it('delivers events that arrive before the reply of the call that caused them, in order', async () => {
    fake.handle(remoteProcedures.domainCreateWithFlags, ({ dom }) => {
      fake.emitEvent('domainLifecycle', { dom, event: 4, detail: 0 }); // RESUMED
      fake.emitEvent('domainLifecycle', { dom, event: 2, detail: 0 }); // STARTED
      return { ...dom, id: 7 };
    });
    const events = await client.subscribe('domainLifecycle', { dom: web });
    const started = await client.domainCreateWithFlags({ dom: web, flags: 0 });
    expect(started.id).toBe(7);
    expect(events.queued).toBe(2); // both were routed before the reply resolved the call
    const got = [await events.nextEvent(), await events.nextEvent()];
    expect(got.map((e) => e.event)).toEqual([4, 2]);
  });

  it('delivers an event that arrives ahead of its own registration reply', async () => {
    fake.onRegister = (conn, callbackId) => {
      void conn.sendEvent(
        318,
        encode(domainLifecycleMsg, { callbackID: callbackId, dom: web, event: 0, detail: 0 }),
      );
      void conn.sendEvent(
        318,
        encode(domainLifecycleMsg, { callbackID: callbackId + 100, dom: web, event: 1, detail: 0 }),
      );
    };
    const events = await client.subscribe('domainLifecycle');
    expect(await events.nextEvent({ timeoutMs: 1000 })).toEqual({ dom: web, event: 0, detail: 0 });
    expect(events.queued).toBe(0); // the event for an unknown callback id was dropped
  });

  it('routes by callback id: one subscription per registration, filters by object', async () => {
    const all = await client.subscribe('domainLifecycle');
    const onlyDb = await client.subscribe('domainLifecycle', { dom: db });
    const reboots = await client.subscribe('domainReboot');
    expect(fake.callsTo(remoteProcedures.connectDomainEventCallbackRegisterAny).map((c) => c.args)).toEqual([
      { eventID: 0, filter: null },
      { eventID: 0, filter: db },
      { eventID: 1, filter: null },
    ]);
    fake.emitEvent('domainLifecycle', { dom: web, event: 5, detail: 1 });
    fake.emitEvent('domainLifecycle', { dom: db, event: 5, detail: 1 });
    fake.emitEvent('domainReboot', { dom: web });
    await waitUntil(() => all.queued === 2 && onlyDb.queued === 1 && reboots.queued === 1);
    expect((await onlyDb.nextEvent()).dom.name).toBe('db-1');
    expect(await reboots.nextEvent()).toEqual({ dom: web });
  });

  it('supports network and storage pool events with their filters', async () => {
    const net: Net = { name: 'default', uuid: '2f9d7b1e-3a52-4c1b-9f4e-6d2a8b7c5e03' };
    const pool: Pool = { name: 'images', uuid: '3f9d7b1e-3a52-4c1b-9f4e-6d2a8b7c5e04' };
    const nets = await client.subscribe('networkLifecycle', { net });
    const pools = await client.subscribe('storagePoolLifecycle');
    fake.emitEvent('networkLifecycle', { net, event: 2, detail: 0 });
    fake.emitEvent('storagePoolLifecycle', { pool, event: 2, detail: 0 });
    expect(await nets.nextEvent({ timeoutMs: 1000 })).toEqual({ net, event: 2, detail: 0 });
    expect(await pools.nextEvent({ timeoutMs: 1000 })).toEqual({ pool, event: 2, detail: 0 });
  });

  it('rejects an invalid filter handle without registering', async () => {
    const bad = { name: 'x' } as unknown as Dom;
    await expect(client.subscribe('domainLifecycle', { dom: bad })).rejects.toThrow(TypeError);
  });

  it('ignores events of unknown procedures and unknown callback ids', async () => {
    const events = await client.subscribe('domainLifecycle');
    const conn = await fake.waitForConnection(true);
    await conn.sendEvent(9999, Buffer.alloc(4));
    await conn.sendEvent(
      318,
      encode(domainLifecycleMsg, { callbackID: 4242, dom: web, event: 0, detail: 0 }),
    );
    fake.emitEvent('domainLifecycle', { dom: web, event: 3, detail: 0 });
    expect((await events.nextEvent({ timeoutMs: 1000 })).event).toBe(3);
    expect(client.state).toBe('connected');
  });

  it('treats an undecodable body of a known event as a protocol error', async () => {
    await client.subscribe('domainLifecycle');
    const conn = await fake.waitForConnection(true);
    const lost = new Promise<unknown>((resolve) => {
      client.on('state', (s, err) => {
        if (s === 'disconnected') resolve(err);
      });
    });
    await conn.sendEvent(318, Buffer.from([0, 0, 0, 0, 0, 0]));
    expect(isConnectionError(await lost, 'protocol')).toBe(true);
  });
});

describe('EventSubscription', () => {
  it('is an async iterable that ends after close() once the queue is drained', async () => {
    const events = await client.subscribe('domainLifecycle');
    fake.emitEvent('domainLifecycle', { dom: web, event: 0, detail: 0 });
    fake.emitEvent('domainLifecycle', { dom: web, event: 1, detail: 0 });
    await waitUntil(() => events.queued === 2);
    await events.close();
    const seen: number[] = [];
    for await (const e of events) seen.push(e.event);
    expect(seen).toEqual([0, 1]);
    expect(fake.callsTo(remoteProcedures.connectDomainEventCallbackDeregisterAny)).toHaveLength(1);
    expect(events.closed).toBe(true);
  });

  it('wakes a waiting iterator and leaves the subscription open when the loop breaks', async () => {
    const events = await client.subscribe('domainLifecycle');
    setTimeout(() => fake.emitEvent('domainLifecycle', { dom: web, event: 2, detail: 0 }), 10);
    for await (const e of events) {
      expect(e.event).toBe(2);
      break;
    }
    expect(events.closed).toBe(false);
    fake.emitEvent('domainLifecycle', { dom: web, event: 5, detail: 0 });
    expect((await events.nextEvent({ timeoutMs: 1000 })).event).toBe(5);
  });

  it('calls listeners and does not queue while only listeners are attached', async () => {
    const events = await client.subscribe('domainLifecycle');
    const seen: number[] = [];
    const off = events.on((e) => seen.push(e.event));
    events.on(() => {
      throw new Error('a broken listener');
    });
    fake.emitEvent('domainLifecycle', { dom: web, event: 0, detail: 0 });
    await waitUntil(() => seen.length === 1);
    expect(events.queued).toBe(0);
    off();
    fake.emitEvent('domainLifecycle', { dom: web, event: 1, detail: 0 });
    // Still a listener (the throwing one): not queued.
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([0]);
    expect(client.state).toBe('connected');
  });

  it('waitFor skips non-matching events; nextEvent times out and aborts', async () => {
    const events = await client.subscribe('domainLifecycle');
    fake.emitEvent('domainLifecycle', { dom: web, event: 0, detail: 0 });
    fake.emitEvent('domainLifecycle', { dom: db, event: 5, detail: 1 });
    const match = await events.waitFor((e) => e.dom.name === 'db-1', { timeoutMs: 1000 });
    expect(match.event).toBe(5);
    expect(
      isConnectionError(await events.nextEvent({ timeoutMs: 20 }).catch((e: unknown) => e), 'timeout'),
    ).toBe(true);
    const ac = new AbortController();
    const waiting = events.nextEvent({ signal: ac.signal });
    ac.abort();
    expect(isConnectionError(await waiting.catch((e: unknown) => e), 'aborted')).toBe(true);
  });

  it('closes on its abort signal and when the client closes', async () => {
    const ac = new AbortController();
    const a = await client.subscribe('domainLifecycle', { signal: ac.signal });
    const b = await client.subscribe('domainReboot');
    const pending = b.nextEvent().catch((e: unknown) => e);
    ac.abort();
    await waitUntil(() => a.closed);
    await waitUntil(
      () => fake.callsTo(remoteProcedures.connectDomainEventCallbackDeregisterAny).length === 1,
    );
    await client.close();
    expect(b.closed).toBe(true);
    expect(isConnectionError(await pending, 'closed')).toBe(true);
  });
});
