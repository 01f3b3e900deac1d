import { describe, expect, it } from 'vitest';
import { EXPIRED_TOKEN_RETENTION_MS, housekeeping, IDEMPOTENCY_KEY_RETENTION_MS } from './housekeeping.js';
import type { Logger } from './logger.js';

// Real: the housekeeping policy. Fake: the three repositories (recording the cut-offs they are given) and the logger.

const NOW = new Date('2026-11-24T12:00:00.000Z');

function setUp(fail: { events?: boolean; tokens?: boolean; idempotency?: boolean } = {}) {
  const calls: { trim?: number; tokensBefore?: string; keysBefore?: string } = {};
  const warnings: string[] = [];
  const boom = (what: string) => Promise.reject(new Error(`${what} is down`));
  const repos = {
    events: {
      trim: (keep: number) => {
        calls.trim = keep;
        return fail.events ? boom('events') : Promise.resolve(3);
      },
    },
    tokens: {
      deleteExpired: (before: string) => {
        calls.tokensBefore = before;
        return fail.tokens ? boom('tokens') : Promise.resolve(2);
      },
    },
    idempotency: {
      deleteOlderThan: (before: string) => {
        calls.keysBefore = before;
        return fail.idempotency ? boom('keys') : Promise.resolve(5);
      },
    },
  };
  const logger = { warn: (_obj: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
  const run = () =>
    housekeeping({
      repos: repos as unknown as Parameters<typeof housekeeping>[0]['repos'],
      clock: { now: () => NOW },
      logger,
      eventRetention: 1000,
    });
  return { calls, warnings, run };
}

describe('housekeeping', () => {
  it('trims the event log to its retention, drops tokens expired a week ago and keys older than 24 h', async () => {
    const { calls, warnings, run } = setUp();
    expect(await run()).toEqual({ events: 3, tokens: 2, idempotencyKeys: 5 });
    expect(calls.trim).toBe(1000);
    expect(calls.tokensBefore).toBe(new Date(NOW.getTime() - EXPIRED_TOKEN_RETENTION_MS).toISOString());
    expect(calls.tokensBefore).toBe('2026-11-17T12:00:00.000Z');
    expect(calls.keysBefore).toBe(new Date(NOW.getTime() - IDEMPOTENCY_KEY_RETENTION_MS).toISOString());
    expect(calls.keysBefore).toBe('2026-11-23T12:00:00.000Z');
    expect(warnings).toEqual([]);
  });

  it('runs every part when one fails, and logs the failure instead of throwing', async () => {
    const { calls, warnings, run } = setUp({ tokens: true });
    expect(await run()).toEqual({ events: 3, tokens: 0, idempotencyKeys: 5 });
    expect(calls.trim).toBe(1000);
    expect(calls.keysBefore).toBeDefined();
    expect(warnings).toEqual(['housekeeping: expired token removal failed']);
  });
});
