/**
 * `status`: per model and field, how many values are null, plaintext, ciphertext under the current
 * generator key, ciphertext under other keys (by wrapping key), and damaged (malformed) messages; and
 * for a field with a blind index, how many entries are empty and under which index key version.
 * Reads only; parses headers only; makes no KMS call (the current key comes from the configuration, or,
 * for a cipher writing compact values, from the key store's rows).
 */
import { APPLICATION_SCOPE, KEY_STORE_PROVIDER_ID, parseIndexValue, type StoredValue, type WrappingKeyRef } from '@prisma-kms/field-crypto';
import type { MigrationCipher, RawSqlClient } from '../config/define-config';
import type { Dialect } from '../sql/dialect';
import { runPipeline } from './batch-pipeline';
import { countRows, MAX_BATCH_CHARS, type TableProgress } from './run-migration';
import { keyColumns } from './sql-runner';
import { readTable } from './table-reader';
import type { TableTarget } from './table-target';
import { scopedValueClassifier, valueClassifier, wrappingKeyLabel, type ClassifyValue } from './value-state';
import type { ScopeKeyIndex } from './scope-keys';

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
  /** Compact values by key scope and key version, when the config has a key store. */
  readonly scopes?: ScopeStatus;
}

/**
 * Where a field's compact values stand in the key store: by the scope and the version of their key
 * (from the store's rows: a storage read, no KMS call).
 */
export interface ScopeStatus {
  /** Values by the scope of their key version (`''`: the application's key). */
  readonly byScope: Readonly<Record<string, number>>;
  /** Values by key-version id, with that version's scope, version number and status. */
  readonly byKeyVersion: Readonly<Record<string, KeyVersionCount>>;
  /** Values under a shredded key version: unreadable for good. */
  readonly shredded: number;
  /** `shredded` by scope. */
  readonly shreddedByScope: Readonly<Record<string, number>>;
  /** Values naming a key-version id the store does not have (restore it with `keys import`). */
  readonly unknownKeyVersion: number;
  /**
   * Models scoped by a field: values whose key version belongs to another scope than the row's (the
   * application's key included): `rotate --scope-by` moves them.
   */
  readonly wrongScope: number;
}

/** One key version's share of a field's values. */
export interface KeyVersionCount {
  readonly scope: string;
  readonly version: number;
  readonly status: string;
  readonly values: number;
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
   * The generator key as configured; for a cipher writing compact values, the key store's current
   * version of the application's key (`prisma-kms-key-store:<key-version id>`). Or a note saying why it
   * is not known (an alias as generator; compact values without the config's `keyStore`): then every
   * ciphertext is listed under `otherKeys` by its wrapping key.
   */
  readonly currentKey: string;
  /** Compact values: the version number of `currentKey` in the key store. */
  readonly currentKeyVersion?: number;
  readonly fields: FieldStatus[];
}

/** Shown instead of the key when the configuration does not name it as KMS records it. */
export const UNKNOWN_CURRENT_KEY = '(not known without asking KMS: configure the generator by key ARN)';
/** Shown instead of the key when the cipher writes compact values and the config has no key store to read. */
export const UNKNOWN_KEY_STORE_VERSION = "(a key-store version: add the config's keyStore so that status can read which)";
/** Shown instead of the key when the cipher writes compact values and the key store has no active key yet. */
export const NO_ACTIVE_KEY_VERSION = '(none: the key store has no active key; run prisma-kms keys create)';

export interface StatusOptions {
  readonly db: RawSqlClient;
  readonly dialect: Dialect;
  readonly cipher: MigrationCipher;
  readonly batchSize: number;
  readonly onProgress?: (progress: TableProgress) => void;
  /** The key store's index (config with a key store): adds {@link ScopeStatus} to each field. */
  readonly keys?: ScopeKeyIndex;
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
  const current = currentKeyOf(options.cipher, options.keys);
  // The classifier and the per-scope count both read a value's header: the second asks for the value just parsed.
  let lastValue: string | undefined;
  let lastStored: StoredValue | undefined;
  const inspect = (value: string): StoredValue => {
    if (value !== lastValue || lastStored === undefined) {
      lastStored = options.cipher.inspect(value);
      lastValue = value;
    }
    return lastStored;
  };
  const unscoped = valueClassifier(inspect, current.ref);
  const keys = options.keys;
  const fields: FieldStatus[] = [];
  for (const target of targets) {
    // a model scoped by a field: current means "under the current key of the row's own scope"
    const scopeColumn = keys && target.scope?.source === 'field' ? target.scope.column : undefined;
    const classify: ClassifyValue = scopeColumn !== undefined ? scopedValueClassifier(inspect, () => keys!, 'move') : unscoped;
    const scopeCounts = target.encrypted.map(() => (keys ? newScopeCounts() : undefined));
    const key = await keyColumns(options.db, options.dialect.provider, target);
    const total = await countRows(options.db, options.dialect, target, key, undefined);
    const counts = target.encrypted.map(() => ({ null: 0, plaintext: 0, current: 0, otherKeys: 0, malformed: 0, byWrappingKey: {} as Record<string, number> }));
    const indexes = target.encrypted.map((c) => (c.blindIndex ? { column: c.blindIndex.column, empty: 0, byVersion: {} as Record<string, number> } : undefined));
    const withIndexes = indexes.some((i) => i !== undefined);
    let scanned = 0;
    // cut by characters too: 1,000 rows of 256 KB values would otherwise be one read of 350 MB of text
    const batches = readTable(options.db, target, {
      dialect: options.dialect,
      key,
      batchSize: options.batchSize,
      after: null,
      withIndexes,
      maxBatchChars: MAX_BATCH_CHARS,
      ...(scopeColumn !== undefined ? { scope: { column: scopeColumn } } : {}),
    });
    await runPipeline(batches, 1, async (batch) => {
      for (const row of batch.rows) {
        row.values.forEach((value, c) => {
          const index = indexes[c];
          if (index && value !== null) countIndexEntry(index, row.indexes?.[c] ?? null);
          const state = classify(value, row.scope ?? undefined);
          const count = counts[c]!;
          const scoped = scopeCounts[c];
          if (scoped && value !== null) countScope(scoped, keys!, inspect(value), scopeColumn !== undefined ? row.scope : undefined);
          if (state.kind === 'shredded' || state.kind === 'other-scope') {
            // counted in `scopes` (a scope-field classifier only says shredded; other-scope is --scope's)
          } else if (state.kind === 'other-key') {
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
      const scoped = scopeCounts[c];
      fields.push({
        model: target.model,
        field: column.field,
        table: target.table,
        column: column.column,
        rows: scanned,
        ...counts[c]!,
        ...(index ? { blindIndex: index } : {}),
        ...(scoped ? { scopes: scoped } : {}),
      });
    });
  }
  return { currentKey: current.label, ...(current.version !== undefined ? { currentKeyVersion: current.version } : {}), fields };
}

/** The key new values are written under, as far as the config and the key store's rows tell. */
interface CurrentKey {
  readonly ref: WrappingKeyRef | null;
  /** `ref` as a label, or why it is not known. */
  readonly label: string;
  /** Compact values: `ref`'s version number in the key store. */
  readonly version?: number;
}

/**
 * The current key without a KMS call: the keyring's configured generator for the message format; for
 * compact values, the key store's current version of the application's key, from the store's rows (the
 * cipher could only tell by loading it, a KMS Decrypt).
 */
function currentKeyOf(cipher: MigrationCipher, keys: ScopeKeyIndex | undefined): CurrentKey {
  if (cipher.format === 'compact') {
    if (!keys) return { ref: null, label: UNKNOWN_KEY_STORE_VERSION };
    const id = keys.currentId(APPLICATION_SCOPE);
    const facts = id === undefined ? undefined : keys.keyVersion(id);
    if (id === undefined || !facts) return { ref: null, label: NO_ACTIVE_KEY_VERSION };
    const ref: WrappingKeyRef = { providerId: KEY_STORE_PROVIDER_ID, keyId: String(id) };
    return { ref, label: wrappingKeyLabel(ref), version: facts.version };
  }
  const ref = cipher.configuredWrappingKey() ?? null;
  return { ref, label: ref ? wrappingKeyLabel(ref) : UNKNOWN_CURRENT_KEY };
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

interface ScopeCounts {
  byScope: Record<string, number>;
  byKeyVersion: Record<string, KeyVersionCount>;
  shredded: number;
  shreddedByScope: Record<string, number>;
  unknownKeyVersion: number;
  wrongScope: number;
}

function newScopeCounts(): ScopeCounts {
  return { byScope: {}, byKeyVersion: {}, shredded: 0, shreddedByScope: {}, unknownKeyVersion: 0, wrongScope: 0 };
}

/**
 * Counts one stored value by its key version's scope; `rowScope` is the row's scope column (models
 * scoped by a field; null when the column is NULL), undefined otherwise.
 */
function countScope(counts: ScopeCounts, keys: ScopeKeyIndex, stored: ReturnType<StatusOptions['cipher']['inspect']>, rowScope: string | null | undefined): void {
  if (stored.kind === 'plaintext' || stored.kind === 'malformed') return;
  if (stored.kind === 'ciphertext') {
    // a standalone message is under the application's keyring: in a scope-field model, the wrong scope
    if (rowScope !== undefined) counts.wrongScope++;
    return;
  }
  const facts = keys.keyVersion(stored.keyVersionId);
  if (!facts) {
    counts.unknownKeyVersion++;
    return;
  }
  counts.byScope[facts.scope] = (counts.byScope[facts.scope] ?? 0) + 1;
  const id = String(stored.keyVersionId);
  const entry = counts.byKeyVersion[id];
  counts.byKeyVersion[id] = { scope: facts.scope, version: facts.version, status: facts.status, values: (entry?.values ?? 0) + 1 };
  if (facts.status === 'shredded') {
    counts.shredded++;
    counts.shreddedByScope[facts.scope] = (counts.shreddedByScope[facts.scope] ?? 0) + 1;
  } else if (rowScope !== undefined && facts.scope !== rowScope) {
    counts.wrongScope++;
  }
}
