import {
  BASE_PATH,
  routes,
  type OperationId,
  type RouteBody,
  type RouteHeaders,
  type RouteParams,
  type RouteQuery,
} from '@gureum/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../services/auth.service.js';
import type { Actor } from '../services/access.js';

/** What a handler receives: the validated parts of the request, typed from the contract's route table. */
export interface RouteRequest<K extends OperationId> {
  params: RouteParams<K>;
  query: RouteQuery<K>;
  body: RouteBody<K>;
  headers: RouteHeaders<K>;
  /**
   * The authenticated caller (routes with `auth: 'user'`). The one exception is `getMetrics` scraped from the host
   * itself without a token (see app.ts `isLocalScrape`): its handler must not read `principal` nor `actor`.
   */
  principal: Principal;
  actor: Actor;
  requestId: string;
  raw: FastifyRequest;
}

export type RouteHandler<K extends OperationId> = (
  req: RouteRequest<K>,
  reply: FastifyReply,
) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    operationId?: string;
  }
}

/**
 * Registers the handler of one operation of the route table: method, URL and JSON schemas come from the contract,
 * so the server validates exactly what the OpenAPI document promises.
 */
export function registerRoute<K extends OperationId>(
  app: FastifyInstance,
  id: K,
  handler: RouteHandler<K>,
): void {
  const def = routes[id];
  const schema: Record<string, unknown> = { response: def.response, operationId: id };
  if ('params' in def) schema.params = def.params;
  if ('querystring' in def) schema.querystring = def.querystring;
  if ('headers' in def) schema.headers = def.headers;
  if ('body' in def) schema.body = def.body;
  app.route({
    method: def.method,
    url: BASE_PATH + def.url,
    schema,
    config: { operationId: id },
    handler: async (request, reply) => {
      const principal = request.principal;
      // Validated by the route schema above (and authenticated by the auth hook when the route needs it).
      const req = {
        params: request.params,
        query: request.query,
        body: request.body ?? ('body' in def ? {} : undefined),
        headers: request.headers,
        principal,
        actor: principal ? { id: principal.user.id, role: principal.user.role } : null,
        requestId: request.id,
        raw: request,
      } as unknown as RouteRequest<K>;
      return handler(req, reply);
    },
  });
}
