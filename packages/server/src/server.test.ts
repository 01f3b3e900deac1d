import { afterEach, describe, expect, it } from 'vitest';
import {
  connectEvents,
  createVm,
  expectProblem,
  startHarness,
  uploadImage,
  vmBody,
  type Harness,
} from './testing/app-harness.js';

// Graceful shutdown of the composed server (startServer) over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake), listening on 127.0.0.1:0.
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('close()', () => {
  it('closes event sockets with 1001 and returns within 10 s while a task is running', async () => {
    h = await startHarness();
    const imageId = await uploadImage(h);
    const vm = await createVm(h, imageId, { start: true });
    const events = await connectEvents(h);
    await events.next((m) => m.type === 'ready');
    // A guest that ignores ACPI: the stop task waits for a power-off that never comes.
    h.hypervisor.ignoreShutdown = true;
    const stop = await h.request('POST', `/vms/${vm.id}/actions/stop`, { body: { timeoutMs: 600_000 } });
    expect(stop.statusCode).toBe(202);
    const taskId = stop.json<{ task: { id: string } }>().task.id;
    await expect.poll(async () => (await h?.db.tasks.findById(taskId))?.status).toBe('running');

    const started = Date.now();
    const closing = h.stopServer();
    // While draining: new work is refused with a problem, reads still answer.
    expectProblem(await h.request('POST', '/vms', { body: vmBody(imageId) }), 503, 'SERVER_SHUTTING_DOWN');
    expect((await h.request('GET', `/vms/${vm.id}`)).statusCode).toBe(200);
    expect(await events.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    // A client that reconnects during the drain is told to go away too, not left open or cut without a code.
    const late = await connectEvents(h);
    expect((await late.closed).code).toBe(1001);
    await closing;
    expect(Date.now() - started).toBeLessThan(10_000);
    // Never stuck half-way: left `running` at a journaled point for recovery, or ended.
    const task = await h.db.tasks.findById(taskId);
    expect(['running', 'failed', 'cancelled']).toContain(task?.status);
  }, 20_000);

  it('returns at once when nothing is running', async () => {
    h = await startHarness();
    const events = await connectEvents(h);
    await events.next((m) => m.type === 'ready');
    const started = Date.now();
    await h.stopServer();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await events.closed).code).toBe(1001);
  });
});
