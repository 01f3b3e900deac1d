import { DomainState } from '@gureum/libvirt';
import { waitUntil } from '@gureum/libvirt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { HypervisorEvent } from '../../ports/hypervisor.js';
import { RebootDeduper, translateEvent } from './events.js';
import { LibvirtHypervisor } from './libvirt-hypervisor.js';
import { FakeHost, RecordingLogger } from './testing.js';

// Real: LibvirtHypervisor, @gureum/libvirt's client and wire protocol. Fake: the daemon (FakeLibvirtd via FakeHost).

/** [event, detail, cause, detail word, resulting state]: written out by hand from libvirt 9.0's headers. */
const LIFECYCLE: [number, number, string, string, string | null][] = [
  [0, 0, 'defined', 'added', null],
  [0, 1, 'defined', 'updated', null],
  [0, 2, 'defined', 'renamed', null],
  [0, 3, 'defined', 'from_snapshot', null],
  [1, 0, 'undefined', 'removed', null],
  [1, 1, 'undefined', 'renamed', null],
  [2, 0, 'started', 'booted', 'running'],
  [2, 1, 'started', 'migrated', 'running'],
  [2, 2, 'started', 'restored', 'running'],
  [2, 3, 'started', 'from_snapshot', 'running'],
  [2, 4, 'started', 'wakeup', 'running'],
  [3, 0, 'suspended', 'paused', 'paused'],
  [3, 1, 'suspended', 'migrated', 'paused'],
  [3, 2, 'suspended', 'io_error', 'paused'],
  [3, 3, 'suspended', 'watchdog', 'paused'],
  [3, 4, 'suspended', 'restored', 'paused'],
  [3, 5, 'suspended', 'from_snapshot', 'paused'],
  [3, 6, 'suspended', 'api_error', 'paused'],
  [3, 7, 'suspended', 'postcopy', 'paused'],
  [3, 8, 'suspended', 'postcopy_failed', 'paused'],
  [4, 0, 'resumed', 'unpaused', 'running'],
  [4, 1, 'resumed', 'migrated', 'running'],
  [4, 2, 'resumed', 'from_snapshot', 'running'],
  [4, 3, 'resumed', 'postcopy', 'running'],
  [4, 4, 'resumed', 'postcopy_failed', 'running'],
  [5, 0, 'stopped', 'shutdown', 'stopped'],
  [5, 1, 'stopped', 'destroyed', 'stopped'],
  [5, 2, 'stopped', 'crashed', 'stopped'],
  [5, 3, 'stopped', 'migrated', 'stopped'],
  [5, 4, 'stopped', 'saved', 'stopped'],
  [5, 5, 'stopped', 'failed', 'stopped'],
  [5, 6, 'stopped', 'from_snapshot', 'stopped'],
  [6, 0, 'shutdown', 'finished', null],
  [6, 1, 'shutdown', 'guest', null],
  [6, 2, 'shutdown', 'host', null],
  [7, 0, 'pmsuspended', 'memory', 'suspended'],
  [7, 1, 'pmsuspended', 'disk', 'suspended'],
  [8, 0, 'crashed', 'panicked', 'crashed'],
  [8, 1, 'crashed', 'crash_loaded', 'crashed'],
];

const DOM = { name: 'web-1', uuid: '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab', id: 3 };

describe('translateEvent', () => {
  it.each(LIFECYCLE)('lifecycle %i/%i → %s/%s, state %s', (event, detail, cause, word, state) => {
    expect(translateEvent('domainLifecycle', { dom: DOM, event, detail })).toEqual({
      kind: 'lifecycle',
      vmId: DOM.uuid,
      name: 'web-1',
      cause,
      detail: word,
      state,
    });
  });

  it('reads a detail libvirt added later as unknown, and drops an unknown event type', () => {
    expect(translateEvent('domainLifecycle', { dom: DOM, event: 5, detail: 42 })).toMatchObject({
      cause: 'stopped',
      detail: 'unknown',
    });
    expect(translateEvent('domainLifecycle', { dom: DOM, event: 99, detail: 0 })).toBeUndefined();
  });

  it('translates tray, disk, device and block job events', () => {
    const vm = { vmId: DOM.uuid, name: 'web-1' };
    expect(translateEvent('domainTrayChange', { dom: DOM, devAlias: 'ide0-1-0', reason: 0 })).toEqual({
      kind: 'tray-change',
      ...vm,
      device: 'ide0-1-0',
      open: true,
    });
    expect(translateEvent('domainTrayChange', { dom: DOM, devAlias: 'ide0-1-0', reason: 1 })).toMatchObject({
      open: false,
    });
    expect(
      translateEvent('domainDiskChange', {
        dom: DOM,
        oldSrcPath: '/a.iso',
        newSrcPath: null,
        devAlias: 'ide0-1-0',
        reason: 0,
      }),
    ).toEqual({ kind: 'disk-change', ...vm, device: 'ide0-1-0', oldSource: '/a.iso', newSource: null });
    expect(translateEvent('domainDeviceRemoved', { dom: DOM, devAlias: 'ua-disk-1' })).toEqual({
      kind: 'device-removed',
      ...vm,
      device: 'ua-disk-1',
    });
    expect(translateEvent('domainBlockJob2', { dom: DOM, dst: 'vda', type: 4, status: 3 })).toEqual({
      kind: 'block-job',
      ...vm,
      disk: 'vda',
      type: 'active_commit',
      status: 'ready',
    });
    expect(translateEvent('domainReboot', { dom: DOM })).toEqual({ kind: 'reboot', ...vm });
  });
});

describe('RebootDeduper', () => {
  it('drops a second REBOOT of the same VM inside the window only', () => {
    let now = 1000;
    const d = new RebootDeduper(50, () => now);
    expect(d.admit('a')).toBe(true);
    now += 10;
    expect(d.admit('a')).toBe(false);
    expect(d.admit('b')).toBe(true);
    now += 200;
    expect(d.admit('a')).toBe(true);
  });
});

describe('LibvirtHypervisor events over the wire', () => {
  let host: FakeHost;
  let hv: LibvirtHypervisor;
  const logger = new RecordingLogger();

  async function start(rebootDedupeMs?: number): Promise<HypervisorEvent[]> {
    host = await FakeHost.start();
    hv = await LibvirtHypervisor.create({
      uri: host.uri,
      domainType: 'qemu',
      logger,
      ...(rebootDedupeMs === undefined ? {} : { rebootDedupeMs }),
    });
    const events: HypervisorEvent[] = [];
    hv.onEvent((e) => events.push(e));
    return events;
  }

  afterEach(async () => {
    await hv.close();
    await host.close();
  });

  it('delivers every lifecycle event and detail in Gureum words, in order', async () => {
    const events = await start();
    const d = host.addDomain('web-1', DomainState.Running);
    for (const [event, detail] of LIFECYCLE) host.lifecycle(d, event, detail);
    await waitUntil(() => events.length === LIFECYCLE.length, 5000, 'all lifecycle events');
    expect(events.map((e) => (e.kind === 'lifecycle' ? [e.cause, e.detail, e.state] : e.kind))).toEqual(
      LIFECYCLE.map(([, , cause, word, state]) => [cause, word, state]),
    );
    expect(events.every((e) => e.vmId === d.dom.uuid && e.name === 'web-1')).toBe(true);
  });

  it('turns the double REBOOT of a reset into one reboot event', async () => {
    const events = await start(50);
    const d = host.addDomain('web-1', DomainState.Running);
    await hv.resetVm(d.dom.uuid);
    await waitUntil(() => events.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([{ kind: 'reboot', vmId: d.dom.uuid, name: 'web-1' }]);
    await hv.resetVm(d.dom.uuid); // a later reset is a new reboot
    await waitUntil(() => events.length === 2);
  });

  it('keeps pumping events when a listener throws', async () => {
    const events = await start();
    hv.onEvent(() => {
      throw new Error('listener bug');
    });
    const d = host.addDomain('web-1');
    host.lifecycle(d, 2, 0);
    host.lifecycle(d, 5, 1);
    await waitUntil(() => events.length === 2);
    expect(logger.entries.filter((e) => e.msg === 'a hypervisor event listener threw')).toHaveLength(2);
  });

  it('reports start, destroy and pause the way libvirtd sequences them', async () => {
    const events = await start();
    const d = host.addDomain('web-1');
    await hv.startVm(d.dom.uuid);
    await hv.pauseVm(d.dom.uuid);
    await hv.resumeVm(d.dom.uuid);
    await hv.destroyVm(d.dom.uuid);
    await waitUntil(() => events.length === 6);
    expect(
      events.map((e) => (e.kind === 'lifecycle' ? `${e.cause}/${e.detail}/${String(e.state)}` : e.kind)),
    ).toEqual([
      'resumed/unpaused/running',
      'started/booted/running',
      'suspended/paused/paused',
      'resumed/unpaused/running',
      'shutdown/host/null',
      'stopped/destroyed/stopped',
    ]);
  });
});
