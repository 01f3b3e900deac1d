// The stored login: $XDG_CONFIG_HOME/gureum/credentials.json (default ~/.config/gureum), the directory 0700 and
// the file 0600 because it holds bearer tokens. Logins are kept per server URL, so a token is only ever sent to
// the server that issued it (`--url` to another server does not leak it).
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CliError, errnoCode } from './errors.js';

/** One stored login. */
export interface StoredLogin {
  readonly token: string;
  readonly username?: string;
  readonly expiresAt?: string;
}

/** The credentials file. */
export interface Credentials {
  readonly version: 1;
  /** The server of the last `gureum login`: the default when neither --url nor GUREUM_URL is given. */
  readonly current?: string;
  readonly logins: Readonly<Record<string, StoredLogin>>;
}

/** The server used when nothing says otherwise (`GUREUM_LISTEN`'s default). */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/gureum/credentials.json`, or `~/.config/gureum/credentials.json` (a relative XDG path is ignored, as the spec says). */
export function credentialsPath(env: Env, homedir: string): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir, '.config');
  return join(base, 'gureum', 'credentials.json');
}

/** `http://host:8080/` (or `…/api/v1`) → `http://host:8080`; rejects what is not an http(s) URL. */
export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(
      'Invalid URL',
      `${JSON.stringify(url)} is not a URL (like http://127.0.0.1:8080)`,
      'INVALID_URL',
      2,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CliError('Invalid URL', `${url} is not an http(s) URL`, 'INVALID_URL', 2);
  // The client adds /api/v1 itself: accept a URL copied with it, rather than calling /api/v1/api/v1/….
  return parsed.href.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseCredentials(text: string, path: string): Credentials {
  const bad = (): never => {
    throw new CliError(
      'Unreadable credentials',
      `${path} is not a credentials file of gureum; delete it and run \`gureum login\``,
      'CREDENTIALS_INVALID',
    );
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return bad();
  }
  if (!isRecord(data) || !isRecord(data['logins'])) return bad();
  const logins: Record<string, StoredLogin> = {};
  for (const [url, login] of Object.entries(data['logins'])) {
    if (!isRecord(login) || typeof login['token'] !== 'string') return bad();
    logins[url] = {
      token: login['token'],
      ...(typeof login['username'] === 'string' ? { username: login['username'] } : {}),
      ...(typeof login['expiresAt'] === 'string' ? { expiresAt: login['expiresAt'] } : {}),
    };
  }
  const current = typeof data['current'] === 'string' ? data['current'] : undefined;
  return { version: 1, ...(current ? { current } : {}), logins };
}

/** What `loadCredentials` found. */
export interface LoadedCredentials {
  readonly credentials: Credentials;
  /** The file is readable or writable by group or others (the CLI warns and `saveCredentials` repairs it). */
  readonly insecure: boolean;
}

/** Reads the credentials file; a missing file is an empty one. */
export async function loadCredentials(path: string): Promise<LoadedCredentials> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mode)]);
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return { credentials: { version: 1, logins: {} }, insecure: false };
    throw new CliError('Unreadable credentials', `cannot read ${path}`, 'CREDENTIALS_UNREADABLE', 1, {
      cause: err,
    });
  }
  return { credentials: parseCredentials(text, path), insecure: (mode & 0o077) !== 0 };
}

/**
 * Writes the credentials file atomically (a temporary file renamed over it), the file 0600 and its directory 0700
 * whatever the umask. An empty file (no logins) is removed instead.
 */
export async function saveCredentials(path: string, credentials: Credentials): Promise<void> {
  const dir = join(path, '..');
  if (Object.keys(credentials.logins).length === 0) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700); // mkdir's mode is masked by the umask and ignored for an existing directory
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600, flag: 'w' });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err: unknown) {
    await rm(tmp, { force: true });
    throw new CliError('Cannot save credentials', `cannot write ${path}`, 'CREDENTIALS_UNWRITABLE', 1, {
      cause: err,
    });
  }
}

/** Where the server URL and the token come from. */
export interface Target {
  readonly url: string;
  readonly urlSource: 'flag' | 'GUREUM_URL' | 'login' | 'default';
  readonly token?: string;
  readonly tokenSource?: 'GUREUM_TOKEN' | 'login';
  /** The stored login of that server, if any. */
  readonly login?: StoredLogin;
}

/**
 * Chooses the server and the token. URL: `--url`, then `GUREUM_URL`, then the last login's server, then
 * `http://127.0.0.1:8080`. Token: `GUREUM_TOKEN`, then the stored login of that exact URL.
 */
export function resolveTarget(flagUrl: string | undefined, env: Env, credentials: Credentials): Target {
  const envUrl = env['GUREUM_URL'] || undefined;
  const [raw, urlSource]: [string, Target['urlSource']] =
    flagUrl !== undefined
      ? [flagUrl, 'flag']
      : envUrl !== undefined
        ? [envUrl, 'GUREUM_URL']
        : credentials.current !== undefined
          ? [credentials.current, 'login']
          : [DEFAULT_URL, 'default'];
  const url = normalizeUrl(raw);
  const login = credentials.logins[url];
  const envToken = env['GUREUM_TOKEN'] || undefined;
  const token = envToken ?? login?.token;
  return {
    url,
    urlSource,
    ...(token !== undefined ? { token, tokenSource: envToken !== undefined ? 'GUREUM_TOKEN' : 'login' } : {}),
    ...(login ? { login } : {}),
  };
}

/** The credentials with a login for `url` added (it becomes the current server). */
export function withLogin(credentials: Credentials, url: string, login: StoredLogin): Credentials {
  return { version: 1, current: url, logins: { ...credentials.logins, [url]: login } };
}

/** The credentials without the login of `url`. */
export function withoutLogin(credentials: Credentials, url: string): Credentials {
  const logins = Object.fromEntries(Object.entries(credentials.logins).filter(([u]) => u !== url));
  const current = credentials.current === url ? Object.keys(logins)[0] : credentials.current;
  return { version: 1, ...(current !== undefined ? { current } : {}), logins };
}
