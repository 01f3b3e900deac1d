import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../ports/clock.js';
import { ConsoleTicketStore } from './console-tickets.js';

// Pure unit tests of the ticket store with a hand-moved clock.
function movableClock(start = Date.parse('2030-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
  };
}

const grant = { userId: 'u1', vmId: 'vm1', kind: 'serial' as const };

describe('ConsoleTicketStore', () => {
  it('issues 256-bit base64url tickets, each different, valid for 30 s', () => {
    const clock = movableClock();
    const store = new ConsoleTicketStore(clock);
    const a = store.issue(grant);
    const b = store.issue(grant);
    expect(a.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.ticket, 'base64url')).toHaveLength(32);
    expect(a.ticket).not.toBe(b.ticket);
    expect(a.grant.expiresAt.getTime() - clock.now().getTime()).toBe(30_000);
    expect(a.grant).toMatchObject(grant);
  });

  it('redeems a ticket once; the second time it is "used"', () => {
    const store = new ConsoleTicketStore(movableClock());
    const { ticket } = store.issue(grant);
    expect(store.redeem(ticket)).toMatchObject({ ok: true, grant });
    expect(store.redeem(ticket)).toMatchObject({ ok: false, reason: 'used', grant });
  });

  it('refuses a ticket at 30 s and later as "expired", and spends it', () => {
    const clock = movableClock();
    const store = new ConsoleTicketStore(clock);
    const early = store.issue(grant);
    const late = store.issue(grant);
    clock.advance(29_999);
    expect(store.redeem(early.ticket).ok).toBe(true);
    clock.advance(1);
    expect(store.redeem(late.ticket)).toMatchObject({ ok: false, reason: 'expired' });
    expect(store.redeem(late.ticket)).toMatchObject({ ok: false, reason: 'used' });
  });

  it('never accepts a TTL above 30 s', () => {
    const clock = movableClock();
    const store = new ConsoleTicketStore(clock, { ttlMs: 3_600_000 });
    const { ticket } = store.issue(grant);
    clock.advance(30_000);
    expect(store.redeem(ticket)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('keeps only the hash: the stored key does not redeem, and neither does a near miss', () => {
    const store = new ConsoleTicketStore(movableClock());
    const { ticket, grant: issued } = store.issue(grant);
    const hash = createHash('sha256').update(ticket).digest('hex');
    expect(issued.ticketId).toBe(hash.slice(0, 12));
    expect(store.redeem(hash)).toEqual({ ok: false, reason: 'malformed' });
    const flipped = (ticket[0] === 'A' ? 'B' : 'A') + ticket.slice(1);
    expect(store.redeem(flipped)).toEqual({ ok: false, reason: 'unknown' });
    expect(store.redeem(ticket).ok).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too long', 'A'.repeat(44)],
    ['too short', 'A'.repeat(42)],
    ['not base64url', `${'A'.repeat(41)}+/`],
    ['traversal', `../../../../etc/passwd${'A'.repeat(21)}`],
    ['unicode', `${'A'.repeat(42)}é`],
    ['padding', `${'A'.repeat(42)}=`],
  ])('refuses a %s ticket as malformed', (_name, ticket) => {
    const store = new ConsoleTicketStore(movableClock());
    expect(store.redeem(ticket)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('forgets used and expired tickets after the remember window (then they are "unknown")', () => {
    const clock = movableClock();
    const store = new ConsoleTicketStore(clock, { rememberMs: 60_000 });
    const used = store.issue(grant);
    store.redeem(used.ticket);
    const expired = store.issue(grant);
    clock.advance(30_000 + 59_999);
    expect(store.redeem(used.ticket)).toMatchObject({ reason: 'used' });
    clock.advance(1);
    expect(store.redeem(expired.ticket)).toEqual({ ok: false, reason: 'unknown' });
    expect(store.redeem(used.ticket)).toEqual({ ok: false, reason: 'unknown' });
    expect(store.size).toBe(0);
  });

  it('drops the oldest unused ticket of a user beyond the per-user limit, not other users’ tickets', () => {
    const store = new ConsoleTicketStore(movableClock(), { maxPerUser: 3 });
    const other = store.issue({ ...grant, userId: 'u2' });
    const mine = [1, 2, 3, 4].map(() => store.issue(grant));
    expect(store.redeem(mine[0]?.ticket ?? '')).toEqual({ ok: false, reason: 'unknown' });
    for (const t of mine.slice(1)) expect(store.redeem(t.ticket).ok).toBe(true);
    expect(store.redeem(other.ticket).ok).toBe(true);
  });

  it('expired unused tickets stop counting against the per-user limit', () => {
    const clock = movableClock();
    const store = new ConsoleTicketStore(clock, { maxPerUser: 2 });
    store.issue(grant);
    store.issue(grant);
    clock.advance(30_000);
    const fresh = [store.issue(grant), store.issue(grant)];
    for (const t of fresh) expect(store.redeem(t.ticket).ok).toBe(true);
  });

  it('holds at most maxTotal entries, dropping the oldest', () => {
    const store = new ConsoleTicketStore(movableClock(), { maxTotal: 5, maxPerUser: 100 });
    const tickets = Array.from({ length: 8 }, (_, i) => store.issue({ ...grant, userId: `u${String(i)}` }));
    expect(store.size).toBe(5);
    expect(store.redeem(tickets[2]?.ticket ?? '')).toEqual({ ok: false, reason: 'unknown' });
    expect(store.redeem(tickets[3]?.ticket ?? '').ok).toBe(true);
  });
});
