// End to end: live events over the WebSocket. Changes made outside Gureum (virsh destroy, a poweroff typed in the
// guest) reach a subscribed client within a second; a client that was away gets exactly what it missed.
import type { Image, Vm } from '@gureum/contract';
import { domainState, readSerialLog, virshOk } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirshConsole } from './console.js';
import { EventRecorder, RawEventsSocket, about } from './events.js';
import { done, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { sleep, waitForBoot, waitUntil } from './observe.js';

const MiB = 1024 * 1024;

let gureum: GureumServer | undefined;
let image: Image;
let vm: Vm | undefined;
const recorders: { close(): unknown }[] = [];

function server(): GureumServer {
  if (!gureum) throw new Error('no server');
  return gureum;
}

function theVm(): Vm {
  if (!vm) throw new Error('the VM of the first test was not created');
  return vm;
}

async function open(options: Parameters<typeof EventRecorder.open>[1] = {}): Promise<EventRecorder> {
  const r = await EventRecorder.open(server().client, options);
  recorders.push(r);
  return r;
}

beforeAll(async () => {
  gureum = await startGureum({ dialect: 'sqlite' });
  image = await uploadTestImage(gureum.client, gureum.name('img'));
});

afterAll(async () => {
  for (const r of recorders) await r.close();
  await gureum?.dispose();
});

describe('live events', () => {
  it('delivers vm.started, then vm.stopped within 1 s of an external virsh destroy and of a guest poweroff', async () => {
    const g = server();
    const events = await open(); // subscribe before acting
    const name = g.name('ev');
    const created = events.mark();
    vm = done(
      await g.client.createVm(
        { name, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start: true },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    const id = vm.id;
    const started = await events.waitFor(about('vm.started', id), { after: created, what: 'vm.started' });
    expect(started.event.data).toMatchObject({ state: 'running', name });
    await events.waitFor(about('vm.created', id), { after: created, what: 'vm.created' });
    const log = g.serialLog(id);
    await waitForBoot(log, 1);

    // Outside Gureum: virsh destroy. The event, then a read, within a second.
    let mark = events.mark();
    const destroyAt = Date.now();
    await virshOk(['destroy', name]);
    const destroyed = await events.waitFor(about('vm.stopped', id), { after: mark, what: 'vm.stopped' });
    const afterDestroy = await g.client.getVm({ idOrName: id });
    const readAt = Date.now();
    expect(destroyed.event.data).toMatchObject({
      state: 'stopped',
      previousState: 'running',
      reason: 'destroyed',
    });
    const latency = destroyed.at - destroyAt;
    expect(latency, `virsh destroy → vm.stopped took ${latency} ms`).toBeLessThan(1000);
    expect(afterDestroy.state).toBe('stopped');
    expect(readAt - destroyAt, `virsh destroy → GET stopped took ${readAt - destroyAt} ms`).toBeLessThan(
      1000,
    );

    // Inside the guest: `poweroff` typed on its serial console.
    done(await g.client.startVm({ id }, { wait: true, timeoutMs: 60_000 }));
    await waitForBoot(log, 2);
    // The log starts afresh at each start (append='off'): this is the new boot's shell.
    await waitUntil(
      async () => (await readSerialLog(log)).includes('built-in shell'),
      'the guest shell',
      20_000,
    );
    const con = await VirshConsole.open(name);
    let poweredOff;
    try {
      mark = events.mark();
      await con.writeLine('poweroff');
      poweredOff = await events.waitFor(about('vm.stopped', id), {
        after: mark,
        timeoutMs: 30_000,
        what: 'vm.stopped after poweroff',
      });
    } finally {
      await con.close();
    }
    expect(poweredOff.event.data).toMatchObject({
      state: 'stopped',
      previousState: 'running',
      reason: 'shutdown',
    });
    expect(await readSerialLog(log)).toContain('TG-SHUTDOWN action=poweroff');
    expect(await domainState(name)).toBe('shut off');
    expect((await g.client.getVm({ idOrName: id })).state).toBe('stopped');
    // Nothing but the two stops and the start in between: no duplicate or stray state events.
    const vmStates = events.events
      .filter((e) => e.resource.id === id && /^vm\.(started|stopped)$/.test(e.type))
      .map((e) => e.type);
    expect(vmStates).toEqual(['vm.started', 'vm.stopped', 'vm.started', 'vm.stopped']);
  });

  it('replays exactly the missed events, in order and without duplicates, to a client that reconnects with since', async () => {
    const g = server();
    const id = theVm().id;
    const name = theVm().name;
    const witness = await open(); // connected throughout: the reference
    const away = await open({ reconnect: false });

    // While connected: a start and an external destroy.
    done(await g.client.startVm({ id }, { wait: true, timeoutMs: 60_000 }));
    await away.waitFor(about('vm.started', id), { what: 'vm.started while connected' });
    await virshOk(['destroy', name]);
    await away.waitFor(about('vm.stopped', id), { what: 'vm.stopped while connected' });
    const lastSeen = away.subscription.lastEventId;
    away.close();
    if (lastSeen === undefined) throw new Error('the first connection saw no event');

    // While away: another start and destroy.
    const missedFrom = witness.mark();
    done(await g.client.startVm({ id }, { wait: true, timeoutMs: 60_000 }));
    await virshOk(['destroy', name]);
    const lastMissed = await witness.waitFor(about('vm.stopped', id), {
      after: missedFrom,
      what: 'vm.stopped',
    });
    await sleep(300); // let trailing task updates land
    const missed = witness.events.filter((e) => e.id > lastSeen);
    expect(missed.map((e) => e.type)).toEqual(expect.arrayContaining(['vm.started', 'vm.stopped']));
    const highest = Math.max(...missed.map((e) => e.id));
    expect(highest).toBeGreaterThanOrEqual(lastMissed.event.id);

    // Back: the typed client and a bare socket, both with since=<last id seen>.
    const back = await open({ since: lastSeen, reconnect: false });
    const raw = await RawEventsSocket.open(g.url, g.token, { since: lastSeen });
    recorders.push(raw);
    await back.waitFor((e) => e.id === highest, { what: `the replay up to event ${highest}` });
    await raw.waitFor((f) => f.id === highest);
    await sleep(300);
    expect(back.events).toEqual(missed);
    const rawIds = raw.events.map((f) => f.id);
    expect(rawIds).toEqual(missed.map((e) => e.id)); // on the wire: no duplicates, no gaps, in order
    expect(new Set(rawIds).size).toBe(rawIds.length);
    const vmStates = back.events
      .filter((e) => e.resource.id === id && e.type.startsWith('vm.'))
      .map((e) => e.type);
    expect(vmStates).toEqual(['vm.started', 'vm.stopped']);
  });
});
