import { describe, expect, it } from 'vitest';
import { COMMANDS, NOUNS } from './commands/table.js';
import { deadUrl, runCli } from './test/run.js';

describe('help', () => {
  it.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('gureum %s --help', async (_name, spec) => {
    const r = await runCli([...spec.path, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: gureum ${spec.path.join(' ')}`));
    for (const f of spec.flags ?? []) expect(r.stdout).toContain(`--${f.name}`);
    expect(r.stdout).toContain('--json');
  });

  it('lists every noun with its verbs, and every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const noun of NOUNS) expect(r.stdout).toMatch(new RegExp(`^  ${noun.name} +`, 'm'));
    for (const c of COMMANDS.filter((x) => x.path.length === 1))
      expect(r.stdout).toMatch(new RegExp(`^  ${c.path[0]} +`, 'm'));
    expect((await runCli([])).stdout).toBe(r.stdout);
  });

  it('shows a noun’s verbs with -h, and as a usage error without a verb', async () => {
    expect((await runCli(['vm', '-h'])).stdout).toMatch(/^Usage: gureum vm <verb>[\s\S]*force-stop/);
    const r = await runCli(['vm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: Invalid usage — missing verb after "vm" \[USAGE\]\n\nUsage: gureum vm <verb>/,
    );
  });

  it('--version', async () => {
    expect((await runCli(['--version'])).stdout).toMatch(/^gureum \d+\.\d+\.\d+\n$/);
    expect((await runCli(['vm', 'list', '-V'])).stdout).toMatch(/^gureum /);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['vm', 'frobnicate'], 'unknown vm verb "frobnicate"'],
    [['vm', 'list', '--bogus'], 'unknown flag --bogus'],
    [['--bogus', 'vm', 'list'], 'unknown flag --bogus'],
    [['vm', 'show'], 'missing ID|NAME'],
    [['vm', 'show', 'a', 'b'], 'unexpected argument "b"'],
    [['completion', 'zsh'], 'SHELL must be one of bash'],
    [
      ['vm', 'list', '--progress', 'sometimes'],
      '--progress must be one of auto, always, never (got "sometimes")',
    ],
  ])('%j', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: Invalid usage — ${message} [USAGE]`);
    expect(r.stdout).toBe('');
  });

  it('prints usage errors as problem JSON with --json', async () => {
    const r = await runCli(['vm', 'list', '--bogus', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({
      title: 'Invalid usage',
      detail: 'unknown flag --bogus',
      code: 'USAGE',
    });
  });

  it('accepts global flags before the command and -- before positionals', async () => {
    const url = await deadUrl();
    const r = await runCli(['--url', url, 'vm', 'show', '--', 'web-1'], { env: { GUREUM_TOKEN: 't' } });
    expect(r.stderr).toContain(`Cannot connect — connection to ${url} refused`);
  });
});

describe('completion', () => {
  it('prints the bash script', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# bash completion for gureum[\s\S]*complete -F _gureum gureum\n$/);
  });
});
