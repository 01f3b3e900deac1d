import { mkdirSync, readFileSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../test/run.js';
import {
  credentialsPath,
  DEFAULT_URL,
  loadCredentials,
  normalizeUrl,
  resolveTarget,
  saveCredentials,
  withLogin,
  withoutLogin,
  type Credentials,
} from './credentials.js';
import { CliError } from './errors.js';

const EMPTY: Credentials = { version: 1, logins: {} };

describe('credentialsPath', () => {
  it('uses $XDG_CONFIG_HOME, else ~/.config; a relative XDG_CONFIG_HOME is ignored', () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u')).toBe('/x/cfg/gureum/credentials.json');
    expect(credentialsPath({}, '/home/u')).toBe('/home/u/.config/gureum/credentials.json');
    expect(credentialsPath({ XDG_CONFIG_HOME: 'rel' }, '/home/u')).toBe(
      '/home/u/.config/gureum/credentials.json',
    );
  });
});

describe('saveCredentials / loadCredentials', () => {
  it('writes the file 0600 in a 0700 directory, whatever the umask', async () => {
    const home = tempHome();
    const path = credentialsPath({}, home);
    const old = process.umask(0o022);
    try {
      await saveCredentials(path, withLogin(EMPTY, 'http://a:1', { token: 't1', username: 'admin' }));
    } finally {
      process.umask(old);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    const { credentials, insecure } = await loadCredentials(path);
    expect(insecure).toBe(false);
    expect(credentials).toEqual({
      version: 1,
      current: 'http://a:1',
      logins: { 'http://a:1': { token: 't1', username: 'admin' } },
    });
  });

  it('tightens an existing directory and file', async () => {
    const home = tempHome();
    const path = credentialsPath({}, home);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(path, '{"version":1,"logins":{}}', { mode: 0o644 });
    chmodSync(path, 0o644);
    expect((await loadCredentials(path)).insecure).toBe(true);
    await saveCredentials(path, withLogin(EMPTY, 'http://a:1', { token: 't' }));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
  });

  it('treats a missing file as empty, removes the file when the last login goes, and rejects garbage', async () => {
    const home = tempHome();
    const path = credentialsPath({}, home);
    expect((await loadCredentials(path)).credentials).toEqual(EMPTY);
    await saveCredentials(path, withLogin(EMPTY, 'http://a:1', { token: 't' }));
    await saveCredentials(path, withoutLogin((await loadCredentials(path)).credentials, 'http://a:1'));
    expect(existsSync(path)).toBe(false);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'not json');
    await expect(loadCredentials(path)).rejects.toBeInstanceOf(CliError);
    writeFileSync(path, JSON.stringify({ logins: { x: { token: 1 } } }));
    await expect(loadCredentials(path)).rejects.toMatchObject({ code: 'CREDENTIALS_INVALID' });
    expect(readFileSync(path, 'utf8')).toContain('logins');
  });
});

describe('resolveTarget: flag > GUREUM_URL > last login > default; GUREUM_TOKEN > stored login of that URL', () => {
  const stored = withLogin(withLogin(EMPTY, 'http://b:2', { token: 'tok-b' }), 'http://a:1', {
    token: 'tok-a',
  });

  it('defaults to the local server without a token', () => {
    expect(resolveTarget(undefined, {}, EMPTY)).toEqual({ url: DEFAULT_URL, urlSource: 'default' });
  });

  it('uses the last login and its token', () => {
    expect(resolveTarget(undefined, {}, stored)).toMatchObject({
      url: 'http://a:1',
      urlSource: 'login',
      token: 'tok-a',
      tokenSource: 'login',
    });
  });

  it('lets GUREUM_URL pick another stored server, with that server’s token', () => {
    expect(resolveTarget(undefined, { GUREUM_URL: 'http://b:2/' }, stored)).toMatchObject({
      url: 'http://b:2',
      urlSource: 'GUREUM_URL',
      token: 'tok-b',
    });
  });

  it('lets --url win over GUREUM_URL, and never sends a stored token to another server', () => {
    const t = resolveTarget('http://c:3', { GUREUM_URL: 'http://b:2' }, stored);
    expect(t).toEqual({ url: 'http://c:3', urlSource: 'flag' });
  });

  it('lets GUREUM_TOKEN win over the stored token', () => {
    expect(resolveTarget(undefined, { GUREUM_TOKEN: 'env-tok' }, stored)).toMatchObject({
      token: 'env-tok',
      tokenSource: 'GUREUM_TOKEN',
    });
    expect(resolveTarget('http://c:3', { GUREUM_TOKEN: 'env-tok' }, stored)).toMatchObject({
      token: 'env-tok',
    });
  });

  it('ignores empty environment variables and rejects non-http URLs', () => {
    expect(resolveTarget(undefined, { GUREUM_URL: '', GUREUM_TOKEN: '' }, EMPTY)).toEqual({
      url: DEFAULT_URL,
      urlSource: 'default',
    });
    expect(normalizeUrl('http://h:8080/api/v1/')).toBe('http://h:8080');
    expect(normalizeUrl('https://h/gureum/')).toBe('https://h/gureum');
    expect(() => normalizeUrl('ftp://x')).toThrow(CliError);
    expect(() => normalizeUrl('nope')).toThrow(/not a URL/);
  });
});
