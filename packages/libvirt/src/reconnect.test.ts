import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibvirtClient, type ConnectionState } from './client.js';
import { isConnectionError } from './errors.js';
import { MessageStatus, MessageType, Program } from './protocol/constants.js';
import { remoteProcedures } from './protocol/remote.js';
import type { Dom } from './protocol/types.js';
import { FakeLibvirtd, FakeLibvirtError, waitUntil } from './testing/index.js';
import { encodePacket } from './transport/packet.js';

const web: Dom = { name: 'web-1', uuid: '0f9d7b1e-3a52-4c1b-9f4e-6d2a8b7c5e01', id: 3 };

let fake: FakeLibvirtd;
let client: LibvirtClient;
let states: ConnectionState[];

beforeEach(async () => {
  fake = await FakeLibvirtd.start();
  fake.handle(remoteProcedures.connectGetHostname, () => 'fakehost');
  client = await LibvirtClient.connect(fake.uri, { reconnectInitialDelayMs: 10, reconnectMaxDelayMs: 40 });
  states = [];
  client.on('state', (s) => states.push(s));
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

function connectedAgain(): Promise<void> {
  return new Promise((resolve) => {
    const onState = (s: ConnectionState): void => {
      if (s !== 'connected') return;
      client.off('state', onState);
      resolve();
    };
    client.on('state', onState);
  });
}

describe('automatic reconnection', () => {
  it('reconnects after the socket drops, re-registers subscriptions and keeps the same subscription object', async () => {
    const events = await client.subscribe('domainLifecycle');
    fake.emitEvent('domainLifecycle', { dom: web, event: 0, detail: 0 });
    expect((await events.nextEvent({ timeoutMs: 1000 })).event).toBe(0);
    // Another registration so the next callback id differs from the old one.
    await client.subscribe('domainLifecycle', { dom: web });

    const again = connectedAgain();
    fake.dropConnections();
    await again;
    expect(states).toEqual(['disconnected', 'connecting', 'connected']);
    const registrations = fake.callsTo(remoteProcedures.connectDomainEventCallbackRegisterAny);
    expect(registrations).toHaveLength(4);
    // Handshake on the new connection, then re-registration (before `connected` was announced).
    const newConn = fake.connections[0];
    expect(fake.calls.filter((c) => c.connection === newConn).map((c) => c.proc)).toEqual([
      66, 1, 60, 316, 316,
    ]);

    fake.emitEvent('domainLifecycle', { dom: web, event: 2, detail: 0 });
    const next = await events.nextEvent({ timeoutMs: 1000 });
    expect(next).toEqual({ dom: web, event: 2, detail: 0 }); // new callback id mapped transparently
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('fails pending calls at once on loss, and fails calls fast while disconnected', async () => {
    fake.handle(
      remoteProcedures.domainGetState,
      () => new Promise<{ state: number; reason: number }>(() => undefined),
    );
    const pending = client.domainGetState({ dom: web, flags: 0 });
    await waitUntil(() => fake.callsTo(remoteProcedures.domainGetState).length === 1);
    await fake.stop(); // the daemon is down: reconnect attempts fail until it listens again
    const err = await pending.catch((e: unknown) => e);
    expect(isConnectionError(err, 'closed')).toBe(true);
    await waitUntil(() => client.state === 'disconnected');
    const fast = await client.connectGetHostname().catch((e: unknown) => e);
    expect(isConnectionError(fast, 'closed')).toBe(true);
    expect((fast as Error).message).toMatch(/not connected/);

    await waitUntil(() => states.filter((s) => s === 'connecting').length >= 3, 3000, 'several attempts');
    const waiting = client.waitUntilConnected({ timeoutMs: 3000 });
    await fake.listen();
    await waiting;
    expect(client.state).toBe('connected');
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('reconnects after a protocol error from the daemon', async () => {
    const conn = await fake.waitForConnection(true);
    const lost = new Promise<unknown>((resolve) => {
      client.once('state', (_s, err) => {
        resolve(err);
      });
    });
    const again = connectedAgain();
    await conn.sendRaw(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]));
    expect(isConnectionError(await lost, 'protocol')).toBe(true);
    await again;
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('reconnects after an oversized packet announcement', async () => {
    const conn = await fake.waitForConnection(true);
    const again = connectedAgain();
    await conn.sendRaw(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    await again;
    expect(client.state).toBe('connected');
  });

  it('reconnects after an undecodable reply, failing only with a protocol error', async () => {
    fake.handle(remoteProcedures.domainGetState, async (_args, ctx) => {
      await ctx.connection.sendRaw(
        encodePacket(
          {
            prog: Program.Remote,
            proc: 212,
            type: MessageType.Reply,
            serial: ctx.serial,
            status: MessageStatus.Ok,
          },
          Buffer.from([1, 2, 3]),
        ),
      );
      return new Promise<{ state: number; reason: number }>(() => undefined);
    });
    const again = connectedAgain();
    const err = await client.domainGetState({ dom: web, flags: 0 }).catch((e: unknown) => e);
    expect(isConnectionError(err, 'protocol')).toBe(true);
    await again;
  });

  it('ends a subscription whose re-registration the daemon refuses, keeps the others', async () => {
    const all = await client.subscribe('domainLifecycle');
    const one = await client.subscribe('domainReboot', { dom: web });
    // Replaces the built-in registration: lifecycle still registers, reboot (for a vanished domain) fails.
    fake.handle(remoteProcedures.connectDomainEventCallbackRegisterAny, ({ eventID }) => {
      if (eventID === 1) throw new FakeLibvirtError(42, 'Domain not found');
      return 99;
    });
    const again = connectedAgain();
    fake.dropConnections();
    await again;
    expect(all.closed).toBe(false);
    expect(one.closed).toBe(true);
    const err = await one.nextEvent().catch((e: unknown) => e);
    expect((err as Error).message).toBe('Domain not found');
  });

  it('survives a throwing state listener', async () => {
    const again = connectedAgain();
    client.on('state', () => {
      throw new Error('listener bug');
    });
    fake.dropConnections();
    await again;
    expect(await client.connectGetHostname()).toBe('fakehost');
  });

  it('stops reconnecting when closed meanwhile', async () => {
    await fake.stop();
    await waitUntil(() => states.includes('connecting'));
    await client.close();
    const seen = states.length;
    await fake.listen();
    await new Promise((r) => setTimeout(r, 100));
    expect(client.state).toBe('closed');
    expect(states.length).toBe(seen);
    expect(fake.connections).toHaveLength(0);
  });

  it('without autoReconnect ends subscriptions with the connection error', async () => {
    const solo = await LibvirtClient.connect(fake.uri, { autoReconnect: false });
    const events = await solo.subscribe('domainLifecycle');
    const iterating = (async () => {
      for await (const e of events) expect(e).toBeDefined();
    })();
    fake.dropConnections();
    const err = await iterating.catch((e: unknown) => e);
    expect(isConnectionError(err, 'closed')).toBe(true);
    expect(solo.state).toBe('closed');
    await expect(solo.waitUntilConnected()).rejects.toThrow(/closed/);
  });
});
