import type { Static, TSchema } from '@sinclair/typebox';
import type { SuccessStatus } from './route.js';
import { networkRoutes } from './routes/network.routes.js';
import { storageRoutes } from './routes/storage.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { taskRoutes } from './routes/task.routes.js';
import { vmRoutes } from './routes/vm.routes.js';

/**
 * THE route table, keyed by operation id. The server registers one Fastify handler per operation id with
 * these schemas (TypeBox schemas are JSON Schema); the client derives one typed method per entry; OpenAPI is
 * generated from it. URLs are relative to `BASE_PATH` (`/api/v1`).
 *
 * @example
 * routes.getVm.method // 'GET'
 * routes.getVm.url    // '/vms/:idOrName'
 */
export const routes = {
  ...systemRoutes,
  ...vmRoutes,
  ...storageRoutes,
  ...networkRoutes,
  ...taskRoutes,
} as const;

/** The whole table's type. */
export type Routes = typeof routes;
/** An operation id: `'getVm'`, `'createVm'`, … */
export type OperationId = keyof Routes;

/** True when `value` names a route of the table. */
export function isOperationId(value: unknown): value is OperationId {
  return typeof value === 'string' && Object.hasOwn(routes, value);
}

/** Every operation id, in table order. */
export const operationIds: readonly OperationId[] = Object.keys(routes).filter(isOperationId);

/** No parameters of that part (an intersection-neutral type, unlike `Record<string, never>`). */
type Empty = object;
type Part<K extends OperationId, P extends string> = Routes[K] extends {
  readonly [Q in P]: infer S extends TSchema;
}
  ? Static<S>
  : Empty;

/** The path parameters of a route: `RouteParams<'getVm'>` is `{ idOrName: string }`. */
export type RouteParams<K extends OperationId> = Part<K, 'params'>;
/** The query of a route (including `wait`/`timeoutMs`/`dryRun` where the route accepts them). */
export type RouteQuery<K extends OperationId> = Part<K, 'querystring'>;
/** The declared request headers of a route (`idempotency-key`, `if-match`). */
export type RouteHeaders<K extends OperationId> = Part<K, 'headers'>;
/** The JSON body of a route, `undefined` when it has none (raw uploads have none either). */
export type RouteBody<K extends OperationId> = Routes[K] extends { readonly body: infer S extends TSchema }
  ? Static<S>
  : undefined;

type Responses<K extends OperationId> = Routes[K]['response'];
/** The success statuses a route declares. */
export type RouteSuccessStatus<K extends OperationId> = Extract<keyof Responses<K>, SuccessStatus>;
/** The body of one status of a route (`undefined` for 204). */
export type RouteResponse<K extends OperationId, S extends RouteSuccessStatus<K>> = S extends 204
  ? undefined
  : Responses<K>[S] extends infer T extends TSchema
    ? Static<T>
    : never;

/** Any success body of a route: `RouteReply<'getVm'>` is `Vm`; a task route's includes `{ task }`. */
export type RouteReply<K extends OperationId> = {
  [S in RouteSuccessStatus<K>]: RouteResponse<K, S>;
}[RouteSuccessStatus<K>];

/** The statuses a task route answers once its task has ended (`?wait=true`): not 202, not the dry-run 200. */
export type RouteDoneStatus<K extends OperationId> = Exclude<
  RouteSuccessStatus<K>,
  202 | (Routes[K] extends { readonly dryRun: true } ? 200 : never)
>;
/** The final result of a task route after `?wait=true`: `RouteDoneReply<'startVm'>` is `Vm`. */
export type RouteDoneReply<K extends OperationId> = {
  [S in RouteDoneStatus<K>]: RouteResponse<K, S>;
}[RouteDoneStatus<K>];

/** Operation ids of routes that start a task (202 + `{ task }`). */
export type TaskOperationId = {
  [K in OperationId]: Routes[K] extends { readonly task: true } ? K : never;
}[OperationId];
/** Operation ids of routes that accept `?dryRun=true`. */
export type DryRunOperationId = {
  [K in OperationId]: Routes[K] extends { readonly dryRun: true } ? K : never;
}[OperationId];
