import { readFileSync, statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { credentialsPath } from '../lib/credentials.js';
import type { InStream } from '../lib/io.js';
import { useFakeGureum } from '../test/setup.js';

const t = useFakeGureum();
const NO_ENV = { GUREUM_URL: undefined, GUREUM_TOKEN: undefined };

/** A terminal on stdin: raw mode is recorded, the keystrokes arrive one by one. */
function terminal(keys: string): InStream & { rawModes: boolean[] } {
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      stream.rawModes.push(mode);
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

describe('login', () => {
  it('stores the token for that server, 0600, and later commands use it', async () => {
    const r = await t.run(['login', '--url', t.url, '--username', 'admin', '--password-stdin'], {
      stdin: 'correct horse\n',
      env: NO_ENV,
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      `Logged in to ${t.url} as admin (admin); the session expires 2030-01-01T00:00:00.000Z.\n`,
    );
    expect(t.api.calls('login')[0]?.json).toEqual({ username: 'admin', password: 'correct horse' });
    const path = credentialsPath({}, t.home);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      version: 1,
      current: t.url,
      logins: { [t.url]: { token: 'tok-session', username: 'admin', expiresAt: '2030-01-01T00:00:00.000Z' } },
    });
    const who = await t.run(['whoami'], { env: NO_ENV });
    expect(who.stdout).toBe(`admin (admin) on ${t.url} — stored login\n`);
    expect(t.api.calls('getMe').at(-1)?.headers.authorization).toBe('Bearer tok-session');
  });

  it('asks for the password without echo on a terminal', async () => {
    const stdin = terminal('correct horsX\u007fe\r');
    const r = await t.run(['login', '-u', 'admin'], {
      stdinStream: stdin,
      env: { ...NO_ENV, GUREUM_URL: t.url },
    });
    expect(r.code).toBe(0);
    expect(stdin.rawModes).toEqual([true, false]);
    expect(r.stderr).toBe('Password: \n');
    expect(t.api.calls('login')[0]?.json).toMatchObject({ password: 'correct horse' });
  });

  it('refuses to prompt without a terminal, and reports wrong passwords', async () => {
    const noTty = await t.run(['login', '--username', 'admin'], { env: NO_ENV });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--password-stdin/);
    const wrong = await t.run(['login', '--username', 'admin', '--password-stdin'], {
      stdin: 'nope',
      env: { ...NO_ENV, GUREUM_URL: t.url },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^error: Invalid credentials — wrong username or password \[INVALID_CREDENTIALS\]/,
    );
  });

  it('logout revokes the session on the server and forgets it', async () => {
    await t.run(['login', '--url', t.url, '-u', 'admin', '--password-stdin'], {
      stdin: 'correct horse',
      env: NO_ENV,
    });
    const r = await t.run(['logout'], { env: NO_ENV });
    expect(r).toMatchObject({ code: 0, stdout: `Logged out of ${t.url}.\n` });
    expect(t.api.calls('logout')[0]?.headers.authorization).toBe('Bearer tok-session');
    const after = await t.run(['whoami'], { env: NO_ENV });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(
      /^error: Not logged in — no token for http:\/\/127\.0\.0\.1:8080 \[NOT_LOGGED_IN\]\nRun `gureum login`/,
    );
  });
});

describe('the environment overrides the stored login', () => {
  it('GUREUM_TOKEN is sent instead of the stored token', async () => {
    await t.run(['login', '--url', t.url, '-u', 'admin', '--password-stdin'], {
      stdin: 'correct horse',
      env: NO_ENV,
    });
    const r = await t.run(['whoami'], { env: { GUREUM_URL: undefined } });
    expect(r.stdout).toContain('token from GUREUM_TOKEN');
    expect(t.api.calls('getMe').at(-1)?.headers.authorization).toBe('Bearer tok-admin');
  });
});
