/**
 * A signal that aborts when `source` aborts or `timeoutMs` passes, held by a real timer. Node 20's
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])` can lose the timeout to the garbage collector and then never
 * fire, which left a graceful stop waiting forever for a guest that missed the power button.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  source: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const forward = (): void => controller.abort(source.reason);
  if (source.aborted) forward();
  else source.addEventListener('abort', forward, { once: true });
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
    source.removeEventListener('abort', forward);
  }
}
