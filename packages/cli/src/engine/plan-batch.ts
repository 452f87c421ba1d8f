/**
 * The pure heart of a migration: for a batch of rows, decide what each value needs (by parsing it),
 * and once the crypto is done, turn the results into one compare-and-set UPDATE per batch.
 * No I/O here: the caller reads the rows, runs the crypto and the SQL.
 */
import type { UpdateRow, ValueChange, WriteColumn } from '../sql/dialect';
import type { TableTarget } from './table-target';
import type { ClassifyValue, ValueState } from './value-state';

/** The commands that change stored values. */
export type MigrationCommand = 'encrypt' | 'rotate' | 'decrypt';

/** What one value needs: encrypt plaintext, decrypt and encrypt again under the current key, or decrypt. */
export type ValueAction = 'encrypt' | 'reencrypt' | 'decrypt';

/** A row as read: its primary key (in key order) and the selected encrypted columns (in target order). */
export interface ReadRow {
  readonly key: readonly unknown[];
  readonly values: ReadonlyArray<string | null>;
}

/** One value the batch must transform. */
export interface PlannedValue {
  readonly row: number;
  readonly column: number;
  readonly action: ValueAction;
  readonly value: string;
}

/** The result of transforming one value: its new stored form, or why it could not be transformed. */
export type ValueOutcome = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly code: string };

/**
 * What `command` does to a value in `state`; `undefined` when the value is already where the command
 * takes it (or null), which is what makes every command idempotent and a rerun safe.
 *
 * @example
 * ```ts
 * actionFor('encrypt', { kind: 'plaintext' }); // 'encrypt'
 * actionFor('encrypt', { kind: 'current' });   // undefined: never encrypted twice
 * ```
 */
export function actionFor(command: MigrationCommand, state: ValueState): ValueAction | undefined {
  switch (command) {
    case 'encrypt':
      return state.kind === 'plaintext' ? 'encrypt' : undefined;
    case 'rotate':
      return state.kind === 'other-key' ? 'reencrypt' : undefined;
    case 'decrypt':
      return state.kind === 'current' || state.kind === 'other-key' ? 'decrypt' : undefined;
  }
}

/** Every value of `rows` that `command` must transform, row by row, column by column. */
export function planBatch(command: MigrationCommand, rows: readonly ReadRow[], classify: ClassifyValue): PlannedValue[] {
  const work: PlannedValue[] = [];
  rows.forEach((row, r) => {
    row.values.forEach((value, c) => {
      const action = value === null ? undefined : actionFor(command, classify(value));
      if (action !== undefined && value !== null) work.push({ row: r, column: c, action, value });
    });
  });
  return work;
}

/** One compare-and-set UPDATE's worth of changes, and the values that could not be transformed. */
export interface BatchWrite {
  /** The columns some row changes: encrypted columns (guarded) first, then blind index columns. */
  readonly columns: readonly WriteColumn[];
  readonly rows: readonly UpdateRow[];
  readonly failed: ReadonlyArray<{ readonly row: number; readonly column: number; readonly code: string }>;
}

/** The blind index of a plaintext about to be encrypted into encrypted column `column` of the target. */
export type ComputeBlindIndex = (column: number, plaintext: string) => string;

/**
 * Builds the batch's UPDATE rows from the planned values and their outcomes (aligned with `work`).
 * A row is written only if at least one of its values changed; each change carries the value read,
 * which the UPDATE's WHERE checks so a concurrent write wins over this stale one. A value encrypted
 * from plaintext also writes its blind index column, when the field has one and `blindIndex` is given.
 *
 * Precondition: `outcomes.length === work.length`.
 */
export function buildBatchWrite(
  target: TableTarget,
  rows: readonly ReadRow[],
  work: readonly PlannedValue[],
  outcomes: readonly ValueOutcome[],
  blindIndex?: ComputeBlindIndex,
): BatchWrite {
  if (outcomes.length !== work.length) throw new RangeError('buildBatchWrite: one outcome per planned value');
  // Column keys: `e<c>` for encrypted column c, `h<c>` for its blind index.
  const changesByRow = new Map<number, Map<string, ValueChange>>();
  const failed: Array<{ row: number; column: number; code: string }> = [];
  const encryptedColumns = new Set<number>();
  const indexColumns = new Set<number>();
  const change = (row: number, key: string, value: ValueChange): void => {
    let changes = changesByRow.get(row);
    if (!changes) changesByRow.set(row, (changes = new Map()));
    changes.set(key, value);
  };
  work.forEach((item, i) => {
    const outcome = outcomes[i]!;
    if (!outcome.ok) {
      failed.push({ row: item.row, column: item.column, code: outcome.code });
      return;
    }
    encryptedColumns.add(item.column);
    change(item.row, `e${item.column}`, { next: outcome.value, previous: item.value });
    if (item.action === 'encrypt' && blindIndex && target.encrypted[item.column]!.blindIndex) {
      indexColumns.add(item.column);
      change(item.row, `h${item.column}`, { next: blindIndex(item.column, item.value) });
    }
  });
  const byNumber = (a: number, b: number): number => a - b;
  const layout = [
    ...[...encryptedColumns].sort(byNumber).map((c) => ({ key: `e${c}`, column: target.encrypted[c]!.column, guarded: true })),
    ...[...indexColumns].sort(byNumber).map((c) => ({ key: `h${c}`, column: target.encrypted[c]!.blindIndex!.column, guarded: false })),
  ];
  const updateRows: UpdateRow[] = [...changesByRow.keys()]
    .sort(byNumber)
    .map((r) => ({ key: rows[r]!.key, changes: layout.map(({ key }) => changesByRow.get(r)!.get(key) ?? null) }));
  return { columns: layout.map(({ column, guarded }) => ({ column, guarded })), rows: updateRows, failed };
}
