/**
 * A write refused by a unique index: on `encrypt`, two rows whose values share a blind index entry
 * under a `@unique` index column (say two spellings of one email). The batch is then written row by
 * row so only the conflicting rows are left, and each is reported by primary key.
 */
import { errorCodes } from './database-error-codes';

/** The failure code a row refused by a unique index is reported with. */
export const UNIQUE_CONFLICT_FAILURE = 'UNIQUE_CONFLICT';

/** PostgreSQL 23505, MySQL/MariaDB 1062, SQLite's extended code, Prisma's driver-adapter kind. */
const UNIQUE = /^(23505|1062|2067|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY|UniqueConstraintViolation|P2002|UNIQUE constraint failed.*)$/;

/**
 * True when `error` is a unique-index violation.
 *
 * @example
 * ```ts
 * isUniqueViolation(prismaErrorWithSqlState('23505')); // true
 * ```
 */
export function isUniqueViolation(error: unknown): boolean {
  return errorCodes(error).some((code) => UNIQUE.test(code));
}

/**
 * Writes `rows` with `write` in one statement; when a unique index refuses it, row by row, so every
 * other row is still written. Resolves to the rows written and the rows refused.
 *
 * @example
 * ```ts
 * const { written, conflicts } = await writeIsolatingConflicts(rows, (some) => executeUpdate(some));
 * ```
 */
export async function writeIsolatingConflicts<Row>(rows: readonly Row[], write: (rows: readonly Row[]) => Promise<number>): Promise<{ written: number; conflicts: Row[] }> {
  try {
    return { written: await write(rows), conflicts: [] };
  } catch (error) {
    if (!isUniqueViolation(error) || rows.length === 0) throw error;
  }
  let written = 0;
  const conflicts: Row[] = [];
  for (const row of rows) {
    try {
      written += await write([row]);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      conflicts.push(row);
    }
  }
  return { written, conflicts };
}
