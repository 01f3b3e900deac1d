import { describe, expect, it } from 'vitest';
import { taskFixture } from '../test/fixtures';
import { removeImage, upsertImage, upsertTask } from './lists';

const page = <T>(items: T[]) => ({ items, nextCursor: null });

describe('upsertTask', () => {
  it('replaces a task in place and adds a new one first', () => {
    const t1 = taskFixture({ id: 't1' });
    const t2 = taskFixture({ id: 't2' });
    const list = page([t2, t1]);
    const done = { ...t1, status: 'succeeded' as const, progress: 1 };
    expect(upsertTask(list, done, {}).items).toEqual([t2, done]);
    const t3 = taskFixture({ id: 't3' });
    expect(upsertTask(list, t3, {}).items.map((t) => t.id)).toEqual(['t3', 't2', 't1']);
  });

  it('keeps a list filtered: a task of another resource is not added, one leaving the status filter leaves', () => {
    const list = page([taskFixture({ id: 't1', status: 'running' })]);
    const other = taskFixture({ id: 't9', resource: { kind: 'vm', id: 'other' } });
    expect(upsertTask(list, other, { resource: 'vm-1' })).toBe(list);
    const ended = taskFixture({ id: 't1', status: 'failed' });
    expect(upsertTask(list, ended, { status: 'running' }).items).toEqual([]);
  });
});

describe('images', () => {
  it('upserts and removes', () => {
    const img = {
      id: 'i1',
      name: 'debian',
      kind: 'disk' as const,
      status: 'uploading' as const,
      ownerId: 'u',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    };
    const list = upsertImage(page([]), img);
    expect(list.items).toEqual([img]);
    const ready = { ...img, status: 'ready' as const };
    expect(upsertImage(list, ready).items).toEqual([ready]);
    expect(removeImage(list, 'i1').items).toEqual([]);
    expect(removeImage(list, 'nope')).toBe(list);
  });
});
