// Integration: a real test guest (scripts/build-test-guests.sh) booted through the client, observed through
// lifecycle events and its serial log file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestGuests, testDomainXml, waitForSerialMarker } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient } from './client.js';
import type { EventSubscription } from './event-subscription.js';
import { isNoDomain } from './errors.js';
import type { Dom, Pool } from './protocol/types.js';

const Lifecycle = { Defined: 0, Undefined: 1, Started: 2, Resumed: 4, Stopped: 5 } as const;
const StoppedDestroyed = 1;

const id = `${process.pid}-${Date.now().toString(36)}`;
const poolName = `gureum-core-int-dom-${id}`;
const domName = `gureum-core-int-${id}`;

type LifecycleEvent = { dom: Dom; event: number; detail: number };

let client: LibvirtClient;
let dir: string;
let pool: Pool | undefined;
let dom: Dom | undefined;
let events: EventSubscription<LifecycleEvent>;

beforeAll(async () => {
  const guests = await ensureTestGuests();
  dir = mkdtempSync(join(tmpdir(), 'gureum-core-int-dom-'));
  client = await LibvirtClient.connect('qemu:///system', { callTimeoutMs: 60_000 });
  pool = await client.storagePoolCreateXml({
    xml: `<pool type='dir'><name>${poolName}</name><target><path>${dir}</path></target></pool>`,
    flags: 0,
  });
  await client.storageVolCreateXml({
    pool,
    xml: `<volume><name>root.qcow2</name><capacity unit='bytes'>67108864</capacity>
      <target><format type='qcow2'/></target>
      <backingStore><path>${guests.disk}</path><format type='qcow2'/></backingStore></volume>`,
    flags: 0,
  });
});

afterAll(async () => {
  try {
    if (dom) {
      await client.domainDestroyFlags({ dom, flags: 0 }).catch(() => undefined);
      await client.domainUndefineFlags({ dom, flags: 0 }).catch((err: unknown) => {
        if (!isNoDomain(err)) throw err;
      });
    }
    await events.close();
    if (pool) {
      const { vols } = await client.storagePoolListAllVolumes({ pool, needResults: 1, flags: 0 });
      for (const vol of vols) await client.storageVolDelete({ vol, flags: 0 });
      await client.storagePoolDestroy({ pool });
    }
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const ofOurs = (e: LifecycleEvent): boolean => e.dom.name === domName;

describe('a domain driven through the client', () => {
  it('defines, starts, sees TG-READY, destroys and undefines, with lifecycle events', async () => {
    if (!pool) throw new Error('no pool');
    events = await client.subscribe('domainLifecycle');
    const vol = await client.storageVolLookupByName({ pool, name: 'root.qcow2' });
    const disk = await client.storageVolGetPath({ vol });
    const serialLog = join(dir, 'serial.log');

    dom = await client.domainDefineXmlFlags({
      xml: testDomainXml({ name: domName, disk, serialLog }),
      flags: 0,
    });
    expect(dom.id).toBe(-1);
    expect((await events.waitFor(ofOurs, { timeoutMs: 10_000 })).event).toBe(Lifecycle.Defined);

    const running = await client.domainCreateWithFlags({ dom, flags: 0 });
    expect(running.id).toBeGreaterThan(0);
    // libvirt sends RESUMED then STARTED, often before the reply of the start call.
    const first = await events.waitFor(ofOurs, { timeoutMs: 10_000 });
    const second = await events.waitFor(ofOurs, { timeoutMs: 10_000 });
    expect([first.event, second.event]).toEqual([Lifecycle.Resumed, Lifecycle.Started]);

    await waitForSerialMarker(serialLog, 'TG-READY', { timeoutMs: 60_000 });
    expect(await client.domainGetState({ dom, flags: 0 })).toMatchObject({ state: 1 });
    expect(await client.domainIsActive({ dom })).toBeTruthy();

    await client.domainDestroyFlags({ dom, flags: 0 });
    const stopped = await events.waitFor((e) => ofOurs(e) && e.event === Lifecycle.Stopped, {
      timeoutMs: 10_000,
    });
    expect(stopped.detail).toBe(StoppedDestroyed);
    expect(await client.domainGetState({ dom, flags: 0 })).toMatchObject({ state: 5 });

    await client.domainUndefineFlags({ dom, flags: 0 });
    expect((await events.waitFor(ofOurs, { timeoutMs: 10_000 })).event).toBe(Lifecycle.Undefined);
    const gone = await client.domainLookupByName({ name: domName }).catch((e: unknown) => e);
    expect(isNoDomain(gone)).toBe(true);
    dom = undefined;
  });
});
