// End to end: libvirtd is killed and restarted under a running server. While it is down the server says so,
// refuses mutations with 503 and still answers reads; afterwards it reconnects by itself, shows the VM that kept
// running, accepts new actions, and events resume on the same WebSocket.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isApiError } from '@gureum/client';
import type { Image } from '@gureum/contract';
import { domainState, repoRoot } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder, RawEventsSocket, about } from './events.js';
import { done, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { waitUntil } from './observe.js';

const exec = promisify(execFile);
const PID_FILE = '/run/libvirtd.pid';
const MiB = 1024 * 1024;

let gureum: GureumServer | undefined;
let image: Image;
const sockets: { close(): unknown }[] = [];

function libvirtdPid(): number | undefined {
  if (!existsSync(PID_FILE)) return undefined;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
}

function startLibvirtd(): Promise<unknown> {
  return exec('bash', [join(repoRoot, 'scripts/setup-host.sh')], { timeout: 180_000 });
}

beforeAll(async () => {
  gureum = await startGureum({ dialect: 'sqlite' });
  image = await uploadTestImage(gureum.client, gureum.name('img'));
});

afterAll(async () => {
  try {
    // Whatever happened, leave libvirtd running for everyone else.
    if (libvirtdPid() === undefined) await startLibvirtd();
  } finally {
    for (const s of sockets) await s.close();
    await gureum?.dispose();
  }
});

describe('libvirtd restart under a running server', () => {
  it('reports libvirt down, refuses mutations with 503, keeps reading, then recovers by itself', async () => {
    if (!gureum) throw new Error('no server');
    const g = gureum;
    const { client } = g;
    const name = g.name('lv');
    const vm = done(
      await client.createVm(
        { name, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start: true },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(vm.state).toBe('running');
    // A second VM whose QEMU dies while libvirtd is away: the server must catch up on that change.
    const goneName = g.name('lv-gone');
    const gone = done(
      await client.createVm(
        { name: goneName, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start: true },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    const qemuPid = Number(readFileSync(`/run/libvirt/qemu/${goneName}.pid`, 'utf8').trim());
    const events = await EventRecorder.open(client);
    sockets.push(events);
    const raw = await RawEventsSocket.open(g.url, g.token);
    sockets.push(raw);
    let rawClosed = false;
    void raw.closed.then(() => {
      rawClosed = true;
    });

    // Down.
    const pid = libvirtdPid();
    if (pid === undefined) throw new Error(`libvirtd is not running (no live pid in ${PID_FILE})`);
    process.kill(pid, 'SIGTERM');
    await waitUntil(() => !existsSync(`/proc/${pid}`), 'libvirtd to exit', 30_000);
    const down = await waitUntil(
      async () => {
        const h = await client.getHealth();
        return h.libvirt === 'down' ? h : undefined;
      },
      '/health to report libvirt down',
      10_000,
    );
    expect(down).toMatchObject({ status: 'degraded', libvirt: 'down', database: 'up' });
    process.kill(qemuPid, 'SIGTERM');
    await waitUntil(() => !existsSync(`/proc/${qemuPid}`), 'the QEMU of the second VM to exit', 10_000);

    const refused: unknown = await client.forceStopVm({ id: vm.id }).catch((e: unknown) => e);
    expect(isApiError(refused, 'LIBVIRT_UNAVAILABLE') && refused.status === 503).toBe(true);
    const refusedCreate: unknown = await client
      .createVm({ name: g.name('lv2'), vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id } })
      .catch((e: unknown) => e);
    expect(isApiError(refusedCreate, 'LIBVIRT_UNAVAILABLE') && refusedCreate.status === 503).toBe(true);
    const listed = await client.listVms();
    expect(listed.items.map((v) => v.state)).toEqual(['unknown', 'unknown']);
    expect((await client.getVm({ idOrName: vm.id })).state).toBe('unknown');
    expect((await client.listTasks({ status: 'running' })).items).toEqual([]);

    // Up again: the server reconnects by itself.
    await startLibvirtd();
    expect(libvirtdPid()).not.toBe(pid);
    const up = await waitUntil(
      async () => {
        const h = await client.getHealth();
        return h.status === 'ok' ? h : undefined;
      },
      '/health to be ok again',
      30_000,
    );
    expect(up).toMatchObject({ libvirt: 'up', database: 'up' });
    expect(await domainState(name)).toBe('running'); // QEMU kept running while libvirtd was away
    await waitUntil(
      async () => (await client.getVm({ idOrName: vm.id })).state === 'running',
      'the VM to be shown running',
      5_000,
    );

    // The VM that stopped while libvirtd was away: reconciled, and announced to the clients.
    const caughtUp = await events.waitFor(about('vm.stopped', gone.id), {
      what: 'vm.stopped of the second VM',
    });
    expect(caughtUp.event.data).toMatchObject({ previousState: 'running', state: 'stopped' });
    expect(await domainState(goneName)).toBe('shut off');
    expect((await client.getVm({ idOrName: gone.id })).state).toBe('stopped');

    // A new action works, and its events arrive on the sockets opened before the restart.
    const mark = events.mark();
    const stopped = done(await client.forceStopVm({ id: vm.id }, { wait: true, timeoutMs: 30_000 }));
    expect(stopped.state).toBe('stopped');
    expect(await domainState(name)).toBe('shut off');
    await events.waitFor(about('vm.stopped', vm.id), { after: mark, what: 'vm.stopped after the restart' });
    await raw.waitFor((f) => f.type === 'vm.stopped' && (f.resource as { id?: string }).id === vm.id);
    expect(rawClosed).toBe(false);
    expect(events.states).toEqual(['connecting', 'open']); // never dropped, never reconnected
    // No event was lost or doubled across the restart.
    const ids = raw.events.map((f) => f.id ?? 0);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.events.map((e) => e.id)).toEqual(ids);
  });
});
