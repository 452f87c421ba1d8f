/**
 * MySQL and MariaDB: `UPDATE t JOIN (SELECT ... UNION ALL SELECT ...) v ON key SET ...`.
 *
 * Values are compared as bytes (`CAST(... AS BINARY)`): a case-insensitive or PAD SPACE collation
 * would otherwise call a concurrent edit that only changed case or trailing spaces "unchanged".
 * The affected-row count is the rows written: MySQL counts changed rows (or matched rows with
 * CLIENT_FOUND_ROWS, the mariadb driver's default), and every row written here changes value.
 */
import type { CountSpec, Dialect, SelectBatchSpec, UpdateBatchSpec } from './dialect';
import { keyAfter, shardPredicate } from './keyset';
import { ParamList, quoteWith, type SqlStatement } from './statement';

const quote = (identifier: string): string => quoteWith('`', identifier);

export const mysqlDialect: Dialect = {
  provider: 'mysql',
  quote,

  selectBatch(spec: SelectBatchSpec): SqlStatement {
    const params = new ParamList('question');
    const keys = spec.key.map((k) => quote(k.column));
    const select = [
      ...keys.map((k, i) => `${k} AS k${i}`),
      ...spec.columns.map((c, i) => `${quote(c)} AS c${i}`),
    ];
    const where: string[] = [];
    if (spec.after) where.push(keyAfter(keys, spec.after, params, 'expanded'));
    if (spec.shard) where.push(shardPredicate(keys[0]!, spec.shard));
    const sql =
      `SELECT ${select.join(', ')} FROM ${quote(spec.table)}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${keys.join(', ')} LIMIT ${Math.trunc(spec.limit)}`;
    return { sql, params: params.values };
  },

  updateBatch(spec: UpdateBatchSpec): SqlStatement {
    const params = new ParamList('question');
    const selects = spec.rows.map((row, r) => {
      const keys = spec.key.map((_, i) => `${params.add(row.key[i])}${r === 0 ? ` AS k${i}` : ''}`);
      const values = row.changes.flatMap((change, i) => [
        `${params.add(change?.next ?? null)}${r === 0 ? ` AS n${i}` : ''}`,
        ...(spec.columns[i]!.guarded ? [`${params.add(change?.previous ?? null)}${r === 0 ? ` AS o${i}` : ''}`] : []),
      ]);
      return `SELECT ${[...keys, ...values].join(', ')}`;
    });
    const on = spec.key.map((k, i) => `t.${quote(k.column)} = v.k${i}`);
    const set = spec.columns.map(({ column }, i) => `t.${quote(column)} = COALESCE(v.n${i}, t.${quote(column)})`);
    const where = spec.columns.flatMap(({ column, guarded }, i) =>
      guarded ? [`(v.n${i} IS NULL OR CAST(t.${quote(column)} AS BINARY) = CAST(v.o${i} AS BINARY))`] : [],
    );
    const sql =
      `UPDATE ${quote(spec.table)} AS t JOIN (${selects.join(' UNION ALL ')}) AS v ON ${on.join(' AND ')} ` +
      `SET ${set.join(', ')}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '');
    return { sql, params: params.values };
  },

  countRows(spec: CountSpec): SqlStatement {
    const where = spec.shard ? ` WHERE ${shardPredicate(quote(spec.key[0]!.column), spec.shard)}` : '';
    return { sql: `SELECT COUNT(*) AS n FROM ${quote(spec.table)}${where}`, params: [] };
  },
};
