import { randomBytes } from 'node:crypto';
import type { AuditOutcome, AuditRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { Page, Repositories } from '../ports/repositories.js';
import type { TaskFinish } from '../tasks/index.js';
import type { Actor } from './access.js';
import type { Logger } from './logger.js';

/** What the edges know about something that happened; the service fills in ids, time and owners. */
export interface AuditEntry {
  action: string;
  /** The user who acted, or `{ username }` for a login (resolved to the user's id when the login succeeded). */
  actor: { id: string } | { username: string } | null;
  /** The resource as the request named it: a VM may be named by its name (resolved to its id when it exists). */
  resource: { kind: string; id: string } | null;
  /** Whose resource it is; looked up from the resource when absent. */
  ownerId?: string | null;
  /** The resource as `resolveResource` saw it before the request changed it (a delete removes it). */
  resolved?: Promise<ResolvedResource | null>;
  outcome: AuditOutcome;
  status: number | null;
  requestId: string | null;
  sourceAddress: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditListQuery {
  actorId?: string;
  resourceId?: string;
  since?: string;
  limit: number;
  cursor?: string;
}

/** A resource's id (a VM named by its name has its id here) and its owner. */
export interface ResolvedResource {
  id: string;
  ownerId: string;
}

type AuditRepos = Pick<Repositories, 'audit' | 'users' | 'vms' | 'images' | 'tasks'>;

/** Keys that never reach an audit row, whatever an edge passes in (defence in depth: edges whitelist already). */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|hash/i;
const MAX_DETAIL_TEXT = 256;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The audit log: one row per mutating request and per task outcome, in an append-only table. Writes from the
 * request path are fire-and-forget (`submit`): they never delay a response, and a failing write is logged, never
 * thrown at the request.
 */
export class AuditService {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly newId: () => string;

  constructor(
    private readonly deps: { repos: AuditRepos; clock: Clock; logger: Logger; newId?: () => string },
  ) {
    this.newId = deps.newId ?? timeOrderedId(() => deps.clock.now().getTime());
  }

  /** Writes one entry and returns the stored row. Throws when the database refuses it. */
  async record(entry: AuditEntry): Promise<AuditRecord> {
    const [actorId, early] = await Promise.all([this.actorId(entry), entry.resolved ?? null]);
    const resolved = early ?? (entry.resource ? await this.resolveResource(entry.resource) : null);
    const ownerId =
      entry.ownerId !== undefined
        ? entry.ownerId
        : entry.resource?.kind === 'token'
          ? actorId
          : (resolved?.ownerId ?? null);
    const record: AuditRecord = {
      id: this.newId(),
      time: this.deps.clock.now().toISOString(),
      actorId,
      action: entry.action,
      resourceKind: entry.resource?.kind ?? null,
      resourceId: resolved?.id ?? entry.resource?.id ?? null,
      ownerId,
      outcome: entry.outcome,
      status: entry.status,
      requestId: entry.requestId,
      sourceAddress: entry.sourceAddress,
      details: scrub(entry.details),
    };
    await this.deps.repos.audit.append(record);
    return record;
  }

  /** Records in the background; `flush()` waits for everything submitted so far. Failures are logged. */
  submit(entry: AuditEntry): void {
    const write = this.record(entry)
      .catch((err: unknown) => {
        this.deps.logger.error(
          { err, action: entry.action, requestId: entry.requestId },
          'could not write an audit entry',
        );
      })
      .catch(() => undefined); // even a broken logger must not become an unhandled rejection
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** The task engine's `onFinished`: one entry per task outcome, by the task's actor, about its resource. */
  recordTask(finish: TaskFinish): void {
    const { task, outcome, undone } = finish;
    this.submit({
      action: task.kind,
      actor: { id: task.actorId },
      resource: { kind: task.resourceKind, id: task.resourceId },
      ownerId: task.ownerId,
      outcome: task.status === 'succeeded' ? 'succeeded' : 'failed',
      status: null,
      requestId: task.requestId,
      sourceAddress: null,
      details: {
        taskId: task.id,
        status: task.status,
        ...(task.error ? { errorCode: task.error.code } : {}),
        ...(outcome === 'compensated' ? { compensated: true } : {}),
        ...(undone.length > 0 ? { undone } : {}),
      },
    });
  }

  /** Waits until every submitted entry is written (tests, graceful shutdown). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Admins see every entry; everyone else the entries where they acted or whose resource it was. */
  list(actor: Actor, query: AuditListQuery): Promise<Page<AuditRecord>> {
    return this.deps.repos.audit.list({
      ...query,
      ...(actor.role === 'admin' ? {} : { visibleTo: actor.id }),
    });
  }

  private async actorId(entry: AuditEntry): Promise<string | null> {
    const { actor } = entry;
    if (actor === null) return null;
    if ('id' in actor) return actor.id;
    if (entry.outcome !== 'succeeded') return null;
    return (await this.deps.repos.users.findByUsername(actor.username))?.id ?? null;
  }

  /**
   * The resource's id (a VM named by its name gets its id) and owner, when it (still) exists; null otherwise, and
   * when the lookup fails (logged: an audit row without an owner beats no row).
   */
  async resolveResource(ref: { kind: string; id: string }): Promise<ResolvedResource | null> {
    try {
      return await this.lookup(ref);
    } catch (err: unknown) {
      this.deps.logger.warn({ err, resource: ref }, 'audit: could not look up a resource');
      return null;
    }
  }

  private async lookup(ref: { kind: string; id: string }): Promise<ResolvedResource | null> {
    const { repos } = this.deps;
    switch (ref.kind) {
      case 'vm': {
        const vm = UUID.test(ref.id) ? await repos.vms.findById(ref.id) : await repos.vms.findByName(ref.id);
        return vm ? { id: vm.id, ownerId: vm.ownerId } : null;
      }
      case 'image': {
        const image = await repos.images.findById(ref.id);
        return image ? { id: image.id, ownerId: image.ownerId } : null;
      }
      case 'task': {
        const task = await repos.tasks.findById(ref.id);
        return task ? { id: task.id, ownerId: task.ownerId } : null;
      }
      case 'user':
        return { id: ref.id, ownerId: ref.id };
      default:
        return null;
    }
  }
}

/** Plain values only, short text, and never a key that smells of a secret. */
function scrub(details: Record<string, unknown> | null): Record<string, unknown> | null {
  if (details === null) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (SECRET_KEY.test(key)) continue;
    const clean = scrubValue(value);
    if (clean !== undefined) out[key] = clean;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function scrubValue(value: unknown): unknown {
  if (typeof value === 'string') return value.slice(0, MAX_DETAIL_TEXT);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value))
    return value
      .slice(0, 32)
      .map(scrubValue)
      .filter((v) => v !== undefined);
  return undefined;
}

/**
 * Ids that sort by creation (UUID version 7 layout: 48-bit milliseconds, then a counter within the millisecond,
 * then random bits), so entries written in the same millisecond still list newest first.
 */
export function timeOrderedId(nowMs: () => number): () => string {
  let lastMs = 0;
  let seq = 0;
  return () => {
    let ms = nowMs();
    if (ms <= lastMs) {
      ms = lastMs;
      seq += 1;
      if (seq > 0xfff) {
        ms += 1;
        seq = 0;
      }
    } else {
      seq = 0;
    }
    lastMs = ms;
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes.writeUInt16BE(0x7000 | seq, 6);
    bytes.writeUInt8(0x80 | (bytes.readUInt8(8) & 0x3f), 8);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
