/**
 * `status`: per model and field, how many values are null, plaintext, ciphertext under the current
 * generator key, ciphertext under other keys (by wrapping key), and damaged (malformed) messages.
 * Reads only; parses headers only.
 */
import type { MigrationCipher, RawSqlClient } from '../config/define-config';
import type { Dialect } from '../sql/dialect';
import { runPipeline } from './batch-pipeline';
import { countRows, type TableProgress } from './run-migration';
import { keyColumns } from './sql-runner';
import { readTable } from './table-reader';
import type { TableTarget } from './table-target';
import { valueClassifier, wrappingKeyLabel } from './value-state';

/** The counts of one encrypted field. */
export interface FieldStatus {
  readonly model: string;
  readonly field: string;
  readonly table: string;
  readonly column: string;
  readonly rows: number;
  readonly null: number;
  readonly plaintext: number;
  /** Ciphertext whose data key the current generator key wraps. */
  readonly current: number;
  /** Ciphertext under other keys only: what `rotate` would re-encrypt. */
  readonly otherKeys: number;
  /** Damaged messages (start like one, do not parse): no command touches them; `verify` lists them. */
  readonly malformed: number;
  /** `otherKeys` by the wrapping keys of the value (several joined with ` + `). */
  readonly byWrappingKey: Readonly<Record<string, number>>;
}

export interface StatusOptions {
  readonly db: RawSqlClient;
  readonly dialect: Dialect;
  readonly cipher: MigrationCipher;
  readonly batchSize: number;
  readonly onProgress?: (progress: TableProgress) => void;
}

/** The current generator key (as a label) and the counts of every target field. */
export async function collectStatus(
  targets: readonly TableTarget[],
  options: StatusOptions,
): Promise<{ currentKey: string; fields: FieldStatus[] }> {
  const currentKey = await options.cipher.currentWrappingKey();
  const classify = valueClassifier((value) => options.cipher.inspect(value), currentKey);
  const fields: FieldStatus[] = [];
  for (const target of targets) {
    const key = await keyColumns(options.db, options.dialect.provider, target);
    const total = await countRows(options.db, options.dialect, target, key, undefined);
    const counts = target.encrypted.map(() => ({ null: 0, plaintext: 0, current: 0, otherKeys: 0, malformed: 0, byWrappingKey: {} as Record<string, number> }));
    let scanned = 0;
    const batches = readTable(options.db, target, { dialect: options.dialect, key, batchSize: options.batchSize, after: null });
    await runPipeline(batches, 1, async (batch) => {
      for (const row of batch.rows) {
        row.values.forEach((value, c) => {
          const state = classify(value);
          const count = counts[c]!;
          if (state.kind === 'other-key') {
            count.otherKeys++;
            const label = state.wrappingKeys.join(' + ') || '(none)';
            count.byWrappingKey[label] = (count.byWrappingKey[label] ?? 0) + 1;
          } else {
            count[state.kind === 'null' ? 'null' : state.kind]++;
          }
        });
      }
      scanned += batch.scanned;
      options.onProgress?.({ command: 'status', model: target.model, table: target.table, scanned, total, written: 0, skipped: 0, failed: 0 });
    });
    target.encrypted.forEach((column, c) => {
      fields.push({ model: target.model, field: column.field, table: target.table, column: column.column, rows: scanned, ...counts[c]! });
    });
  }
  return { currentKey: wrappingKeyLabel(currentKey), fields };
}
