import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock.js';
import type { ConsoleKind } from '../ports/hypervisor.js';

/** What a ticket lets its holder open: one console of one VM, as one user. */
export interface ConsoleTicketGrant {
  userId: string;
  vmId: string;
  kind: ConsoleKind;
  /** The first 12 hex digits of the ticket's hash: names the ticket in logs and audit rows, never the secret. */
  ticketId: string;
  expiresAt: Date;
}

/** Why a ticket was refused. `used` and `expired` name a ticket that existed (its grant is returned). */
export type TicketRefusal = 'malformed' | 'unknown' | 'used' | 'expired';

export type RedeemResult =
  | { ok: true; grant: ConsoleTicketGrant }
  | { ok: false; reason: 'malformed' | 'unknown' }
  | { ok: false; reason: 'used' | 'expired'; grant: ConsoleTicketGrant };

export interface ConsoleTicketOptions {
  /** How long a ticket is valid (ms, default and maximum 30 000). */
  ttlMs?: number;
  /** How long a used or expired ticket is remembered, to say so instead of "unknown" (ms, default 5 min). */
  rememberMs?: number;
  /** Unused tickets a user may hold at once; issuing one more drops the oldest (default 16). */
  maxPerUser?: number;
  /** Tickets (remembered ones included) kept in all; the oldest go first (default 10 000). */
  maxTotal?: number;
}

interface Entry {
  grant: ConsoleTicketGrant;
  usedAt: number | null;
}

/** 32 random bytes, base64url without padding: 256 bits in 43 URL-safe characters. */
const TICKET_BYTES = 32;
const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const MAX_TICKET_TTL_MS = 30_000;

function hashTicket(ticket: string): string {
  return createHash('sha256').update(ticket, 'utf8').digest('hex');
}

/**
 * Single-use console tickets, kept in memory and stored hashed (sha256): a memory dump or a log line holds no
 * usable ticket. Memory, not the database, because a ticket lives 30 s and is redeemed by the process that issued
 * it; a restart drops them all, which only makes the holders ask again (a row would survive nothing useful and cost
 * a write per console). With several API replicas a ticket must be redeemed on the replica that issued it (sticky
 * routing), or this store must move to the database.
 *
 * Bounded: each user holds at most `maxPerUser` unused tickets, and all entries together at most `maxTotal`.
 */
export class ConsoleTicketStore {
  private readonly entries = new Map<string, Entry>();
  /** Hashes of each user's unused tickets, oldest first. */
  private readonly outstanding = new Map<string, string[]>();
  private readonly ttlMs: number;
  private readonly rememberMs: number;
  private readonly maxPerUser: number;
  private readonly maxTotal: number;

  constructor(
    private readonly clock: Clock,
    options: ConsoleTicketOptions = {},
  ) {
    this.ttlMs = Math.min(options.ttlMs ?? MAX_TICKET_TTL_MS, MAX_TICKET_TTL_MS);
    this.rememberMs = options.rememberMs ?? 5 * 60_000;
    this.maxPerUser = options.maxPerUser ?? 16;
    this.maxTotal = options.maxTotal ?? 10_000;
  }

  /** Entries held (unused, used and expired ones still remembered). */
  get size(): number {
    return this.entries.size;
  }

  /** Issues a ticket; the secret is returned once and only its hash is kept. */
  issue(grant: { userId: string; vmId: string; kind: ConsoleKind }): {
    ticket: string;
    grant: ConsoleTicketGrant;
  } {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const ticket = randomBytes(TICKET_BYTES).toString('base64url');
    const hash = hashTicket(ticket);
    const full: ConsoleTicketGrant = {
      ...grant,
      ticketId: hash.slice(0, 12),
      expiresAt: new Date(now + this.ttlMs),
    };
    this.entries.set(hash, { grant: full, usedAt: null });
    // Expired tickets no longer count against the user's limit (they stay remembered as expired).
    const mine = (this.outstanding.get(grant.userId) ?? []).filter(
      (h) => (this.entries.get(h)?.grant.expiresAt.getTime() ?? 0) > now,
    );
    mine.push(hash);
    this.outstanding.set(grant.userId, mine);
    while (mine.length > this.maxPerUser) {
      const oldest = mine.shift();
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    while (this.entries.size > this.maxTotal) {
      const [oldest] = this.entries.keys();
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    return { ticket, grant: full };
  }

  /** Redeems a ticket: valid once, before it expires. Anything else is refused, and says why. */
  redeem(ticket: string): RedeemResult {
    if (!TICKET_PATTERN.test(ticket)) return { ok: false, reason: 'malformed' };
    const now = this.clock.now().getTime();
    this.sweep(now);
    const hash = hashTicket(ticket);
    const entry = this.entries.get(hash);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.usedAt !== null) return { ok: false, reason: 'used', grant: entry.grant };
    entry.usedAt = now;
    this.forgetOutstanding(entry.grant.userId, hash);
    if (now >= entry.grant.expiresAt.getTime()) return { ok: false, reason: 'expired', grant: entry.grant };
    return { ok: true, grant: entry.grant };
  }

  /** Forgets what is past remembering; the map is in issue order, which is expiry order. */
  private sweep(now: number): void {
    for (const [hash, entry] of this.entries) {
      if (entry.grant.expiresAt.getTime() + this.rememberMs > now) break;
      this.drop(hash);
    }
  }

  private drop(hash: string): void {
    const entry = this.entries.get(hash);
    this.entries.delete(hash);
    if (entry) this.forgetOutstanding(entry.grant.userId, hash);
  }

  private forgetOutstanding(userId: string, hash: string): void {
    const mine = this.outstanding.get(userId);
    if (!mine) return;
    const at = mine.indexOf(hash);
    if (at >= 0) mine.splice(at, 1);
    if (mine.length === 0) this.outstanding.delete(userId);
  }
}
