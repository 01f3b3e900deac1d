import type { DeletePlan, Image, Problem, Task, Vm, VmList } from '@gureum/contract';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  ApiError,
  ConnectionError,
  TaskWaitTimeoutError,
  createGureumClient,
  isApiError,
  type GureumClient,
  type TaskOutcome,
  type TaskPending,
} from './index.js';
import { FakeGureumServer, problem } from './test/fake-server.js';
import { VM_ID, task, vm } from './test/fixtures.js';

const createBody = { name: 'web-1', vcpus: 1, memoryBytes: 512 * 1024 * 1024, source: { imageId: 'img_1' } };

let server: FakeGureumServer;
let client: GureumClient;
let baseUrl: string;

beforeEach(async () => {
  server = new FakeGureumServer();
  baseUrl = await server.start();
  client = createGureumClient({ baseUrl, token: 'secret-token' });
});

afterEach(async () => {
  await server.close();
});

function lastRequest() {
  const req = server.requests.at(-1);
  if (!req) throw new Error('no request recorded');
  return req;
}

describe('typed calls', () => {
  it('sends query parameters and the bearer token, and returns the typed body', async () => {
    server.on('GET', '/vms', () => ({ status: 200, body: { items: [vm()], nextCursor: null } }));
    const page = await client.listVms({ limit: 10, state: 'running', tag: 'prod' });
    expect(page.items[0]?.name).toBe('web-1');
    const req = lastRequest();
    expect(req.path).toBe('/api/v1/vms');
    expect(Object.fromEntries(req.query)).toEqual({ limit: '10', state: 'running', tag: 'prod' });
    expect(req.headers.authorization).toBe('Bearer secret-token');
    expect(req.headers['content-type']).toBeUndefined();
    await client.listVms();
    expect([...lastRequest().query]).toEqual([]);
  });

  it('encodes path parameters', async () => {
    server.on('GET', '/vms/:idOrName', (_req, params) => ({
      status: 200,
      body: vm({ name: params['idOrName'] ?? '' }),
    }));
    const got = await client.getVm({ idOrName: 'a b/../c' });
    expect(lastRequest().path).toBe('/api/v1/vms/a%20b%2F..%2Fc');
    expect(got.name).toBe('a b/../c');
  });

  it('merges params and body in one arguments object and honours If-Match', async () => {
    server.on('GET', '/vms/:idOrName', () => ({ status: 200, headers: { etag: '"v1"' }, body: vm() }));
    server.on('PATCH', '/vms/:idOrName', (req) => ({
      status: 200,
      body: vm(JSON.parse(req.body.toString('utf8')) as Partial<Vm>),
    }));
    const { etag } = await client.send('getVm', { idOrName: 'web-1' });
    expect(etag).toBe('"v1"');
    const updated = await client.updateVm(
      { idOrName: 'web-1', description: 'front', tags: ['prod'] },
      { ifMatch: '"v1"' },
    );
    const req = lastRequest();
    expect(req.method).toBe('PATCH');
    expect(req.path).toBe('/api/v1/vms/web-1');
    expect(req.headers['if-match']).toBe('"v1"');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body.toString('utf8'))).toEqual({ description: 'front', tags: ['prod'] });
    expect(updated.description).toBe('front');
  });

  it('sends the Idempotency-Key and returns { status: 202, task } for task routes', async () => {
    server.on('POST', '/vms', () => ({
      status: 202,
      headers: { location: '/api/v1/tasks/tsk_1' },
      body: { task: task({ kind: 'vm.create' }) },
    }));
    const body = { name: 'web-1', vcpus: 1, memoryBytes: 512 * 1024 * 1024, source: { imageId: 'img_1' } };
    const { task: started } = await client.createVm(body, { idempotencyKey: 'key-1' });
    expect(started.kind).toBe('vm.create');
    const req = lastRequest();
    expect(req.headers['idempotency-key']).toBe('key-1');
    expect(JSON.parse(req.body.toString('utf8'))).toEqual(body);
    expect(req.query.get('wait')).toBeNull();
  });

  it('sends {} for actions without options, and the options when given', async () => {
    server.on('POST', '/vms/:id/actions/:action', () => ({ status: 202, body: { task: task() } }));
    await client.startVm({ id: VM_ID });
    expect(lastRequest().path).toBe(`/api/v1/vms/${VM_ID}/actions/start`);
    expect(lastRequest().body.toString('utf8')).toBe('{}');
    await client.stopVm({ id: VM_ID, force: true, timeoutMs: 30_000 }, { wait: true, timeoutMs: 5000 });
    const req = lastRequest();
    expect(req.path).toBe(`/api/v1/vms/${VM_ID}/actions/stop`);
    expect(JSON.parse(req.body.toString('utf8'))).toEqual({ force: true, timeoutMs: 30_000 });
    expect(Object.fromEntries(req.query)).toEqual({ wait: 'true', timeoutMs: '5000' });
  });

  it('rejects arguments the route does not have', async () => {
    await expect(
      // @ts-expect-error — getVm has no `force`
      client.getVm({ idOrName: 'web-1', force: true }),
    ).rejects.toThrow(TypeError);
    await expect(client.send('getVm', {} as never)).rejects.toThrow(/missing path parameter "idOrName"/);
  });

  it('returns text for text routes and undefined for 204', async () => {
    server.on('GET', '/metrics', () => ({ status: 200, body: 'gureum_vms 3\n' }));
    server.on('POST', '/auth/logout', () => ({ status: 204 }));
    expect(await client.getMetrics()).toBe('gureum_vms 3\n');
    await expect(client.logout()).resolves.toBeUndefined();
  });

  it('changes the token with setToken', async () => {
    server.on('POST', '/auth/login', () => ({
      status: 200,
      body: { token: 'new', expiresAt: '2030-01-01T00:00:00Z' },
    }));
    server.on('GET', '/me', () => ({
      status: 200,
      body: { id: 'u1', username: 'admin', role: 'admin', createdAt: '2025-01-01T00:00:00Z' },
    }));
    const anonymous = createGureumClient({ baseUrl });
    const { token } = await anonymous.login({ username: 'admin', password: 'pw' });
    expect(lastRequest().headers.authorization).toBeUndefined();
    anonymous.setToken(token);
    expect(anonymous.token).toBe('new');
    await anonymous.getMe();
    expect(lastRequest().headers.authorization).toBe('Bearer new');
  });
});

describe('errors', () => {
  it('turns problem+json into ApiError', async () => {
    server.on('GET', '/vms/:idOrName', () =>
      problem('VM_NOT_FOUND', 'No VM named nope.', { requestId: 'req-42' }),
    );
    const err: unknown = await client.getVm({ idOrName: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isApiError(err, 'VM_NOT_FOUND')).toBe(true);
    if (!isApiError(err)) return;
    expect(err.status).toBe(404);
    expect(err.code).toBe('VM_NOT_FOUND');
    expect(err.title).toBe('VM not found');
    expect(err.detail).toBe('No VM named nope.');
    expect(err.requestId).toBe('req-42');
    expect(err.message).toBe('VM not found — No VM named nope. [VM_NOT_FOUND]');
    expect(err.problem?.type).toBe('https://gureum.dev/errors#vm-not-found');
  });

  it('keeps the field errors of VALIDATION_FAILED', async () => {
    const errors = [{ path: '/body/name', message: 'must match pattern' }];
    server.on('POST', '/vms', () => problem('VALIDATION_FAILED', 'body/name is invalid', { errors }));
    const err = await client
      .createVm({ name: 'x', vcpus: 1, memoryBytes: 1 << 30, source: { imageId: 'i' } })
      .catch((e: unknown) => e);
    expect(isApiError(err, 'VALIDATION_FAILED') && err.errors).toEqual(errors);
  });

  it('reports a non-problem error page with an HTTP_<status> code', async () => {
    server.on('GET', '/health', () => ({ status: 502, body: 'Bad Gateway from the proxy' }));
    const err = await client.getHealth().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502, code: 'HTTP_502', detail: 'Bad Gateway from the proxy' });
  });

  it('does not trust an error body whose code is not in the catalog', async () => {
    const fake: Omit<Problem, 'code'> & { code: string } = { ...problem('INTERNAL', 'x').body, code: 'EVIL' };
    server.on('GET', '/health', () => ({ status: 500, body: fake }));
    const err = await client.getHealth().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, code: 'HTTP_500', problem: undefined });
  });

  it('throws ConnectionError when the server cannot be reached', async () => {
    const offline = createGureumClient({ baseUrl: 'http://127.0.0.1:1' });
    await expect(offline.getHealth()).rejects.toBeInstanceOf(ConnectionError);
  });

  it('rethrows the abort reason when the caller aborts', async () => {
    server.on('GET', '/health', () => new Promise(() => undefined));
    const controller = new AbortController();
    const pending = client.getHealth({}, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
  });
});

describe('tasks', () => {
  it('with wait: true returns the final resource, or the task when the wait runs out', async () => {
    server.on('POST', '/vms/:id/actions/start', (req) =>
      req.query.get('timeoutMs') === '1'
        ? { status: 202, body: { task: task() } }
        : { status: 200, body: vm({ state: 'running' }) },
    );
    const done = await client.startVm({ id: VM_ID }, { wait: true });
    expect(done).toEqual({ status: 200, value: vm({ state: 'running' }) });
    expect(lastRequest().query.get('wait')).toBe('true');
    const pending = await client.startVm({ id: VM_ID }, { wait: true, timeoutMs: 1 });
    expect(pending.status).toBe(202);
    if (pending.status === 202) expect(pending.task.id).toBe('tsk_1');
  });

  it('dryRun returns the plan', async () => {
    const plan: DeletePlan = {
      wouldDelete: [
        { kind: 'vm', id: VM_ID, name: 'web-1' },
        { kind: 'volume', id: 'vol_1' },
      ],
    };
    server.on('DELETE', '/vms/:idOrName', (req) =>
      req.query.get('dryRun') === 'true'
        ? { status: 200, body: plan }
        : { status: 202, body: { task: task({ kind: 'vm.delete' }) } },
    );
    expect(await client.deleteVm({ idOrName: 'web-1' }, { dryRun: true })).toEqual(plan);
    const { task: deleting } = await client.deleteVm({ idOrName: 'web-1' });
    expect(deleting.kind).toBe('vm.delete');
  });

  it('waitForTask holds GET /tasks/{id}?wait=true until the task ends', async () => {
    let calls = 0;
    server.on('GET', '/tasks/:id', async (req) => {
      calls += 1;
      expect(req.query.get('wait')).toBe('true');
      expect(Number(req.query.get('timeoutMs'))).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 30));
      return {
        status: 200,
        body: task({ status: calls < 3 ? 'running' : 'succeeded', progress: calls / 3 }),
      };
    });
    const finished = await client.waitForTask('tsk_1');
    expect(finished.status).toBe('succeeded');
    expect(calls).toBe(3);
  });

  it('waitForTask does not spin when the server answers a wait at once', async () => {
    let calls = 0;
    server.on('GET', '/tasks/:id', () => {
      calls += 1;
      return { status: 200, body: task({ status: 'running' }) };
    });
    const err = await client.waitForTask('tsk_1', { timeoutMs: 600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskWaitTimeoutError);
    expect(calls).toBeLessThanOrEqual(4);
    expect(err instanceof TaskWaitTimeoutError && err.task.status).toBe('running');
  });

  it('waitForTask throws the task Problem when asked to', async () => {
    const failure = problem('VM_INVALID_STATE', 'The VM is running.').body;
    server.on('GET', '/tasks/:id', () => ({ status: 200, body: task({ status: 'failed', error: failure }) }));
    expect((await client.waitForTask('tsk_1')).error?.code).toBe('VM_INVALID_STATE');
    await expect(client.waitForTask('tsk_1', { throwOnFailure: true })).rejects.toMatchObject({
      code: 'VM_INVALID_STATE',
      status: 409,
    });
  });
});

describe('types', () => {
  it('derives every method from the route table', () => {
    expectTypeOf(client.getVm).parameter(0).toEqualTypeOf<{ idOrName: string }>();
    expectTypeOf(client.listVms).returns.resolves.toEqualTypeOf<VmList>();
    expectTypeOf(client.getVm).returns.resolves.toEqualTypeOf<Vm>();
    expectTypeOf(client.getImage).returns.resolves.toEqualTypeOf<Image>();
    expectTypeOf(client.getMetrics).returns.resolves.toEqualTypeOf<string>();
    expectTypeOf(client.logout).returns.resolves.toEqualTypeOf<undefined>();
    expectTypeOf(client.uploadImageContent).returns.resolves.toEqualTypeOf<Image>();
  });

  // Type-only checks: the calls are compiled, never run.
  const typeOnly = (_check: () => unknown): void => undefined;

  it('types task routes by their options', () => {
    typeOnly(() => {
      const id = VM_ID;
      expectTypeOf(client.startVm({ id })).resolves.toEqualTypeOf<TaskPending>();
      expectTypeOf(client.startVm({ id }, { wait: true })).resolves.toEqualTypeOf<TaskOutcome<Vm>>();
      const wait = Math.random() > 2;
      expectTypeOf(client.startVm({ id }, { wait })).resolves.toEqualTypeOf<TaskOutcome<Vm>>();
      expectTypeOf(client.startVm({ id }, { wait: false })).resolves.toEqualTypeOf<TaskPending>();
      expectTypeOf(
        client.createVm(createBody, { idempotencyKey: 'k' }),
      ).resolves.toEqualTypeOf<TaskPending>();
      expectTypeOf(client.deleteVm({ idOrName: 'x' }, { dryRun: true })).resolves.toEqualTypeOf<DeletePlan>();
      expectTypeOf(client.deleteVm({ idOrName: 'x' })).resolves.toEqualTypeOf<TaskPending>();
      expectTypeOf(client.deleteVm({ idOrName: 'x' }, { wait: true })).resolves.toEqualTypeOf<
        TaskOutcome<undefined>
      >();
      expectTypeOf(client.deleteImage({ id: 'i' })).resolves.toEqualTypeOf<undefined>();
      expectTypeOf(client.getTask({ id: 't' }, { wait: true })).resolves.toEqualTypeOf<Task>();
    });
  });

  it('rejects arguments and options a route does not accept', () => {
    typeOnly(() => [
      // @ts-expect-error — getVm does not wait
      client.getVm({ idOrName: 'x' }, { wait: true }),
      // @ts-expect-error — only creating POSTs take an idempotency key
      client.startVm({ id: VM_ID }, { idempotencyKey: 'k' }),
      // @ts-expect-error — stop's timeoutMs is a number
      client.stopVm({ id: VM_ID, timeoutMs: '30s' }),
      // @ts-expect-error — createVm needs a body
      client.createVm(),
      // @ts-expect-error — VmUpdate has no name
      client.updateVm({ idOrName: 'x', name: 'renamed' }),
      // @ts-expect-error — memoryBytes is a number of bytes
      client.createVm({ ...createBody, memoryBytes: '2G' }),
    ]);
  });
});
