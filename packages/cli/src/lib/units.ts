// Sizes and durations as people type and read them. Sizes use binary units whatever the spelling: `512M`,
// `512MB` and `512MiB` are all 512 × 2^20 bytes (what VM memory and disks are measured in).

const SIZE_UNITS = ['', 'K', 'M', 'G', 'T', 'P'] as const;
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i;

/**
 * Parses a size: a number of bytes, or a number with a binary unit `K`, `M`, `G`, `T`, `P` (optionally followed
 * by `B` or `iB`, any case). Returns `undefined` when it is not a size or not a whole number of bytes.
 *
 * @example parseSize('512M') // 536870912
 * @example parseSize('1.5G') // 1610612736
 */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  const [, num = '', unit = ''] = m;
  const exponent = unit === '' ? 0 : 'KMGTP'.indexOf(unit.toUpperCase()) + 1;
  const bytes = Number(num) * 1024 ** exponent;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Formats bytes with binary units: `0 B`, `1023 B`, `1.5 KiB`, `512 MiB`, `16 GiB`. One decimal below 10 units,
 * none above.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < SIZE_UNITS.length - 1) {
    value /= 1024;
    i++;
  }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value).toString();
  return `${shown} ${SIZE_UNITS[i] ?? ''}iB`;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration into milliseconds: `500ms`, `60s`, `5m`, `1h30m`, `30d`, `2w`; a bare number is seconds.
 * Returns `undefined` when it is not a duration.
 *
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(s)) return undefined;
  let total = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    total += Number(part[1]) * (DURATION_UNITS[part[2] ?? ''] ?? NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Formats milliseconds for humans: `250ms`, `4s`, `1m 5s`, `2h 3m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const parts: [number, string][] =
    s < 3600
      ? [
          [Math.floor(s / 60), 'm'],
          [s % 60, 's'],
        ]
      : s < 86_400
        ? [
            [Math.floor(s / 3600), 'h'],
            [Math.floor((s % 3600) / 60), 'm'],
          ]
        : [
            [Math.floor(s / 86_400), 'd'],
            [Math.floor((s % 86_400) / 3600), 'h'],
          ];
  return parts
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}

/** How long ago a timestamp was: `5s ago`, `3m ago`, `2h ago`, `4d ago`; older than 60 days: the date. */
export function formatAge(iso: string, now: Date = new Date()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const ms = now.getTime() - then;
  if (ms < 0) return 'just now';
  if (ms > 60 * 86_400_000) return iso.slice(0, 10);
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
