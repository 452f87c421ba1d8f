/**
 * Runs the dialects' statements through the user's Prisma client, turning driver failures into
 * {@link CliError}s that keep the database's error code but never the parameters (values).
 */
import { CliError } from '../errors';
import type { RawSqlClient, RawSqlRunner } from '../config/define-config';
import type { KeyColumn } from '../sql/dialect';
import type { SqlStatement } from '../sql/statement';
import type { TableTarget } from './table-target';

export async function queryRows<Row>(db: RawSqlRunner, statement: SqlStatement, what: string): Promise<Row[]> {
  try {
    return await db.$queryRawUnsafe<Row[]>(statement.sql, ...statement.params);
  } catch (error) {
    throw databaseError(error, what);
  }
}

export async function executeStatement(db: RawSqlRunner, statement: SqlStatement, what: string): Promise<number> {
  try {
    return await db.$executeRawUnsafe(statement.sql, ...statement.params);
  } catch (error) {
    throw databaseError(error, what);
  }
}

/**
 * The primary-key columns with, on PostgreSQL, their SQL types from the catalog (the VALUES list of
 * the batch UPDATE casts key parameters to them; `uuid` or `varchar(36)` keys cannot be guessed from
 * the Prisma type alone).
 */
export async function keyColumns(db: RawSqlClient, provider: string, target: TableTarget): Promise<KeyColumn[]> {
  if (provider !== 'postgresql') return target.primaryKey.map((k) => ({ column: k.column }));
  const rows = await queryRows<{ name: string; type: string }>(
    db,
    {
      sql:
        'SELECT a.attname AS "name", format_type(a.atttypid, a.atttypmod) AS "type" FROM pg_attribute a ' +
        'WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped',
      params: [`"${target.table.replaceAll('"', '""')}"`],
    },
    `reading the column types of table "${target.table}"`,
  );
  const types = new Map(rows.map((row) => [row.name, row.type]));
  return target.primaryKey.map((k) => {
    const sqlType = types.get(k.column);
    if (!sqlType) {
      throw new CliError('DATABASE_FAILED', `Table "${target.table}" has no column "${k.column}" (is the database migrated?)`);
    }
    return { column: k.column, sqlType };
  });
}

/** Prisma wraps driver errors as `P2010` with the database's own code in `meta`; keep codes, drop text. */
function databaseError(error: unknown, what: string): CliError {
  const details: string[] = [];
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') details.push(code);
    const meta = (error as { meta?: Record<string, unknown> }).meta;
    const driverCode = meta?.code ?? (meta?.driverAdapterError as { cause?: { originalCode?: unknown } } | undefined)?.cause?.originalCode;
    if (typeof driverCode === 'string' || typeof driverCode === 'number') details.push(`database code ${String(driverCode)}`);
    const kind = (meta?.driverAdapterError as { cause?: { kind?: unknown } } | undefined)?.cause?.kind;
    if (typeof kind === 'string') details.push(kind);
    if (details.length === 0) details.push(error.name);
  }
  return new CliError('DATABASE_FAILED', `Database error while ${what}${details.length ? ` (${details.join(', ')})` : ''}`, {
    cause: error,
  });
}
