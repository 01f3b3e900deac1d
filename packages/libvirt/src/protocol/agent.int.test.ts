/**
 * Live check of the procedures and events that need a running guest OS with qemu-guest-agent: the QEMU program's
 * `qemuDomainAgentCommand`, `domainInterfaceAddresses` from the agent, a shutdown through the agent, and the
 * agent-lifecycle event. Uses a tiny real test guest (@gureum/test-support) and the raw client of
 * test/raw-libvirt.ts. The guest is transient and auto-destroyed with the connection.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOverlay, ensureTestGuests, testDomainXml, waitForSerialMarker } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorCode,
  openRawClient,
  quietly,
  randomTag,
  RawLibvirtError,
  registerAllEvents,
  seenEvents,
  type Callbacks,
  type RawClient,
} from '../../test/raw-libvirt.js';
import {
  DomainCreateFlags,
  DomainEventType,
  DomainInterfaceAddressesSource,
  DomainQemuAgentCommandTimeout,
  DomainShutdownFlags,
  IpAddrType,
} from './enums.js';
import { ErrorNumber } from './error-numbers.js';
import { remoteProcedures as rp } from './remote.js';
import type { Dom } from './types.js';

const tag = randomTag('lvlayout-agent');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('guest agent procedures against a real guest', () => {
  let c: RawClient;
  let cb: Callbacks;
  let dir = '';
  let dom: Dom;

  /** Runs an agent command, retrying while the agent inside the just-booted guest is not answering yet. */
  async function agent(cmd: string): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await c.call(rp.qemuDomainAgentCommand, {
          dom,
          cmd,
          timeout: DomainQemuAgentCommandTimeout.Default,
          flags: 0,
        });
      } catch (err: unknown) {
        if (
          !(err instanceof RawLibvirtError) ||
          err.error.code !== ErrorNumber.AgentUnresponsive ||
          attempt > 20
        ) {
          throw err;
        }
        await sleep(250);
      }
    }
  }

  beforeAll(async () => {
    const guests = await ensureTestGuests();
    dir = await mkdtemp(join(tmpdir(), 'lvlayout-agent-'));
    const overlay = join(dir, 'disk.qcow2');
    const serialLog = join(dir, 'serial.log');
    await createOverlay(guests.disk, overlay);
    c = await openRawClient();
    cb = await registerAllEvents(c);
    const xml = testDomainXml({ name: tag, disk: overlay, serialLog, guestAgent: true });
    dom = await c.call(rp.domainCreateXml, { xmlDesc: xml, flags: DomainCreateFlags.StartAutoDestroy });
    await waitForSerialMarker(serialLog, 'TG-READY', { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await quietly(c.call(rp.domainDestroyFlags, { dom, flags: 0 }));
    await quietly(c.call(rp.connectClose, undefined));
    c.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs guest-agent commands through the QEMU program', async () => {
    expect(JSON.parse((await agent('{"execute":"guest-ping"}')) ?? 'null')).toEqual({ return: {} });
    const info = JSON.parse((await agent('{"execute":"guest-info"}')) ?? 'null') as {
      return: { version: string };
    };
    expect(info.return.version).toMatch(/^\d+\.\d+/);
    // An unknown command: the agent's error comes back as a libvirt error, not a decoding problem.
    expect(await errorCode(agent('{"execute":"lvlayout-no-such-command"}'))).not.toBe(ErrorNumber.Rpc);
  });

  it('lists the guest interfaces from the agent', async () => {
    const ifaces = await c.call(rp.domainInterfaceAddresses, {
      dom,
      source: DomainInterfaceAddressesSource.Agent,
      flags: 0,
    });
    const lo = ifaces.find((i) => i.name === 'lo');
    expect(lo?.addrs).toContainEqual({ type: IpAddrType.Ipv4, addr: '127.0.0.1', prefix: 8 });
  });

  it('shuts the guest down through the agent', async () => {
    await c.call(rp.domainShutdownFlags, { dom, flags: DomainShutdownFlags.GuestAgent });
    // Transient and destroyed on power-off: the domain disappears.
    for (let i = 0; i < 100; i++) {
      const gone = await c.call(rp.domainLookupByName, { name: tag }).then(
        () => false,
        (err: unknown) => err instanceof RawLibvirtError && err.error.code === ErrorNumber.NoDomain,
      );
      if (gone) break;
      await sleep(100);
    }
    expect(await errorCode(c.call(rp.domainLookupByName, { name: tag }))).toBe(ErrorNumber.NoDomain);
  });

  it('received the agent lifecycle and shutdown events', async () => {
    const expected = [
      'domainAgentLifecycle:',
      `domainLifecycle::${DomainEventType.Started}`,
      `domainLifecycle::${DomainEventType.Shutdown}`,
      `domainLifecycle::${DomainEventType.Stopped}`,
    ];
    expect(await seenEvents(c, cb, tag, expected)).toEqual(expect.arrayContaining(expected));
  });
});
