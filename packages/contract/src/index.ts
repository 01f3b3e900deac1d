/**
 * @gureum/contract — the public API of Gureum as data: TypeBox schemas (JSON Schema + TS types), the route
 * table, the error catalog, the events WebSocket protocol and the OpenAPI generator. Runs in browsers and Node;
 * depends only on `@sinclair/typebox`.
 */
export * from './formats.js';
export * from './common.js';
export * from './errors.js';
export * from './problem.js';
export * from './schemas/auth.schemas.js';
export * from './schemas/vm.schemas.js';
export * from './schemas/storage.schemas.js';
export * from './schemas/network.schemas.js';
export * from './schemas/task.schemas.js';
export * from './schemas/ops.schemas.js';
export * from './schemas/event.schemas.js';
export * from './route.js';
export * from './routes.js';
export * from './openapi.js';
export * from './errors-doc.js';
