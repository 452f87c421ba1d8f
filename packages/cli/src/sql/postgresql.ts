/**
 * PostgreSQL: `UPDATE t SET ... FROM (VALUES ...) AS v(k0, n0, o0, ...)`. Key parameters are cast to
 * the key column's type (VALUES would otherwise type them as text and the join would fail); the engine
 * reads those types from the catalog once per table. Values are compared with IS NOT DISTINCT FROM.
 */
import { dialectOf } from './batch-statements';

export const postgresqlDialect = dialectOf({
  provider: 'postgresql',
  quoteChar: '"',
  placeholders: 'dollar',
  keyset: 'row-value',
  keyParam: (placeholder, sqlType) => (sqlType ? `${placeholder}::${sqlType}` : placeholder),
  valueParam: (placeholder) => `${placeholder}::text`,
  asText: (column) => `CAST(${column} AS text)`,
  sameBytes: (stored, read) => `${stored} IS NOT DISTINCT FROM ${read}`,
  assembleUpdate: ({ table, names, tuples, set, join, guards }) =>
    `UPDATE ${table} AS t SET ${set.map((s) => `${s.column} = ${s.value}`).join(', ')} ` +
    `FROM (VALUES ${tuples.map((t) => `(${t.join(', ')})`).join(', ')}) AS v(${names.join(', ')}) ` +
    `WHERE ${[...join, ...guards].join(' AND ')}`,
});
