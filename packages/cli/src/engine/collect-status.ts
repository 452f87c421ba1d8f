/**
 * `status`: per model and field, how many values are null, plaintext, ciphertext under the current
 * generator key, ciphertext under other keys (by wrapping key), and damaged (malformed) messages; and
 * for a field with a blind index, how many entries are empty and under which index key version.
 * Reads only; parses headers only; makes no KMS call (the current key comes from the configuration).
 */
import { parseIndexValue } from '@prisma-kms/field-crypto';
import type { MigrationCipher, RawSqlClient } from '../config/define-config';
import type { Dialect } from '../sql/dialect';
import { runPipeline } from './batch-pipeline';
import { countRows, MAX_BATCH_CHARS, type TableProgress } from './run-migration';
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
  /** Coverage of the field's blind index, when it has one. */
  readonly blindIndex?: BlindIndexStatus;
}

/** How far a blind index column covers its field. */
export interface BlindIndexStatus {
  readonly column: string;
  /** Rows whose value is set but whose index entry is empty (or not an index value): equality cannot find them. */
  readonly empty: number;
  /** Entries by index key version (`v1`, `v2`, ...): entries under an older version than the current key need `reindex`. */
  readonly byVersion: Readonly<Record<string, number>>;
}

/** What `status` reports: the current generator key (as configured) and the counts of every target field. */
export interface StatusReport {
  /**
   * The generator key as configured, or a note that only KMS could tell (an alias): then every
   * ciphertext is listed under `otherKeys` by its wrapping key.
   */
  readonly currentKey: string;
  readonly fields: FieldStatus[];
}

/** Shown instead of the key when the configuration does not name it as KMS records it. */
export const UNKNOWN_CURRENT_KEY = '(not known without asking KMS: configure the generator by key ARN)';

export interface StatusOptions {
  readonly db: RawSqlClient;
  readonly dialect: Dialect;
  readonly cipher: MigrationCipher;
  readonly batchSize: number;
  readonly onProgress?: (progress: TableProgress) => void;
}

/**
 * The current generator key (as a label) and the counts of every target field.
 *
 * @example
 * ```ts
 * const report = await collectStatus(targets, { db: prisma, dialect: dialectFor('postgresql'), cipher, batchSize: 1000 });
 * report.fields[0]?.plaintext; // values `encrypt` would still take
 * ```
 */
export async function collectStatus(targets: readonly TableTarget[], options: StatusOptions): Promise<StatusReport> {
  const currentKey = options.cipher.configuredWrappingKey() ?? null;
  const classify = valueClassifier((value) => options.cipher.inspect(value), currentKey);
  const fields: FieldStatus[] = [];
  for (const target of targets) {
    const key = await keyColumns(options.db, options.dialect.provider, target);
    const total = await countRows(options.db, options.dialect, target, key, undefined);
    const counts = target.encrypted.map(() => ({ null: 0, plaintext: 0, current: 0, otherKeys: 0, malformed: 0, byWrappingKey: {} as Record<string, number> }));
    const indexes = target.encrypted.map((c) => (c.blindIndex ? { column: c.blindIndex.column, empty: 0, byVersion: {} as Record<string, number> } : undefined));
    const withIndexes = indexes.some((i) => i !== undefined);
    let scanned = 0;
    // cut by characters too: 1,000 rows of 256 KB values would otherwise be one read of 350 MB of text
    const batches = readTable(options.db, target, { dialect: options.dialect, key, batchSize: options.batchSize, after: null, withIndexes, maxBatchChars: MAX_BATCH_CHARS });
    await runPipeline(batches, 1, async (batch) => {
      for (const row of batch.rows) {
        row.values.forEach((value, c) => {
          const index = indexes[c];
          if (index && value !== null) countIndexEntry(index, row.indexes?.[c] ?? null);
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
      options.onProgress?.({ command: 'status', model: target.model, table: target.table, scanned, total: Math.max(total, scanned), written: 0, skipped: 0, failed: 0, retries: 0 });
    });
    target.encrypted.forEach((column, c) => {
      const index = indexes[c];
      fields.push({ model: target.model, field: column.field, table: target.table, column: column.column, rows: scanned, ...counts[c]!, ...(index ? { blindIndex: index } : {}) });
    });
  }
  return { currentKey: currentKey ? wrappingKeyLabel(currentKey) : UNKNOWN_CURRENT_KEY, fields };
}

function countIndexEntry(index: { empty: number; byVersion: Record<string, number> }, stored: string | null): void {
  const parsed = stored === null ? undefined : parseIndexValue(stored);
  if (!parsed) {
    index.empty++;
    return;
  }
  const version = `v${parsed.version}`;
  index.byVersion[version] = (index.byVersion[version] ?? 0) + 1;
}
