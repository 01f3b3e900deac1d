import { AppError } from '../domain/errors.js';
import type { IdempotencyStore } from '../ports/repositories.js';

/** A response stored under an `Idempotency-Key`: replayed to a repeat of the first request. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** Who sent a create with an `Idempotency-Key`, and the hash of what they sent. */
export interface IdempotentRequest {
  key: string;
  userId: string;
  hash: string;
}

/**
 * `Idempotency-Key` for creates: claims the key for this request (stored while in progress, status 0). Returns
 * `undefined` when the key is new, so the request runs (then {@link settleIdempotencyKey}); returns the stored
 * response when the same request already finished. The same key with another request is 422, and while the first
 * one is still running 409. `mismatchWith` names what differed in the 422's detail ("request" or "body").
 */
export async function claimIdempotencyKey(
  store: IdempotencyStore,
  request: IdempotentRequest,
  mismatchWith: string,
): Promise<StoredResponse | undefined> {
  const { key, userId, hash } = request;
  const existing = await store.putIfAbsent({
    key,
    userId,
    requestHash: hash,
    status: 0,
    body: null,
    createdAt: new Date().toISOString(),
  });
  if (!existing) return undefined;
  if (existing.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_MISMATCH',
      'unprocessable',
      `This Idempotency-Key was used with another ${mismatchWith}.`,
    );
  }
  if (existing.status === 0) {
    throw new AppError(
      'IDEMPOTENCY_KEY_IN_USE',
      'conflict',
      'A request with this Idempotency-Key is still being processed.',
    );
  }
  return { status: existing.status, body: existing.body };
}

/**
 * Runs the request behind a key claimed by {@link claimIdempotencyKey} (or behind no key: `request` undefined) and
 * stores `toStored(result)` for replay. A failed request forgets the key (it created nothing worth replaying).
 */
export async function settleIdempotencyKey<T>(
  store: IdempotencyStore,
  request: Pick<IdempotentRequest, 'key' | 'userId'> | undefined,
  run: () => Promise<T>,
  toStored: (result: T) => StoredResponse,
): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (err: unknown) {
    if (request) await store.remove(request.key, request.userId);
    throw err;
  }
  if (request) await store.complete(request.key, request.userId, toStored(result));
  return result;
}
