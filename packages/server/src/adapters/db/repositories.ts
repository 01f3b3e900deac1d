import type { Repositories } from '../../ports/repositories.js';
import { KyselyAuditLog } from './audit.repository.js';
import type { DbContext } from './context.js';
import { KyselyEventLog } from './event.repository.js';
import { KyselyIdempotencyStore } from './idempotency.repository.js';
import { KyselyImageRepository } from './image.repository.js';
import { KyselyLeaseStore } from './lease.repository.js';
import { KyselyQuotaRepository } from './quota.repository.js';
import { KyselyTaskStore } from './task.repository.js';
import { KyselyTokenRepository } from './token.repository.js';
import { KyselyUserRepository } from './user.repository.js';
import { KyselyVmRepository } from './vm.repository.js';
import { KyselyVolumeRepository } from './volume.repository.js';

/** The repositories, with the database-only extras (`users.lockForUpdate`) that quota checks need. */
export interface DbRepositories extends Repositories {
  users: KyselyUserRepository;
}

export function createRepositories(ctx: DbContext): DbRepositories {
  return {
    users: new KyselyUserRepository(ctx),
    tokens: new KyselyTokenRepository(ctx),
    vms: new KyselyVmRepository(ctx),
    volumes: new KyselyVolumeRepository(ctx),
    images: new KyselyImageRepository(ctx),
    tasks: new KyselyTaskStore(ctx),
    leases: new KyselyLeaseStore(ctx),
    events: new KyselyEventLog(ctx),
    idempotency: new KyselyIdempotencyStore(ctx),
    audit: new KyselyAuditLog(ctx),
    quotas: new KyselyQuotaRepository(ctx),
  };
}
