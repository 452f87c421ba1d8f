/**
 * The pieces of a keyset-paginated SELECT every dialect shares: `WHERE key > last ORDER BY key LIMIT n`,
 * never OFFSET, so each batch costs an index seek however deep into the table it is.
 */
import type { SqlShard } from './dialect';
import type { ParamList } from './statement';

/**
 * `(k1, k2) > (?, ?)` as a row-value comparison (PostgreSQL, SQLite) or expanded to
 * `k1 > ? OR (k1 = ? AND k2 > ?)` (MySQL/MariaDB, whose optimizer handles the expanded form better).
 */
export function keyAfter(
  columns: readonly string[],
  after: readonly unknown[],
  params: ParamList,
  form: 'row-value' | 'expanded',
): string {
  if (columns.length === 1) return `${columns[0]} > ${params.add(after[0])}`;
  if (form === 'row-value') {
    return `(${columns.join(', ')}) > (${after.map((value) => params.add(value)).join(', ')})`;
  }
  const alternatives = columns.map((column, i) => {
    const equal = columns.slice(0, i).map((previous, j) => `${previous} = ${params.add(after[j])}`);
    return `(${[...equal, `${column} > ${params.add(after[i])}`].join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}

/**
 * `((k % n) + n) % n = i`: non-negative for negative keys too, the same in all three databases.
 * `n` and `i` are validated integers (see shard.ts), written inline so every database types them as integers.
 */
export function shardPredicate(column: string, shard: SqlShard): string {
  const n = String(Math.trunc(shard.count));
  return `(((${column} % ${n}) + ${n}) % ${n}) = ${String(Math.trunc(shard.index))}`;
}
