import { readFileSync } from 'node:fs';
import type { TObject } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BASE_PATH,
  GENERATED_NOTICE,
  Problem,
  buildOpenApi,
  errorCatalog,
  operationIds,
  routes,
  type DeletePlan,
  type OperationId,
  type RouteBody,
  type RouteDoneReply,
  type RouteParams,
  type RouteQuery,
  type RouteReply,
  type Task,
  type TaskOperationId,
  type Vm,
  type VmCreate,
  type VmStopOptions,
} from './index.js';

const all = operationIds.map((id) => [id, routes[id]] as const);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function keys(schema: TObject | undefined): string[] {
  return schema ? Object.keys(schema.properties) : [];
}

describe('route table', () => {
  it('has the operations the clients rely on', () => {
    const expected: OperationId[] = [
      'listVms',
      'createVm',
      'getVm',
      'updateVm',
      'deleteVm',
      'startVm',
      'stopVm',
      'forceStopVm',
      'rebootVm',
      'resetVm',
      'pauseVm',
      'resumeVm',
      'getHealth',
      'login',
      'logout',
      'getMe',
      'listImages',
      'createImage',
      'uploadImageContent',
      'getImage',
      'deleteImage',
      'listTasks',
      'getTask',
      'cancelTask',
    ];
    for (const id of expected) expect(operationIds).toContain(id);
    expect(BASE_PATH).toBe('/api/v1');
  });

  it('has one route per method + url', () => {
    const seen = new Set(all.map(([, r]) => `${r.method} ${r.url}`));
    expect(seen.size).toBe(all.length);
  });

  it.each(all)('%s: url, params and flags agree', (_id, route) => {
    expect(route.url).toMatch(/^\/[a-z0-9\-/:A-Z]*$/);
    expect(route.url).not.toMatch(/\/$/);
    const urlParams = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
    expect(keys('params' in route ? route.params : undefined).sort()).toEqual(urlParams.sort());
    const query = keys('querystring' in route ? route.querystring : undefined);
    const isTask = 'task' in route;
    const canWait = 'wait' in route;
    const canDryRun = 'dryRun' in route;
    expect(query.includes('wait') && query.includes('timeoutMs')).toBe(canWait);
    expect(query.includes('dryRun')).toBe(canDryRun);
    const responses = Object.keys(route.response).map(Number);
    expect(responses.includes(202)).toBe(isTask);
    if (isTask) expect(canWait).toBe(true);
    if (canDryRun) expect(responses).toContain(200);
    const headers = keys('headers' in route ? route.headers : undefined);
    expect(headers.includes('idempotency-key')).toBe('idempotent' in route);
    expect(headers.includes('if-match')).toBe('conditional' in route);
    if ('idempotent' in route) expect(route.method).toBe('POST');
    if (route.method === 'GET' || route.method === 'DELETE') expect('body' in route).toBe(false);
  });

  it.each(all)('%s: merged client arguments never collide (params, query, body)', (_id, route) => {
    const control = new Set(['wait', 'timeoutMs', 'dryRun']);
    const names = [
      ...keys('params' in route ? route.params : undefined),
      ...keys('querystring' in route ? route.querystring : undefined).filter((k) => !control.has(k)),
      ...('body' in route && 'properties' in route.body ? keys(route.body) : []),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(all)('%s: every 4xx/5xx it may return is a Problem response', (_id, route) => {
    const response: Record<number, unknown> = route.response;
    const statuses = Object.keys(response).map(Number);
    expect(statuses.some((s) => s >= 200 && s < 300)).toBe(true);
    for (const code of route.errors) expect(response[errorCatalog[code].status]).toBe(Problem);
    for (const status of statuses.filter((s) => s >= 400)) expect(response[status]).toBe(Problem);
    expect(statuses).toContain(500);
    if (route.auth === 'user') expect(statuses).toContain(401);
    if ('params' in route || 'querystring' in route || 'body' in route) expect(statuses).toContain(400);
  });

  it('makes every request body strict (unknown fields → 400)', () => {
    for (const [id, route] of all) {
      if (!('body' in route)) continue;
      expect(route.body.additionalProperties, id).toBe(false);
    }
  });

  it('marks the image upload as a raw stream', () => {
    expect(routes.uploadImageContent.rawBody).toBe('application/octet-stream');
    expect('body' in routes.uploadImageContent).toBe(false);
  });
});

describe('openapi.json', () => {
  const committed = readFileSync(new URL('../openapi.json', import.meta.url), 'utf8');
  const doc = buildOpenApi({ version: pkg.version });

  it('is up to date with the route table (run `npm run gen`)', () => {
    expect(committed).toBe(`${JSON.stringify(doc, null, 2)}\n`);
  });

  it('is OpenAPI 3.1 and says it is generated', () => {
    expect(doc['openapi']).toBe('3.1.0');
    expect(JSON.stringify(doc['info'])).toContain(GENERATED_NOTICE);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildOpenApi({ version: pkg.version }))).toBe(JSON.stringify(doc));
  });

  it('documents every operation once', () => {
    const ops = JSON.stringify(doc['paths']).match(/"operationId":"[A-Za-z]+"/g) ?? [];
    expect(ops.length).toBe(operationIds.length + 2); // + the events and console WebSockets
  });
});

describe('types', () => {
  it('derives params, query, body and replies from the table', () => {
    expectTypeOf<RouteParams<'getVm'>>().toEqualTypeOf<{ idOrName: string }>();
    expectTypeOf<RouteReply<'getVm'>>().toEqualTypeOf<Vm>();
    expectTypeOf<RouteBody<'createVm'>>().toEqualTypeOf<VmCreate>();
    expectTypeOf<RouteBody<'getVm'>>().toEqualTypeOf<undefined>();
    expectTypeOf<RouteBody<'stopVm'>>().toEqualTypeOf<VmStopOptions>();
    expectTypeOf<RouteReply<'startVm'>>().toEqualTypeOf<Vm | { task: Task }>();
    expectTypeOf<RouteDoneReply<'startVm'>>().toEqualTypeOf<Vm>();
    expectTypeOf<RouteDoneReply<'deleteVm'>>().toEqualTypeOf<undefined>();
    expectTypeOf<RouteReply<'deleteVm'>>().toEqualTypeOf<DeletePlan | { task: Task } | undefined>();
    expectTypeOf<RouteQuery<'listVms'>['limit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RouteQuery<'listVms'>['state']>().toEqualTypeOf<Vm['state'] | undefined>();
    expectTypeOf<RouteReply<'getMetrics'>>().toEqualTypeOf<string>();
    expectTypeOf<'startVm'>().toExtend<TaskOperationId>();
    expectTypeOf<'getVm'>().not.toExtend<TaskOperationId>();
    expectTypeOf<Vm['media']>().toEqualTypeOf<{ imageId: string; name: string } | null>();
  });
});
