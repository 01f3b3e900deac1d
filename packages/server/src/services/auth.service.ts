import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { UnauthenticatedError } from '../domain/errors.js';
import type { ApiToken, User } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { Repositories } from '../ports/repositories.js';
import type { Logger } from './logger.js';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 64 } as const;
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Prefix of every secret Gureum issues, so leaked tokens are recognisable (and greppable by scanners). */
export const TOKEN_PREFIX = 'gur_';

/** Hashes a password with scrypt and a random salt: `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, SCRYPT.keylen, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: 64 * 1024 * 1024,
  });
  return [
    'scrypt',
    SCRYPT.N,
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

/** Checks a password against a stored hash in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** sha256 of a token secret: what the database keeps. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export interface Principal {
  user: User;
  token: ApiToken;
}

/** Logins, session tokens and bearer-token authentication. */
export class AuthService {
  constructor(private readonly deps: { repos: Repositories; clock: Clock; logger: Logger }) {}

  /**
   * Creates the `admin` user when the database has no user yet. With no password given, a random one is written
   * to `passwordFile` (mode 0600); only the file's path is logged, never the password.
   */
  async bootstrapAdmin(options: {
    password?: string | undefined;
    writePasswordFile: (password: string) => Promise<string>;
  }): Promise<void> {
    const { repos, clock, logger } = this.deps;
    if ((await repos.users.count()) > 0) return;
    let password = options.password;
    let file: string | null = null;
    if (!password) {
      password = randomBytes(18).toString('base64url');
      file = await options.writePasswordFile(password);
    }
    const now = clock.now().toISOString();
    await repos.users.insert({
      id: randomUUID(),
      username: 'admin',
      role: 'admin',
      passwordHash: await hashPassword(password),
      createdAt: now,
      updatedAt: now,
    });
    logger.info(
      file ? { passwordFile: file } : {},
      file ? 'created the admin user; its password is in passwordFile' : 'created the admin user',
    );
  }

  /** Checks a username and password and issues a session token. Failures do not say which part was wrong. */
  async login(username: string, password: string): Promise<{ token: string; expiresAt: string; user: User }> {
    const { repos, clock } = this.deps;
    const user = await repos.users.findByUsername(username);
    // Hash even for unknown users so timing does not reveal which usernames exist.
    const ok = user
      ? await verifyPassword(password, user.passwordHash)
      : await verifyPassword(password, DUMMY_HASH);
    if (!user || !ok)
      throw new UnauthenticatedError('The username or password is wrong.', 'INVALID_CREDENTIALS');
    const now = clock.now();
    const secret = newTokenSecret();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    await repos.tokens.insert({
      id: randomUUID(),
      userId: user.id,
      name: 'session',
      tokenHash: hashToken(secret),
      kind: 'session',
      createdAt: now.toISOString(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    });
    return { token: secret, expiresAt, user };
  }

  /** Resolves a bearer secret to its user; unknown, revoked or expired tokens are refused. */
  async authenticate(secret: string | undefined): Promise<Principal> {
    const { repos, clock } = this.deps;
    if (!secret?.startsWith(TOKEN_PREFIX)) throw new UnauthenticatedError();
    const token = await repos.tokens.findByHash(hashToken(secret));
    if (!token || token.revokedAt) throw new UnauthenticatedError();
    if (token.expiresAt && token.expiresAt <= clock.now().toISOString()) {
      throw new UnauthenticatedError('The token has expired.', 'TOKEN_EXPIRED');
    }
    const user = await repos.users.findById(token.userId);
    if (!user) throw new UnauthenticatedError();
    return { user, token };
  }

  async logout(principal: Principal): Promise<void> {
    await this.deps.repos.tokens.revoke(principal.token.id, this.deps.clock.now().toISOString());
  }
}

// A fixed scrypt hash of a random password: verifying against it costs the same as a real check.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + Buffer.alloc(64).toString('base64url');
