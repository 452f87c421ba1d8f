/**
 * MySQL and MariaDB: `UPDATE t JOIN (SELECT ? AS k0, ... UNION ALL SELECT ?, ...) AS v ON key SET ...`
 * (neither takes named VALUES columns, and MariaDB has no CTE before UPDATE).
 *
 * Values are compared as bytes (`CAST(... AS BINARY)`, null-safe `<=>`): a case-insensitive or PAD
 * SPACE collation would otherwise call a concurrent edit that only changed case or trailing spaces
 * "unchanged". The affected-row count is the rows written: MySQL counts changed rows (or matched rows
 * with CLIENT_FOUND_ROWS, the mariadb driver's default), and every row written here changes value.
 */
import { dialectOf } from './batch-statements';

export const mysqlDialect = dialectOf({
  provider: 'mysql',
  quoteChar: '`',
  placeholders: 'question',
  keyset: 'expanded',
  asText: (column) => `CAST(${column} AS CHAR)`,
  sameBytes: (stored, read) => `CAST(${stored} AS BINARY) <=> CAST(${read} AS BINARY)`,
  assembleUpdate: ({ table, names, tuples, set, join, guards }) => {
    const selects = tuples.map((tuple, r) => `SELECT ${tuple.map((p, i) => (r === 0 ? `${p} AS ${names[i]!}` : p)).join(', ')}`);
    return (
      `UPDATE ${table} AS t JOIN (${selects.join(' UNION ALL ')}) AS v ON ${join.join(' AND ')} ` +
      `SET ${set.map((s) => `t.${s.column} = ${s.value}`).join(', ')}` +
      (guards.length > 0 ? ` WHERE ${guards.join(' AND ')}` : '')
    );
  },
});
