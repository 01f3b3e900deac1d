// End to end: SIGTERM drains the server. Even with a task waiting on a guest and a request held open on it, it
// exits 0 within 10 s, WebSocket clients are closed with 1001 (going away), the interrupted task does not stay
// `running`, and the typed client comes back by itself once the server is up again.
import { readFileSync } from 'node:fs';
import type { Image } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder, RawEventsSocket } from './events.js';
import { done, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { waitUntil } from './observe.js';

const MiB = 1024 * 1024;

let gureum: GureumServer | undefined;
let image: Image;
const sockets: { close(): unknown }[] = [];
let qemuPid: number | undefined;

beforeAll(async () => {
  gureum = await startGureum({ dialect: 'sqlite' });
  image = await uploadTestImage(gureum.client, gureum.name('img'));
});

afterAll(async () => {
  if (qemuPid !== undefined) process.kill(qemuPid, 'SIGCONT');
  for (const s of sockets) await s.close();
  await gureum?.dispose();
});

describe('SIGTERM', () => {
  it('exits 0 within 10 s with work in flight, closes WebSockets with 1001, and clients resume after a restart', async () => {
    if (!gureum) throw new Error('no server');
    const g = gureum;
    const { client } = g;
    const raws = await Promise.all([
      RawEventsSocket.open(g.url, g.token),
      RawEventsSocket.open(g.url, g.token),
    ]);
    sockets.push(...raws);
    const typed = await EventRecorder.open(client, { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } });
    sockets.push(typed);

    // Work in flight: a graceful stop stuck inside libvirt (the guest's QEMU is frozen with SIGSTOP, so the
    // monitor does not answer), and a request held open waiting for that task.
    const name = g.name('busy');
    const vm = done(
      await client.createVm(
        { name, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start: true },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    qemuPid = Number(readFileSync(`/run/libvirt/qemu/${name}.pid`, 'utf8').trim());
    process.kill(qemuPid, 'SIGSTOP');
    const { task } = await client.stopVm({ id: vm.id, timeoutMs: 120_000 });
    await waitUntil(
      async () => (await client.getTask({ id: task.id })).status === 'running',
      'the stop task to run',
      10_000,
    );
    const held = client
      .getTask({ id: task.id }, { wait: true, timeoutMs: 60_000 })
      .catch((err: unknown) => err);

    const sentAt = Date.now();
    const exit = await g.kill('SIGTERM');
    const tookMs = Date.now() - sentAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(10_000);
    for (const raw of raws) expect((await raw.closed).code).toBe(1001);
    await held; // the held request did not keep the server up
    expect(g.logs()).not.toMatch(/"level":(50|60)/); // no error logged while stopping

    // Back up: nothing stays running, and the typed client resumes on its own (since=<last id>).
    await g.restart();
    const ended = await client.waitForTask(task.id, { timeoutMs: 30_000 });
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'TASK_INTERRUPTED' });
    expect((await client.listTasks({ status: 'running' })).items).toEqual([]);
    const mark = typed.mark();
    const after = await client.createImage({ name: g.name('after'), kind: 'disk' });
    await typed.waitFor((e) => e.type === 'image.updated' && e.resource.id === after.id, {
      after: mark,
      timeoutMs: 10_000,
      what: 'image.updated after the restart',
    });
    expect(typed.states).toEqual(expect.arrayContaining(['open', 'reconnecting']));
    expect(typed.subscription.state).toBe('open');
    const ids = typed.events.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
  });
});
