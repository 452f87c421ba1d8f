/**
 * Database errors that say "try again" rather than "this is wrong": a deadlock, a serialization
 * failure, a lock wait that hit the lock timeout, a terminated backend or dropped connection, a busy
 * SQLite file. A batch that meets one is retried (compare-and-set makes a retried write safe: a write
 * that did land finds its values changed and touches nothing).
 */

import { errorCodes } from './database-error-codes';

/** PostgreSQL SQLSTATEs: deadlock, serialization, lock timeout, statement cancelled, backend terminated / server shutting down. */
const POSTGRES_TRANSIENT = new Set(['40P01', '40001', '55P03', '57014', '57P01', '57P02', '57P03', '08000', '08003', '08006']);
/** MySQL / MariaDB error numbers: deadlock, lock wait timeout, server gone / connection lost, query interrupted (KILL). */
const MYSQL_TRANSIENT = new Set(['1213', '1205', '2006', '2013', '1927', '1317', '1053', '45009', '45010', '45012', '45028']);
/** Driver or Prisma error kinds and codes that mean a lost connection or a busy database. */
const OTHER_TRANSIENT = /SQLITE_BUSY|SQLITE_LOCKED|database is locked|ECONNRESET|EPIPE|ECONNREFUSED|Connection terminated|Connection lost|connection closed|encountered a connection|socket hang up|TransactionWriteConflict|SocketTimeout|ConnectionClosed|P1017|P2034|P1001/i;

/**
 * Why `error` is worth another attempt (its code), or undefined when it is not.
 *
 * @example
 * ```ts
 * transientReason(prismaErrorWithSqlState('40P01')); // '40P01'
 * ```
 */
export function transientReason(error: unknown): string | undefined {
  for (const code of errorCodes(error)) {
    if (POSTGRES_TRANSIENT.has(code) || MYSQL_TRANSIENT.has(code) || OTHER_TRANSIENT.test(code)) return code;
  }
  return undefined;
}
