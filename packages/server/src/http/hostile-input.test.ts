import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BASE_PATH } from '@gureum/contract';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVm,
  expectProblem,
  isoBytes,
  MiB,
  qcow2Bytes,
  snapshotState,
  startHarness,
  uploadImage,
  vmBody,
  type Harness,
} from '../testing/app-harness.js';

// The hostile input table: every request is refused with a 4xx problem that has a code, never a 500, and leaves the
// database rows and the hypervisor exactly as they were. Real server over in-memory SQLite (real adapter) and the
// FakeHypervisor (fake). Uploads are capped at 2 MiB here.
const MAX_IMAGE_BYTES = 2 * MiB;

let h: Harness;
let ctx: {
  imageId: string;
  vmId: string;
  vmName: string;
  taskId: string;
  blankImageId: string;
  isoId: string;
};

beforeAll(async () => {
  h = await startHarness({ env: { GUREUM_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) } });
  const imageId = await uploadImage(h);
  const isoId = await uploadImage(h, { kind: 'iso', bytes: isoBytes() });
  const vm = await createVm(h, imageId);
  const created = await h.request('POST', '/images', { body: { name: 'awaiting-upload', kind: 'disk' } });
  const tasks = await h.request('GET', '/tasks');
  const taskId = tasks.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
  ctx = {
    imageId,
    isoId,
    vmId: vm.id,
    vmName: vm.name,
    taskId,
    blankImageId: created.json<{ id: string }>().id,
  };
});
afterAll(async () => {
  await h.close();
});

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: () => string;
  body?: () => unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  token?: () => string | null;
  /** A raw request instead of JSON (uploads, odd content types). */
  raw?: () => { payload: Buffer | Readable | string; headers: Record<string, string> };
  status: number;
  code: string;
}

const create = (patch: Record<string, unknown>): Pick<Row, 'method' | 'path' | 'body'> => ({
  method: 'POST',
  path: () => '/vms',
  body: () => ({ ...vmBody(ctx.imageId), ...patch }),
});
const invalid = { status: 400, code: 'VALIDATION_FAILED' } as const;
const name = (value: unknown): Row => ({ ...create({ name: value }), ...invalid });

const table: Record<string, Row> = {
  'name ../x': name('../x'),
  'name a/b': name('a/b'),
  'name ..': name('..'),
  'name in upper case': name('Web'),
  'name with a space': name('a b'),
  'name <x>': name('<x>'),
  'name with quotes': name(`a"b'c`),
  'name with &': name('a&b'),
  'name of 300 chars': name('a'.repeat(300)),
  'empty name': name(''),
  'unicode name': name('ünï-cødé'),
  'UUID-looking name': name(randomUUID()),
  'name as a number': name(123),
  'vcpus -1': { ...create({ vcpus: -1 }), ...invalid },
  'vcpus 0': { ...create({ vcpus: 0 }), ...invalid },
  'vcpus 1e6': { ...create({ vcpus: 1_000_000 }), ...invalid },
  'vcpus 1.5': { ...create({ vcpus: 1.5 }), ...invalid },
  'vcpus as a string': { ...create({ vcpus: '2' }), ...invalid },
  'memory -1': { ...create({ memoryBytes: -1 }), ...invalid },
  'memory 2^60': { ...create({ memoryBytes: 2 ** 60 }), ...invalid },
  'memory as a string': { ...create({ memoryBytes: 'lots' }), ...invalid },
  'start as a string': { ...create({ start: 'true' }), ...invalid },
  'tags as a string': { ...create({ tags: 'web' }), ...invalid },
  'source as a string': { ...create({ source: 'x' }), ...invalid },
  'body as an array': { method: 'POST', path: () => '/vms', body: () => [1, 2], ...invalid },
  'unknown top-level field': { ...create({ hostPath: '/etc/passwd' }), ...invalid },
  'unknown field nested in source': {
    method: 'POST',
    path: () => '/vms',
    body: () => ({ ...vmBody(ctx.imageId), source: { imageId: ctx.imageId, path: '/etc/passwd' } }),
    ...invalid,
  },
  'imageId that looks like a path': { ...create({ source: { imageId: '../../etc/passwd' } }), ...invalid },
  'an ISO as the system disk': {
    method: 'POST',
    path: () => '/vms',
    body: () => ({ ...vmBody(ctx.isoId) }),
    status: 400,
    code: 'IMAGE_KIND_MISMATCH',
  },
  'networks (none exist)': { ...create({ networks: ['net-1'] }), status: 404, code: 'NETWORK_NOT_FOUND' },
  'UEFI firmware with less memory than OVMF needs': { ...create({ firmware: 'uefi' }), ...invalid },
  'image with a source URL (not available)': {
    method: 'POST',
    path: () => '/images',
    body: () => ({ name: 'from-url', kind: 'disk', source: { url: 'https://example.com/x.qcow2' } }),
    ...invalid,
  },
  'cursor that is not a cursor': {
    method: 'GET',
    path: () => '/vms',
    query: { cursor: 'garbage' },
    ...invalid,
  },
  'create from an image still uploading': {
    ...create({}),
    body: () => vmBody(ctx.blankImageId),
    status: 409,
    code: 'IMAGE_NOT_READY',
  },
  'delete an image a VM uses': {
    method: 'DELETE',
    path: () => `/images/${ctx.imageId}`,
    status: 409,
    code: 'IMAGE_IN_USE',
  },
  'image name taken': {
    method: 'POST',
    path: () => '/images',
    body: () => ({ name: 'awaiting-upload', kind: 'disk' }),
    status: 409,
    code: 'IMAGE_NAME_TAKEN',
  },
  'missing token': { ...create({}), token: () => null, status: 401, code: 'UNAUTHENTICATED' },
  'invalid token': { ...create({}), token: () => 'gur_forged', status: 401, code: 'UNAUTHENTICATED' },
  'unknown VM id': { method: 'GET', path: () => `/vms/${randomUUID()}`, status: 404, code: 'VM_NOT_FOUND' },
  'unknown VM name': { method: 'GET', path: () => '/vms/no-such-vm', status: 404, code: 'VM_NOT_FOUND' },
  'VM path ..%2Fx': { method: 'GET', path: () => '/vms/..%2Fx', ...invalid },
  'action on an unknown VM': {
    method: 'POST',
    path: () => `/vms/${randomUUID()}/actions/start`,
    status: 404,
    code: 'VM_NOT_FOUND',
  },
  'delete an unknown VM': {
    method: 'DELETE',
    path: () => `/vms/${randomUUID()}`,
    status: 404,
    code: 'VM_NOT_FOUND',
  },
  'unknown image': {
    method: 'GET',
    path: () => `/images/${randomUUID()}`,
    status: 404,
    code: 'IMAGE_NOT_FOUND',
  },
  'create from an unknown image': {
    ...create({ source: { imageId: randomUUID() } }),
    status: 404,
    code: 'IMAGE_NOT_FOUND',
  },
  'unknown task': {
    method: 'GET',
    path: () => `/tasks/${randomUUID()}`,
    status: 404,
    code: 'TASK_NOT_FOUND',
  },
  'cancel an unknown task': {
    method: 'POST',
    path: () => `/tasks/${randomUUID()}/actions/cancel`,
    status: 404,
    code: 'TASK_NOT_FOUND',
  },
  'limit -1': { method: 'GET', path: () => '/vms', query: { limit: '-1' }, ...invalid },
  'limit abc': { method: 'GET', path: () => '/vms', query: { limit: 'abc' }, ...invalid },
  'limit 0': { method: 'GET', path: () => '/images', query: { limit: '0' }, ...invalid },
  'limit 501': { method: 'GET', path: () => '/tasks', query: { limit: '501' }, ...invalid },
  'state filter bogus': { method: 'GET', path: () => '/vms', query: { state: 'exploded' }, ...invalid },
  'wait=maybe': { ...create({}), query: { wait: 'maybe' }, ...invalid },
  'timeoutMs -5': {
    method: 'GET',
    path: () => `/tasks/${ctx.taskId}`,
    query: { timeoutMs: '-5' },
    ...invalid,
  },
  'stop with force as a word': {
    method: 'POST',
    path: () => `/vms/${ctx.vmId}/actions/stop`,
    body: () => ({ force: 'yes' }),
    ...invalid,
  },
  'start with an unknown option': {
    method: 'POST',
    path: () => `/vms/${ctx.vmId}/actions/start`,
    body: () => ({ now: true }),
    ...invalid,
  },
  'PATCH with an unknown field': {
    method: 'PATCH',
    path: () => `/vms/${ctx.vmId}`,
    body: () => ({ name: 'renamed' }),
    ...invalid,
  },
  'PATCH vcpus -1': {
    method: 'PATCH',
    path: () => `/vms/${ctx.vmId}`,
    body: () => ({ vcpus: -1 }),
    ...invalid,
  },
  'PATCH a stale If-Match': {
    method: 'PATCH',
    path: () => `/vms/${ctx.vmId}`,
    body: () => ({ description: 'x' }),
    headers: { 'if-match': '"999"' },
    status: 412,
    code: 'PRECONDITION_FAILED',
  },
  'Idempotency-Key with a space': { ...create({}), headers: { 'idempotency-key': 'a b' }, ...invalid },
  'JSON body over 1 MiB': {
    ...create({ description: 'x'.repeat(1024 * 1024 + 10) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  'text/plain on a JSON route': {
    method: 'POST',
    path: () => '/vms',
    raw: () => ({ payload: JSON.stringify(vmBody(ctx.imageId)), headers: { 'content-type': 'text/plain' } }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  'octet-stream on a JSON route': {
    method: 'POST',
    path: () => '/vms',
    raw: () => ({
      payload: Buffer.from(JSON.stringify(vmBody(ctx.imageId))),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  'JSON on the upload route': {
    method: 'PUT',
    path: () => `/images/${ctx.blankImageId}/content`,
    raw: () => ({ payload: '{"a":1}', headers: { 'content-type': 'application/json' } }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  'upload without Content-Length': {
    method: 'PUT',
    path: () => `/images/${ctx.blankImageId}/content`,
    raw: () => ({
      payload: Readable.from([qcow2Bytes()]),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    status: 411,
    code: 'LENGTH_REQUIRED',
  },
  'upload over GUREUM_MAX_IMAGE_BYTES': {
    method: 'PUT',
    path: () => `/images/${ctx.blankImageId}/content`,
    raw: () => ({
      payload: qcow2Bytes({ length: MAX_IMAGE_BYTES + 1 }),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    status: 413,
    code: 'IMAGE_TOO_LARGE',
  },
  'upload of an ISO into a disk image': {
    method: 'PUT',
    path: () => `/images/${ctx.blankImageId}/content`,
    raw: () => ({ payload: isoBytes(), headers: { 'content-type': 'application/octet-stream' } }),
    status: 400,
    code: 'IMAGE_FORMAT_UNSUPPORTED',
  },
  'upload of a qcow2 with a backing file': {
    method: 'PUT',
    path: () => `/images/${ctx.blankImageId}/content`,
    raw: () => ({
      payload: qcow2Bytes({ backingFile: true }),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    status: 400,
    code: 'IMAGE_FORMAT_UNSUPPORTED',
  },
  'upload whose sha256 differs from ?sha256=': {
    method: 'PUT',
    path: () => `/images/${ctx.blankImageId}/content`,
    query: { sha256: 'ab'.repeat(32) },
    raw: () => ({ payload: qcow2Bytes(), headers: { 'content-type': 'application/octet-stream' } }),
    status: 400,
    code: 'IMAGE_CHECKSUM_MISMATCH',
  },
  'upload into an image that is ready': {
    method: 'PUT',
    path: () => `/images/${ctx.imageId}/content`,
    raw: () => ({ payload: qcow2Bytes(), headers: { 'content-type': 'application/octet-stream' } }),
    status: 409,
    code: 'IMAGE_UPLOAD_CONFLICT',
  },
  'upload into an unknown image': {
    method: 'PUT',
    path: () => `/images/${randomUUID()}/content`,
    raw: () => ({ payload: qcow2Bytes(), headers: { 'content-type': 'application/octet-stream' } }),
    status: 404,
    code: 'IMAGE_NOT_FOUND',
  },
};

async function send(row: Row): Promise<LightMyRequestResponse> {
  const token = row.token ? row.token() : h.token;
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  if (row.raw) {
    const { payload, headers } = row.raw();
    return h.app.inject({
      method: row.method,
      url: BASE_PATH + row.path(),
      headers: { ...auth, ...headers },
      payload,
      ...(row.query ? { query: row.query } : {}),
    });
  }
  return h.request(row.method, row.path(), {
    token,
    ...(row.body ? { body: row.body() } : {}),
    ...(row.headers ? { headers: row.headers } : {}),
    ...(row.query ? { query: row.query } : {}),
  });
}

/** What an upload may change: the reason its last attempt failed. Everything else must stay. */
function withoutUploadOutcome(state: unknown): unknown {
  const s = state as { images: Record<string, unknown>[] };
  return {
    ...s,
    images: s.images.map(({ failure_reason: _f, updated_at: _u, ...rest }) => rest),
  };
}

describe('hostile input', () => {
  it.each(Object.entries(table))('%s → refused, nothing changed', async (_label, row) => {
    const before = await snapshotState(h);
    const callsBefore = h.hypervisor.calls.length;
    const res = await send(row);
    expect(res.statusCode, res.body).toBeLessThan(500);
    expectProblem(res, row.status, row.code);
    const after = await snapshotState(h);
    if (row.raw && row.method === 'PUT')
      expect(withoutUploadOutcome(after)).toEqual(withoutUploadOutcome(before));
    else expect(after).toEqual(before);
    const mutations = h.hypervisor.calls
      .slice(callsBefore)
      .filter(
        (c) =>
          ![
            'getVm',
            'listVms',
            'volumeInfo',
            'listVolumes',
            'vmVolumes',
            'bootConfig',
            'firmwareSupport',
          ].includes(c),
      );
    if (!(row.raw && row.method === 'PUT')) expect(mutations).toEqual([]);
  });

  it('a validation problem names the field', async () => {
    const res = await send(name('../x'));
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.path)).toContain('/body/name');
    const iso = await send(table['an ISO as the system disk'] as Row);
    expect(expectProblem(iso, 400, 'IMAGE_KIND_MISMATCH').errors).toEqual([
      { path: '/body/source/imageId', message: 'not a disk image' },
    ]);
  });

  it('an upload larger than 1 MiB (the JSON limit) but within the image limit is accepted', async () => {
    const id = await uploadImage(h, { bytes: qcow2Bytes({ length: MAX_IMAGE_BYTES }) });
    const res = await h.request('GET', `/images/${id}`);
    expect(res.json()).toMatchObject({ status: 'ready', format: 'qcow2', sizeBytes: MAX_IMAGE_BYTES });
  });

  it('an upload whose sha256 matches ?sha256= becomes ready with that digest', async () => {
    const bytes = qcow2Bytes({ length: 4096 });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const created = await h.request('POST', '/images', { body: { name: 'checked', kind: 'disk' } });
    const id = created.json<{ id: string }>().id;
    const res = await h.app.inject({
      method: 'PUT',
      url: `${BASE_PATH}/images/${id}/content`,
      query: { sha256 },
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', sha256 });
  });

  it('a refused upload can be retried and then succeeds', async () => {
    const res = await send(table['upload of an ISO into a disk image'] as Row);
    expect(res.statusCode).toBe(400);
    const image = await h.request('GET', `/images/${ctx.blankImageId}`);
    expect(image.json()).toMatchObject({ status: 'uploading', failureReason: expect.any(String) as unknown });
    const ok = await h.app.inject({
      method: 'PUT',
      url: `${BASE_PATH}/images/${ctx.blankImageId}/content`,
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/octet-stream' },
      payload: qcow2Bytes(),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ready', virtualSizeBytes: 64 * MiB });
    expect(ok.json()).not.toHaveProperty('failureReason');
  });
});
