import { randomUUID } from 'node:crypto';
import { BASE_PATH } from '@gureum/contract';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  addUser,
  connectEvents,
  createVm,
  expectProblem,
  MEMBER_PASSWORD,
  startHarness,
  uploadImage,
  type Harness,
} from '../testing/app-harness.js';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../testing/prometheus-text.js';

// GET /metrics on the real server over in-memory SQLite (real adapter) and the FakeHypervisor (fake). The
// exposition is read with a strict little parser of the text format, so a malformed line fails the test.
let h: Harness;
let image: string;
beforeAll(async () => {
  h = await startHarness();
  image = await uploadImage(h);
});
afterAll(async () => {
  await h.close();
});

async function scrape(): Promise<{ text: string; families: Map<string, MetricFamily> }> {
  const res = await h.request('GET', '/metrics');
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { text: res.body, families: parsePrometheusText(res.body) };
}

const requests = (families: Map<string, MetricFamily>, labels: Record<string, string>): number => {
  try {
    return sampleValue(families, 'gureum_http_request_duration_seconds_count', labels);
  } catch {
    return 0; // the series does not exist yet
  }
};

describe('GET /metrics', () => {
  it('exposes every series in the Prometheus text format', async () => {
    const { families } = await scrape();
    expect(Object.fromEntries([...families.values()].map((f) => [f.name, f.type]))).toMatchObject({
      gureum_http_request_duration_seconds: 'histogram',
      gureum_tasks: 'gauge',
      gureum_vms: 'gauge',
      gureum_libvirt_up: 'gauge',
      gureum_libvirt_reconnects_total: 'counter',
      gureum_event_log_last_id: 'gauge',
      gureum_event_log_delivered_id: 'gauge',
      gureum_event_log_lag: 'gauge',
      gureum_event_clients: 'gauge',
      gureum_db_pool_connections: 'gauge',
      gureum_db_pool_idle_connections: 'gauge',
      gureum_db_pool_waiting_clients: 'gauge',
      gureum_process_resident_memory_bytes: 'gauge',
      gureum_process_heap_used_bytes: 'gauge',
    });
    for (const family of families.values()) expect(family.help, family.name).not.toBe('');
    expect(sampleValue(families, 'gureum_libvirt_up')).toBe(1);
    expect(sampleValue(families, 'gureum_db_pool_connections', { dialect: 'sqlite' })).toBe(1);
    expect(sampleValue(families, 'gureum_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(families, 'gureum_event_log_last_id')).toBeGreaterThan(0);
  });

  it('counts requests by operation id or route pattern, never by raw URL', async () => {
    const before = (await scrape()).families;
    const missing = randomUUID();
    expect((await h.request('GET', '/vms')).statusCode).toBe(200);
    expect((await h.request('GET', `/vms/${missing}`)).statusCode).toBe(404);
    expect((await h.request('GET', `/no-such/${missing}`)).statusCode).toBe(404);
    const { text, families } = await scrape();
    const moved = (labels: Record<string, string>): number =>
      requests(families, labels) - requests(before, labels);
    expect(moved({ route: 'listVms', method: 'GET', status: '2xx' })).toBe(1);
    expect(moved({ route: 'getVm', method: 'GET', status: '4xx' })).toBe(1);
    expect(moved({ route: 'unmatched', method: 'GET', status: '4xx' })).toBe(1);
    expect(text).not.toContain(missing);
    // Buckets are cumulative: +Inf holds every observation of the series.
    const inf = sampleValue(families, 'gureum_http_request_duration_seconds_bucket', {
      route: 'listVms',
      method: 'GET',
      status: '2xx',
      le: '+Inf',
    });
    expect(inf).toBe(requests(families, { route: 'listVms', method: 'GET', status: '2xx' }));
  });

  it('shows a created VM by its live state, and its task by kind and status', async () => {
    const before = (await scrape()).families;
    await createVm(h, image, { start: true });
    const { families } = await scrape();
    const delta = (name: string, labels: Record<string, string>): number => {
      const old = (() => {
        try {
          return sampleValue(before, name, labels);
        } catch {
          return 0;
        }
      })();
      return sampleValue(families, name, labels) - old;
    };
    expect(delta('gureum_vms', { state: 'running' })).toBe(1);
    expect(delta('gureum_vms', { state: 'stopped' })).toBe(0);
    expect(delta('gureum_tasks', { kind: 'vm.create', status: 'succeeded' })).toBe(1);
  });

  it('follows the libvirt connection: down, then back up (one reconnect)', async () => {
    const vms = (await h.db.vms.listAllStates()).length;
    const reconnects = sampleValue((await scrape()).families, 'gureum_libvirt_reconnects_total');
    h.hypervisor.setStatus('down');
    try {
      const down = (await scrape()).families;
      expect(sampleValue(down, 'gureum_libvirt_up')).toBe(0);
      expect(sampleValue(down, 'gureum_vms', { state: 'unknown' })).toBe(vms);
    } finally {
      h.hypervisor.setStatus('up');
    }
    const up = (await scrape()).families;
    expect(sampleValue(up, 'gureum_libvirt_up')).toBe(1);
    expect(sampleValue(up, 'gureum_libvirt_reconnects_total')).toBe(reconnects + 1);
  });

  it('reports where the events clients are in the log', async () => {
    const client = await connectEvents(h);
    try {
      await client.next((m) => m.type === 'ready');
      await vi.waitFor(async () => {
        expect(sampleValue((await scrape()).families, 'gureum_event_clients')).toBe(1);
      });
      const vm = await createVm(h, image);
      await client.next((m) => m.type === 'vm.created' && (m.resource as { id: string }).id === vm.id);
      await vi.waitFor(async () => {
        const families = (await scrape()).families;
        expect(sampleValue(families, 'gureum_event_log_lag')).toBe(0);
        expect(sampleValue(families, 'gureum_event_log_delivered_id')).toBe(
          sampleValue(families, 'gureum_event_log_last_id'),
        );
      });
    } finally {
      client.close();
    }
    await vi.waitFor(async () => {
      expect(sampleValue((await scrape()).families, 'gureum_event_clients')).toBe(0);
    });
  });
});

describe('who may read /metrics', () => {
  const metrics = (options: { token?: string; remoteAddress: string }) =>
    h.app.inject({
      method: 'GET',
      url: `${BASE_PATH}/metrics`,
      remoteAddress: options.remoteAddress,
      ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
    });

  it('an admin token, from anywhere', async () => {
    expect((await metrics({ token: h.token, remoteAddress: '192.0.2.7' })).statusCode).toBe(200);
  });

  it('a local request without a token (a scraper on the host)', async () => {
    for (const remoteAddress of ['127.0.0.1', '::1']) {
      const res = await metrics({ remoteAddress });
      expect(res.statusCode, remoteAddress).toBe(200);
      expect(parsePrometheusText(res.body).has('gureum_vms')).toBe(true);
    }
  });

  it('no token from elsewhere → 401; a member or a viewer → 403', async () => {
    expectProblem(await metrics({ remoteAddress: '192.0.2.7' }), 401, 'UNAUTHENTICATED');
    expectProblem(await metrics({ token: h.member.token, remoteAddress: '127.0.0.1' }), 403, 'FORBIDDEN');
    const viewer = await addUser(h.db, `viewer-${randomUUID().slice(0, 6)}`, 'viewer');
    const login = await h.request('POST', '/auth/login', {
      token: null,
      body: { username: viewer.username, password: MEMBER_PASSWORD },
    });
    const token = login.json<{ token: string }>().token;
    expectProblem(await metrics({ token, remoteAddress: '192.0.2.7' }), 403, 'FORBIDDEN');
  });
});
