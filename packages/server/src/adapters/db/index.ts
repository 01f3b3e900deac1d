/** The database adapter: what the composition root (main.ts) needs. */
export { createDatabase, KyselyDatabase, type CreateDatabaseOptions } from './database.js';
export type { DbLogger } from './dialects.js';
export type { DialectName } from './dialect-name.js';
export type { DbRepositories } from './repositories.js';
export { KyselyUserRepository } from './user.repository.js';
export { KyselyTokenRepository } from './token.repository.js';
export { KyselyVmRepository } from './vm.repository.js';
export { KyselyVolumeRepository } from './volume.repository.js';
export { KyselyImageRepository } from './image.repository.js';
export { KyselyTaskStore } from './task.repository.js';
export { KyselyLeaseStore } from './lease.repository.js';
export { KyselyEventLog } from './event.repository.js';
export { KyselyIdempotencyStore } from './idempotency.repository.js';
export { KyselyAuditLog } from './audit.repository.js';
export { uniqueViolationOf } from './errors.js';
