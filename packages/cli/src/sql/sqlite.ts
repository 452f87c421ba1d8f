/**
 * SQLite (3.33 or later, for UPDATE ... FROM): `WITH v(k0, n0, o0, ...) AS (VALUES ...) UPDATE t SET ...
 * FROM v`; the CTE names the VALUES columns (a bare VALUES calls them column1, column2, ...), and VALUES
 * is not bound by the 500-term limit of a compound SELECT. Values are compared with `IS ... COLLATE
 * BINARY` (null-safe) so a column declared NOCASE cannot make a concurrent edit look unchanged.
 */
import { dialectOf } from './batch-statements';

export const sqliteDialect = dialectOf({
  provider: 'sqlite',
  quoteChar: '"',
  placeholders: 'question',
  keyset: 'row-value',
  asText: (column) => `CAST(${column} AS TEXT)`,
  sameBytes: (stored, read) => `${stored} IS ${read} COLLATE BINARY`,
  assembleUpdate: ({ table, names, tuples, set, join, guards }) =>
    `WITH v(${names.join(', ')}) AS (VALUES ${tuples.map((t) => `(${t.join(', ')})`).join(', ')}) ` +
    `UPDATE ${table} AS t SET ${set.map((s) => `${s.column} = ${s.value}`).join(', ')} ` +
    `FROM v WHERE ${[...join, ...guards].join(' AND ')}`,
});
