import type { Token, User as PublicUser } from '@gureum/contract';
import type { ApiToken, User } from '../domain/model.js';

// The API's views of users and tokens: built field by field, so a password hash or a token hash can never reach a
// reply, whatever the records grow.

/** A user as the API shows it (`GET /users/{id}`, list items, `POST /users`). */
export function toPublicUser(user: User): PublicUser {
  return { id: user.id, username: user.username, role: user.role, createdAt: user.createdAt };
}

/** A named API token as listed: never its secret nor its hash. */
export function toPublicToken(token: ApiToken): Token {
  return {
    id: token.id,
    name: token.name,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
  };
}
