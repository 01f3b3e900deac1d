// End to end: hostile requests against the real server. Each gets a 4xx application/problem+json with a code,
// and afterwards libvirt (virsh), the pools, the storage dir and the API show exactly what was there before.
import { randomUUID } from 'node:crypto';
import type { Image, Vm } from '@gureum/contract';
import { virshOk } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEventsSocket } from './events.js';
import { done, startGureum, type GureumServer } from './harness.js';
import { domainNames, filesUnder, poolVolumes } from './observe.js';

const MiB = 1024 * 1024;
/** Uploads above this are refused (GUREUM_MAX_IMAGE_BYTES). */
const MAX_IMAGE_BYTES = 256 * 1024;

let gureum: GureumServer | undefined;
let image: Image;
let pending: Image;
let vm: Vm;

function server(): GureumServer {
  if (!gureum) throw new Error('no server');
  return gureum;
}

beforeAll(async () => {
  gureum = await startGureum({ dialect: 'sqlite', env: { GUREUM_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) } });
  const { client } = gureum;
  // What must survive unchanged: a ready (raw) image, a VM made from it, and an image still waiting for content.
  const created = await client.createImage({ name: gureum.name('raw'), kind: 'disk' });
  image = await client.uploadImageContent({ id: created.id }, new Uint8Array(64 * 1024), {});
  expect(image.status).toBe('ready');
  pending = await client.createImage({ name: gureum.name('pending'), kind: 'disk' });
  vm = done(
    await client.createVm(
      { name: gureum.name('keep'), vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id } },
      { wait: true, timeoutMs: 60_000 },
    ),
  );
});

afterAll(async () => {
  await gureum?.dispose();
});

interface Snapshot {
  domains: string[];
  images: string[] | null;
  vms: string[] | null;
  files: string[];
  apiVms: unknown;
  apiImages: unknown;
  apiTasks: unknown;
}

async function snapshot(): Promise<Snapshot> {
  const g = server();
  return {
    domains: await domainNames(g.poolPrefix),
    images: await poolVolumes(g.pools.images),
    vms: await poolVolumes(g.pools.vms),
    files: await filesUnder(g.storageDir),
    apiVms: await g.client.listVms(),
    apiImages: await g.client.listImages(),
    apiTasks: await g.client.listTasks(),
  };
}

interface Hostile {
  what: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string | (() => string);
  /** A JSON body (serialized here) … */
  json?: unknown;
  /** … or raw bytes with their own headers (`chunked`: streamed without a Content-Length). */
  raw?: { body: string | Uint8Array; headers: Record<string, string>; chunked?: boolean };
  auth?: 'admin' | 'none' | 'bogus';
  status: number;
  code: string;
}

const uuid = randomUUID();
function vmBody(overrides: Record<string, unknown>): Record<string, unknown> {
  return { name: 'e2e-ok', vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, ...overrides };
}

/** The table; built once the baseline exists (bodies and paths refer to it). */
function hostileRequests(): Hostile[] {
  return [
    // Names: traversal, odd characters, lengths. Never a path, never XML, never SQL.
    ...[
      '../../etc/passwd',
      '..',
      'a/b',
      'UPPER',
      'x'.repeat(64),
      '',
      '-lead',
      "vm'; DROP TABLE vms;--",
      '<name>x</name>',
      'nul\u0000byte',
      'ünïcode',
      '6f1c9d9e-2b1a-4c3e-9f00-0123456789ab',
    ].map((name): Hostile => ({
      what: `VM name ${JSON.stringify(name)}`,
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ name }),
      status: 400,
      code: 'VALIDATION_FAILED',
    })),
    {
      what: 'image name with a path',
      method: 'POST',
      path: '/api/v1/images',
      json: { name: '../../../var/lib/libvirt/images/x', kind: 'disk' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'image kind unknown',
      method: 'POST',
      path: '/api/v1/images',
      json: { name: 'e2e-x', kind: 'exe' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'image source with a host path',
      method: 'POST',
      path: '/api/v1/images',
      json: { name: 'e2e-x', kind: 'disk', source: { url: 'file:///etc/shadow' } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    // Absurd sizes.
    ...[-1, 0, 1.5, 2 ** 53, 1e308, '128MiB', null].map((memoryBytes): Hostile => ({
      what: `memoryBytes ${String(memoryBytes)}`,
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ memoryBytes }),
      status: 400,
      code: 'VALIDATION_FAILED',
    })),
    ...[0, -4, 257, 100_000, 1.5].map((vcpus): Hostile => ({
      what: `vcpus ${vcpus}`,
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ vcpus }),
      status: 400,
      code: 'VALIDATION_FAILED',
    })),
    {
      what: 'a blank disk of 1 PiB',
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ source: { blank: { sizeBytes: 2 ** 50 }, isoImageId: uuid } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    // Unknown fields, at the top and nested.
    {
      what: 'unknown top-level field',
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ xml: '<domain/>' }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'unknown field in source (a host path)',
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ source: { imageId: image.id, path: '/etc/passwd' } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'unknown field in an action body',
      method: 'POST',
      path: () => `/api/v1/vms/${vm.id}/actions/start`,
      json: { force: true, cmd: 'rm -rf /' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'unknown field in a PATCH',
      method: 'PATCH',
      path: () => `/api/v1/vms/${vm.id}`,
      json: { ownerId: uuid },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    // Malformed bodies and parameters.
    {
      what: 'malformed JSON',
      method: 'POST',
      path: '/api/v1/vms',
      raw: { body: '{"name": ', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'a JSON body over 1 MiB',
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ description: 'x'.repeat(MiB + 10) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    ...['-1', '0', 'abc', '501', '1e3'].map((limit): Hostile => ({
      what: `limit=${limit}`,
      method: 'GET',
      path: `/api/v1/vms?limit=${limit}`,
      status: 400,
      code: 'VALIDATION_FAILED',
    })),
    // Things that do not exist.
    {
      what: 'GET unknown VM id',
      method: 'GET',
      path: `/api/v1/vms/${uuid}`,
      status: 404,
      code: 'VM_NOT_FOUND',
    },
    {
      what: 'GET unknown VM name',
      method: 'GET',
      path: '/api/v1/vms/e2e-nope',
      status: 404,
      code: 'VM_NOT_FOUND',
    },
    {
      what: 'GET a traversal as VM id',
      method: 'GET',
      path: '/api/v1/vms/..%2F..%2Fetc%2Fpasswd',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'DELETE unknown VM',
      method: 'DELETE',
      path: `/api/v1/vms/${uuid}`,
      status: 404,
      code: 'VM_NOT_FOUND',
    },
    {
      what: 'start unknown VM',
      method: 'POST',
      path: `/api/v1/vms/${uuid}/actions/start`,
      json: {},
      status: 404,
      code: 'VM_NOT_FOUND',
    },
    {
      what: 'create from an unknown image',
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ source: { imageId: uuid } }),
      status: 404,
      code: 'IMAGE_NOT_FOUND',
    },
    {
      what: 'GET unknown task',
      method: 'GET',
      path: `/api/v1/tasks/${uuid}`,
      status: 404,
      code: 'TASK_NOT_FOUND',
    },
    {
      what: 'GET unknown image',
      method: 'GET',
      path: `/api/v1/images/${uuid}`,
      status: 404,
      code: 'IMAGE_NOT_FOUND',
    },
    {
      what: 'upload to an unknown image',
      method: 'PUT',
      path: `/api/v1/images/${uuid}/content`,
      raw: { body: new Uint8Array(16), headers: { 'content-type': 'application/octet-stream' } },
      status: 404,
      code: 'IMAGE_NOT_FOUND',
    },
    {
      // `/api/v1/../../etc/passwd` is normalised by the URL parser to `/etc/passwd`, an app route of the web
      // dashboard (its index.html); encoded slashes keep the traversal attempt inside the API.
      what: 'unknown route',
      method: 'GET',
      path: '/api/v1/no-such-thing/..%2f..%2fetc%2fpasswd',
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    },
    // Conflicts that must not change anything.
    {
      what: 'a VM name that is taken',
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ name: vm.name }),
      status: 409,
      code: 'VM_NAME_TAKEN',
    },
    {
      what: 'stop a stopped VM',
      method: 'POST',
      path: () => `/api/v1/vms/${vm.id}/actions/stop`,
      json: {},
      status: 409,
      code: 'VM_INVALID_STATE',
    },
    {
      what: 'upload again to a ready image',
      method: 'PUT',
      path: () => `/api/v1/images/${image.id}/content`,
      raw: { body: new Uint8Array(16), headers: { 'content-type': 'application/octet-stream' } },
      status: 409,
      code: 'IMAGE_UPLOAD_CONFLICT',
    },
    {
      what: 'delete an image in use',
      method: 'DELETE',
      path: () => `/api/v1/images/${image.id}`,
      status: 409,
      code: 'IMAGE_IN_USE',
    },
    // Uploads over the limit.
    {
      what: 'an upload over GUREUM_MAX_IMAGE_BYTES',
      method: 'PUT',
      path: () => `/api/v1/images/${pending.id}/content`,
      raw: {
        body: new Uint8Array(MAX_IMAGE_BYTES + 1),
        headers: { 'content-type': 'application/octet-stream' },
      },
      status: 413,
      code: 'IMAGE_TOO_LARGE',
    },
    {
      what: 'an upload without Content-Length (chunked)',
      method: 'PUT',
      path: () => `/api/v1/images/${pending.id}/content`,
      raw: {
        body: new Uint8Array(1024),
        headers: { 'content-type': 'application/octet-stream' },
        chunked: true,
      },
      status: 411,
      code: 'LENGTH_REQUIRED',
    },
    // No or a bad token.
    {
      what: 'no token',
      method: 'GET',
      path: '/api/v1/vms',
      auth: 'none',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      what: 'no token on a mutation',
      method: 'POST',
      path: '/api/v1/vms',
      json: vmBody({ name: 'e2e-noauth' }),
      auth: 'none',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      what: 'no token on a delete',
      method: 'DELETE',
      path: () => `/api/v1/vms/${vm.id}`,
      auth: 'none',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      what: 'a made-up token',
      method: 'GET',
      path: '/api/v1/vms',
      auth: 'bogus',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
  ];
}

describe('hostile input against the real server', () => {
  it('answers every hostile request with a 4xx problem+json and changes nothing', async () => {
    const g = server();
    const before = await snapshot();
    expect(before.domains).toEqual([vm.name]);
    expect(before.vms).toHaveLength(1);

    const failures: string[] = [];
    for (const c of hostileRequests()) {
      const path = typeof c.path === 'function' ? c.path() : c.path;
      const headers: Record<string, string> = { ...c.raw?.headers };
      const auth = c.auth ?? 'admin';
      if (auth === 'admin') headers.authorization = `Bearer ${g.token}`;
      if (auth === 'bogus') headers.authorization = `Bearer gur_${'A'.repeat(43)}`;
      let body: string | Uint8Array | undefined = c.raw?.body;
      if (c.json !== undefined) {
        body = JSON.stringify(c.json);
        headers['content-type'] = 'application/json';
      }
      const chunks = body;
      const stream =
        c.raw?.chunked && chunks !== undefined
          ? new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(typeof chunks === 'string' ? new TextEncoder().encode(chunks) : chunks);
                controller.close();
              },
            })
          : undefined;
      const init: RequestInit & { duplex?: 'half' } = stream
        ? { method: c.method, headers, body: stream, duplex: 'half' }
        : { method: c.method, headers, ...(body ? { body } : {}) };
      const res = await fetch(`${g.url}${path}`, init);
      const text = await res.text();
      let problem: Record<string, unknown> = {};
      try {
        problem = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // reported below
      }
      const got = `${res.status} ${String(problem.code)} (${res.headers.get('content-type') ?? 'no content-type'})`;
      const ok =
        res.status === c.status &&
        problem.code === c.code &&
        problem.status === c.status &&
        typeof problem.title === 'string' &&
        typeof problem.requestId === 'string' &&
        (res.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
        !text.includes(g.root) &&
        !/\bat .+\.js:\d+/.test(text);
      if (!ok) failures.push(`${c.what}: expected ${c.status} ${c.code}, got ${got}: ${text.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);

    const after = await snapshot();
    expect(after).toEqual(before);
    expect((await g.client.getImage({ id: pending.id })).status).toBe('uploading');
  });

  it('refuses a bad events query or a bad token on the WebSocket with the protocol close codes', async () => {
    const g = server();
    const badQuery = await RawEventsSocket.connect(g.url, { token: g.token }, { since: '../1' });
    expect((await badQuery.closed).code).toBe(4400);
    expect(badQuery.frames[0]).toMatchObject({ type: 'error', problem: { code: 'VALIDATION_FAILED' } });
    const badTopic = await RawEventsSocket.connect(g.url, { token: g.token }, { topics: 'vm,secrets' });
    expect((await badTopic.closed).code).toBe(4400);
    const badToken = await RawEventsSocket.connect(g.url, { token: 'gur_nope' });
    expect((await badToken.closed).code).toBe(4401);
    expect(badToken.frames[0]).toMatchObject({ type: 'error', problem: { code: 'UNAUTHENTICATED' } });
    const notJson = await RawEventsSocket.connect(g.url, '<auth token="x"/>');
    expect((await notJson.closed).code).toBe(4401);
  });

  it('hands user text to libvirt only as escaped XML text', async () => {
    const g = server();
    const name = g.name('xml');
    const description = `</description><devices><disk type='file'><source file='/etc/shadow'/></disk></devices>]]>&amp;<description>`;
    const created = done(
      await g.client.createVm(
        { name, vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, description },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(created.description).toBe(description);
    const xml = await virshOk(['dumpxml', name]);
    expect(xml).not.toContain("/etc/shadow'");
    expect(xml.match(/<disk /g)).toHaveLength(2); // the system disk and the (empty) cdrom drive
    const text = /<description>([^<]*)<\/description>/.exec(xml)?.[1] ?? '';
    const decoded = text
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&apos;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    expect(decoded).toBe(description);
    expect(
      (await g.client.deleteVm({ idOrName: created.id }, { wait: true, timeoutMs: 60_000 })).status,
    ).toBe(204);
    expect(await domainNames(name)).toEqual([]);
  });
});
