import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMMANDS, GLOBAL_FLAGS, NOUNS } from '../commands/table.js';
import { bashCompletion } from './completion.js';

const script = bashCompletion(COMMANDS, NOUNS, GLOBAL_FLAGS);

/** Runs the script's completion function in bash for a command line ending in the word being completed. */
function complete(...words: string[]): string[] {
  const line = ['gureum', ...words];
  const program = `${script}
COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}
_gureum; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('contains every noun, verb and flag of the command table', () => {
    for (const noun of NOUNS) expect(script).toContain(`    ${noun.name})`);
    for (const c of COMMANDS) {
      expect(script).toContain(`'${c.path.join(' ')}')`);
      for (const f of c.flags ?? []) expect(script).toContain(`--${f.name}`);
    }
    for (const f of GLOBAL_FLAGS) expect(script).toContain(`--${f.name}`);
  });

  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n'], { input: script })).not.toThrow();
  });

  it('completes nouns and commands, verbs, flags and flag values', () => {
    expect(complete('')).toEqual(expect.arrayContaining(['vm', 'image', 'login', 'events', 'completion']));
    expect(complete('vm', '')).toEqual(
      expect.arrayContaining(['list', 'create', 'start', 'force-stop', 'delete']),
    );
    expect(complete('vm', 'st')).toEqual(['start', 'stop']);
    expect(complete('vm', 'list', '--st')).toEqual(['--state']);
    expect(complete('vm', 'list', '--state', 'r')).toEqual(['running']);
    expect(complete('--url', 'http://x', 'vm', 'create', 'web', '--fi')).toEqual(['--firmware']);
    expect(complete('completion', '')).toEqual(['bash']);
    expect(complete('image', 'upload', '--kind', '')).toEqual(['disk', 'iso']);
  });
});
