import { RateLimitedError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';

/** How many failures a key may collect within a sliding window. */
export interface FailureLimit {
  /** Failures allowed within `windowMs`; the next attempt is refused until the oldest one leaves the window. */
  max: number;
  windowMs: number;
}

/**
 * Counts failures per key in a sliding window (a log of at most `max` timestamps per key), in memory.
 *
 * Memory is bounded: at most `maxKeys` keys are kept. Keys whose failures have all left the window are dropped as
 * they are met and by a sweep every `windowMs`; when the table is still full, the least recently failed key goes
 * first. One server process owns its counters (they are not shared between replicas, and a restart forgets them).
 */
export class SlidingWindowCounter {
  readonly #failures = new Map<string, number[]>();
  #nextSweep = 0;

  constructor(
    private readonly limit: FailureLimit,
    private readonly clock: Clock,
    private readonly maxKeys = 10_000,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it is not locked. */
  retryAfterMs(key: string): number {
    const now = this.clock.now().getTime();
    const times = this.#live(key, now);
    if (times.length < this.limit.max) return 0;
    const oldest = times[times.length - this.limit.max] ?? now;
    return Math.max(1, oldest + this.limit.windowMs - now);
  }

  /** Records one failure of `key`; returns its time (to `retract` it). */
  fail(key: string): number {
    const now = this.clock.now().getTime();
    this.#sweep(now);
    const times = this.#live(key, now);
    times.push(now);
    // Only the newest `max` matter: the key is locked while `max` of them are in the window.
    if (times.length > this.limit.max) times.splice(0, times.length - this.limit.max);
    // Re-inserting keeps the map in least-recently-failed order, for eviction.
    this.#failures.delete(key);
    this.#failures.set(key, times);
    while (this.#failures.size > this.maxKeys) {
      const first = this.#failures.keys().next();
      if (first.done === true) break;
      this.#failures.delete(first.value);
    }
    return now;
  }

  /** Takes back one failure of `key` recorded at `time` (an attempt that turned out well). */
  retract(key: string, time: number): void {
    const times = this.#failures.get(key);
    const i = times?.lastIndexOf(time) ?? -1;
    if (times === undefined || i === -1) return;
    times.splice(i, 1);
    if (times.length === 0) this.#failures.delete(key);
  }

  /** Forgets the failures of `key`. */
  clear(key: string): void {
    this.#failures.delete(key);
  }

  /** How many keys are tracked (for tests of the bound). */
  get size(): number {
    return this.#failures.size;
  }

  /** The failures of `key` still in the window (drops the key when none is). */
  #live(key: string, now: number): number[] {
    const times = this.#failures.get(key);
    if (times === undefined) return [];
    const start = now - this.limit.windowMs;
    const firstLive = times.findIndex((t) => t > start);
    if (firstLive === -1) {
      this.#failures.delete(key);
      return [];
    }
    if (firstLive > 0) times.splice(0, firstLive);
    return times;
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + this.limit.windowMs;
    const start = now - this.limit.windowMs;
    for (const [key, times] of this.#failures) {
      if ((times.at(-1) ?? 0) <= start) this.#failures.delete(key);
    }
  }
}

export interface LoginRateLimits {
  /** Failed logins allowed per username within the window. */
  perUsername: number;
  /** Failed logins allowed per source address within the window. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_RATE_LIMITS: LoginRateLimits = {
  perUsername: 5,
  perAddress: 20,
  windowMs: 15 * 60 * 1000,
};

/** An attempt in progress (see `LoginRateLimiter.begin`). */
export interface LoginAttempt {
  succeeded(): void;
}

/**
 * Failed logins, limited per username and per source address. While either is over its limit, every attempt is
 * refused with `RATE_LIMITED` — the right password too, or guessing could go on at full speed with a success
 * revealing itself. A successful login clears the username's counter (not the address's: one address guessing
 * many usernames stays limited).
 */
export class LoginRateLimiter {
  readonly #byUsername: SlidingWindowCounter;
  readonly #byAddress: SlidingWindowCounter;

  constructor(
    limits: LoginRateLimits,
    private readonly clock: Clock,
    maxKeys = 10_000,
  ) {
    this.#byUsername = new SlidingWindowCounter(
      { max: limits.perUsername, windowMs: limits.windowMs },
      clock,
      maxKeys,
    );
    this.#byAddress = new SlidingWindowCounter(
      { max: limits.perAddress, windowMs: limits.windowMs },
      clock,
      maxKeys,
    );
  }

  /** Throws `RateLimitedError` while the username or the address is locked. */
  assertAllowed(username: string, address: string | undefined): void {
    const waitMs = Math.max(
      this.#byUsername.retryAfterMs(username),
      address === undefined ? 0 : this.#byAddress.retryAfterMs(address),
    );
    if (waitMs === 0) return;
    const seconds = Math.ceil(waitMs / 1000);
    const at = new Date(this.clock.now().getTime() + seconds * 1000).toISOString();
    throw new RateLimitedError(seconds, `Too many failed logins; try again in ${seconds} s (at ${at}).`);
  }

  /**
   * Starts an attempt: refused while locked, else counted as a failure at once, so concurrent attempts cannot all
   * pass before the first failure is recorded (and each refused one costs no password hashing). `succeeded()`
   * takes it back from the address and clears the username's counter.
   */
  begin(username: string, address: string | undefined): LoginAttempt {
    this.assertAllowed(username, address);
    this.#byUsername.fail(username);
    const addressMark = address === undefined ? undefined : this.#byAddress.fail(address);
    return {
      succeeded: () => {
        this.#byUsername.clear(username);
        if (address !== undefined && addressMark !== undefined) this.#byAddress.retract(address, addressMark);
      },
    };
  }

  /** Keys tracked, per kind (bounded by `maxKeys` each). */
  get size(): { usernames: number; addresses: number } {
    return { usernames: this.#byUsername.size, addresses: this.#byAddress.size };
  }
}
