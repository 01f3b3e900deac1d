export interface Deadline {
  /** Settles (never rejects) when the time is up or the signal aborts. */
  reached: Promise<void>;
  readonly isReached: boolean;
  /** Clears the timer and the abort listener. */
  dispose(): void;
}

export function untilDeadline(timeoutMs: number, signal?: AbortSignal): Deadline {
  let isReached = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => {
    const reach = (): void => {
      isReached = true;
      resolve();
    };
    if (signal?.aborted) {
      reach();
      return;
    }
    timer = setTimeout(reach, Math.max(0, timeoutMs));
    onAbort = reach;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return {
    reached,
    get isReached() {
      return isReached;
    },
    dispose() {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    },
  };
}
