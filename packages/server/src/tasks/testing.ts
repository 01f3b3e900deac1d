/**
 * Fakes for unit tests of the task engine and of the services that submit tasks: in-memory task and lease stores,
 * a recording event publisher, a clock tests move by hand, and a logger that keeps what it was told.
 * They copy values through JSON on the way in and out, as a database would, so a test catches undo data that
 * would not survive a restart.
 */
import { AppError } from '../domain/errors.js';
import type { EventRecord, TaskRecord, TaskStepRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher, NewEvent } from '../ports/events.js';
import {
  UniqueViolation,
  type LeaseStore,
  type Page,
  type TaskListFilter,
  type TaskStore,
} from '../ports/repositories.js';
import type { TaskLogger } from './types.js';

function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export class InMemoryTaskStore implements TaskStore {
  readonly tasks = new Map<string, TaskRecord>();
  readonly steps = new Map<string, TaskStepRecord[]>();

  insert(task: TaskRecord): Promise<void> {
    if (this.tasks.has(task.id)) return Promise.reject(new UniqueViolation('tasks.pkey'));
    this.tasks.set(task.id, copy(task));
    return Promise.resolve();
  }

  findById(id: string): Promise<TaskRecord | null> {
    return Promise.resolve(copy(this.tasks.get(id) ?? null));
  }

  list(filter: TaskListFilter): Promise<Page<TaskRecord>> {
    const all = [...this.tasks.values()]
      .filter((t) => filter.ownerId === undefined || t.ownerId === filter.ownerId)
      .filter((t) => filter.resourceId === undefined || t.resourceId === filter.resourceId)
      .filter((t) => filter.statuses === undefined || filter.statuses.includes(t.status))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
    const start = filter.cursor === undefined ? 0 : Number(filter.cursor);
    const items = all.slice(start, start + filter.limit);
    const next = start + filter.limit;
    return Promise.resolve({ items: copy(items), nextCursor: next < all.length ? String(next) : null });
  }

  update(
    id: string,
    patch: Partial<Omit<TaskRecord, 'id' | 'kind' | 'createdAt'>>,
  ): Promise<TaskRecord | null> {
    const task = this.tasks.get(id);
    if (!task) return Promise.resolve(null);
    const updated = { ...task, ...copy(patch) };
    this.tasks.set(id, updated);
    return Promise.resolve(copy(updated));
  }

  listUnfinished(): Promise<TaskRecord[]> {
    const unfinished = [...this.tasks.values()].filter(
      (t) => t.status === 'queued' || t.status === 'running',
    );
    return Promise.resolve(copy(unfinished));
  }

  insertStep(step: TaskStepRecord): Promise<void> {
    const steps = this.steps.get(step.taskId) ?? [];
    if (steps.some((s) => s.seq === step.seq)) return Promise.reject(new UniqueViolation('task_steps.pkey'));
    steps.push(copy(step));
    this.steps.set(step.taskId, steps);
    return Promise.resolve();
  }

  updateStep(
    taskId: string,
    seq: number,
    patch: Partial<Pick<TaskStepRecord, 'status' | 'undoData' | 'updatedAt'>>,
  ): Promise<void> {
    const steps = this.steps.get(taskId) ?? [];
    const index = steps.findIndex((s) => s.seq === seq);
    const step = steps[index];
    if (step) steps[index] = { ...step, ...copy(patch) };
    return Promise.resolve();
  }

  listSteps(taskId: string): Promise<TaskStepRecord[]> {
    const steps = [...(this.steps.get(taskId) ?? [])].sort((a, b) => a.seq - b.seq);
    return Promise.resolve(copy(steps));
  }

  countByKindAndStatus(): Promise<{ kind: string; status: TaskRecord['status']; count: number }[]> {
    const counts = new Map<string, { kind: string; status: TaskRecord['status']; count: number }>();
    for (const t of this.tasks.values()) {
      const key = `${t.kind}\0${t.status}`;
      const entry = counts.get(key) ?? { kind: t.kind, status: t.status, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    return Promise.resolve([...counts.values()]);
  }

  /** Test helper: the journal as `name:status` strings, in order. */
  journal(taskId: string): string[] {
    return [...(this.steps.get(taskId) ?? [])]
      .sort((a, b) => a.seq - b.seq)
      .map((s) => `${s.name}:${s.status}`);
  }
}

export class InMemoryLeaseStore implements LeaseStore {
  readonly leases = new Map<string, { holder: string; expiresAt: string }>();

  acquire(resourceKey: string, holder: string, expiresAt: string, now: string): Promise<boolean> {
    const lease = this.leases.get(resourceKey);
    if (lease && lease.holder !== holder && Date.parse(lease.expiresAt) > Date.parse(now)) {
      return Promise.resolve(false);
    }
    this.leases.set(resourceKey, { holder, expiresAt });
    return Promise.resolve(true);
  }

  renew(resourceKey: string, holder: string, expiresAt: string): Promise<boolean> {
    const lease = this.leases.get(resourceKey);
    if (lease?.holder !== holder) return Promise.resolve(false);
    lease.expiresAt = expiresAt;
    return Promise.resolve(true);
  }

  release(resourceKey: string, holder: string): Promise<void> {
    if (this.leases.get(resourceKey)?.holder === holder) this.leases.delete(resourceKey);
    return Promise.resolve();
  }

  holderOf(resourceKey: string, now: string): Promise<string | null> {
    const lease = this.leases.get(resourceKey);
    const isLive = lease !== undefined && Date.parse(lease.expiresAt) > Date.parse(now);
    return Promise.resolve(isLive ? lease.holder : null);
  }
}

/** Keeps every published event, with increasing ids, like the event log would. */
export class RecordingEventPublisher implements EventPublisher {
  readonly events: EventRecord[] = [];

  constructor(private readonly clock: Clock = { now: () => new Date() }) {}

  publish(event: NewEvent): Promise<EventRecord> {
    const record: EventRecord = {
      ...copy(event),
      id: this.events.length + 1,
      time: event.time ?? this.clock.now().toISOString(),
    };
    this.events.push(record);
    return Promise.resolve(record);
  }

  ofResource(resourceId: string): EventRecord[] {
    return this.events.filter((e) => e.resourceId === resourceId);
  }
}

/** A clock that moves only when the test says so. */
export class ManualClock implements Clock {
  private ms: number;

  constructor(start = '2025-01-01T00:00:00.000Z') {
    this.ms = Date.parse(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

export class RecordingLogger implements TaskLogger {
  readonly entries: LogEntry[] = [];

  info(obj: object, msg?: string): void {
    this.entries.push({ level: 'info', obj, msg });
  }

  warn(obj: object, msg?: string): void {
    this.entries.push({ level: 'warn', obj, msg });
  }

  error(obj: object, msg?: string): void {
    this.entries.push({ level: 'error', obj, msg });
  }
}

/** A promise a test opens by hand: `await gate.wait` blocks a fake step until `gate.open()`. */
export class Gate {
  open: () => void = () => undefined;
  readonly wait = new Promise<void>((resolve) => (this.open = resolve));
}

export interface TestEngineKit {
  store: InMemoryTaskStore;
  leases: InMemoryLeaseStore;
  events: RecordingEventPublisher;
  clock: ManualClock;
  logger: RecordingLogger;
}

/** Fresh fakes for an engine; pass the same kit to a second engine to play "the process after a restart". */
export function newTestKit(): TestEngineKit {
  const clock = new ManualClock();
  return {
    store: new InMemoryTaskStore(),
    leases: new InMemoryLeaseStore(),
    events: new RecordingEventPublisher(clock),
    clock,
    logger: new RecordingLogger(),
  };
}

/** The AppError a promise rejects with (anything else fails the test). */
export async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const err: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw err;
  return err;
}
