// Helpers shared by the benchmarks: statistics, formatting, aligned tables and a bounded worker pool.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Like sleep, but does not keep the process alive. */
export const limit = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    mean: sum / Math.max(1, sorted.length),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export const fmtMs = (v) =>
  Number.isFinite(v)
    ? Math.abs(v) < 10
      ? v.toFixed(3)
      : Math.abs(v) < 100
        ? v.toFixed(2)
        : v.toFixed(1)
    : '—';
export const fmtRatio = (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '—');
export const pad = (s, n) => String(s).padEnd(n);
export const lpad = (s, n) => String(s).padStart(n);

/** An aligned text table: the first column left-aligned, the others right-aligned. */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? pad(c, widths[i] ?? 0) : lpad(c, widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Runs `worker` over `items` with at most `concurrency` at once; the first failure stops new work and is thrown. */
export async function pool(items, concurrency, worker) {
  let next = 0;
  let failed = false;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        await worker(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  const results = await Promise.allSettled(runners);
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}
