import { describe, expect, it } from 'vitest';
import { Reverter, withReverter } from './reverter.js';

describe('Reverter', () => {
  it('undoes newest first, runs every undo even when one throws, and reports the errors', async () => {
    const calls: string[] = [];
    const revert = new Reverter();
    revert.add(() => void calls.push('a'));
    revert.add(() => Promise.reject(new Error('b failed')));
    revert.add(async () => {
      await Promise.resolve();
      calls.push('c');
    });
    const errors = await revert.fail();
    expect(calls).toEqual(['c', 'a']);
    expect(errors).toEqual([new Error('b failed')]);
    expect(await revert.fail()).toEqual([]); // each undo runs once
  });

  it('forgets the undos on success', async () => {
    const calls: string[] = [];
    const revert = new Reverter();
    revert.add(() => void calls.push('a'));
    revert.success();
    await revert.fail();
    expect(calls).toEqual([]);
  });

  it('withReverter reverts and rethrows the original error, or keeps everything on success', async () => {
    const calls: string[] = [];
    const undoErrors: unknown[] = [];
    const boom = new Error('define failed');
    await expect(
      withReverter(
        async (revert) => {
          revert.add(() => void calls.push('delete volume'));
          revert.add(() => Promise.reject(new Error('undo broke')));
          await Promise.resolve();
          throw boom;
        },
        (err) => undoErrors.push(err),
      ),
    ).rejects.toBe(boom);
    expect(calls).toEqual(['delete volume']);
    expect(undoErrors).toEqual([new Error('undo broke')]);

    const value = await withReverter((revert) => {
      revert.add(() => void calls.push('never'));
      return Promise.resolve(42);
    });
    expect(value).toBe(42);
    expect(calls).toEqual(['delete volume']);
  });
});
