import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { ApiToken } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { Repositories } from '../ports/repositories.js';
import { hashToken, newTokenSecret, type Principal } from './auth.service.js';

export interface TokenServiceDeps {
  repos: Repositories;
  clock: Clock;
}

function tokenNotFound(id: string): NotFoundError {
  return new NotFoundError('TOKEN_NOT_FOUND', `You have no token '${id}'.`, { token: id });
}

/**
 * Named API tokens of the caller (any role: viewers too manage their own). Secrets are random, shown once at
 * creation and stored as sha256; session tokens (from login) are not listed nor revocable here.
 */
export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  /** The caller's named tokens that are not revoked (expired ones included, so they can be seen and removed). */
  async list(principal: Principal): Promise<ApiToken[]> {
    return this.deps.repos.tokens.listByUser(principal.user.id, { kind: 'api', unrevoked: true });
  }

  /** Creates a token; returns it with its secret, which is not kept anywhere. */
  async create(
    principal: Principal,
    input: { name: string; expiresAt?: string | undefined },
  ): Promise<{ token: ApiToken; secret: string }> {
    const now = this.deps.clock.now();
    let expiresAt: string | null = null;
    if (input.expiresAt !== undefined) {
      const at = new Date(input.expiresAt);
      if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) {
        throw new ValidationError('expiresAt must be in the future.', [
          { path: '/body/expiresAt', message: 'must be in the future' },
        ]);
      }
      expiresAt = at.toISOString();
    }
    const secret = newTokenSecret();
    const token: ApiToken = {
      id: randomUUID(),
      userId: principal.user.id,
      name: input.name,
      tokenHash: hashToken(secret),
      kind: 'api',
      createdAt: now.toISOString(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.deps.repos.tokens.insert(token);
    return { token, secret };
  }

  /** Revokes one of the caller's named tokens; anyone else's, a session's or an unknown id is `TOKEN_NOT_FOUND`. */
  async revoke(principal: Principal, id: string): Promise<void> {
    const { repos, clock } = this.deps;
    const token = await repos.tokens.findById(id);
    if (token?.userId !== principal.user.id || token.kind !== 'api' || token.revokedAt !== null)
      throw tokenNotFound(id);
    await repos.tokens.revoke(id, clock.now().toISOString());
  }
}
