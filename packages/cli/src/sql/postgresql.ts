/**
 * PostgreSQL: `UPDATE t SET ... FROM (VALUES ...) v(...)`. Key parameters are cast to the key
 * column's type (VALUES would otherwise type them as text and the join would fail); the engine
 * reads those types from the catalog once per table.
 */
import type { CountSpec, Dialect, SelectBatchSpec, UpdateBatchSpec } from './dialect';
import { keyAfter, shardPredicate } from './keyset';
import { ParamList, quoteWith, type SqlStatement } from './statement';

const quote = (identifier: string): string => quoteWith('"', identifier);

export const postgresqlDialect: Dialect = {
  provider: 'postgresql',
  quote,

  selectBatch(spec: SelectBatchSpec): SqlStatement {
    const params = new ParamList('dollar');
    const keys = spec.key.map((k) => quote(k.column));
    const select = [
      ...keys.map((k, i) => `${k} AS "k${i}"`),
      ...spec.columns.map((c, i) => `${quote(c)} AS "c${i}"`),
    ];
    const where: string[] = [];
    if (spec.after) where.push(keyAfter(keys, spec.after, params, 'row-value'));
    if (spec.shard) where.push(shardPredicate(keys[0]!, spec.shard));
    const sql =
      `SELECT ${select.join(', ')} FROM ${quote(spec.table)}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${keys.join(', ')} LIMIT ${Math.trunc(spec.limit)}`;
    return { sql, params: params.values };
  },

  updateBatch(spec: UpdateBatchSpec): SqlStatement {
    const params = new ParamList('dollar');
    const names = [
      ...spec.key.map((_, i) => `k${i}`),
      ...spec.columns.flatMap((c, i) => (c.guarded ? [`n${i}`, `o${i}`] : [`n${i}`])),
    ];
    const tuples = spec.rows.map((row) => {
      const keys = spec.key.map((k, i) => {
        const placeholder = params.add(row.key[i]);
        return k.sqlType ? `${placeholder}::${k.sqlType}` : placeholder;
      });
      const values = row.changes.flatMap((change, i) => [
        `${params.add(change?.next ?? null)}::text`,
        ...(spec.columns[i]!.guarded ? [`${params.add(change?.previous ?? null)}::text`] : []),
      ]);
      return `(${[...keys, ...values].join(', ')})`;
    });
    const set = spec.columns.map(({ column }, i) => `${quote(column)} = COALESCE(v.n${i}, t.${quote(column)})`);
    const where = [
      ...spec.key.map((k, i) => `t.${quote(k.column)} = v.k${i}`),
      ...spec.columns.flatMap(({ column, guarded }, i) =>
        guarded ? [`(v.n${i} IS NULL OR t.${quote(column)} IS NOT DISTINCT FROM v.o${i})`] : [],
      ),
    ];
    const sql =
      `UPDATE ${quote(spec.table)} AS t SET ${set.join(', ')} ` +
      `FROM (VALUES ${tuples.join(', ')}) AS v(${names.join(', ')}) ` +
      `WHERE ${where.join(' AND ')}`;
    return { sql, params: params.values };
  },

  countRows(spec: CountSpec): SqlStatement {
    const where = spec.shard ? ` WHERE ${shardPredicate(quote(spec.key[0]!.column), spec.shard)}` : '';
    return { sql: `SELECT COUNT(*) AS "n" FROM ${quote(spec.table)}${where}`, params: [] };
  },
};
