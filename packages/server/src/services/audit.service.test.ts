import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../domain/model.js';
import type { AuditListFilter, AuditLog, Page } from '../ports/repositories.js';
import { ManualClock, RecordingLogger } from '../tasks/testing.js';
import { AuditService, timeOrderedId, type AuditEntry } from './audit.service.js';
import type { Logger } from './logger.js';

// Fakes only: an in-memory audit log (or one that fails), empty user/VM/image/task repositories, a manual clock.
class FakeAuditLog implements AuditLog {
  readonly rows: AuditRecord[] = [];
  filters: AuditListFilter[] = [];
  failWith: Error | null = null;
  append(record: AuditRecord): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.rows.push(record);
    return Promise.resolve();
  }
  list(filter: AuditListFilter): Promise<Page<AuditRecord>> {
    this.filters.push(filter);
    return Promise.resolve({ items: [], nextCursor: null });
  }
}

const none = (): Promise<null> => Promise.resolve(null);

function service() {
  const audit = new FakeAuditLog();
  const recorder = new RecordingLogger();
  const logger: Logger = {
    info: (obj, msg) => {
      recorder.info(obj, msg);
    },
    warn: (obj, msg) => {
      recorder.warn(obj, msg);
    },
    error: (obj, msg) => {
      recorder.error(obj, msg);
    },
    debug: () => undefined,
    child: () => logger,
  };
  const repos = {
    audit,
    users: { findByUsername: none },
    vms: { findById: none, findByName: none },
    images: { findById: none },
    tasks: { findById: none },
  } as unknown as ConstructorParameters<typeof AuditService>[0]['repos'];
  const svc = new AuditService({ repos, clock: new ManualClock(), logger });
  return { svc, audit, recorder };
}

const entry = (overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  action: 'user.update',
  actor: { id: 'u1' },
  resource: { kind: 'user', id: 'u2' },
  outcome: 'succeeded',
  status: 200,
  requestId: 'r1',
  sourceAddress: '127.0.0.1',
  details: null,
  ...overrides,
});

describe('AuditService', () => {
  it('keeps plain details and drops anything that smells of a secret, whatever the edge passed', async () => {
    const { svc } = service();
    const row = await svc.record(
      entry({
        details: {
          role: 'admin',
          password: 'hunter2',
          newPassword: 'x',
          token: 'gur_abc',
          tokenHash: 'ab',
          authorization: 'Bearer y',
          nested: { password: 'z' },
          changed: ['password', 'role'],
          long: 'a'.repeat(1000),
        },
      }),
    );
    expect(row.details).toEqual({ role: 'admin', changed: ['password', 'role'], long: 'a'.repeat(256) });
    expect(row).toMatchObject({ resourceKind: 'user', resourceId: 'u2', ownerId: 'u2', actorId: 'u1' });
  });

  it('a failing write is logged by submit and never thrown at the caller', async () => {
    const { svc, audit, recorder } = service();
    audit.failWith = new Error('disk full');
    expect(() => {
      svc.submit(entry());
    }).not.toThrow();
    await svc.flush();
    expect(recorder.entries.map((e) => e.msg)).toContain('could not write an audit entry');
    audit.failWith = null;
    svc.submit(entry());
    await svc.flush();
    expect(audit.rows).toHaveLength(1);
  });

  it('an unknown login stays anonymous; a token belongs to its actor', async () => {
    const { svc } = service();
    expect(await svc.record(entry({ actor: { username: 'ghost' }, resource: null }))).toMatchObject({
      actorId: null,
      ownerId: null,
    });
    expect(
      await svc.record(entry({ actor: { id: 'u7' }, resource: { kind: 'token', id: 't1' } })),
    ).toMatchObject({ ownerId: 'u7', resourceId: 't1' });
  });

  it('lists everything for admins and only what members acted on or own', async () => {
    const { svc, audit } = service();
    await svc.list({ id: 'a', role: 'admin' }, { limit: 10 });
    await svc.list({ id: 'm', role: 'member' }, { limit: 10, actorId: 'x' });
    await svc.list({ id: 'v', role: 'viewer' }, { limit: 10 });
    expect(audit.filters).toEqual([
      { limit: 10 },
      { limit: 10, actorId: 'x', visibleTo: 'm' },
      { limit: 10, visibleTo: 'v' },
    ]);
  });
});

describe('timeOrderedId', () => {
  it('makes UUID-shaped ids that sort in creation order, within a millisecond and if the clock steps back', () => {
    let now = 1_700_000_000_000;
    const next = timeOrderedId(() => now);
    const ids = [next(), next(), next()];
    now -= 5;
    ids.push(next());
    now += 100;
    ids.push(next());
    expect(
      ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
    ).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
