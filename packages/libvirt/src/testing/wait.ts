/**
 * A promise with its resolve/reject exposed (for gating fake handlers in tests).
 *
 * @example
 * ```ts
 * const gate: Deferred = deferred();
 * ```
 */
export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * Creates a {@link Deferred}.
 *
 * @example
 * ```ts
 * const gate = deferred<void>();
 * fake.handle(remoteProcedures.domainGetState, async () => { await gate.promise; return { state: 1, reason: 1 }; });
 * gate.resolve();
 * ```
 */
export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Polls `check` until it returns true (every 5 ms), or rejects after `timeoutMs` (default 5 s).
 *
 * @example
 * ```ts
 * await waitUntil(() => fake.connections.length === 1);
 * ```
 */
export async function waitUntil(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
