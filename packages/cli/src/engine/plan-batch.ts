/**
 * The pure heart of a migration: for a batch of rows, decide what each value needs (by parsing it),
 * and once the crypto is done, turn the results into one compare-and-set UPDATE per batch.
 * No I/O here: the caller reads the rows, runs the crypto and the SQL.
 */
import type { UpdateRow, ValueChange, WriteColumn } from '../sql/dialect';
import type { TableTarget } from './table-target';
import type { ClassifyValue, ValueState } from './value-state';

/** The commands that change stored values. */
export type ValueCommand = 'encrypt' | 'rotate' | 'decrypt';

/** The commands the migration engine runs: those that change values, and `reindex` (blind index columns). */
export type MigrationCommand = ValueCommand | 'reindex';

/**
 * What one value needs: encrypt plaintext, decrypt and encrypt again under the current key, decrypt;
 * for `reindex`, its plaintext (as it is, or decrypted) to compute its blind index from.
 */
export type ValueAction = 'encrypt' | 'reencrypt' | 'decrypt' | 'index-plaintext' | 'index-ciphertext';

/**
 * A row as read: its primary key (in key order), the selected encrypted columns (in target order) and,
 * when the reader was asked for them, their blind index columns (aligned; null where a field has none).
 */
export interface ReadRow {
  readonly key: readonly unknown[];
  readonly values: ReadonlyArray<string | null>;
  readonly indexes?: ReadonlyArray<string | null>;
}

/** A value that starts like an Encryption SDK message but does not parse: left alone and reported. */
export interface MalformedValue {
  readonly row: number;
  readonly column: number;
  /** field-crypto's check that failed (`truncated`, ...); never bytes of the value. */
  readonly reason: string;
}

/** What a batch needs: the values to transform, and the damaged ones no command may touch. */
export interface BatchPlan {
  readonly work: PlannedValue[];
  readonly malformed: MalformedValue[];
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
export function actionFor(command: ValueCommand, state: ValueState): ValueAction | undefined {
  switch (command) {
    case 'encrypt':
      return state.kind === 'plaintext' ? 'encrypt' : undefined;
    case 'rotate':
      return state.kind === 'other-key' ? 'reencrypt' : undefined;
    case 'decrypt':
      return state.kind === 'current' || state.kind === 'other-key' ? 'decrypt' : undefined;
  }
}

/** Options of {@link planBatch}. */
export interface PlanBatchOptions {
  /**
   * `encrypt` only: treat malformed values (damaged messages, base64 of message length) as plaintext
   * and encrypt them. Off by default: encrypting a damaged ciphertext buries the original for good.
   */
  readonly encryptMalformed?: boolean;
}

/**
 * Every value of `rows` that `command` must transform, row by row, column by column, and the malformed
 * values, which no command transforms unless `encrypt` is told to with `encryptMalformed`.
 */
export function planBatch(command: ValueCommand, rows: readonly ReadRow[], classify: ClassifyValue, options: PlanBatchOptions = {}): BatchPlan {
  const work: PlannedValue[] = [];
  const malformed: MalformedValue[] = [];
  const encryptMalformed = command === 'encrypt' && options.encryptMalformed === true;
  rows.forEach((row, r) => {
    row.values.forEach((value, c) => {
      if (value === null) return;
      const state = classify(value);
      if (state.kind === 'malformed' && encryptMalformed) {
        work.push({ row: r, column: c, action: 'encrypt', value });
        return;
      }
      if (state.kind === 'malformed') {
        malformed.push({ row: r, column: c, reason: state.reason });
        return;
      }
      const action = actionFor(command, state);
      if (action !== undefined) work.push({ row: r, column: c, action, value });
    });
  });
  return { work, malformed };
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
