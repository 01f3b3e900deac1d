import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors.js';
import { UniqueViolation } from '../../ports/repositories.js';
import { redactUrl } from './dialects.js';
import { uniqueViolationOf } from './errors.js';
import {
  decodeCursor,
  encodeCursor,
  fromFlag,
  fromJson,
  fromTags,
  isoTime,
  isoTimeOrNull,
  likeContains,
  pageSize,
  toColumns,
  toFlag,
  toJson,
  toPage,
  type ColumnMap,
} from './mapping.js';

describe('isoTime', () => {
  it('keeps canonical timestamps and normalises the others to UTC with milliseconds', () => {
    expect(isoTime('2025-01-01T00:00:00.000Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(isoTime('2025-01-01T01:30:00+01:00')).toBe('2025-01-01T00:30:00.000Z');
    expect(isoTime('2025-01-01T00:00:00Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(isoTimeOrNull(null)).toBeNull();
    expect(() => isoTime('yesterday')).toThrow(RangeError);
  });
});

describe('JSON, flags and tags', () => {
  it('stores undefined as NULL and reads NULL back as null', () => {
    expect(toJson(undefined)).toBeNull();
    expect(toJson(null)).toBe('null');
    expect(fromJson(null)).toBeNull();
    expect(fromJson(toJson({ a: [1, 'x', null] }))).toEqual({ a: [1, 'x', null] });
  });

  it('maps booleans to 0/1 and back (PostgreSQL booleans too)', () => {
    expect(toFlag(true)).toBe(1);
    expect(toFlag(false)).toBe(0);
    expect(fromFlag(1)).toBe(true);
    expect(fromFlag(0)).toBe(false);
    expect(fromFlag(true)).toBe(true);
  });

  it('reads tags as strings only', () => {
    expect(fromTags('["a","b"]')).toEqual(['a', 'b']);
    expect(fromTags('["a",1,null]')).toEqual(['a']);
    expect(fromTags('{"a":1}')).toEqual([]);
  });
});

describe('cursors and pages', () => {
  it('round-trips a sort key through an opaque base64url cursor', () => {
    const cursor = encodeCursor(['2025-01-01T00:00:00.000Z', 'id/+=']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['string', 'string'])).toEqual(['2025-01-01T00:00:00.000Z', 'id/+=']);
    expect(decodeCursor(encodeCursor([42]), ['number'])).toEqual([42]);
  });

  it.each([
    ['garbage', '%%%'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['not an array', Buffer.from('{"a":1}').toString('base64url')],
    ['wrong arity', encodeCursor(['a', 'b'])],
    ['wrong type', encodeCursor([1])],
  ])('rejects a cursor that is %s with a ValidationError', (_label, cursor) => {
    expect(() => decodeCursor(cursor, ['string'])).toThrow(ValidationError);
  });

  it('builds a page from limit + 1 rows', () => {
    const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }];
    const full = toPage(
      rows,
      2,
      (r) => r.k,
      (r) => [r.k],
    );
    expect(full.items).toEqual(['a', 'b']);
    expect(full.nextCursor).not.toBeNull();
    expect(decodeCursor(full.nextCursor ?? '', ['string'])).toEqual(['b']);
    expect(
      toPage(
        rows,
        3,
        (r) => r.k,
        (r) => [r.k],
      ),
    ).toEqual({ items: ['a', 'b', 'c'], nextCursor: null });
  });

  it('accepts only positive integer page sizes', () => {
    expect(pageSize(1)).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => pageSize(bad)).toThrow(ValidationError);
  });

  it('escapes LIKE wildcards', () => {
    expect(likeContains('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});

describe('toColumns', () => {
  interface Rec {
    name: string;
    imageId: string | null;
    tags: string[];
  }
  const map: ColumnMap<Rec, { name: string; image_id: string | null; tags: string }> = {
    name: (v) => ({ name: v }),
    imageId: (v) => ({ image_id: v }),
    tags: (v) => ({ tags: JSON.stringify(v) }),
  };

  it('maps present fields, keeps null as a value and skips absent ones', () => {
    expect(toColumns({ imageId: null }, map)).toEqual({ image_id: null });
    expect(toColumns({ name: 'x', tags: ['a'] }, map)).toEqual({ name: 'x', tags: '["a"]' });
    expect(toColumns({}, map)).toEqual({});
  });
});

describe('uniqueViolationOf', () => {
  function sqliteError(message: string, code: string): Error {
    return Object.assign(new Error(message), { code });
  }

  it('names SQLite unique and primary-key violations table.column[+column]', () => {
    const single = uniqueViolationOf(
      sqliteError('UNIQUE constraint failed: vms.name', 'SQLITE_CONSTRAINT_UNIQUE'),
    );
    expect(single).toBeInstanceOf(UniqueViolation);
    expect(single?.constraint).toBe('vms.name');
    expect(single?.cause).toBeInstanceOf(Error);
    const composite = uniqueViolationOf(
      sqliteError(
        'UNIQUE constraint failed: idempotency_keys.key, idempotency_keys.user_id',
        'SQLITE_CONSTRAINT_PRIMARYKEY',
      ),
    );
    expect(composite?.constraint).toBe('idempotency_keys.key+user_id');
  });

  it('names PostgreSQL 23505 errors by their constraint', () => {
    expect(uniqueViolationOf({ code: '23505', constraint: 'vms_name_key', table: 'vms' })?.constraint).toBe(
      'vms.name',
    );
    expect(uniqueViolationOf({ code: '23505', constraint: 'task_steps_pkey' })?.constraint).toBe(
      'task_steps.task_id+seq',
    );
    expect(uniqueViolationOf({ code: '23505', constraint: 'other_key', table: 'things' })?.constraint).toBe(
      'things.other_key',
    );
  });

  it('leaves every other error alone', () => {
    expect(
      uniqueViolationOf(sqliteError('FOREIGN KEY constraint failed', 'SQLITE_CONSTRAINT_FOREIGNKEY')),
    ).toBeNull();
    expect(uniqueViolationOf({ code: '23503' })).toBeNull();
    expect(uniqueViolationOf(new Error('x'))).toBeNull();
    expect(uniqueViolationOf('23505')).toBeNull();
    expect(uniqueViolationOf(null)).toBeNull();
  });
});

describe('redactUrl', () => {
  it('hides the password of a database url', () => {
    expect(redactUrl('postgres://gureum:s3cret@db:5432/gureum')).toBe('postgres://gureum:***@db:5432/gureum');
    expect(redactUrl('postgres://db/gureum')).toBe('postgres://db/gureum');
  });
});
