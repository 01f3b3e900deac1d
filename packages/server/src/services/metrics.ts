import type { VmState } from '../domain/model.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Database } from '../ports/repositories.js';
import type { LiveStateService } from './live-state.js';
import { MetricsRegistry } from './metrics-registry.js';

/** Request durations, in seconds: from a cached read to a `?wait=true` that held for a while. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const VM_STATES: readonly VmState[] = ['running', 'stopped', 'paused', 'crashed', 'suspended', 'unknown'];

export interface MetricsDeps {
  db: Pick<Database, 'dialect' | 'poolStats'> & {
    tasks: Pick<Database['tasks'], 'countByKindAndStatus'>;
    vms: Pick<Database['vms'], 'listAllStates'>;
    events: Pick<Database['events'], 'bounds'>;
  };
  hypervisor: Pick<Hypervisor, 'status' | 'onStatus'>;
  live: Pick<LiveStateService, 'stateOf'>;
}

/** Where one events client is in the log; `close` when it disconnects. */
export interface EventClientCursor {
  delivered(eventId: number): void;
  close(): void;
}

/**
 * The series of `GET /metrics`. Request latency and reconnects are counted as they happen; tasks, VMs, the event
 * log and the database pool are read at scrape time (one GROUP BY, one VM state list, one max id).
 */
export class MetricsService {
  private readonly registry = new MetricsRegistry();
  private readonly httpDuration = this.registry.histogram(
    'gureum_http_request_duration_seconds',
    'Time to answer an API request, by route (operation id or route pattern), method and status class.',
    ['route', 'method', 'status'],
    HTTP_BUCKETS,
  );
  private readonly tasks = this.registry.gauge('gureum_tasks', 'Tasks in the database by kind and status.', [
    'kind',
    'status',
  ]);
  private readonly vms = this.registry.gauge(
    'gureum_vms',
    'VMs by live state (libvirt view; unknown while libvirt is down).',
    ['state'],
  );
  private readonly libvirtUp = this.registry.gauge(
    'gureum_libvirt_up',
    '1 when the libvirt connection is up, else 0.',
  );
  private readonly libvirtReconnects = this.registry.counter(
    'gureum_libvirt_reconnects_total',
    'Times the libvirt connection came back after it was lost.',
  );
  private readonly eventLastId = this.registry.gauge(
    'gureum_event_log_last_id',
    'The id of the newest event in the event log.',
  );
  private readonly eventDeliveredId = this.registry.gauge(
    'gureum_event_log_delivered_id',
    'The last event id delivered to the slowest connected events WebSocket client.',
  );
  private readonly eventLag = this.registry.gauge(
    'gureum_event_log_lag',
    'Events in the log not yet delivered to the slowest connected client (0 without clients).',
  );
  private readonly eventClients = this.registry.gauge(
    'gureum_event_clients',
    'Connected events WebSocket clients.',
  );
  private readonly poolSize = this.registry.gauge(
    'gureum_db_pool_connections',
    'Database connections in the pool (SQLite: its single connection).',
    ['dialect'],
  );
  private readonly poolIdle = this.registry.gauge(
    'gureum_db_pool_idle_connections',
    'Database connections in the pool that are idle.',
    ['dialect'],
  );
  private readonly poolWaiting = this.registry.gauge(
    'gureum_db_pool_waiting_clients',
    'Callers waiting for a database connection.',
    ['dialect'],
  );
  private readonly rss = this.registry.gauge(
    'gureum_process_resident_memory_bytes',
    'Resident set size of the server process.',
  );
  private readonly heapUsed = this.registry.gauge(
    'gureum_process_heap_used_bytes',
    'V8 heap in use by the server process.',
  );
  private readonly heapTotal = this.registry.gauge(
    'gureum_process_heap_total_bytes',
    'V8 heap allocated by the server process.',
  );
  private readonly cursors = new Set<{ id: number }>();
  private wasDown: boolean;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: MetricsDeps) {
    this.wasDown = deps.hypervisor.status !== 'up';
    this.unsubscribe = deps.hypervisor.onStatus((status) => {
      if (status === 'up' && this.wasDown) this.libvirtReconnects.inc({});
      this.wasDown = status !== 'up';
    });
    this.libvirtReconnects.inc({}, 0);
  }

  /** Stops listening to the hypervisor. */
  stop(): void {
    this.unsubscribe();
  }

  /** One answered request. `route` is an operation id or a route pattern, never a raw URL. */
  observeRequest(route: string, method: string, statusCode: number, seconds: number): void {
    const status = `${String(Math.floor(statusCode / 100))}xx`;
    this.httpDuration.observe({ route, method, status }, seconds);
  }

  /** Tracks one events client's position in the log, from `startId` (the last id it has). */
  trackEventClient(startId: number): EventClientCursor {
    const cursor = { id: startId };
    this.cursors.add(cursor);
    return {
      delivered: (eventId) => {
        if (eventId > cursor.id) cursor.id = eventId;
      },
      close: () => this.cursors.delete(cursor),
    };
  }

  /** Every series in the Prometheus text format, with the scrape-time ones read now. */
  async render(): Promise<string> {
    const { db, hypervisor, live } = this.deps;
    const [taskCounts, vmRows, bounds] = await Promise.all([
      db.tasks.countByKindAndStatus(),
      db.vms.listAllStates(),
      db.events.bounds(),
    ]);
    this.tasks.reset();
    for (const row of taskCounts) this.tasks.set({ kind: row.kind, status: row.status }, row.count);

    this.vms.reset();
    for (const state of VM_STATES) this.vms.set({ state }, 0);
    for (const row of vmRows) this.vms.inc({ state: live.stateOf(row.id) });
    this.libvirtUp.set({}, hypervisor.status === 'up' ? 1 : 0);

    const lastId = bounds.maxId ?? 0;
    const slowest = this.cursors.size > 0 ? Math.min(...[...this.cursors].map((c) => c.id)) : lastId;
    this.eventLastId.set({}, lastId);
    this.eventDeliveredId.set({}, slowest);
    this.eventLag.set({}, Math.max(0, lastId - slowest));
    this.eventClients.set({}, this.cursors.size);

    const pool = db.poolStats();
    this.poolSize.set({ dialect: db.dialect }, pool.total);
    this.poolIdle.set({ dialect: db.dialect }, pool.idle);
    this.poolWaiting.set({ dialect: db.dialect }, pool.waiting);

    const memory = process.memoryUsage();
    this.rss.set({}, memory.rss);
    this.heapUsed.set({}, memory.heapUsed);
    this.heapTotal.set({}, memory.heapTotal);
    return this.registry.render();
  }
}
