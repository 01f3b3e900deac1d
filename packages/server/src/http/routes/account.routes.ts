import type { FastifyInstance, FastifyReply } from 'fastify';
import { toPublicToken, toPublicUser } from '../../services/account-views.js';
import { passwordFingerprint } from '../../services/auth.service.js';
import { requestHash } from '../../services/vm.service.js';
import type { AppServices } from '../context.js';
import { claimIdempotencyKey, settleIdempotencyKey, type StoredResponse } from '../idempotency.js';
import { registerRoute } from '../route.js';

/**
 * Users (admin only: the auth hook answers 403 to others before anything is parsed), the caller's API tokens and
 * the caller's password.
 */
export function registerAccountRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'listUsers', async ({ actor, query }) => {
    const page = await s.users.list(actor, {
      limit: query.limit ?? 100,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.role ? { role: query.role } : {}),
    });
    return { items: page.items.map(toPublicUser), nextCursor: page.nextCursor };
  });

  registerRoute(app, 'createUser', async ({ actor, body, headers }, reply) => {
    const create = async () => ({ status: 201, body: toPublicUser(await s.users.create(actor, body)) });
    const key = headers['idempotency-key'];
    if (key === undefined) return send(reply, await create());
    // The password is compared through a slow salted fingerprint: the stored hash must not be a cheap way to it.
    const hash = requestHash({
      username: body.username,
      role: body.role,
      password: await passwordFingerprint(body.password, `${actor.id}\n${key}`),
    });
    const request = { key, userId: actor.id, hash };
    const replay = await claimIdempotencyKey(s.db.idempotency, request, 'request');
    if (replay) return send(reply, replay);
    return send(reply, await settleIdempotencyKey(s.db.idempotency, request, create, (created) => created));
  });

  registerRoute(app, 'getUser', async ({ actor, params }) =>
    toPublicUser(await s.users.get(actor, params.id)),
  );

  registerRoute(app, 'updateUser', async ({ actor, principal, params, body }) => {
    const self = principal.user.id === params.id;
    return toPublicUser(await s.users.update(actor, params.id, body, self ? principal.token.id : undefined));
  });

  registerRoute(app, 'deleteUser', async ({ actor, params }, reply) => {
    await s.users.delete(actor, params.id);
    return reply.code(204).send();
  });

  registerRoute(app, 'changeMyPassword', async ({ principal, body, raw }, reply) => {
    await s.auth.changePassword(principal, body, { address: raw.ip });
    return reply.code(204).send();
  });

  registerRoute(app, 'listTokens', async ({ principal }) => ({
    items: (await s.tokens.list(principal)).map(toPublicToken),
  }));

  registerRoute(app, 'createToken', async ({ principal, body }, reply) => {
    const { token, secret } = await s.tokens.create(principal, body);
    return reply
      .code(201)
      .send({ id: token.id, name: token.name, token: secret, expiresAt: token.expiresAt });
  });

  registerRoute(app, 'deleteToken', async ({ principal, params }, reply) => {
    await s.tokens.revoke(principal, params.id);
    return reply.code(204).send();
  });
}

function send(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.code(response.status).send(response.body);
}
