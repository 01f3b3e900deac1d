import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../testing/prometheus-text.js';
import { escapeHelp, escapeLabelValue, formatValue, MetricsRegistry } from './metrics-registry.js';

describe('the text format', () => {
  it('escapes backslash, double quote and line feed in label values, and HELP text', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('say "hi"\\\n')).toBe('say "hi"\\\\\\n');
  });

  it('writes special values as Go does', () => {
    expect([Infinity, -Infinity, NaN, 0.25, 3].map(formatValue)).toEqual([
      '+Inf',
      '-Inf',
      'NaN',
      '0.25',
      '3',
    ]);
  });

  it('renders HELP and TYPE lines, then one line per series, ending with a line feed', () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter('app_requests_total', 'Requests.\nAll of them.', ['method', 'path']);
    requests.inc({ method: 'GET', path: '/a' });
    requests.inc({ method: 'GET', path: '/a' }, 2);
    requests.inc({ method: 'POST', path: 'we"ird\\pa\nth' });
    const up = registry.gauge('app_up', 'Up.');
    up.set({}, 1);
    expect(registry.render()).toBe(
      [
        '# HELP app_requests_total Requests.\\nAll of them.',
        '# TYPE app_requests_total counter',
        'app_requests_total{method="GET",path="/a"} 3',
        'app_requests_total{method="POST",path="we\\"ird\\\\pa\\nth"} 1',
        '# HELP app_up Up.',
        '# TYPE app_up gauge',
        'app_up 1',
        '',
      ].join('\n'),
    );
    const parsed = parsePrometheusText(registry.render());
    expect(parsed.get('app_requests_total')?.help).toBe('Requests.\nAll of them.');
    expect(sampleValue(parsed, 'app_requests_total', { path: 'we"ird\\pa\nth' })).toBe(1);
  });

  it('renders histograms as cumulative buckets with +Inf, _sum and _count', () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram('op_seconds', 'Op time.', ['op'], [0.1, 1, 0.5]);
    for (const v of [0.05, 0.1, 0.3, 0.7, 2]) h.observe({ op: 'x' }, v);
    const parsed = parsePrometheusText(registry.render());
    const family = parsed.get('op_seconds');
    expect(family?.type).toBe('histogram');
    expect(family?.samples.map((s) => [s.name, s.labels.le ?? null, s.value])).toEqual([
      ['op_seconds_bucket', '0.1', 2],
      ['op_seconds_bucket', '0.5', 3],
      ['op_seconds_bucket', '1', 4],
      ['op_seconds_bucket', '+Inf', 5],
      ['op_seconds_sum', null, 3.15],
      ['op_seconds_count', null, 5],
    ]);
    expect(h.get({ op: 'x' })).toBe(5);
  });

  it('gauges go up, down and are reset; counters refuse to go down', () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge('things', 'Things.', ['kind']);
    g.set({ kind: 'a' }, 5);
    g.inc({ kind: 'a' }, -2);
    expect(g.get({ kind: 'a' })).toBe(3);
    g.reset();
    expect(registry.render()).toBe('# HELP things Things.\n# TYPE things gauge\n');
    const c = registry.counter('c_total', 'C.');
    expect(() => c.inc({}, -1)).toThrow(/cannot go down/);
  });

  it('refuses bad names, reserved labels, missing labels and duplicate metrics', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('1bad', 'x')).toThrow(/invalid metric name/);
    expect(() => registry.gauge('ok', 'x', ['__reserved'])).toThrow(/invalid label name/);
    expect(() => registry.histogram('h', 'x', ['le'], [1])).toThrow(/invalid label name/);
    expect(() => registry.histogram('h2', 'x', [], [])).toThrow(/buckets/);
    const g = registry.gauge('g', 'x', ['a']);
    expect(() => {
      g.set({} as { a: string }, 1);
    }).toThrow(/needs label 'a'/);
    expect(() => registry.gauge('g', 'again')).toThrow(/registered twice/);
  });
});

describe('the test parser', () => {
  it('rejects malformed expositions', () => {
    expect(() => parsePrometheusText('# TYPE a gauge\na 1')).toThrow(/line feed/);
    expect(() => parsePrometheusText('a 1\n')).toThrow(/before its TYPE/);
    expect(() => parsePrometheusText('# TYPE a gauge\na{x="1} 1\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE a gauge\na{x="\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parsePrometheusText('# TYPE a gauge\na one\n')).toThrow(/bad value/);
  });
});
