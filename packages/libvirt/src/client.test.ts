import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { LibvirtClient, type LibvirtClientOptions } from './client.js';
import { isConnectionError, isLibvirtError, isNoDomain, isUnsupported, LibvirtError } from './errors.js';
import { ErrorNumber } from './protocol/error-numbers.js';
import { proc } from './protocol/procedure.js';
import { remoteProcedures } from './protocol/remote.js';
import type { Dom } from './protocol/types.js';
import type { LibvirtDuplexStream, LibvirtReadStream } from './stream.js';
import { deferred, FakeLibvirtd, FakeLibvirtError, waitUntil, type Deferred } from './testing/index.js';
import { xvoid } from './xdr/codec.js';

const dom: Dom = { name: 'web-1', uuid: '0f9d7b1e-3a52-4c1b-9f4e-6d2a8b7c5e01', id: 3 };

let fake: FakeLibvirtd;
const clients: LibvirtClient[] = [];

async function connect(options: LibvirtClientOptions = {}): Promise<LibvirtClient> {
  const client = await LibvirtClient.connect(fake.uri, { autoReconnect: false, ...options });
  clients.push(client);
  return client;
}

beforeEach(async () => {
  fake = await FakeLibvirtd.start();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await fake.close();
});

describe('connecting', () => {
  it('lists auth schemes first, opens once with the URI minus client-only parameters, enables keepalive', async () => {
    const client = await connect();
    expect(client.state).toBe('connected');
    expect(fake.calls.map((c) => c.proc)).toEqual([66, 1, 60]);
    expect(fake.calls[1]?.args).toEqual({ name: 'qemu:///system', flags: 0 });
    expect(fake.calls[2]?.args).toEqual({ feature: 10 });
    expect(fake.connections[0]?.openName).toBe('qemu:///system');
  });

  it('opens read-only when asked', async () => {
    await connect({ readOnly: true });
    expect(fake.calls[1]?.args).toEqual({ name: 'qemu:///system', flags: 1 });
  });

  it('authenticates with polkit when that is the only scheme', async () => {
    await fake.close();
    fake = await FakeLibvirtd.start({ authTypes: [2] });
    await connect();
    expect(fake.calls.map((c) => c.proc)).toEqual([66, 70, 1, 60]);
  });

  it('fails with reason auth when polkit denies access', async () => {
    await fake.close();
    fake = await FakeLibvirtd.start({ authTypes: [2], polkitAllowed: false });
    const err = await connect().catch((e: unknown) => e);
    expect(isConnectionError(err, 'auth')).toBe(true);
    expect((err as Error).message).toMatch(/polkit/);
    await waitUntil(() => fake.connections.length === 0, 1000, 'the failed attempt to be closed');
  });

  it('fails clearly when only SASL is offered', async () => {
    await fake.close();
    fake = await FakeLibvirtd.start({ authTypes: [1] });
    const err = await connect().catch((e: unknown) => e);
    expect(isConnectionError(err, 'auth')).toBe(true);
    expect((err as Error).message).toMatch(/SASL/);
  });

  it('reports an unreachable socket', async () => {
    const err = await LibvirtClient.connect('qemu:///system?socket=/nonexistent/sock').catch(
      (e: unknown) => e,
    );
    expect(isConnectionError(err, 'unreachable')).toBe(true);
    expect((err as Error).message).toMatch(/nonexistent/);
  });

  it('times out against a daemon that never answers', async () => {
    const waiting = fake.waitForConnection();
    const pending = connect({ connectTimeoutMs: 150 });
    (await waiting).silent = true;
    const err = await pending.catch((e: unknown) => e);
    expect(isConnectionError(err, 'timeout')).toBe(true);
  });

  it('honours an abort signal while connecting', async () => {
    const waiting = fake.waitForConnection();
    const ac = new AbortController();
    const pending = connect({ signal: ac.signal });
    (await waiting).silent = true;
    ac.abort();
    expect(isConnectionError(await pending.catch((e: unknown) => e), 'aborted')).toBe(true);
  });

  it('surfaces a CONNECT_OPEN failure as the daemon error', async () => {
    fake.handle(remoteProcedures.connectOpen, () => {
      throw new FakeLibvirtError(ErrorNumber.NoConnect, 'no connection driver available for qemu:///system');
    });
    const err = await connect().catch((e: unknown) => e);
    expect(isLibvirtError(err, ErrorNumber.NoConnect)).toBe(true);
  });

  it('works over TCP', async () => {
    await fake.close();
    fake = await FakeLibvirtd.start({ tcp: true });
    fake.handle(remoteProcedures.connectGetHostname, () => 'fakehost');
    const client = await connect();
    expect(fake.uri).toMatch(/^qemu\+tcp:\/\/127\.0\.0\.1:\d+\/system$/);
    expect(await client.connectGetHostname()).toBe('fakehost');
  });
});

describe('calls', () => {
  it('has a typed method for every procedure of the table, installed on the prototype', async () => {
    const client = await connect();
    for (const name of Object.keys(remoteProcedures)) {
      expect(typeof Reflect.get(client, name), name).toBe('function');
      expect(Object.hasOwn(LibvirtClient.prototype, name), `${name} clashes with a client member`).toBe(true);
    }
    expectTypeOf(client.connectGetLibVersion).returns.resolves.toEqualTypeOf<bigint>();
    expectTypeOf(client.domainGetState).parameter(0).toEqualTypeOf<{ dom: Dom; flags: number }>();
    expectTypeOf(client.domainGetState).returns.resolves.toEqualTypeOf<{ state: number; reason: number }>();
    expectTypeOf(client.storageVolDownload).returns.resolves.toEqualTypeOf<LibvirtReadStream>();
    expectTypeOf(client.domainScreenshot).returns.resolves.toEqualTypeOf<LibvirtReadStream<string | null>>();
    expectTypeOf(client.domainOpenConsole).returns.resolves.toEqualTypeOf<LibvirtDuplexStream>();
    expectTypeOf(client.storageVolUpload).returns.resolves.toBeVoid();
  });

  it('encodes arguments and decodes results (void-argument methods take only options)', async () => {
    fake.handle(remoteProcedures.connectGetLibVersion, () => 9000000n);
    fake.handle(remoteProcedures.domainGetState, ({ dom: d, flags }) => ({
      state: d.name === 'web-1' ? 1 : 5,
      reason: flags,
    }));
    const client = await connect();
    expect(await client.connectGetLibVersion({ timeoutMs: 1000 })).toBe(9000000n);
    expect(await client.domainGetState({ dom, flags: 0 })).toEqual({ state: 1, reason: 0 });
    expect(fake.callsTo(remoteProcedures.domainGetState)[0]?.args).toEqual({ dom, flags: 0 });
  });

  it('rejects with LibvirtError carrying the daemon fields and the method name', async () => {
    fake.handle(remoteProcedures.domainLookupByName, ({ name }) => {
      throw new FakeLibvirtError(
        ErrorNumber.NoDomain,
        `Domain not found: no domain with matching name '${name}'`,
      );
    });
    const client = await connect();
    const err = await client.domainLookupByName({ name: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(isNoDomain(err)).toBe(true);
    expect(err).toMatchObject({ code: 42, domain: 10, level: 2, procedure: 'domainLookupByName' });
    expect((err as Error).message).toContain("'nope'");
  });

  it('detects procedures the daemon does not know', async () => {
    const client = await connect();
    const err = await client.call(proc(9999, xvoid, xvoid), undefined).catch((e: unknown) => e);
    expect(isUnsupported(err)).toBe(true);
  });

  it('routes out-of-order replies by serial', async () => {
    const delays: Record<string, number> = { a: 60, b: 5, c: 30, d: 0 };
    fake.handle(remoteProcedures.connectGetHostname, () => 'h');
    fake.handle(remoteProcedures.domainLookupByName, async ({ name }) => {
      await new Promise((r) => setTimeout(r, delays[name] ?? 0));
      return { ...dom, name };
    });
    const client = await connect();
    const order: string[] = [];
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        client.domainLookupByName({ name }).then((d) => {
          order.push(d.name);
          return d.name;
        }),
      ),
    );
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    expect(order).toEqual(['d', 'b', 'c', 'a']);
  });

  it('keeps at most five calls in flight; the sixth waits client-side', async () => {
    const gates = new Map<string, Deferred>();
    fake.handle(remoteProcedures.domainLookupByName, async ({ name }) => {
      const gate = deferred();
      gates.set(name, gate);
      await gate.promise;
      return { ...dom, name };
    });
    const client = await connect();
    const calls = ['1', '2', '3', '4', '5', '6'].map((name) => client.domainLookupByName({ name }));
    await waitUntil(() => gates.size === 5);
    await new Promise((r) => setTimeout(r, 30));
    expect(gates.size).toBe(5);
    expect(gates.has('6')).toBe(false);
    gates.get('3')?.resolve();
    await waitUntil(() => gates.has('6'));
    for (const g of gates.values()) g.resolve();
    expect((await Promise.all(calls)).map((d) => d.name)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(fake.connections[0]?.maxInFlight).toBe(5);
  });

  it('rejects an aborted call at once but keeps its slot until the late reply', async () => {
    const gates = new Map<string, Deferred>();
    fake.handle(remoteProcedures.domainLookupByName, async ({ name }) => {
      const gate = deferred();
      gates.set(name, gate);
      await gate.promise;
      return { ...dom, name };
    });
    const client = await connect();
    const ac = new AbortController();
    const slow = client.domainLookupByName({ name: 'slow' }, { signal: ac.signal });
    const others = ['1', '2', '3', '4'].map((name) => client.domainLookupByName({ name }));
    await waitUntil(() => gates.size === 5);
    ac.abort(new Error('user gave up'));
    const err = await slow.catch((e: unknown) => e);
    expect(isConnectionError(err, 'aborted')).toBe(true);
    expect((err as Error).message).toMatch(/domainLookupByName/);

    const sixth = client.domainLookupByName({ name: '6' });
    await new Promise((r) => setTimeout(r, 30));
    expect(gates.has('6')).toBe(false); // the aborted call still occupies its slot
    gates.get('slow')?.resolve(); // the late reply frees it
    await waitUntil(() => gates.has('6'));
    for (const g of gates.values()) g.resolve();
    await Promise.all([...others, sixth]);
  });

  it('times out a call with reason timeout, slot kept until the late reply', async () => {
    const gate = deferred();
    let seen = 0;
    fake.handle(remoteProcedures.domainLookupByName, async ({ name }) => {
      seen++;
      if (name === 'slow') await gate.promise;
      return { ...dom, name };
    });
    const client = await connect({ maxConcurrentCalls: 1 });
    const started = Date.now();
    const err = await client.domainLookupByName({ name: 'slow' }, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(isConnectionError(err, 'timeout')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    const next = client.domainLookupByName({ name: 'next' });
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toBe(1);
    gate.resolve();
    expect((await next).name).toBe('next');
  });

  it('applies callTimeoutMs to calls without their own timeout', async () => {
    fake.handle(remoteProcedures.connectGetHostname, () => new Promise<string>(() => undefined));
    const client = await connect({ callTimeoutMs: 40 });
    expect(isConnectionError(await client.connectGetHostname().catch((e: unknown) => e), 'timeout')).toBe(
      true,
    );
  });

  it('drops a queued call that is aborted before it was sent', async () => {
    const gate = deferred();
    fake.handle(remoteProcedures.domainLookupByName, async ({ name }) => {
      await gate.promise;
      return { ...dom, name };
    });
    const client = await connect({ maxConcurrentCalls: 1 });
    const first = client.domainLookupByName({ name: 'first' });
    const ac = new AbortController();
    const queued = client.domainLookupByName({ name: 'queued' }, { signal: ac.signal });
    ac.abort();
    expect(isConnectionError(await queued.catch((e: unknown) => e), 'aborted')).toBe(true);
    gate.resolve();
    await first;
    expect(fake.callsTo(remoteProcedures.domainLookupByName).map((c) => c.args)).toEqual([{ name: 'first' }]);
  });

  it('rejects an already aborted signal without sending anything', async () => {
    const client = await connect();
    const n = fake.calls.length;
    const err = await client.connectGetHostname({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isConnectionError(err, 'aborted')).toBe(true);
    expect(fake.calls.length).toBe(n);
  });

  it('rejects arguments that do not encode, without sending', async () => {
    const client = await connect();
    const n = fake.calls.length;
    await expect(client.domainGetState({ dom: { ...dom, uuid: 'not-a-uuid' }, flags: 0 })).rejects.toThrow(
      /UUID/,
    );
    expect(fake.calls.length).toBe(n);
  });

  it('refuses stream procedures in call()', async () => {
    const client = await connect();
    await expect(
      client.call(remoteProcedures.storageVolDownload, {
        vol: { pool: 'p', name: 'v', key: 'k' },
        offset: 0n,
        length: 0n,
        flags: 0,
      }),
    ).rejects.toThrow(TypeError);
  });
});

describe('closing', () => {
  it('sends CONNECT_CLOSE, ends the socket, and fails later calls at once', async () => {
    const client = await connect();
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    await client.close();
    await client.close(); // idempotent
    expect(client.state).toBe('closed');
    expect(states).toEqual(['closed']);
    expect(fake.calls.at(-1)?.proc).toBe(2);
    await waitUntil(() => fake.connections.length === 0);
    const err = await client.connectGetHostname().catch((e: unknown) => e);
    expect(isConnectionError(err, 'closed')).toBe(true);
    expect(
      isConnectionError(await client.subscribe('domainLifecycle').catch((e: unknown) => e), 'closed'),
    ).toBe(true);
  });

  it('fails pending calls when the client is closed', async () => {
    fake.handle(remoteProcedures.connectGetHostname, () => new Promise<string>(() => undefined));
    const client = await connect();
    const pending = client.connectGetHostname();
    await waitUntil(() => fake.callsTo(remoteProcedures.connectGetHostname).length === 1);
    await client.close();
    expect(isConnectionError(await pending.catch((e: unknown) => e), 'closed')).toBe(true);
  });

  it('fails every pending call at once when the socket is lost', async () => {
    fake.handle(remoteProcedures.connectGetHostname, () => new Promise<string>(() => undefined));
    const client = await connect();
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    const pending = [client.connectGetHostname(), client.connectGetHostname(), client.connectGetHostname()];
    await waitUntil(() => fake.callsTo(remoteProcedures.connectGetHostname).length === 3);
    fake.dropConnections();
    const errors = await Promise.all(pending.map((p) => p.catch((e: unknown) => e)));
    for (const err of errors) expect(isConnectionError(err, 'closed')).toBe(true);
    expect(states).toEqual(['disconnected', 'closed']); // autoReconnect: false
  });
});
