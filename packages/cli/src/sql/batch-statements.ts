/**
 * The one shape of every statement the engine runs, shared by the three databases: a keyset SELECT,
 * a compare-and-set batch UPDATE and a COUNT. A dialect gives only what differs ({@link DialectShape}):
 * quoting, placeholders, parameter casts, null-safe byte equality and how the batch's rows are joined.
 */
import type { CountSpec, Dialect, SelectBatchSpec, UpdateBatchSpec } from './dialect';
import type { SqlProvider } from '../config/define-config';
import { keyAfter, shardPredicate } from './keyset';
import { ParamList, quoteWith, type SqlStatement } from './statement';

/** What an UPDATE is made of, before a dialect puts it together. Column references are final SQL. */
export interface UpdateParts {
  /** The quoted table name; the statement calls it `t`. */
  readonly table: string;
  /** Names of the batch-rows relation's columns, in order (`k0.., n0, o0, ...`). */
  readonly names: readonly string[];
  /** Per batch row, the (cast) placeholders in `names` order. */
  readonly tuples: ReadonlyArray<readonly string[]>;
  /** `column = COALESCE(v.n0, t.column)`, one per written column (the left side unqualified). */
  readonly set: ReadonlyArray<{ readonly column: string; readonly value: string }>;
  /** `t.key = v.k0`, one per key column. */
  readonly join: readonly string[];
  /** The compare-and-set predicates. */
  readonly guards: readonly string[];
}

/** What one database does its own way; everything else is {@link dialectOf}'s. */
export interface DialectShape {
  readonly provider: SqlProvider;
  readonly quoteChar: '"' | '`';
  readonly placeholders: 'dollar' | 'question';
  /** Composite keyset comparison as a row value or expanded (see keyset.ts). */
  readonly keyset: 'row-value' | 'expanded';
  /** A key parameter in the batch rows (PostgreSQL casts it to the key column's type); default: as it is. */
  keyParam?(placeholder: string, sqlType: string | undefined): string;
  /** A value parameter in the batch rows (PostgreSQL casts it to text); default: as it is. */
  valueParam?(placeholder: string): string;
  /** Null-safe comparison of bytes: true when both are NULL or both hold the same bytes, whatever the collation. */
  sameBytes(stored: string, read: string): string;
  /** A column's value as text (`CAST(... AS TEXT)`), for comparing an Int/BigInt scope column with the decimal string read. */
  asText(column: string): string;
  /** Puts the UPDATE together: where the batch rows go and how they join the table. */
  assembleUpdate(parts: UpdateParts): string;
}

/** A {@link Dialect} from its shape. */
export function dialectOf(shape: DialectShape): Dialect {
  const quote = (identifier: string): string => quoteWith(shape.quoteChar, identifier);
  const alias = quote;
  const keyParam = shape.keyParam ?? ((placeholder: string) => placeholder);
  const valueParam = shape.valueParam ?? ((placeholder: string) => placeholder);

  return {
    provider: shape.provider,
    quote,

    selectBatch(spec: SelectBatchSpec): SqlStatement {
      const params = new ParamList(shape.placeholders);
      const keys = spec.key.map((k) => quote(k.column));
      const select = [...keys.map((k, i) => `${k} AS ${alias(`k${i}`)}`), ...spec.columns.map((c, i) => `${quote(c)} AS ${alias(`c${i}`)}`)];
      const where: string[] = [];
      if (spec.after) where.push(keyAfter(keys, spec.after, params, shape.keyset));
      if (spec.shard) where.push(shardPredicate(keys[0]!, spec.shard));
      const sql =
        `SELECT ${select.join(', ')} FROM ${quote(spec.table)}` +
        (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
        ` ORDER BY ${keys.join(', ')} LIMIT ${Math.trunc(spec.limit)}`;
      return { sql, params: params.values };
    },

    updateBatch(spec: UpdateBatchSpec): SqlStatement {
      const params = new ParamList(shape.placeholders);
      const names = [
        ...spec.key.map((_, i) => `k${i}`),
        ...spec.columns.flatMap((c, i) => [...(isWritten(c) ? [`n${i}`] : []), ...(c.guarded ? [`o${i}`] : [])]),
      ];
      const tuples = spec.rows.map((row) => [
        ...spec.key.map((k, i) => keyParam(params.add(row.key[i]), k.sqlType)),
        ...row.changes.flatMap((change, i) => {
          const column = spec.columns[i]!;
          return [
            ...(isWritten(column) ? [valueParam(params.add(change?.next ?? null))] : []),
            ...(column.guarded ? [valueParam(params.add(change?.previous ?? null))] : []),
          ];
        }),
      ]);
      const target = (column: string): string => `t.${quote(column)}`;
      const set = spec.columns.flatMap((c, i) =>
        isWritten(c) ? [{ column: quote(c.column), value: `COALESCE(v.n${i}, ${target(c.column)})` }] : [],
      );
      const join = spec.key.map((k, i) => `${target(k.column)} = v.k${i}`);
      const guards = spec.columns.flatMap((c, i) => {
        if (!c.guarded) return [];
        const same = shape.sameBytes(c.asText ? shape.asText(target(c.column)) : target(c.column), `v.o${i}`);
        // a written column is only checked on the rows that change it (n is NULL where a row keeps it)
        return [isWritten(c) ? `(v.n${i} IS NULL OR ${same})` : same];
      });
      return { sql: shape.assembleUpdate({ table: quote(spec.table), names, tuples, set, join, guards }), params: params.values };
    },

    countRows(spec: CountSpec): SqlStatement {
      const where = spec.shard ? ` WHERE ${shardPredicate(quote(spec.key[0]!.column), spec.shard)}` : '';
      return { sql: `SELECT COUNT(*) AS ${alias('n')} FROM ${quote(spec.table)}${where}`, params: [] };
    },
  };
}

function isWritten(column: { readonly written?: boolean }): boolean {
  return column.written !== false;
}
