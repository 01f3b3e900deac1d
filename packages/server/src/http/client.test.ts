import { ApiError, createGureumClient, type GureumClient } from '@gureum/client';
import type { EventEnvelope } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { qcow2Bytes, startHarness, vmBody, type Harness } from '../testing/app-harness.js';

// The typed client (@gureum/client) against the real server listening on 127.0.0.1:0, over real HTTP and the
// events WebSocket (`ws`). Server over in-memory SQLite (real adapter) and the FakeHypervisor (fake).
let h: Harness;
let client: GureumClient;
let imageId: string;
beforeAll(async () => {
  h = await startHarness();
  client = h.client;
  const image = await client.createImage({ name: 'client-base', kind: 'disk' });
  const uploaded = await client.uploadImageContent({ id: image.id }, qcow2Bytes());
  expect(uploaded.status).toBe('ready');
  imageId = image.id;
});
afterAll(async () => {
  await h.close();
});

describe('the typed client against the real server', () => {
  it('logs in and reads health and the caller', async () => {
    const anonymous = createGureumClient({ baseUrl: h.url });
    expect(await anonymous.getHealth()).toMatchObject({ status: 'ok', libvirt: 'up' });
    const { token } = await anonymous.login({
      username: h.member.username,
      password: 'member-password-for-tests',
    });
    anonymous.setToken(token);
    expect(await anonymous.getMe()).toMatchObject({ id: h.member.id, role: 'member' });
  });

  it('creates, reads, updates with an ETag and deletes a VM', async () => {
    const body = vmBody(imageId, { start: true });
    const created = await client.createVm(body, { wait: true });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    expect(created.value).toMatchObject({ name: body.name, state: 'running' });
    const id = created.value.id;

    const read = await client.send('getVm', { idOrName: body.name });
    expect(read.etag).toMatch(/^"\d+"$/);
    const updated = await client.updateVm(
      { idOrName: id, description: 'from the client' },
      { ifMatch: read.etag ?? '' },
    );
    expect(updated.description).toBe('from the client');
    await expect(
      client.updateVm({ idOrName: id, description: 'stale' }, { ifMatch: read.etag ?? '' }),
    ).rejects.toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' });

    const stopped = await client.stopVm({ id }, { wait: true });
    expect(stopped).toMatchObject({ status: 200, value: { state: 'stopped' } });
    const plan = await client.deleteVm({ idOrName: id }, { dryRun: true });
    expect(plan.wouldDelete.map((i) => i.kind)).toEqual(['vm', 'domain', 'volume']);
    const pending = await client.deleteVm({ idOrName: id });
    const task = await client.waitForTask(pending.task.id);
    expect(task.status).toBe('succeeded');
    await expect(client.getVm({ idOrName: id })).rejects.toBeInstanceOf(ApiError);
  });

  it('turns problems into ApiError with code and requestId', async () => {
    const err: unknown = await client
      .createVm(vmBody(imageId, { name: 'Bad Name' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      requestId: expect.any(String) as unknown,
    });
    expect((err as ApiError).errors?.map((e) => e.path)).toContain('/body/name');
  });

  it('follows events, and resumes after a disconnect without losing or repeating any', async () => {
    const received: EventEnvelope[] = [];
    const first = client.events({ onEvent: (e) => received.push(e), reconnect: false });
    await first.ready;
    const created = await client.createVm(vmBody(imageId), { wait: true });
    if (created.status !== 201) throw new Error(`create answered ${created.status}`);
    const vmId = created.value.id;
    await expect.poll(() => received.some((e) => e.type === 'vm.created')).toBe(true);
    const last = first.lastEventId;
    first.close();

    await client.startVm({ id: vmId }, { wait: true });
    const resumed: EventEnvelope[] = [];
    const second = createGureumClient({ baseUrl: h.url, token: h.token, WebSocket }).events({
      since: last ?? 0,
      onEvent: (e) => resumed.push(e),
      reconnect: false,
    });
    await second.ready;
    await expect.poll(() => resumed.some((e) => e.type === 'vm.started')).toBe(true);
    const fromLog = await h.db.events.listAfter(last ?? 0, 1000);
    await expect.poll(() => resumed.length).toBe(fromLog.length);
    expect(resumed.map((e) => e.id)).toEqual(fromLog.map((e) => e.id));
    second.close();
  });
});
