/**
 * Row ↔ record helpers shared by the repositories: JSON text, 0/1 booleans, canonical timestamps, opaque cursors.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { ValidationError } from '../../domain/errors.js';
import type { DialectName } from './dialect-name.js';

const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Returns the timestamp in `Date#toISOString()` form. Timestamps are compared as text (lease expiry, cut-offs,
 * keyset order), which is only time order when every stored value has this one fixed-width form.
 */
export function isoTime(value: string): string {
  if (CANONICAL_ISO.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a timestamp: ${value}`);
  return date.toISOString();
}

export function isoTimeOrNull(value: string | null): string | null {
  return value === null ? null : isoTime(value);
}

/** JSON text for an `unknown` column; `undefined` is stored as SQL NULL and reads back as `null`. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number | boolean): boolean {
  return value === true || value === 1;
}

/** Tags are a JSON array of strings; anything else read back is dropped rather than trusted. */
export function fromTags(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
}

export type CursorKey = readonly (string | number)[];

/** Opaque cursor: base64url of the JSON array of the last row's sort key. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor` with the given shape (one `typeof` per key part). A cursor that was not
 * made by us (edited, truncated, from another list) is a client error, never a 500.
 */
export function decodeCursor<const T extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: T,
): { [K in keyof T]: T[K] extends 'number' ? number : string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw invalidCursor();
  const parts: unknown[] = parsed;
  shape.forEach((type, i) => {
    if (typeof parts[i] !== type) throw invalidCursor();
  });
  // Validated just above: each part has the type the shape names.
  return parts as { [K in keyof T]: T[K] extends 'number' ? number : string };
}

function invalidCursor(): ValidationError {
  return new ValidationError('The cursor is not valid for this list.', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);
}

/** Escapes LIKE wildcards so user text matches literally (with `escape '\'`). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * `column` contains `text`, ignoring ASCII case, with LIKE wildcards taken literally. SQLite's LIKE ignores ASCII
 * case already; PostgreSQL needs ILIKE.
 */
export function containsText(dialect: DialectName, column: string, text: string): Expression<SqlBool> {
  const op = dialect === 'postgres' ? sql`ilike` : sql`like`;
  return sql<SqlBool>`${sql.ref(column)} ${op} ${likeContains(text)} escape '\\'`;
}

/** Builds a page from `limit + 1` fetched rows: the extra row only says that there is a next page. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  key: (row: R) => CursorKey,
): { items: T[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(map),
    nextCursor: hasMore && last !== undefined ? encodeCursor(key(last)) : null,
  };
}

/** Normalises a page size: an integer ≥ 1 (the HTTP edge already bounds it to 1–500). */
export function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new ValidationError('limit must be a positive integer.', [
      { path: 'limit', message: 'must be ≥ 1' },
    ]);
  return limit;
}

/** For each record field, the column values it writes. One map serves inserts (whole record) and patches. */
export type ColumnMap<R, Row> = { [K in keyof R]-?: (value: R[K]) => Partial<Row> };

/** Converts the fields present in `patch` (undefined means absent; null is a value) to column values. */
export function toColumns<R extends object, Row>(patch: Partial<R>, map: ColumnMap<R, Row>): Partial<Row> {
  const out: Partial<Row> = {};
  const apply = (key: keyof R): void => {
    const value = patch[key];
    if (value !== undefined) Object.assign(out, map[key](value));
  };
  for (const key of Object.keys(map)) {
    if (key in patch) apply(key as keyof R);
  }
  return out;
}
