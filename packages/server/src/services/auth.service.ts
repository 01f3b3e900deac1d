import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError, UnauthenticatedError } from '../domain/errors.js';
import type { ApiToken, User } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { Repositories, UnitOfWork } from '../ports/repositories.js';
import type { Logger } from './logger.js';
import type { LoginRateLimiter } from './rate-limit.js';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 64 } as const;
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** `lastUsedAt` is written at most this often per token: not one write per request. */
export const LAST_USED_RESOLUTION_MS = 60 * 1000;
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

/**
 * A fingerprint of a password for comparing two requests (Idempotency-Key), safe to store: scrypt with a salt
 * taken from `context`, so it costs what cracking a stored password hash costs, and equal passwords in the same
 * context give equal fingerprints.
 */
export async function passwordFingerprint(password: string, context: string): Promise<string> {
  const salt = createHash('sha256').update(context).digest().subarray(0, 16);
  const hash = await scrypt(password, salt, 32, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: 64 * 1024 * 1024,
  });
  return hash.toString('base64url');
}

export interface Principal {
  user: User;
  token: ApiToken;
}

export interface AuthServiceDeps {
  repos: Repositories & UnitOfWork;
  clock: Clock;
  logger: Logger;
  /** Failed logins (and wrong current passwords) per username and per source address; none: unlimited. */
  limiter?: LoginRateLimiter;
}

/** Where a login or password change comes from (the rate limit counts per source address). */
export interface AttemptSource {
  address?: string | undefined;
}

/** Logins, session tokens, password changes and bearer-token authentication. */
export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

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

  /**
   * Checks a username and password and issues a session token. Failures do not say which part was wrong. Throws
   * `RateLimitedError` while the username or the source address has too many recent failures.
   */
  async login(
    username: string,
    password: string,
    source: AttemptSource = {},
  ): Promise<{ token: string; expiresAt: string; user: User }> {
    const { repos, clock } = this.deps;
    const checked: { user: User | null } = { user: null };
    await this.#checkPassword(username, source.address, async () => {
      const found = await repos.users.findByUsername(username);
      // Hash even for unknown users so timing does not reveal which usernames exist.
      const ok = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
      checked.user = ok ? found : null;
      return checked.user !== null;
    });
    const user = checked.user;
    if (!user) throw new UnauthenticatedError('The username or password is wrong.', 'INVALID_CREDENTIALS');
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

  /**
   * Changes the caller's own password. The current one must be given (a stolen session alone cannot take the
   * account over); wrong ones count toward the login rate limit like failed logins. Every other session token of
   * the caller is revoked; the one of this request and the named API tokens stay.
   */
  async changePassword(
    principal: Principal,
    change: { currentPassword: string; newPassword: string },
    source: AttemptSource = {},
  ): Promise<void> {
    const { repos, clock } = this.deps;
    const { user, token } = principal;
    const ok = await this.#checkPassword(user.username, source.address, async () => {
      const fresh = await repos.users.findById(user.id);
      return fresh !== null && (await verifyPassword(change.currentPassword, fresh.passwordHash));
    });
    if (!ok) {
      throw new AppError(
        'PASSWORD_INCORRECT',
        'forbidden',
        'The current password is wrong; the password was not changed.',
      );
    }
    const passwordHash = await hashPassword(change.newPassword);
    const now = clock.now().toISOString();
    await repos.transaction(async (tx) => {
      await tx.users.update(user.id, { passwordHash, updatedAt: now });
      await tx.tokens.revokeSessions(user.id, now, token.id);
    });
  }

  /** Resolves a bearer secret to its user; unknown, revoked or expired tokens are refused. */
  async authenticate(secret: string | undefined): Promise<Principal> {
    const { repos, clock } = this.deps;
    if (!secret?.startsWith(TOKEN_PREFIX)) throw new UnauthenticatedError();
    const token = await repos.tokens.findByHash(hashToken(secret));
    if (!token || token.revokedAt) throw new UnauthenticatedError();
    const now = clock.now();
    if (token.expiresAt && token.expiresAt <= now.toISOString()) {
      throw new UnauthenticatedError('The token has expired.', 'TOKEN_EXPIRED');
    }
    // Reloaded on every request: a role change or a deletion applies at once.
    const user = await repos.users.findById(token.userId);
    if (!user) throw new UnauthenticatedError();
    await this.#recordUse(token, now);
    return { user, token };
  }

  async logout(principal: Principal): Promise<void> {
    await this.deps.repos.tokens.revoke(principal.token.id, this.deps.clock.now().toISOString());
  }

  /**
   * Runs a password check under the rate limit. The attempt counts as a failure from the start, so concurrent
   * guesses cannot all pass the check before the first failure is recorded; a success takes it back and clears
   * the username's counter.
   */
  async #checkPassword(
    username: string,
    address: string | undefined,
    check: () => Promise<boolean>,
  ): Promise<boolean> {
    const attempt = this.deps.limiter?.begin(username, address);
    const ok = await check();
    if (ok) attempt?.succeeded();
    return ok;
  }

  /** Writes `lastUsedAt` when it is older than the resolution (one conditional UPDATE; a failure is not fatal). */
  async #recordUse(token: ApiToken, now: Date): Promise<void> {
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
    if (token.lastUsedAt !== null && token.lastUsedAt > staleBefore) return;
    try {
      await this.deps.repos.tokens.touchIfStale(token.id, now.toISOString(), staleBefore);
    } catch (err: unknown) {
      this.deps.logger.warn({ err, tokenId: token.id }, 'could not record the use of a token');
    }
  }
}

// A fixed scrypt hash of a random password: verifying against it costs the same as a real check.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + Buffer.alloc(64).toString('base64url');
