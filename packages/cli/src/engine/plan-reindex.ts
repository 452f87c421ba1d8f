/**
 * The pure heart of `reindex`: which blind index entries of a batch must be recomputed, and once
 * their plaintexts are known, the compare-and-set UPDATE that rewrites the entries that differ. The
 * UPDATE checks both the encrypted value the index was computed from and the index entry read, so a
 * concurrent application write (which writes both) is never overwritten by a stale index.
 */
import type { UpdateRow, ValueChange, WriteColumn } from '../sql/dialect';
import type { BatchPlan, BatchWrite, MalformedValue, PlannedValue, ReadRow, ValueOutcome } from './plan-batch';
import type { TableTarget } from './table-target';
import type { ClassifyValue } from './value-state';

export interface ReindexPlanOptions {
  /** Recompute every entry (after a change of normalization), not only those under an older key or length. */
  readonly full: boolean;
  /** True when the stored entry of encrypted column `column` is under the current key and length (field-crypto's `isCurrent`). */
  readonly isCurrent: (column: number, storedIndex: string) => boolean;
}

/**
 * The values whose blind index must be recomputed: non-null values of indexed columns whose entry is
 * missing or stale (every one with `full`). A plaintext value is indexed as it is; ciphertext is
 * decrypted first; a malformed value is reported, its entry left alone.
 *
 * Precondition: `rows` were read with their index columns (`ReadRow.indexes`).
 *
 * @example
 * ```ts
 * planReindex(target, rows, classify, { full: false, isCurrent: (c, stored) => indexer.isCurrent(stored, hashOf(c)) });
 * ```
 */
export function planReindex(target: TableTarget, rows: readonly ReadRow[], classify: ClassifyValue, options: ReindexPlanOptions): BatchPlan {
  const work: PlannedValue[] = [];
  const malformed: MalformedValue[] = [];
  rows.forEach((row, r) => {
    row.values.forEach((value, c) => {
      if (value === null || !target.encrypted[c]!.blindIndex) return;
      const stored = row.indexes?.[c] ?? null;
      if (!options.full && stored !== null && options.isCurrent(c, stored)) return;
      const state = classify(value);
      if (state.kind === 'malformed') malformed.push({ row: r, column: c, reason: state.reason });
      else if (state.kind === 'plaintext') work.push({ row: r, column: c, action: 'index-plaintext', value });
      else if (state.kind !== 'null') work.push({ row: r, column: c, action: 'index-ciphertext', value });
    });
  });
  return { work, malformed, refused: [] };
}

/** The blind index of a plaintext of encrypted column `column`, under the current index key. */
export type ComputeIndex = (column: number, plaintext: string) => string;

/**
 * The UPDATE rows that rewrite the entries that differ from the recomputed ones (`outcomes` hold the
 * plaintexts, aligned with `work`). Columns: every encrypted column of the target, guard-only (each
 * written row must still hold the value read), then the index columns written, guarded on the entry
 * read (null-safe: an entry that was NULL must still be NULL).
 *
 * Precondition: `outcomes.length === work.length`.
 */
export function buildReindexWrite(
  target: TableTarget,
  rows: readonly ReadRow[],
  work: readonly PlannedValue[],
  outcomes: readonly ValueOutcome[],
  computeIndex: ComputeIndex,
): BatchWrite {
  if (outcomes.length !== work.length) throw new RangeError('buildReindexWrite: one outcome per planned value');
  const changesByRow = new Map<number, Map<number, ValueChange>>();
  const failed: Array<{ row: number; column: number; code: string }> = [];
  const indexColumns = new Set<number>();
  work.forEach((item, i) => {
    const outcome = outcomes[i]!;
    if (!outcome.ok) {
      failed.push({ row: item.row, column: item.column, code: outcome.code });
      return;
    }
    const next = computeIndex(item.column, outcome.value);
    const previous = rows[item.row]!.indexes?.[item.column] ?? null;
    if (next === previous) return;
    indexColumns.add(item.column);
    let changes = changesByRow.get(item.row);
    if (!changes) changesByRow.set(item.row, (changes = new Map()));
    changes.set(item.column, { next, previous });
  });
  const written = [...indexColumns].sort((a, b) => a - b);
  const guardedValues = target.encrypted.map((_, c) => c);
  const columns: WriteColumn[] = [
    ...guardedValues.map((c) => ({ column: target.encrypted[c]!.column, guarded: true, written: false })),
    ...written.map((c) => ({ column: target.encrypted[c]!.blindIndex!.column, guarded: true })),
  ];
  const updateRows: UpdateRow[] = [...changesByRow.keys()]
    .sort((a, b) => a - b)
    .map((r) => {
      const row = rows[r]!;
      const changes = changesByRow.get(r)!;
      return {
        key: row.key,
        changes: [...guardedValues.map((c) => ({ previous: row.values[c] ?? null })), ...written.map((c) => changes.get(c) ?? null)],
      };
    });
  return { columns: changesByRow.size > 0 ? columns : [], rows: updateRows, failed };
}
