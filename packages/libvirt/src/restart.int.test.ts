// Integration: libvirtd is restarted under a connected client. The client must reconnect by itself, announce
// its state changes, and keep delivering events through the subscription it had before the restart.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient, type ConnectionState } from './client.js';
import type { EventSubscription } from './event-subscription.js';
import { isNoDomain } from './errors.js';
import type { Dom } from './protocol/types.js';
import { waitUntil } from './testing/index.js';

const exec = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const PID_FILE = '/run/libvirtd.pid';
const domName = `gureum-core-int-restart-${process.pid}`;

type LifecycleEvent = { dom: Dom; event: number; detail: number };

let client: LibvirtClient;
let events: EventSubscription<LifecycleEvent>;
const states: ConnectionState[] = [];

function libvirtdPid(): number | undefined {
  if (!existsSync(PID_FILE)) return undefined;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
}

beforeAll(async () => {
  client = await LibvirtClient.connect('qemu:///system', {
    callTimeoutMs: 30_000,
    reconnectMaxDelayMs: 1000,
  });
  client.on('state', (s) => states.push(s));
  events = await client.subscribe('domainLifecycle');
});

afterAll(async () => {
  try {
    // Whatever happened, leave libvirtd running and our domain gone.
    if (libvirtdPid() === undefined) await exec('bash', [join(repoRoot, 'scripts/setup-host.sh')]);
    await client.waitUntilConnected({ timeoutMs: 30_000 });
    const dom = await client.domainLookupByName({ name: domName }).catch((err: unknown) => {
      if (isNoDomain(err)) return undefined;
      throw err;
    });
    if (dom) await client.domainUndefineFlags({ dom, flags: 0 });
  } finally {
    await client.close();
  }
});

describe('libvirtd restart', () => {
  it('reconnects by itself and keeps delivering events through the same subscription', async () => {
    const pid = libvirtdPid();
    if (pid === undefined) throw new Error(`libvirtd is not running (no live pid in ${PID_FILE})`);

    process.kill(pid, 'SIGTERM');
    await waitUntil(() => !existsSync(`/proc/${pid}`), 30_000, 'libvirtd to exit');
    await waitUntil(() => client.state !== 'connected', 10_000, 'the client to notice');
    expect(states[0]).toBe('disconnected');

    await exec('bash', [join(repoRoot, 'scripts/setup-host.sh')], { timeout: 120_000 });
    await client.waitUntilConnected({ timeoutMs: 30_000 });
    expect(states).toContain('connecting');
    expect(states.at(-1)).toBe('connected');
    expect(libvirtdPid()).not.toBe(pid);

    // A domain defined after the restart: its events arrive through the subscription made before it.
    const xml = `<domain type='qemu'><name>${domName}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
      <os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`;
    const dom = await client.domainDefineXmlFlags({ xml, flags: 0 });
    const defined = await events.waitFor((e) => e.dom.uuid === dom.uuid, { timeoutMs: 10_000 });
    expect(defined.event).toBe(0);
    await client.domainUndefineFlags({ dom, flags: 0 });
    const undefined_ = await events.waitFor((e) => e.dom.uuid === dom.uuid, { timeoutMs: 10_000 });
    expect(undefined_.event).toBe(1);
  });
});
