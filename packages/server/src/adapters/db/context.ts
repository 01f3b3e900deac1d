import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';
import type { DialectName } from './dialect-name.js';
import type { DB } from './schema.js';

/** The open transaction of the current async context, with a lock that serialises its nested savepoints. */
export interface TransactionScope {
  readonly trx: Transaction<DB>;
  /** Runs `fn` after every earlier nested transaction of this scope has finished. */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  readonly nextSavepoint: () => string;
}

/** What a repository needs: which dialect, and the executor to run on right now. */
export interface DbContext {
  readonly dialect: DialectName;
  /** The transaction in force, or the pool/connection outside one. */
  executor(): Kysely<DB>;
  /** True when `executor()` is a transaction (its locks last until commit). */
  inTransaction(): boolean;
}

/**
 * Tracks the transaction of the current async context. The root repositories consult it on every call, so code that
 * reaches `db.vms` (not the `repos` handed to the work) inside `transaction()` joins the transaction instead of
 * dead-locking on SQLite's single connection or escaping it on PostgreSQL.
 */
export class TransactionTracker {
  readonly #storage = new AsyncLocalStorage<TransactionScope>();

  /**
   * The innermost transaction still open. Work started inside a transaction may outlive it (a timer, a task kicked
   * off in the background): its async context still names the finished transaction, which must then be skipped.
   */
  current(): TransactionScope | undefined {
    let scope = this.#storage.getStore();
    while (scope !== undefined && !open.has(scope)) scope = parents.get(scope);
    return scope;
  }

  /** Runs `fn` inside `trx`; nested scopes (savepoints) share their parent's savepoint counter. */
  async run<T>(trx: Transaction<DB>, fn: () => Promise<T>, parent?: TransactionScope): Promise<T> {
    const scope = newScope(trx, parent?.nextSavepoint ?? counter());
    if (parent !== undefined) parents.set(scope, parent);
    open.add(scope);
    try {
      return await this.#storage.run(scope, fn);
    } finally {
      open.delete(scope);
    }
  }
}

const open = new WeakSet<TransactionScope>();
const parents = new WeakMap<TransactionScope, TransactionScope>();

function counter(): () => string {
  let n = 0;
  return () => `gureum_sp_${++n}`;
}

function newScope(trx: Transaction<DB>, nextSavepoint: () => string): TransactionScope {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    trx,
    serialize<T>(fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn);
      tail = result.catch(() => undefined);
      return result;
    },
    nextSavepoint,
  };
}

export function rootContext(dialect: DialectName, db: Kysely<DB>, tracker: TransactionTracker): DbContext {
  return {
    dialect,
    executor: () => tracker.current()?.trx ?? db,
    inTransaction: () => tracker.current() !== undefined,
  };
}

export function transactionContext(dialect: DialectName, trx: Transaction<DB>): DbContext {
  return { dialect, executor: () => trx, inTransaction: () => true };
}
