import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

// The bug this guards against only shows after a full collection: expose gc() to force one.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('withDeadline', () => {
  it('aborts the work after the timeout, also after the garbage collector ran', async () => {
    const outcome = withDeadline(
      150,
      new AbortController().signal,
      (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
    );
    setTimeout(gc, 20);
    await expect(outcome).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('follows the source signal and returns the result of work that finishes in time', async () => {
    const source = new AbortController();
    const pending = withDeadline(
      10_000,
      source.signal,
      (signal) =>
        new Promise((_r, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
    );
    source.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    await expect(withDeadline(1000, new AbortController().signal, () => Promise.resolve(42))).resolves.toBe(
      42,
    );
  });
});
