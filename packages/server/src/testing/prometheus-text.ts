/**
 * A strict little parser of the Prometheus text format 0.0.4, for tests: it throws on any line that is not a
 * well-formed HELP, TYPE or sample line, on a sample without a TYPE, and on a family declared twice.
 * Not imported by application code.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)$`);
const SUFFIXES = ['_bucket', '_sum', '_count'];

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** `a="x",b="y\"z"` → `{ a: 'x', b: 'y"z' }`, with the format's escapes. */
function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!m?.[1]) throw new Error(`bad label in: ${line}`);
    const key = m[1];
    i += m[0].length;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\n') throw new Error(`raw line feed in a label value: ${line}`);
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape in: ${line}`);
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    if (key in labels) throw new Error(`label ${key} twice in: ${line}`);
    labels[key] = value;
    i += 1; // closing quote
    if (text[i] === ',') i += 1;
    else if (i !== text.length) throw new Error(`expected , between labels in: ${line}`);
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
  return value;
}

/** Parses a whole exposition; families by name. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    const help = HELP_LINE.exec(line);
    if (help?.[1] !== undefined) {
      helps.set(help[1], unescapeHelp(help[2] ?? ''));
      continue;
    }
    const type = TYPE_LINE.exec(line);
    if (type?.[1] !== undefined && type[2] !== undefined) {
      if (families.has(type[1])) throw new Error(`family ${type[1]} declared twice`);
      families.set(type[1], { name: type[1], help: helps.get(type[1]) ?? '', type: type[2], samples: [] });
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`);
    const sample = SAMPLE_LINE.exec(line);
    if (!sample?.[1] || sample[4] === undefined)
      throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const name = sample[1];
    const suffix = SUFFIXES.find((s) => name.endsWith(s));
    const family = families.get(name) ?? (suffix ? families.get(name.slice(0, -suffix.length)) : undefined);
    if (!family) throw new Error(`sample before its TYPE: ${line}`);
    family.samples.push({
      name,
      labels: sample[3] === undefined ? {} : parseLabels(sample[3], line),
      value: parseValue(sample[4], line),
    });
  }
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`; throws when there is none or several. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const matches = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1 || !matches[0])
    throw new Error(`${String(matches.length)} samples of ${name} ${JSON.stringify(labels)}`);
  return matches[0].value;
}
