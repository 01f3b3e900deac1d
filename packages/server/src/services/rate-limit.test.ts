import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../domain/errors.js';
import { ManualClock } from '../tasks/testing.js';
import { LoginRateLimiter, SlidingWindowCounter } from './rate-limit.js';

// Pure code with a manual clock; no fakes needed.
const MINUTE = 60_000;

function refusal(fn: () => unknown): RateLimitedError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof RateLimitedError) return err;
    throw err;
  }
  throw new Error('expected a RateLimitedError');
}

describe('SlidingWindowCounter', () => {
  it('locks a key after max failures until the oldest leaves the window', () => {
    const clock = new ManualClock();
    const counter = new SlidingWindowCounter({ max: 3, windowMs: 10 * MINUTE }, clock);
    counter.fail('k');
    clock.advance(MINUTE);
    counter.fail('k');
    expect(counter.retryAfterMs('k')).toBe(0);
    clock.advance(MINUTE);
    counter.fail('k');
    // Failures at 0, 1 and 2 min: locked until the first is 10 min old.
    expect(counter.retryAfterMs('k')).toBe(8 * MINUTE);
    clock.advance(8 * MINUTE - 1);
    expect(counter.retryAfterMs('k')).toBe(1);
    clock.advance(1);
    expect(counter.retryAfterMs('k')).toBe(0);
    // Sliding: the 1-min and 2-min failures still count, one more locks again.
    counter.fail('k');
    expect(counter.retryAfterMs('k')).toBe(MINUTE);
    expect(counter.retryAfterMs('other')).toBe(0);
  });

  it('retract takes one failure back; clear forgets the key', () => {
    const clock = new ManualClock();
    const counter = new SlidingWindowCounter({ max: 2, windowMs: MINUTE }, clock);
    counter.fail('k');
    const mark = counter.fail('k');
    expect(counter.retryAfterMs('k')).toBeGreaterThan(0);
    counter.retract('k', mark);
    expect(counter.retryAfterMs('k')).toBe(0);
    counter.fail('k');
    counter.clear('k');
    expect(counter.retryAfterMs('k')).toBe(0);
    expect(counter.size).toBe(0);
  });

  it('keeps at most maxKeys keys, dropping the least recently failed, and sweeps expired ones', () => {
    const clock = new ManualClock();
    const counter = new SlidingWindowCounter({ max: 1, windowMs: MINUTE }, clock, 3);
    for (const key of ['a', 'b', 'c']) counter.fail(key);
    counter.fail('a'); // a is now the most recent
    counter.fail('d');
    expect(counter.size).toBe(3);
    expect(counter.retryAfterMs('b')).toBe(0); // evicted
    expect(counter.retryAfterMs('a')).toBeGreaterThan(0);
    clock.advance(2 * MINUTE);
    counter.fail('e');
    expect(counter.size).toBe(1);
    for (let i = 0; i < 10_000; i++) counter.fail(`spray-${i}`);
    expect(counter.size).toBe(3);
  });
});

describe('LoginRateLimiter', () => {
  const limits = { perUsername: 3, perAddress: 5, windowMs: 15 * MINUTE };

  it('refuses a username after its failures, from any address, with the seconds to wait', () => {
    const clock = new ManualClock('2025-01-01T00:00:00.000Z');
    const limiter = new LoginRateLimiter(limits, clock);
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) limiter.begin('alice', address);
    const err = refusal(() => limiter.begin('alice', '192.0.2.9'));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', kind: 'rate_limited', retryAfterSeconds: 900 });
    expect(err.message).toContain('2025-01-01T00:15:00.000Z');
    expect(() => limiter.begin('bob', '192.0.2.9')).not.toThrow();
    clock.advance(15 * MINUTE);
    expect(() => limiter.begin('alice', '192.0.2.9')).not.toThrow();
  });

  it('refuses an address after its failures, whatever the username', () => {
    const clock = new ManualClock();
    const limiter = new LoginRateLimiter(limits, clock);
    for (let i = 0; i < 5; i++) limiter.begin(`user-${i}`, '198.51.100.7');
    expect(refusal(() => limiter.begin('fresh', '198.51.100.7')).retryAfterSeconds).toBe(900);
    expect(() => limiter.begin('fresh', '198.51.100.8')).not.toThrow();
  });

  it('a success clears the username and does not count for the address', () => {
    const clock = new ManualClock();
    const limiter = new LoginRateLimiter(limits, clock);
    limiter.begin('alice', '192.0.2.1');
    limiter.begin('alice', '192.0.2.1');
    limiter.begin('alice', '192.0.2.1').succeeded();
    expect(limiter.size).toEqual({ usernames: 0, addresses: 1 });
    for (let i = 0; i < 10; i++) limiter.begin('alice', '192.0.2.2').succeeded();
    expect(() => limiter.begin('alice', '192.0.2.2')).not.toThrow();
  });

  it('counts attempts in flight, so concurrent guesses cannot all pass', () => {
    const limiter = new LoginRateLimiter(limits, new ManualClock());
    const started = [0, 1, 2].map(() => limiter.begin('alice', undefined));
    expect(started).toHaveLength(3);
    expect(() => limiter.begin('alice', undefined)).toThrow(RateLimitedError);
  });
});
