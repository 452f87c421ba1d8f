/**
 * Reads a table in primary-key order, one batch at a time (keyset pagination), so memory stays
 * bounded by the batch size whatever the table's size.
 */
import type { RawSqlClient } from '../config/define-config';
import type { Dialect, KeyColumn } from '../sql/dialect';
import type { ReadRow } from './plan-batch';
import { shardOfKey, shardsInSql, type ShardSpec } from './shard';
import { queryRows } from './sql-runner';
import type { TableTarget } from './table-target';
import type { Retrying } from './transient-retry';

/** One batch as read. `rows` holds only this shard's rows; `scanned` counts every row read. */
export interface TableBatch {
  readonly seq: number;
  readonly rows: readonly ReadRow[];
  readonly lastKey: readonly unknown[];
  readonly scanned: number;
  /** Characters of the values read (encrypted and index columns), to bound the memory of batches in flight. */
  readonly chars: number;
}

export interface ReadOptions {
  readonly dialect: Dialect;
  readonly key: readonly KeyColumn[];
  readonly batchSize: number;
  /** Resume strictly after this key. */
  readonly after: readonly unknown[] | null;
  readonly shard?: ShardSpec;
  /** Also read the blind index column of each encrypted column that has one (`ReadRow.indexes`). */
  readonly withIndexes?: boolean;
  /**
   * Shrinks later batches so one batch holds about this many characters of values (rows of large
   * values would otherwise make `batchSize` rows hundreds of megabytes); never below one row.
   */
  readonly maxBatchChars?: number;
  /**
   * Scoped runs: where each row's key scope comes from (`ReadRow.scope`): a column, read with the row
   * (its value as a decimal string for Int/BigInt), or one scope for every row (`--scope`).
   */
  readonly scope?: RowScope;
  /** Wraps each batch read (the engine retries transient database errors there). */
  readonly retry?: Retrying;
}

/** Where a scoped run takes each row's key scope from. */
export type RowScope = { readonly column: string } | { readonly fixed: string };

/** Yields the table's batches in key order until a short batch says the table is done. */
export async function* readTable(db: RawSqlClient, target: TableTarget, options: ReadOptions): AsyncGenerator<TableBatch> {
  const sqlShard = options.shard && shardsInSql(target.primaryKey) ? options.shard : undefined;
  const hashShard = options.shard && !sqlShard ? options.shard : undefined;
  const columns = target.encrypted.map((c) => c.column);
  // index columns follow the encrypted ones; `indexAt[c]` is the selected position of column c's index
  const indexAt = target.encrypted.map((c) => (options.withIndexes && c.blindIndex ? columns.push(c.blindIndex.column) - 1 : -1));
  const scopeAt = options.scope && 'column' in options.scope ? columns.push(options.scope.column) - 1 : -1;
  const fixedScope = options.scope && 'fixed' in options.scope ? options.scope.fixed : undefined;
  // The scope as the data plane uses it: a String as it is, an Int or BigInt as its decimal string; NULL
  // (a legacy row) as null: such a row has no scope, and its values are reported, never written.
  const scopeOf =
    scopeAt >= 0 ? (record: Record<string, unknown>) => asStoredString(record[`c${scopeAt}`]) : fixedScope === undefined ? undefined : () => fixedScope;
  let after = options.after;
  // without a bound, the first batch is small: its rows tell how large this table's values are
  let limit = options.maxBatchChars === undefined ? options.batchSize : Math.min(options.batchSize, FIRST_BATCH_ROWS);
  for (let seq = 0; ; seq++) {
    const statement = options.dialect.selectBatch({
      table: target.table,
      key: options.key,
      columns,
      after,
      limit,
      ...(sqlShard ? { shard: sqlShard } : {}),
    });
    const what = `reading table "${target.table}"`;
    const read = (): Promise<Array<Record<string, unknown>>> => queryRows<Record<string, unknown>>(db, statement, what);
    const raw = options.retry ? await options.retry(read, what) : await read();
    if (raw.length === 0) return;
    const all = raw.map((record) => toReadRow(record, options.key.length, target.encrypted.length, options.withIndexes ? indexAt : undefined, scopeOf));
    const lastKey = all[all.length - 1]!.key;
    const rows = hashShard ? all.filter((row) => shardOfKey(row.key, hashShard.count) === hashShard.index) : all;
    const chars = all.reduce((n, row) => n + valueChars(row), 0);
    yield { seq, rows, lastKey, scanned: all.length, chars };
    if (raw.length < limit) return;
    after = lastKey;
    if (options.maxBatchChars !== undefined) {
      const perRow = Math.max(1, chars / all.length);
      limit = Math.max(1, Math.min(options.batchSize, Math.floor(options.maxBatchChars / perRow)));
    }
  }
}

/** Rows of the first batch when batches are bounded by characters (10 rows of 256 KB values are already 2.6 M characters). */
const FIRST_BATCH_ROWS = 10;

function valueChars(row: ReadRow): number {
  let n = 0;
  for (const value of row.values) n += value?.length ?? 0;
  for (const index of row.indexes ?? []) n += index?.length ?? 0;
  return n;
}

function toReadRow(
  record: Record<string, unknown>,
  keyCount: number,
  columnCount: number,
  indexAt: readonly number[] | undefined,
  scopeOf: ((record: Record<string, unknown>) => string | null) | undefined,
): ReadRow {
  const key: unknown[] = [];
  for (let i = 0; i < keyCount; i++) key.push(record[`k${i}`]);
  const values: Array<string | null> = [];
  for (let i = 0; i < columnCount; i++) values.push(asStoredString(record[`c${i}`]));
  const row: { -readonly [K in keyof ReadRow]: ReadRow[K] } = { key, values };
  if (indexAt) row.indexes = indexAt.map((at) => (at < 0 ? null : asStoredString(record[`c${at}`])));
  if (scopeOf) row.scope = scopeOf(record);
  return row;
}

/** Encrypted columns are `String`; a driver may hand back a Buffer for a binary collation. */
function asStoredString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return String(value);
}
