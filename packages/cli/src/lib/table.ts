// Aligned plain-text tables and key/value blocks. Widths ignore ANSI colour sequences, so coloured cells align.

// eslint-disable-next-line no-control-regex -- matching the ESC of colour sequences is the point
const ANSI_RE = /\x1b\[[0-9;]*m/g;

const segmenter = new Intl.Segmenter();

/** The number of terminal columns a string takes (colour sequences take none). */
export function visibleLength(text: string): number {
  let count = 0;
  for (const _ of segmenter.segment(text.replace(ANSI_RE, ''))) count++;
  return count;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** A column: its header, how to get a row's cell, and its alignment (numbers read best right-aligned). */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly align?: 'left' | 'right';
}

/**
 * Renders rows under upper-case headers, columns separated by two spaces, no trailing blanks.
 *
 * @example
 * renderTable([{ header: 'NAME', value: (v) => v.name }], vms)
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) =>
    Math.max(visibleLength(c.header), ...cells.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        const align = columns[i]?.align ?? 'left';
        return last && align === 'left' ? v : pad(v, widths[i] ?? 0, align);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map((r) => line(r))].join('\n') + '\n';
}

/** Renders `key: value` lines with the values aligned; entries whose value is `undefined` are left out. */
export function renderFields(fields: readonly (readonly [string, string | undefined])[]): string {
  const shown = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => visibleLength(k) + 1));
  return shown.map(([k, v]) => `${pad(`${k}:`, width, 'left')}  ${v}`.trimEnd()).join('\n') + '\n';
}
