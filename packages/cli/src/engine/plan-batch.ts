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
  /**
   * Scoped runs: the row's key scope (its scope column's value, or `--scope`); null when the scope column
   * is NULL. Absent in unscoped runs.
   */
  readonly scope?: string | null;
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
  /** Values the command would transform but may not: their row's scope column is NULL ({@link SCOPE_MISSING_FAILURE}). */
  readonly refused: RefusedValue[];
}

/** A value left as it is and reported, with the reason's code. */
export interface RefusedValue {
  readonly row: number;
  readonly column: number;
  readonly code: string;
}

/** A scoped model's row whose scope column is NULL: its values cannot be put under any scope's key. */
export const SCOPE_MISSING_FAILURE = 'SCOPE_MISSING';

/** One value the batch must transform. */
export interface PlannedValue {
  readonly row: number;
  readonly column: number;
  readonly action: ValueAction;
  readonly value: string;
  /** Scoped runs: the key scope the value is (re-)encrypted under (its row's). */
  readonly scope?: string;
}

/**
 * The result of transforming one value: its new stored form (for a re-encrypted value, also the
 * plaintext, from which a scoped run recomputes the blind index), or why it could not be transformed.
 */
export type ValueOutcome =
  | { readonly ok: true; readonly value: string; readonly plaintext?: string }
  /** `reason`: a key-store error's reason (`KEY_SCOPE_SHREDDED`, `KEY_VERSION_UNKNOWN`, ...), which the code alone does not tell. */
  | { readonly ok: false; readonly code: string; readonly reason?: string };

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
  const refused: RefusedValue[] = [];
  const encryptMalformed = command === 'encrypt' && options.encryptMalformed === true;
  rows.forEach((row, r) => {
    const scope = row.scope ?? undefined;
    row.values.forEach((value, c) => {
      if (value === null) return;
      const state = classify(value, scope);
      let action: ValueAction | undefined;
      if (state.kind === 'malformed' && !encryptMalformed) {
        malformed.push({ row: r, column: c, reason: state.reason });
        return;
      }
      if (state.kind === 'malformed') action = 'encrypt';
      else action = actionFor(command, state);
      if (action === undefined) return;
      // a scoped row without a scope: decrypting needs none, (re-)encrypting would pick a wrong key
      if (row.scope === null && action !== 'decrypt') refused.push({ row: r, column: c, code: SCOPE_MISSING_FAILURE });
      else work.push({ row: r, column: c, action, value, ...(scope !== undefined ? { scope } : {}) });
    });
  });
  return { work, malformed, refused };
}

/** One compare-and-set UPDATE's worth of changes, and the values that could not be transformed. */
export interface BatchWrite {
  /** The columns some row changes: encrypted columns (guarded) first, then blind index columns. */
  readonly columns: readonly WriteColumn[];
  readonly rows: readonly UpdateRow[];
  readonly failed: ReadonlyArray<{ readonly row: number; readonly column: number; readonly code: string; readonly reason?: string }>;
}

/**
 * The blind index of a plaintext about to be encrypted into encrypted column `column` of the target;
 * `scope` (scoped runs) selects that scope's index key.
 */
export type ComputeBlindIndex = (column: number, plaintext: string, scope?: string) => string;

/** Options of {@link buildBatchWrite} for scoped runs. */
export interface ScopedWriteOptions {
  /**
   * The scope column: compared (as text) with the scope each written row was read with, so a row whose
   * scope changed between read and write is skipped (its values were encrypted under the old scope's key).
   */
  readonly scopeColumn?: string;
  /**
   * Also rewrite the blind index of a re-encrypted value (from its plaintext, under its scope's index key):
   * a value moved into a scope must be found with that scope's index key.
   */
  readonly reindexReencrypted?: boolean;
}

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
  scoped: ScopedWriteOptions = {},
): BatchWrite {
  if (outcomes.length !== work.length) throw new RangeError('buildBatchWrite: one outcome per planned value');
  // Column keys: `e<c>` for encrypted column c, `h<c>` for its blind index.
  const changesByRow = new Map<number, Map<string, ValueChange>>();
  const failed: Array<{ row: number; column: number; code: string; reason?: string }> = [];
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
      failed.push({ row: item.row, column: item.column, code: outcome.code, ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}) });
      return;
    }
    encryptedColumns.add(item.column);
    change(item.row, `e${item.column}`, { next: outcome.value, previous: item.value });
    const plaintext = item.action === 'encrypt' ? item.value : scoped.reindexReencrypted && item.action === 'reencrypt' ? outcome.plaintext : undefined;
    if (plaintext !== undefined && blindIndex && target.encrypted[item.column]!.blindIndex) {
      indexColumns.add(item.column);
      change(item.row, `h${item.column}`, { next: blindIndex(item.column, plaintext, item.scope) });
    }
  });
  const byNumber = (a: number, b: number): number => a - b;
  const layout: Array<{ key: string; column: WriteColumn }> = [
    ...[...encryptedColumns].sort(byNumber).map((c) => ({ key: `e${c}`, column: { column: target.encrypted[c]!.column, guarded: true } })),
    ...[...indexColumns].sort(byNumber).map((c) => ({ key: `h${c}`, column: { column: target.encrypted[c]!.blindIndex!.column, guarded: false } })),
  ];
  const scopeColumn = scoped.scopeColumn;
  if (scopeColumn !== undefined && changesByRow.size > 0) {
    layout.push({ key: 's', column: { column: scopeColumn, guarded: true, written: false, asText: true } });
    for (const [r, changes] of changesByRow) changes.set('s', { previous: rows[r]!.scope ?? null });
  }
  const updateRows: UpdateRow[] = [...changesByRow.keys()]
    .sort(byNumber)
    .map((r) => ({ key: rows[r]!.key, changes: layout.map(({ key }) => changesByRow.get(r)!.get(key) ?? null) }));
  return { columns: layout.map(({ column }) => column), rows: updateRows, failed };
}
