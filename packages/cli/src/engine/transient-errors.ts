/**
 * Database errors that say "try again" rather than "this is wrong": a deadlock, a serialization
 * failure, a lock wait that hit the lock timeout, a terminated backend or dropped connection, a busy
 * SQLite file. A batch that meets one is retried (compare-and-set makes a retried write safe: a write
 * that did land finds its values changed and touches nothing).
 */

/** PostgreSQL SQLSTATEs: deadlock, serialization, lock timeout, statement cancelled, backend terminated / server shutting down. */
const POSTGRES_TRANSIENT = new Set(['40P01', '40001', '55P03', '57014', '57P01', '57P02', '57P03', '08000', '08003', '08006']);
/** MySQL / MariaDB error numbers: deadlock, lock wait timeout, server gone / connection lost, query interrupted (KILL). */
const MYSQL_TRANSIENT = new Set(['1213', '1205', '2006', '2013', '1927', '1317', '1053', '45009', '45010', '45012', '45028']);
/** Driver or Prisma error kinds and codes that mean a lost connection or a busy database. */
const OTHER_TRANSIENT = /SQLITE_BUSY|SQLITE_LOCKED|database is locked|ECONNRESET|EPIPE|ECONNREFUSED|Connection terminated|Connection lost|connection closed|socket hang up|TransactionWriteConflict|SocketTimeout|ConnectionClosed|P1017|P2034|P1001/i;

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

/** Every code, kind and error name along the error's cause chain and Prisma's `meta` (never messages: they may quote values). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 6) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const name of ['code', 'originalCode', 'kind', 'errno', 'name']) {
      const part = record[name];
      if (typeof part === 'string' || typeof part === 'number') codes.push(String(part));
    }
    // a driver's own message can say "database is locked" or "Connection terminated": kept only to match, never shown
    if (value instanceof Error && /database is locked|Connection terminated|connection closed|socket hang up/i.test(value.message)) codes.push(value.message.slice(0, 40));
    for (const name of ['cause', 'meta', 'driverAdapterError', 'originalError']) visit(record[name], depth + 1);
  };
  visit(error, 0);
  return codes;
}
