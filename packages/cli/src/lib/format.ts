// Colours and the small formatting helpers shared by the noun modules.

/** Colours used by the CLI; each is a no-op when colour is off. */
export interface Palette {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const sgr =
  (open: number, close: number) =>
  (s: string): string =>
    `\x1b[${open}m${s}\x1b[${close}m`;

const identity = (s: string): string => s;

/** The palette for a stream: colours only when it is a terminal and `NO_COLOR` is unset or empty. */
export function palette(enabled: boolean): Palette {
  if (!enabled)
    return {
      bold: identity,
      dim: identity,
      red: identity,
      green: identity,
      yellow: identity,
      cyan: identity,
    };
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

/** True when colour should be used on a stream (https://no-color.org: a non-empty NO_COLOR disables it). */
export function useColor(
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

/** Colours a state or status word by what it means: good, transitional, bad, idle. */
export function colorState(word: string, p: Palette): string {
  switch (word) {
    case 'running':
    case 'succeeded':
    case 'ready':
    case 'up':
    case 'ok':
    case 'installed':
      return p.green(word);
    case 'paused':
    case 'suspended':
    case 'queued':
    case 'uploading':
    case 'installing':
    case 'degraded':
      return p.yellow(word);
    case 'crashed':
    case 'failed':
    case 'down':
    case 'unknown':
      return p.red(word);
    case 'stopped':
    case 'cancelled':
      return p.dim(word);
    default:
      return word;
  }
}

/** A percentage of a 0…1 fraction: `45%`. */
export function percent(fraction: number): string {
  return `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** Shows a value that may be missing as `-`. */
export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}

/** Quotes a user-supplied value in a message, so spaces and empty strings are visible. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** `{ a: 1, b: undefined }` → `{ a: 1 }`, typed for `exactOptionalPropertyTypes` (optional, never undefined). */
export function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> }; // exactly the entries of `value` that are defined
}
