/**
 * The SQL the engine needs, per database: read a batch in primary-key order (keyset pagination),
 * write a batch back in one compare-and-set UPDATE, and count rows. Pure: text and parameters only.
 */
import { CliError } from '../errors';
import type { SqlProvider } from '../config/define-config';
import type { SqlStatement } from './statement';
import { mysqlDialect } from './mysql';
import { postgresqlDialect } from './postgresql';
import { sqliteDialect } from './sqlite';

/** A primary-key column as the SQL sees it. */
export interface KeyColumn {
  readonly column: string;
  /** The column's SQL type, for casting parameters where the database cannot infer it (PostgreSQL VALUES). */
  readonly sqlType?: string;
}

/** A shard taken by modulo of a single integer primary key, in SQL. */
export interface SqlShard {
  readonly index: number;
  readonly count: number;
}

export interface SelectBatchSpec {
  readonly table: string;
  readonly key: readonly KeyColumn[];
  /** Columns to read besides the key. */
  readonly columns: readonly string[];
  /** The last key of the previous batch; `null` starts at the beginning. */
  readonly after: readonly unknown[] | null;
  readonly limit: number;
  readonly shard?: SqlShard;
}

/**
 * One column's new value and, for a guarded column, the value read (`null`: it was NULL), which the
 * row must still hold for the write to apply. A guard-only column has no `next`.
 */
export interface ValueChange {
  readonly next?: string;
  readonly previous?: string | null;
}

/**
 * A column an UPDATE touches. A guarded column is compared with the value read (compare-and-set,
 * null-safe, bytes); an unguarded one (a blind index derived from a guarded column's plaintext) is only
 * written. A column with `written: false` is only compared (`reindex` guards the encrypted value it
 * computed an index from without rewriting it).
 */
export interface WriteColumn {
  readonly column: string;
  readonly guarded: boolean;
  /** Default true. */
  readonly written?: boolean;
  /**
   * Compare the column as text (a guard-only scope column, which may be an Int or BigInt column: the
   * value read is its decimal string).
   */
  readonly asText?: boolean;
}

export interface UpdateRow {
  readonly key: readonly unknown[];
  /** Aligned with `UpdateBatchSpec.columns`; `null` leaves that column as it is. */
  readonly changes: ReadonlyArray<ValueChange | null>;
}

export interface UpdateBatchSpec {
  readonly table: string;
  readonly key: readonly KeyColumn[];
  /** Columns some row of the batch changes, guarded ones first. */
  readonly columns: readonly WriteColumn[];
  readonly rows: readonly UpdateRow[];
}

export interface CountSpec {
  readonly table: string;
  readonly key: readonly KeyColumn[];
  readonly shard?: SqlShard;
}

/**
 * SQL for one database. Result rows of `selectBatch` name key columns `k0..kn` and the other
 * columns `c0..cm`; `countRows` returns one row with `n`.
 *
 * The UPDATE from `updateBatch` applies to a row only if every column it changes still holds the
 * value that was read (compare-and-set), so the affected-row count tells how many rows were written
 * and the difference to `rows.length` how many a concurrent writer changed first.
 */
export interface Dialect {
  readonly provider: SqlProvider;
  quote(identifier: string): string;
  selectBatch(spec: SelectBatchSpec): SqlStatement;
  updateBatch(spec: UpdateBatchSpec): SqlStatement;
  countRows(spec: CountSpec): SqlStatement;
}

/** The dialect for a field map's provider. */
export function dialectFor(provider: string): Dialect {
  switch (provider) {
    case 'postgresql':
    case 'postgres':
      return postgresqlDialect;
    case 'sqlite':
      return sqliteDialect;
    case 'mysql':
    case 'mariadb':
      return mysqlDialect;
    default:
      throw new CliError('UNSUPPORTED_PROVIDER', `No SQL dialect for provider "${provider}" (supported: postgresql, sqlite, mysql)`);
  }
}
