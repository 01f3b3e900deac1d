/**
 * A tiny metrics registry of our own (no dependency): counters, gauges and histograms with labels, rendered in the
 * Prometheus text exposition format 0.0.4.
 *
 * @example
 * const registry = new MetricsRegistry();
 * const requests = registry.counter('app_requests_total', 'Requests served.', ['method']);
 * requests.inc({ method: 'GET' });
 * registry.render(); // "# HELP app_requests_total Requests served.\n# TYPE app_requests_total counter\n…"
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels<L extends string> = Readonly<Record<L, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed are escaped (quotes are not). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: Go's float formatting for the special values. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

abstract class Metric<L extends string> {
  protected readonly series = new Map<string, { labels: [string, string][]; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name '${name}'`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le')
        throw new Error(`invalid label name '${label}' of ${name}`);
    }
  }

  /** The value of one series (0 when it was never touched). */
  get(labels: Labels<L>): number {
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  /** Forgets every series (gauges refilled at each scrape drop the label sets that went away). */
  reset(): void {
    this.series.clear();
  }

  protected add(labels: Labels<L>, delta: number, replace: boolean): void {
    const key = this.key(labels);
    const entry = this.series.get(key);
    if (entry) entry.value = replace ? delta : entry.value + delta;
    else this.series.set(key, { labels: this.pairs(labels), value: delta });
  }

  protected pairs(labels: Labels<L>): [string, string][] {
    return this.labelNames.map((name) => {
      const value = labels[name];
      if (typeof value !== 'string') throw new Error(`metric ${this.name} needs label '${name}'`);
      return [name, value];
    });
  }

  protected key(labels: Labels<L>): string {
    return JSON.stringify(this.pairs(labels).map(([, v]) => v));
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) {
      lines.push(`${this.name}${formatLabels(labels)} ${formatValue(value)}`);
    }
    return lines;
  }
}

/** A value that only goes up (requests served, reconnects). */
export class Counter<L extends string = never> extends Metric<L> {
  constructor(name: string, help: string, labelNames: readonly L[]) {
    super(name, help, labelNames, 'counter');
  }

  inc(labels: Labels<L>, by = 1): void {
    if (by < 0 || Number.isNaN(by)) throw new Error(`counter ${this.name} cannot go down`);
    this.add(labels, by, false);
  }
}

/** A value that goes up and down (VMs by state, pool connections). */
export class Gauge<L extends string = never> extends Metric<L> {
  constructor(name: string, help: string, labelNames: readonly L[]) {
    super(name, help, labelNames, 'gauge');
  }

  set(labels: Labels<L>, value: number): void {
    this.add(labels, value, true);
  }

  inc(labels: Labels<L>, by = 1): void {
    this.add(labels, by, false);
  }
}

/** Observations counted in cumulative buckets, with their sum and count (request durations). */
export class Histogram<L extends string = never> extends Metric<L> {
  private readonly observations = new Map<
    string,
    { labels: [string, string][]; buckets: number[]; sum: number; count: number }
  >();
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) {
    super(name, help, labelNames, 'histogram');
    const sorted = [...buckets].sort((a, b) => a - b);
    if (
      sorted.length === 0 ||
      new Set(sorted).size !== sorted.length ||
      sorted.some((b) => !Number.isFinite(b))
    )
      throw new Error(`histogram ${name} needs distinct, finite buckets`);
    this.buckets = sorted;
  }

  observe(labels: Labels<L>, value: number): void {
    const key = this.key(labels);
    const entry = this.observations.get(key) ?? {
      labels: this.pairs(labels),
      buckets: this.buckets.map(() => 0),
      sum: 0,
      count: 0,
    };
    this.observations.set(key, entry);
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.buckets[i] = (entry.buckets[i] ?? 0) + 1;
    });
    entry.sum += value;
    entry.count += 1;
  }

  /** How many observations one series has. */
  override get(labels: Labels<L>): number {
    return this.observations.get(this.key(labels))?.count ?? 0;
  }

  override reset(): void {
    this.observations.clear();
  }

  override render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const { labels, buckets, sum, count } of this.observations.values()) {
      this.buckets.forEach((bound, i) => {
        const le = formatLabels([...labels, ['le', formatValue(bound)]]);
        lines.push(`${this.name}_bucket${le} ${buckets[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket${formatLabels([...labels, ['le', '+Inf']])} ${count}`);
      lines.push(`${this.name}_sum${formatLabels(labels)} ${formatValue(sum)}`);
      lines.push(`${this.name}_count${formatLabels(labels)} ${count}`);
    }
    return lines;
  }
}

/** The metrics of one process, rendered together. Names are unique. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, { render(): string[] }>();

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L> {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** Every metric in registration order, in the text format (ends with a line feed). */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) lines.push(...metric.render());
    return `${lines.join('\n')}\n`;
  }

  private add<M extends { readonly name: string; render(): string[] }>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}
