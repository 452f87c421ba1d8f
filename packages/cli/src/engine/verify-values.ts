/**
 * `verify`: decrypts every stored value with the given cipher (the configured one, or e.g. a
 * recovery-only one) and reports each value that does not decrypt, by model, field and primary key.
 * Changes nothing. A plaintext value in an encrypted column is a failure too (`PLAINTEXT`), and so is a
 * damaged message (`MALFORMED`, with field-crypto's reason).
 */
import type { MigrationCipher, RawSqlClient } from '../config/define-config';
import type { Dialect } from '../sql/dialect';
import { runPipeline } from './batch-pipeline';
import { countRows, keyRecord, MAX_BATCH_CHARS, MAX_IN_FLIGHT_CHARS, MAX_LISTED_FAILURES, type TableProgress, type ValueFailure } from './run-migration';
import type { ShardSpec } from './shard';
import { keyColumns } from './sql-runner';
import { readTable } from './table-reader';
import type { TableTarget } from './table-target';
import { inThreadCrypto, type BatchCrypto } from './batch-crypto';
import { MALFORMED_FAILURE, valueClassifier } from './value-state';

/** The failure code of a value that is still plaintext. */
export const PLAINTEXT_FAILURE = 'PLAINTEXT';

export interface VerifyOptions {
  readonly db: RawSqlClient;
  readonly dialect: Dialect;
  readonly cipher: MigrationCipher;
  /** Where the decryption runs; default: this thread, with `cipher`. */
  readonly crypto?: BatchCrypto;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly shard?: ShardSpec;
  readonly onProgress?: (progress: TableProgress) => void;
}

export interface TableVerifyResult {
  readonly model: string;
  readonly table: string;
  readonly rowsScanned: number;
  /** Non-null values checked. */
  readonly valuesChecked: number;
  readonly failureCount: number;
  /** The first {@link MAX_LISTED_FAILURES} failures, in key order within each batch. */
  readonly failures: readonly ValueFailure[];
}

export async function verifyTables(targets: readonly TableTarget[], options: VerifyOptions): Promise<TableVerifyResult[]> {
  // Only "is this ciphertext?" matters here, so any key label will do as the current key.
  const classify = valueClassifier((value) => options.cipher.inspect(value), null);
  const crypto = options.crypto ?? inThreadCrypto(options.cipher);
  const results: TableVerifyResult[] = [];
  for (const target of targets) {
    const key = await keyColumns(options.db, options.dialect.provider, target);
    const total = await countRows(options.db, options.dialect, target, key, options.shard);
    let scanned = 0;
    let checked = 0;
    let failureCount = 0;
    const failures: ValueFailure[] = [];
    const record = (failure: ValueFailure): void => {
      failureCount++;
      if (failures.length < MAX_LISTED_FAILURES) failures.push(failure);
    };
    const batches = readTable(options.db, target, {
      dialect: options.dialect,
      key,
      batchSize: options.batchSize,
      after: null,
      maxBatchChars: MAX_BATCH_CHARS,
      ...(options.shard ? { shard: options.shard } : {}),
    });
    const budget = { weigh: (batch: { chars: number }) => batch.chars, max: MAX_IN_FLIGHT_CHARS };
    await runPipeline(batches, options.concurrency, async (batch) => {
      const items: Array<{ row: number; column: number; value: string }> = [];
      batch.rows.forEach((row, r) => {
        row.values.forEach((value, c) => {
          if (value === null) return;
          checked++;
          const field = target.encrypted[c]!.field;
          const state = classify(value);
          if (state.kind === 'plaintext') {
            record({ model: target.model, field, key: keyRecord(target, row.key), code: PLAINTEXT_FAILURE });
          } else if (state.kind === 'malformed') {
            record({ model: target.model, field, key: keyRecord(target, row.key), code: MALFORMED_FAILURE, reason: state.reason });
          } else {
            items.push({ row: r, column: c, value });
          }
        });
      });
      const outcomes = await crypto.decryptEach(
        items.map((item) => ({ value: item.value, field: { model: target.model, field: target.encrypted[item.column]!.field } })),
      );
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) return;
        const item = items[i]!;
        record({
          model: target.model,
          field: target.encrypted[item.column]!.field,
          key: keyRecord(target, batch.rows[item.row]!.key),
          code: outcome.code,
          ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
        });
      });
      scanned += batch.scanned;
      options.onProgress?.({ command: 'verify', model: target.model, table: target.table, scanned, total: Math.max(total, scanned), written: 0, skipped: 0, failed: failureCount, retries: 0 });
    }, budget);
    results.push({ model: target.model, table: target.table, rowsScanned: scanned, valuesChecked: checked, failureCount, failures });
  }
  return results;
}
