import { UniqueViolation } from '../../ports/repositories.js';
import { UNIQUE_CONSTRAINTS } from './schema.js';

const SQLITE_UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const PG_UNIQUE_VIOLATION = '23505';

function field(err: object, key: string): unknown {
  return key in err ? (err as Record<string, unknown>)[key] : undefined;
}

/**
 * Recognises a unique-constraint error of either driver and names the constraint stably ('vms.name',
 * 'idempotency_keys.key+user_id'), so services match on one name whatever the database.
 */
export function uniqueViolationOf(err: unknown): UniqueViolation | null {
  if (typeof err !== 'object' || err === null) return null;
  const code = field(err, 'code');
  if (typeof code === 'string' && SQLITE_UNIQUE_CODES.has(code) && err instanceof Error) {
    // "UNIQUE constraint failed: idempotency_keys.key, idempotency_keys.user_id"
    const columns = err.message.replace(/^.*constraint failed:\s*/i, '').split(/,\s*/);
    const table = columns[0]?.split('.')[0] ?? 'unknown';
    const names = columns.map((c) => c.slice(c.indexOf('.') + 1));
    return new UniqueViolation(`${table}.${names.join('+')}`, { cause: err });
  }
  if (code === PG_UNIQUE_VIOLATION) {
    const constraint = field(err, 'constraint');
    const table = field(err, 'table');
    const name =
      typeof constraint === 'string'
        ? (UNIQUE_CONSTRAINTS[constraint] ?? `${typeof table === 'string' ? table : 'unknown'}.${constraint}`)
        : 'unknown';
    return new UniqueViolation(name, { cause: err });
  }
  return null;
}

/** Runs a write, turning a unique-constraint error into `UniqueViolation`; other errors pass through untouched. */
export async function translateUnique<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err: unknown) {
    throw uniqueViolationOf(err) ?? err;
  }
}
