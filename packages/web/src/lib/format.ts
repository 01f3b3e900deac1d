import { ApiError, ConnectionError } from '@gureum/client';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** `1536 * 1024 ** 2` → `1.5 GiB`. Binary units, as the API's sizes are powers of two. */
export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '—';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit] ?? 'B'}`;
}

/** The units a size field offers. */
export const SIZE_UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
export type SizeUnit = keyof typeof SIZE_UNITS;

/**
 * Reads what a user typed in a size field (`"1.5"` with unit `GiB`) as whole bytes; `null` when it is not a
 * positive number. Fractions are rounded down to the MiB, which is what the API's sizes are made of.
 */
export function toBytes(text: string, unit: SizeUnit): number | null {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return null;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value <= 0) return null;
  const bytes = Math.floor((value * SIZE_UNITS[unit]) / SIZE_UNITS.MiB) * SIZE_UNITS.MiB;
  return bytes > 0 ? bytes : null;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An ISO timestamp in the user's locale. */
export function formatDateTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime.format(t);
}

/** `5 s ago`, `3 min ago`, `2 h ago`, else the date. */
export function formatAgo(iso: string | undefined | null, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return formatDateTime(iso);
}

/** The first 8 characters of an id, for dense tables. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** What the UI shows of any error: the problem's title and detail, and the request id to quote. */
export interface ErrorView {
  readonly title: string;
  readonly detail: string;
  readonly code?: string;
  readonly requestId?: string;
  readonly fields?: readonly { path: string; message: string }[];
}

/** Turns whatever was thrown into something a person can read. */
export function describeError(err: unknown): ErrorView {
  if (err instanceof ApiError) {
    return {
      title: err.title,
      detail: err.detail,
      code: err.code,
      ...(err.requestId ? { requestId: err.requestId } : {}),
      ...(err.errors ? { fields: err.errors } : {}),
    };
  }
  if (err instanceof ConnectionError) {
    return {
      title: 'Server unreachable',
      detail: 'The Gureum server did not answer. Check that it is running.',
    };
  }
  if (err instanceof DOMException && err.name === 'AbortError') {
    return { title: 'Cancelled', detail: 'The request was cancelled.' };
  }
  return { title: 'Something went wrong', detail: err instanceof Error ? err.message : String(err) };
}

/** A random key for `Idempotency-Key` (crypto.randomUUID is missing on plain-http origins other than localhost). */
export function randomKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
