import { describe, expect, it } from 'vitest';
import { Input, parseArgs, type ArgSpec, type FlagSpec } from './args.js';
import { UsageError } from './errors.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'image', value: 'ID', summary: '' },
  { name: 'tag', value: 'TAG', repeat: true, summary: '' },
  { name: 'start', summary: '' },
  { name: 'yes', short: 'y', summary: '' },
  { name: 'query', short: 'q', value: 'TEXT', summary: '' },
  { name: 'state', value: 'STATE', choices: ['running', 'stopped'], summary: '' },
  { name: 'memory', value: 'SIZE', summary: '' },
  { name: 'timeout', value: 'DURATION', summary: '' },
  { name: 'vcpus', value: 'N', summary: '' },
  { name: 'max-vms', value: 'N|none', summary: '' },
];
const ARGS: readonly ArgSpec[] = [{ name: 'NAME', summary: '' }];

function input(tokens: string[]): Input {
  return new Input(FLAGS, ARGS, parseArgs(tokens, FLAGS, 'usage'), 'usage');
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('no usage error');
}

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, short flags and switches in any order', () => {
    const p = parseArgs(['web-1', '--image', 'debian', '--start', '-q', 'x', '--state=running', '-y'], FLAGS);
    expect(p.positionals).toEqual(['web-1']);
    expect(Object.fromEntries(p.values)).toEqual({ image: ['debian'], query: ['x'], state: ['running'] });
    expect([...p.switches].sort()).toEqual(['start', 'yes']);
  });

  it('keeps every value of a repeatable flag, the last of the others', () => {
    const p = parseArgs(['--tag', 'a', '--tag=b', '--image', 'one', '--image', 'two'], FLAGS);
    expect(p.values.get('tag')).toEqual(['a', 'b']);
    expect(p.values.get('image')).toEqual(['two']);
  });

  it('treats everything after -- as positional, and - alone as positional', () => {
    const p = parseArgs(['--start', '--', '--not-a-flag', '-y'], FLAGS);
    expect(p.positionals).toEqual(['--not-a-flag', '-y']);
    expect(parseArgs(['-'], FLAGS).positionals).toEqual(['-']);
  });

  it('accepts negative numbers and dash-leading values written with =', () => {
    expect(parseArgs(['-5'], FLAGS).positionals).toEqual(['-5']);
    expect(parseArgs(['--query=-x'], FLAGS).values.get('query')).toEqual(['-x']);
  });

  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['-z'], 'unknown flag -z'],
    [['--image'], '--image needs a value (ID)'],
    [['--image', '--start'], '--image needs a value (ID)'],
    [['--start=yes'], '--start takes no value'],
    [['--state', 'paused'], '--state must be one of running, stopped (got "paused")'],
  ])('%j is a usage error: %s', (tokens, message) => {
    const err = usageError(() => parseArgs(tokens, FLAGS, 'the usage'));
    expect(err.detail).toBe(message);
    expect(err.exitCode).toBe(2);
    expect(err.usage).toBe('the usage');
  });
});

describe('Input', () => {
  it('converts sizes, durations, integers and limits', () => {
    const i = input(['web', '--memory', '512M', '--timeout', '90s', '--vcpus', '4', '--max-vms', 'none']);
    expect(i.arg('NAME')).toBe('web');
    expect(i.size('memory')).toBe(512 * 2 ** 20);
    expect(i.duration('timeout')).toBe(90_000);
    expect(i.int('vcpus', 1, 256)).toBe(4);
    expect(i.limit('max-vms', (n) => i.int(n))).toBeNull();
    expect(i.size('image')).toBeUndefined();
  });

  it('reports bad values as usage errors naming the flag', () => {
    expect(usageError(() => input(['--memory', 'lots']).size('memory')).detail).toMatch(
      /--memory: "lots" is not a size/,
    );
    expect(usageError(() => input(['--timeout', 'soon']).duration('timeout')).detail).toMatch(
      /--timeout: "soon"/,
    );
    expect(usageError(() => input(['--vcpus', '0']).int('vcpus', 1, 256)).detail).toMatch(/from 1 to 256/);
    expect(usageError(() => input(['--vcpus', '1.5']).int('vcpus')).detail).toMatch(/whole number/);
    expect(usageError(() => input([]).arg('NAME')).detail).toBe('missing NAME');
  });

  it('refuses to read what the command does not declare (table and handler cannot drift)', () => {
    expect(() => input([]).has('force')).toThrow(/not declared/);
    expect(() => input([]).optionalArg('FILE')).toThrow(/not declared/);
  });

  it('narrows choices to the given values', () => {
    const state: 'running' | 'stopped' | undefined = input(['--state', 'running']).choice('state', [
      'running',
      'stopped',
    ]);
    expect(state).toBe('running');
  });
});
