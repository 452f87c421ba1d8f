/**
 * Writes one batch's UPDATE with a bound on how long it waits for row locks (`--lock-timeout`): in a
 * short transaction that sets the database's own lock timeout first (PostgreSQL `lock_timeout`,
 * MySQL/MariaDB `innodb_lock_wait_timeout`). A wait that hits the bound fails with the database's
 * lock-timeout error, which is transient: the batch is retried after a backoff, and the wait reported.
 * SQLite bounds waits with the driver's busy timeout; there the UPDATE runs as it is.
 */
import type { RawSqlClient } from '../config/define-config';
import type { SqlStatement } from '../sql/statement';
import { executeStatement } from './sql-runner';

/** Default bound on one batch's lock wait. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** The statement that bounds lock waits for the rest of the transaction, or undefined where there is none. */
export function lockTimeoutStatement(provider: string, lockTimeoutMs: number): string | undefined {
  switch (provider) {
    case 'postgresql':
      return `SET LOCAL lock_timeout = '${Math.max(1, Math.round(lockTimeoutMs))}ms'`;
    case 'mysql':
      // whole seconds only; set on the transaction's connection before each batch, so always current
      return `SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(lockTimeoutMs / 1000))}`;
    default:
      return undefined;
  }
}

/**
 * Runs the batch UPDATE, bounded by `lockTimeoutMs` where the database and client allow; resolves to
 * the rows it changed.
 *
 * @example
 * ```ts
 * const written = await writeBatch(prisma, 'postgresql', dialect.updateBatch(spec), 5_000, 'writing table "users"');
 * ```
 */
export async function writeBatch(db: RawSqlClient, provider: string, statement: SqlStatement, lockTimeoutMs: number | undefined, what: string): Promise<number> {
  const bound = lockTimeoutMs === undefined ? undefined : lockTimeoutStatement(provider, lockTimeoutMs);
  if (bound === undefined || typeof db.$transaction !== 'function') return executeStatement(db, statement, what);
  // Prisma's own transaction timeout must outlast the lock wait it bounds.
  const timeout = lockTimeoutMs! + 60_000;
  return db.$transaction(
    async (tx) => {
      await executeStatement(tx, { sql: bound, params: [] }, `setting the lock timeout for ${what}`);
      return executeStatement(tx, statement, what);
    },
    { maxWait: timeout, timeout },
  );
}
