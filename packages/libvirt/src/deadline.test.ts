import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadlineSignal } from './deadline.js';

// The bug this guards against only shows after a full collection: expose gc() to force one.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('deadlineSignal', () => {
  it('fires after the timeout even when nothing else references it and the garbage collector runs', async () => {
    const deadline = deadlineSignal(150);
    const fired = new Promise<string>((resolve) => {
      deadline.signal.addEventListener('abort', () => resolve('fired'), { once: true });
    });
    setTimeout(gc, 20);
    expect(await fired).toBe('fired');
    expect(deadline.timedOut).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('follows its sources and stops its timer once cleared', async () => {
    const source = new AbortController();
    const deadline = deadlineSignal(10_000, undefined, source.signal);
    source.abort(new Error('cancelled'));
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe('cancelled');
    expect(deadline.timedOut).toBe(false);

    const quiet = deadlineSignal(30);
    quiet.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(quiet.signal.aborted).toBe(false);
  });

  it('is aborted at once when a source already is', () => {
    const deadline = deadlineSignal(10_000, AbortSignal.abort('gone'));
    expect(deadline.signal.aborted).toBe(true);
  });
});
