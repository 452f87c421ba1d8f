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
    // VALUES columns: keys first, then next (and previous, when guarded) per written column;
    // SQLite names them column1, column2, ...
    const positions: Array<{ next: number; previous?: number }> = [];
    let position = spec.key.length;
    for (const column of spec.columns) {
      positions.push(column.guarded ? { next: ++position, previous: ++position } : { next: ++position });
    }
    const ref = (n: number): string => `v.column${n}`;
    const tuples = spec.rows.map((row) => {
      const keys = spec.key.map((_, i) => params.add(row.key[i]));
      const values = row.changes.flatMap((change, i) => [
        params.add(change?.next ?? null),
        ...(spec.columns[i]!.guarded ? [params.add(change?.previous ?? null)] : []),
      ]);
      return `(${[...keys, ...values].join(', ')})`;
    });
    const target = (column: string): string => `${quote(spec.table)}.${quote(column)}`;
    const set = spec.columns.map(({ column }, i) => `${quote(column)} = COALESCE(${ref(positions[i]!.next)}, ${target(column)})`);
    const where = [
      ...spec.key.map((k, i) => `${target(k.column)} = ${ref(i + 1)}`),
      ...spec.columns.flatMap(({ column, guarded }, i) =>
        guarded ? [`(${ref(positions[i]!.next)} IS NULL OR ${target(column)} = ${ref(positions[i]!.previous!)} COLLATE BINARY)`] : [],
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
