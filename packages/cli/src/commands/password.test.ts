// `gureum password` against the fake API (a real HTTP server that checks requests against the contract).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InStream } from '../lib/io.js';
import { useFakeGureum } from '../test/setup.js';

const t = useFakeGureum();

/** A terminal on stdin whose keystrokes arrive one by one. */
function terminal(keys: string): InStream {
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode() {
      return stream;
    },
  });
  let i = 0;
  const timer = setInterval(() => {
    if (i >= keys.length) clearInterval(timer);
    else stream.write(keys[i++] ?? '');
  }, 2);
  return stream;
}

describe('password', () => {
  it('reads the current and the new password from two lines of stdin', async () => {
    const r = await t.run(['password', '--password-stdin'], { stdin: 'correct horse\nbattery staple\n' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Password changed\. Your other sessions have ended/);
    expect(t.api.calls('changeMyPassword')[0]?.json).toEqual({
      currentPassword: 'correct horse',
      newPassword: 'battery staple',
    });
  });

  it('asks on a terminal: current, new and again', async () => {
    const r = await t.run(['password'], {
      stdinStream: terminal('correct horse\rbattery staple\rbattery staple\r'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Current password: \nNew password: \nAgain: \n');
    expect(t.api.calls('changeMyPassword')[0]?.json).toMatchObject({ newPassword: 'battery staple' });
  });

  it('refuses differing new passwords, one line on stdin and no terminal, without calling the server', async () => {
    const differ = await t.run(['password'], {
      stdinStream: terminal('correct horse\rbattery staple\rbattery\r'),
    });
    expect(differ.code).toBe(2);
    expect(differ.stderr).toMatch(/the two passwords differ/);
    const oneLine = await t.run(['password', '--password-stdin'], { stdin: 'only-one\n' });
    expect(oneLine.code).toBe(2);
    expect(oneLine.stderr).toMatch(/two lines/);
    const noTty = await t.run(['password']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--password-stdin/);
    expect(t.api.calls('changeMyPassword')).toEqual([]);
  });

  it('reports a wrong current password and exits non-zero', async () => {
    const r = await t.run(['password', '--password-stdin'], { stdin: 'nope\nbattery staple\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Current password incorrect — .* \[PASSWORD_INCORRECT\]/);
  });
});
