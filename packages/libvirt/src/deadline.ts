/**
 * A signal that aborts when any source aborts or when `timeoutMs` passes, held by a real timer.
 *
 * Node 20's `AbortSignal.any([AbortSignal.timeout(ms), …])` loses the timeout once the garbage collector runs
 * (the combined signal holds its sources weakly), so a deadline built that way may never fire. Call `clear()` when
 * the guarded work is over.
 *
 * @example
 * ```ts
 * const deadline = deadlineSignal(5000, options.signal);
 * try { await work(deadline.signal); } finally { deadline.clear(); }
 * ```
 */
export function deadlineSignal(
  timeoutMs: number,
  ...sources: readonly (AbortSignal | undefined)[]
): { signal: AbortSignal; readonly timedOut: boolean; clear(): void } {
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const clear = (): void => {
    clearTimeout(timer);
    for (const [source, listener] of listeners.splice(0)) source.removeEventListener('abort', listener);
  };
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const listener = (): void => controller.abort(source.reason);
    source.addEventListener('abort', listener, { once: true });
    listeners.push([source, listener]);
  }
  controller.signal.addEventListener('abort', clear, { once: true });
  if (controller.signal.aborted) clear();
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear,
  };
}
