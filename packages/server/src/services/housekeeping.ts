import type { Clock } from '../ports/clock.js';
import type { Repositories } from '../ports/repositories.js';
import type { Logger } from './logger.js';

/** Expired tokens stay listed this long (a user can still see which token expired), then they go. */
export const EXPIRED_TOKEN_RETENTION_MS = 7 * 24 * 3600_000;
/** An Idempotency-Key is honoured for 24 h (API.md); its row may go after that. */
export const IDEMPOTENCY_KEY_RETENTION_MS = 24 * 3600_000;

export interface HousekeepingResult {
  readonly events: number;
  readonly tokens: number;
  readonly idempotencyKeys: number;
}

/**
 * The periodic clean-up of rows whose use is over: the event log beyond its retention (oldest first), tokens that
 * expired more than a week ago (sessions and API tokens), and Idempotency-Keys older than 24 h. Each part runs even
 * when another fails; failures are logged, never thrown.
 */
export async function housekeeping(deps: {
  repos: Pick<Repositories, 'events' | 'tokens' | 'idempotency'>;
  clock: Clock;
  logger: Logger;
  eventRetention: number;
}): Promise<HousekeepingResult> {
  const { repos, clock, logger } = deps;
  const now = clock.now().getTime();
  const run = async (what: string, job: () => Promise<number>): Promise<number> => {
    try {
      return await job();
    } catch (err: unknown) {
      logger.warn({ err }, `housekeeping: ${what} failed`);
      return 0;
    }
  };
  const [events, tokens, idempotencyKeys] = await Promise.all([
    run('event log trim', () => repos.events.trim(deps.eventRetention)),
    run('expired token removal', () =>
      repos.tokens.deleteExpired(new Date(now - EXPIRED_TOKEN_RETENTION_MS).toISOString()),
    ),
    run('idempotency key removal', () =>
      repos.idempotency.deleteOlderThan(new Date(now - IDEMPOTENCY_KEY_RETENTION_MS).toISOString()),
    ),
  ]);
  return { events, tokens, idempotencyKeys };
}
