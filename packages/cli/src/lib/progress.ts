// Progress output on stderr: pure renderers (tested alone) and a line that redraws itself on a terminal.
import { formatDuration, formatSize } from './units.js';
import { percent } from './format.js';

/** `[=========>          ]`: `width` cells between the brackets. */
export function renderBar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.floor(f * width);
  if (full >= width) return `[${'='.repeat(width)}]`;
  return `[${'='.repeat(full)}>${' '.repeat(width - full - 1)}]`;
}

/** What a transfer has done so far. */
export interface TransferState {
  readonly loadedBytes: number;
  readonly totalBytes: number;
  /** Bytes per second, when known. */
  readonly bytesPerSecond?: number;
  readonly elapsedMs: number;
  /** The transfer has finished: show the average rate and the time it took instead of an ETA. */
  readonly done?: boolean;
}

/**
 * One line of transfer progress: bar, percentage, bytes, rate and ETA.
 *
 * @example renderTransfer({ loadedBytes: 5 << 20, totalBytes: 10 << 20, bytesPerSecond: 1 << 20, elapsedMs: 5000 })
 * // '[===========>            ]  50%  5 MiB / 10 MiB  1 MiB/s  ETA 5s'
 */
export function renderTransfer(s: TransferState, barWidth = 24): string {
  const fraction = s.totalBytes > 0 ? s.loadedBytes / s.totalBytes : 1;
  const parts = [
    renderBar(fraction, barWidth),
    percent(fraction).padStart(4),
    `${formatSize(s.loadedBytes)} / ${formatSize(s.totalBytes)}`,
  ];
  if (s.done) {
    const avg = s.elapsedMs > 0 ? (s.loadedBytes * 1000) / s.elapsedMs : undefined;
    if (avg !== undefined) parts.push(`${formatSize(avg)}/s`);
    parts.push(`in ${formatDuration(s.elapsedMs)}`);
  } else if (s.bytesPerSecond !== undefined && s.bytesPerSecond > 0) {
    parts.push(`${formatSize(s.bytesPerSecond)}/s`);
    parts.push(`ETA ${formatDuration(((s.totalBytes - s.loadedBytes) * 1000) / s.bytesPerSecond)}`);
  } else {
    parts.push('ETA --');
  }
  return parts.join('  ');
}

/** The progress line of a task: bar, percentage, kind, status, its message and how long it has run. */
export function renderTaskProgress(
  t: { kind: string; status: string; progress: number; message?: string },
  elapsedMs: number,
  barWidth = 24,
): string {
  const parts = [renderBar(t.progress, barWidth), percent(t.progress).padStart(4), t.kind, t.status];
  if (t.message) parts.push(`— ${t.message}`);
  parts.push(`(${formatDuration(elapsedMs)})`);
  return parts.join('  ');
}

/** A transfer rate over a sliding window of samples (smoother than since-the-start, faster than per-chunk). */
export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 3000) {}

  add(timeMs: number, loadedBytes: number): void {
    this.samples.push({ t: timeMs, bytes: loadedBytes });
    while (this.samples.length > 2 && timeMs - (this.samples[0]?.t ?? timeMs) > this.windowMs)
      this.samples.shift();
  }

  /** Bytes per second, or `undefined` before two samples at least 100 ms apart. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.t - first.t < 100) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }
}

/** Where progress goes. */
export interface ProgressStream {
  write(chunk: string): unknown;
}

/**
 * A line that shows progress. `live`: a terminal, redrawn in place (`\r` + erase) at most 10 times a second.
 * Otherwise (logs, `--progress always` into a pipe): a plain line at most once a second, and the last one.
 */
export class ProgressLine {
  private last = '';
  private written: string | undefined;
  private lastWrite = -Infinity;
  private finished = false;

  constructor(
    private readonly out: ProgressStream,
    private readonly live: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  update(text: string, force = false): void {
    if (this.finished) return;
    this.last = text;
    const t = this.now();
    if (!force && t - this.lastWrite < (this.live ? 100 : 1000)) return;
    this.lastWrite = t;
    this.written = text;
    this.out.write(this.live ? `\r${text}\x1b[K` : `${text}\n`);
  }

  /** Writes the final state (or the last one seen) and ends the line. */
  done(text?: string): void {
    if (this.finished) return;
    this.finished = true;
    const final = text ?? this.last;
    if (this.live) this.out.write(`\r${final}\x1b[K\n`);
    else if (final && final !== this.written) this.out.write(`${final}\n`);
  }

  /** Clears a live line without a final state (an error follows). */
  clear(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.live && this.written !== undefined) this.out.write('\r\x1b[K');
  }
}
