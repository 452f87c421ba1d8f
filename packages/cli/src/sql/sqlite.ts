/**
 * SQLite (3.33 or later, for UPDATE ... FROM): `UPDATE t SET ... FROM (VALUES ...) AS v`, whose
 * columns SQLite names `column1`, `column2`, ... Values are compared with `COLLATE BINARY` so a
 * column declared NOCASE cannot make a concurrent edit look unchanged.
 */
import type { CountSpec, Dialect, SelectBatchSpec, UpdateBatchSpec } from './dialect';
import { keyAfter, shardPredicate } from './keyset';
import { ParamList, quoteWith, type SqlStatement } from './statement';

const quote = (identifier: string): string => quoteWith('"', identifier);

export const sqliteDialect: Dialect = {
  provider: 'sqlite',
  quote,

  selectBatch(spec: SelectBatchSpec): SqlStatement {
    const params = new ParamList('question');
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
    const params = new ParamList('question');
    const keyCount = spec.key.length;
    // VALUES columns: keys first, then (next, previous) per changed column; SQLite numbers them from 1.
    const keyRef = (i: number): string => `v.column${i + 1}`;
    const nextRef = (i: number): string => `v.column${keyCount + 2 * i + 1}`;
    const previousRef = (i: number): string => `v.column${keyCount + 2 * i + 2}`;
    const tuples = spec.rows.map((row) => {
      const keys = spec.key.map((_, i) => params.add(row.key[i]));
      const values = row.changes.flatMap((change) => [params.add(change?.next ?? null), params.add(change?.previous ?? null)]);
      return `(${[...keys, ...values].join(', ')})`;
    });
    const set = spec.columns.map((c, i) => `${quote(c)} = COALESCE(${nextRef(i)}, ${quote(spec.table)}.${quote(c)})`);
    const where = [
      ...spec.key.map((k, i) => `${quote(spec.table)}.${quote(k.column)} = ${keyRef(i)}`),
      ...spec.columns.map(
        (c, i) => `(${nextRef(i)} IS NULL OR ${quote(spec.table)}.${quote(c)} = ${previousRef(i)} COLLATE BINARY)`,
      ),
    ];
    const sql =
      `UPDATE ${quote(spec.table)} SET ${set.join(', ')} ` +
      `FROM (VALUES ${tuples.join(', ')}) AS v WHERE ${where.join(' AND ')}`;
    return { sql, params: params.values };
  },

  countRows(spec: CountSpec): SqlStatement {
    const where = spec.shard ? ` WHERE ${shardPredicate(quote(spec.key[0]!.column), spec.shard)}` : '';
    return { sql: `SELECT COUNT(*) AS "n" FROM ${quote(spec.table)}${where}`, params: [] };
  },
};
