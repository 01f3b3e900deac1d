import type { Migration } from 'kysely';
import type { DialectName } from '../dialect-name.js';
import { initial } from './0001_initial.js';
import { quotas } from './0002_quotas.js';
import { audit } from './0003_audit.js';
import { installation } from './0004_installation.js';

/**
 * Every migration, by name, in order. A static map (not a folder scan) so it works the same from `src` under Vitest
 * and from `dist` in production. Add new ones as `NNNN_name.ts` and list them here; never edit a shipped one.
 */
export function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_quotas': quotas(),
    '0003_audit': audit(dialect),
    '0004_installation': installation(),
  };
}
