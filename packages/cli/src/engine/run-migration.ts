/**
 * `encrypt`, `rotate`, `decrypt` and `reindex`: read a batch in key order, plan it (parsing decides),
 * run one batch of crypto, write it back in ONE compare-and-set UPDATE; several batches in flight; a
 * checkpoint after every contiguous run of finished batches. Every run ends with a final check: a
 * read of the whole table that counts, per field, the values still in the wrong state.
 */
import type { MigrationBlindIndexer, MigrationCipher, RawSqlClient } from '../config/define-config';
import { CliError } from '../errors';
import type { Dialect, KeyColumn } from '../sql/dialect';
import { runPipeline } from './batch-pipeline';
import type { CheckpointIdentity, CheckpointStore } from './checkpoint';
import { configDigest } from './config-digest';
import { databaseIdentity } from './database-identity';
import { CompletionTracker } from './completion-tracker';
import {
  buildBatchWrite,
  planBatch,
  type BatchPlan,
  type BatchWrite,
  type ComputeBlindIndex,
  type MigrationCommand,
  type PlannedValue,
  type ReadRow,
  type ValueOutcome,
} from './plan-batch';
import { buildReindexWrite, planReindex } from './plan-reindex';
import { formatShard, shardsInSql, type ShardSpec } from './shard';
import { keyColumns, queryRows } from './sql-runner';
import { DEFAULT_LOCK_TIMEOUT_MS, writeBatch } from './batch-write';
import { UNIQUE_CONFLICT_FAILURE, writeIsolatingConflicts } from './unique-violation';
import { DEFAULT_RETRY_POLICY, withRetry, type Retrying, type RetryNotice, type RetryPolicy } from './transient-retry';
import { readTable } from './table-reader';
import type { TableTarget } from './table-target';
import { inThreadCrypto, type BatchCrypto } from './batch-crypto';
import { transformValues } from './transform-values';
import { MALFORMED_FAILURE, valueClassifier, wrappingKeyLabel, type ClassifyValue } from './value-state';
import { ScopeKeys, scopingFor, type MigrationScopes, type TableScoping } from './scoped-run';

/**
 * Memory bounds that hold whatever the size of the values: a batch is cut to about 1 M characters of
 * stored values, and batches in flight wait while they hold 4 M. Each value lives in many copies on
 * the way (read text, bytes, ciphertext, base64, the UPDATE's parameters as Prisma and the driver
 * serialize them, about 3 MB in all for a value of 256 KB): 300 values of 256 KB reached 877 MB RSS
 * with 8 M / 24 M, 356 MB with 2 M / 8 M, and, once Prisma's debug histories were emptied, 227 MB with
 * 2 M / 8 M and 196 to 200 MB with these, in the same time. Ordinary rows (1,000 rows of a few short
 * fields, even as ciphertext: two message-format values are about 770 characters) stay under 1 M, so
 * their batches keep `--batch-size` rows.
 */
export const MAX_BATCH_CHARS = 1_000_000;
export const MAX_IN_FLIGHT_CHARS = 4_000_000;

/**
 * Scopes whose blind indexers a batch fetches at once: a cold scope costs a key-store read and a KMS
 * Decrypt (or, on first write, a new key), so one at a time is slow for per-user scopes, and all at once
 * queues hundreds of KMS calls behind the SDK's sockets and times them out.
 */
export const SCOPE_INDEXER_FETCHES = 16;

/** How many individual failures a result lists (all are counted). */
export const MAX_LISTED_FAILURES = 1000;

/** A value that could not be transformed or verified, named by model, field and primary key (never its content). */
export interface ValueFailure {
  readonly model: string;
  readonly field: string;
  /** Primary key by column name. */
  readonly key: Readonly<Record<string, unknown>>;
  /**
   * The cipher's error code, `MALFORMED` for a damaged message (left as it is by every command), or
   * `PLAINTEXT` (verify) for a value that was never encrypted.
   */
  readonly code: string;
  /** For `MALFORMED`: field-crypto's check that failed (`truncated`, ...); for a key-store error, its reason (`KEY_SCOPE_SHREDDED`, ...). */
  readonly reason?: string;
}

/** Progress of one table, reported after every batch. */
export interface TableProgress {
  readonly command: string;
  readonly model: string;
  readonly table: string;
  /** Rows read so far (including those read by the run a checkpoint resumed). */
  readonly scanned: number;
  /** Rows in the table (in this shard, when the shard is taken in SQL) when the run started. */
  readonly total: number;
  readonly written: number;
  readonly skipped: number;
  readonly failed: number;
  /** Batch statements retried after a transient database error (deadlock, lock timeout, lost connection). */
  readonly retries: number;
}

export interface MigrationOptions {
  readonly db: RawSqlClient;
  readonly dialect: Dialect;
  readonly cipher: MigrationCipher;
  /** Where the crypto runs; default: this thread, with `cipher`. */
  readonly crypto?: BatchCrypto;
  /** Fills blind index columns on `encrypt` (required when a target field has one); required by `reindex`. */
  readonly blindIndexer?: MigrationBlindIndexer;
  readonly command: MigrationCommand;
  /** `reindex`: recompute every entry, not only those under an older index key or length (after a change of normalization). */
  readonly full?: boolean;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly dryRun?: boolean;
  /** `encrypt`: encrypt malformed values as if they were plaintext (`--encrypt-malformed`); default: leave and report them. */
  readonly encryptMalformed?: boolean;
  readonly shard?: ShardSpec;
  /** Where checkpoints live; null runs without them. */
  readonly checkpoints: CheckpointStore | null;
  readonly onProgress?: (progress: TableProgress) => void;
  /**
   * Called between reading a batch and writing it (tests use it to play a concurrent writer).
   * Receives the primary keys of the rows about to be written.
   */
  readonly beforeWrite?: (batch: { readonly model: string; readonly keys: ReadonlyArray<readonly unknown[]> }) => Promise<void>;
  /** Called after each batch UPDATE (the CLI empties Prisma's debug history there, see prisma-debug-history). */
  readonly afterWrite?: () => void;
  /** Bound on one batch UPDATE's wait for row locks (see batch-write); default {@link DEFAULT_LOCK_TIMEOUT_MS}. */
  readonly lockTimeoutMs?: number;
  /** Retries of a batch's read or write after a transient database error; default {@link DEFAULT_RETRY_POLICY}. */
  readonly retry?: RetryPolicy;
  /** Told before each retry (the CLI prints it with the progress). */
  readonly onRetry?: (notice: RetryNotice & { readonly model: string }) => void;
  /**
   * Scoped models (`@encrypted(scope: ...)`): `encrypt` and `rotate` put each row's values under its own
   * scope's key. Needed when a target is scoped; see scoped-run.
   */
  readonly scopes?: MigrationScopes;
  /** `--scope-by <field>`: every target must be scoped by this field (refused otherwise). */
  readonly scopeBy?: string;
}

export interface TableMigrationResult {
  readonly model: string;
  readonly table: string;
  readonly fields: readonly string[];
  /** Rows read by this run. */
  readonly rowsScanned: number;
  /** Values that needed the command (and, unless dry-run, were transformed). */
  readonly valuesPlanned: number;
  /** Rows the UPDATEs wrote. */
  readonly rowsWritten: number;
  /** Rows a concurrent writer changed between read and write: left alone, a rerun picks them up. */
  readonly rowsSkipped: number;
  /** Batch statements retried after a transient database error. */
  readonly retries: number;
  readonly failureCount: number;
  /** The first {@link MAX_LISTED_FAILURES} failures. */
  readonly failures: readonly ValueFailure[];
  /** True when the run started from a checkpoint. */
  readonly resumed: boolean;
  /**
   * True when the final check found values a resumed run had stepped over (a stale checkpoint) and
   * the run went over the table again from the start.
   */
  readonly rescanned: boolean;
  /**
   * Per field, the values the final check (a read of the whole table after the run; for `--dry-run`,
   * the run itself) found still needing the command: plaintext after `encrypt` (legacy writes
   * included), ciphertext after `decrypt`, values under other keys after `rotate`, stale index entries
   * after `reindex`; damaged (MALFORMED) values count everywhere.
   */
  readonly remaining: RemainingValues;
  /** True when nothing remains: the only case in which the CLI exits 0. */
  readonly done: boolean;
}

/**
 * Runs `options.command` over each target table in turn.
 *
 * @example
 * ```ts
 * const results = await runMigration(selectTargets(fieldMap), {
 *   db: prisma, dialect: dialectFor('postgresql'), cipher, command: 'encrypt',
 *   batchSize: 1000, concurrency: 4, checkpoints: new CheckpointStore('.prisma-kms'),
 * });
 * ```
 */
export async function runMigration(targets: readonly TableTarget[], options: MigrationOptions): Promise<TableMigrationResult[]> {
  // every refusal (a request-scoped model without --scope, a scoped model without a key store) before any work
  const scopings = targets.map((target) => scopingFor(target, options.command, options.scopes, options.scopeBy));
  const unscoped = targets.filter((_, i) => scopings[i] === undefined);
  if (options.command === 'encrypt' && !options.blindIndexer && !options.dryRun) {
    const indexed = unscoped.flatMap((t) => t.encrypted.filter((c) => c.blindIndex).map((c) => `${t.model}.${c.field}`));
    if (indexed.length > 0) {
      // Encrypting without filling the index would leave those rows unfindable by equality.
      throw new CliError(
        'CONFIG_INVALID',
        `${indexed.join(', ')} ${indexed.length > 1 ? 'have' : 'has'} a blind index: give the config a blindIndexer ` +
          '(createBlindIndexer(await loadIndexKeys(...))) so encrypt can fill it, or leave the field out with --field',
      );
    }
  }
  if (options.command === 'reindex' && !options.blindIndexer) {
    throw new CliError('CONFIG_INVALID', 'reindex needs the config\'s blindIndexer (createBlindIndexer(await loadIndexKeys(...)))');
  }
  // Only rotate needs the key KMS wraps new data keys with (a GenerateDataKey); encrypt, decrypt and
  // reindex only tell plaintext from ciphertext, so decrypt needs nothing but Decrypt from KMS.
  // (Scoped tables judge by each row's scope instead: a deployment with per-scope keys only may have no application key.)
  const currentKey = options.command === 'rotate' && unscoped.length > 0 ? await options.cipher.currentWrappingKey() : null;
  const classify = valueClassifier((value) => options.cipher.inspect(value), currentKey);
  const results: TableMigrationResult[] = [];
  for (const [i, target] of targets.entries()) {
    results.push(await migrateTable(target, options, classify, currentKey ? wrappingKeyLabel(currentKey) : '', scopings[i]));
  }
  return results;
}

/** Values of each field (by field name) that still need the command, damaged ones included. */
export type RemainingValues = Readonly<Record<string, number>>;

/** The values still left in the wrong state, summed over fields. */
export function remainingTotal(remaining: RemainingValues): number {
  return Object.values(remaining).reduce((n, v) => n + v, 0);
}

async function migrateTable(
  target: TableTarget,
  options: MigrationOptions,
  classify: ClassifyValue,
  currentKeyLabel: string,
  scoping: TableScoping | undefined,
): Promise<TableMigrationResult> {
  const { db, dialect, command } = options;
  // Every statement of a table's run survives a failover, not only the batches: a connection killed
  // during the final check's count must not turn a finished run into an error.
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const retrying: Retrying = (run, what) => withRetry(run, what, policy, (notice) => options.onRetry?.({ ...notice, model: target.model }));
  const key = await retrying(() => keyColumns(db, dialect.provider, target), `reading the column types of table "${target.table}"`);
  // Counted once per table run, not per scan: the count only sizes progress (whose total is never below
  // the rows scanned, so rows added meanwhile still end a scan at 100%).
  const total = await countRows(db, dialect, target, key, options.shard, retrying);
  const scan = (phase: ScanPhase): Promise<TableScan> => scanTable(target, options, classify, key, total, phase, scoping);
  if (options.dryRun) {
    const dry = await scan({ label: command, write: false, full: options.full ?? false, checkpoint: null });
    return tableResult(target, dry, dry.remaining, false, false);
  }
  // Only a run that writes keeps a checkpoint: a dry run needs no identity (one query and a digest saved).
  const identity: CheckpointIdentity = {
    command,
    model: target.model,
    table: target.table,
    fields: target.encrypted.map((c) => c.field),
    shard: options.shard ? formatShard(options.shard) : null,
    ...(command === 'rotate' ? { targetKey: scoping ? scoping.checkpointLabel : currentKeyLabel } : {}),
    ...(command === 'encrypt' && scoping ? { targetKey: scoping.checkpointLabel } : {}),
    ...(command === 'reindex' ? { targetKey: `index-key-v${options.blindIndexer!.currentVersion}${options.full ? '-full' : ''}` } : {}),
    database: await retrying(() => databaseIdentity(db, dialect.provider, target.table), `identifying the database of table "${target.table}"`),
    configDigest: configDigest(target, options.cipher.configuredWrappingKey()),
  };
  const checkpoints = options.checkpoints;
  // Once this run changes these fields, another command's checkpoint on them no longer tells the truth.
  checkpoints?.invalidateOthers(identity);
  const resume = checkpoints?.load(identity) ?? null;
  const checkpoint = checkpoints ? { store: checkpoints, identity, resume } : null;
  let pass = await scan({ label: command, write: true, full: options.full ?? false, checkpoint });
  // The run reached the end of the table: the next run starts over, so it also sees the rows this one
  // skipped and anything written behind it. (A run that dies keeps its checkpoint, frozen before the
  // first batch that left work undone, so resuming never steps over skipped rows.)
  checkpoints?.clear(identity);
  const finalCheck = (): Promise<TableScan> => scan({ label: `${command} final check`, write: false, full: false, checkpoint: null });
  // The exit status rests on this count of the whole table, never on the checkpoint.
  let check = await finalCheck();
  let rescanned = false;
  if (resume && remainingTotal(check.remaining) > 0) {
    // The checkpoint stepped over rows that still need the command (rows changed behind it since):
    // one pass from the start takes them too.
    rescanned = true;
    pass = addScans(pass, await scan({ label: command, write: true, full: options.full ?? false, checkpoint: null }));
    check = await finalCheck();
  }
  return tableResult(target, pass, check.remaining, resume !== null, rescanned);
}

/** One read of a table: a pass that writes, a dry run, or the final check (which writes nothing). */
interface ScanPhase {
  /** Shown in progress output. */
  readonly label: string;
  readonly write: boolean;
  /** reindex: plan every entry. */
  readonly full: boolean;
  readonly checkpoint: { readonly store: CheckpointStore; readonly identity: CheckpointIdentity; readonly resume: { after: unknown[]; rowsScanned: number } | null } | null;
}

interface TableScan {
  readonly scanned: number;
  readonly planned: number;
  readonly written: number;
  readonly skipped: number;
  readonly failed: number;
  readonly retries: number;
  readonly failures: readonly ValueFailure[];
  /** Planned and damaged values per field: what a check finds left to do. */
  readonly remaining: RemainingValues;
}

function addScans(a: TableScan, b: TableScan): TableScan {
  return {
    scanned: a.scanned + b.scanned,
    planned: a.planned + b.planned,
    written: a.written + b.written,
    skipped: a.skipped + b.skipped,
    failed: a.failed + b.failed,
    retries: a.retries + b.retries,
    failures: [...a.failures, ...b.failures].slice(0, MAX_LISTED_FAILURES),
    remaining: b.remaining,
  };
}

function tableResult(target: TableTarget, pass: TableScan, remaining: RemainingValues, resumed: boolean, rescanned: boolean): TableMigrationResult {
  return {
    model: target.model,
    table: target.table,
    fields: target.encrypted.map((c) => c.field),
    rowsScanned: pass.scanned,
    valuesPlanned: pass.planned,
    rowsWritten: pass.written,
    rowsSkipped: pass.skipped,
    retries: pass.retries,
    failureCount: pass.failed,
    failures: pass.failures,
    resumed,
    rescanned,
    remaining,
    done: remainingTotal(remaining) === 0,
  };
}

async function scanTable(
  target: TableTarget,
  options: MigrationOptions,
  unscopedClassify: ClassifyValue,
  key: readonly KeyColumn[],
  /** The table's rows when the run started (see {@link countRows}). */
  total: number,
  phase: ScanPhase,
  scoping: TableScoping | undefined,
): Promise<TableScan> {
  const { db, dialect, command } = options;
  const counters = { scanned: 0, planned: 0, written: 0, skipped: 0, failed: 0, retries: 0 };
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  // set once the scan is ready; a retry before that (of the key store's read) reports no progress
  let report = (): void => undefined;
  const retrying: Retrying = (run, what) =>
    withRetry(run, what, policy, (notice) => {
      counters.retries++;
      options.onRetry?.({ ...notice, model: target.model });
      report();
    });
  // read at the start of every scan, so the final check judges with the key store as it is then
  const scopeKeys = scoping ? await ScopeKeys.load(() => retrying(() => options.scopes!.readKeys(), 'reading the key store')) : undefined;
  const classify = scopeKeys && scoping ? scopeKeys.classifier((value) => options.cipher.inspect(value), scoping.foreign) : unscopedClassify;
  const crypto = options.crypto ?? inThreadCrypto(options.cipher);
  const resume = phase.checkpoint?.resume ?? null;

  const tracker = new CompletionTracker<readonly unknown[]>();
  const scannedBefore = resume?.rowsScanned ?? 0;
  const remainingByColumn = target.encrypted.map(() => 0);
  const failures: ValueFailure[] = [];
  // Per column, once per table: the hot path below runs for every value of a million-row table.
  const fieldRefs = target.encrypted.map((column) => ({ model: target.model, field: column.field }));
  const fieldOf = (column: number) => fieldRefs[column]!;
  type HashOptions = Parameters<MigrationBlindIndexer['compute']>[2];
  const hashOptionsByColumn = target.encrypted.map((column): HashOptions | undefined =>
    column.blindIndex
      ? {
          normalize: column.blindIndex.normalize as HashOptions['normalize'],
          ...(column.blindIndex.bytes !== undefined ? { bytes: column.blindIndex.bytes } : {}),
        }
      : undefined,
  );
  const hashOptions = (column: number): HashOptions => hashOptionsByColumn[column]!;
  const indexer = options.blindIndexer;
  const blindIndex = indexer ? (column: number, plaintext: string): string => indexer.compute(fieldOf(column), plaintext, hashOptions(column)) : undefined;
  // the field a unique violation is reported on: the one whose blind index column can be unique
  const conflictColumn = Math.max(0, target.encrypted.findIndex((c) => c.blindIndex !== undefined));
  const planner = batchPlanner(
    target,
    { command, full: phase.full, encryptMalformed: options.encryptMalformed ?? false, ...(scoping?.scopeColumn !== undefined ? { scopeColumn: scoping.scopeColumn } : {}), scoped: scoping !== undefined },
    classify,
    (column, stored) => indexer!.isCurrent(stored, hashOptions(column)),
  );
  /**
   * The blind index function of a batch: the config's indexer, or (scoped runs) entries computed here from
   * each value's plaintext with its scope's indexer, scope by scope, each right after it is fetched (the
   * application's key store may evict an indexer when a batch spans more scopes than its cache holds).
   */
  const blindIndexFor = async (work: readonly PlannedValue[], outcomes: readonly ValueOutcome[]): Promise<ComputeBlindIndex | undefined> => {
    if (!scoping) return blindIndex;
    const perScope = options.scopes?.blindIndexer;
    if (!perScope) return undefined;
    const byScope = new Map<string, Array<{ column: number; plaintext: string }>>();
    work.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (!target.encrypted[item.column]!.blindIndex || item.scope === undefined || !outcome.ok) return;
      const plaintext = item.action === 'encrypt' ? item.value : outcome.plaintext;
      if (plaintext === undefined) return;
      let items = byScope.get(item.scope);
      if (!items) byScope.set(item.scope, (items = []));
      items.push({ column: item.column, plaintext });
    });
    const entries = new Map<string, string>();
    const slot = (scope: string, column: number, plaintext: string): string => JSON.stringify([scope, column, plaintext]);
    // a batch of per-user scopes names up to a batch's worth of cold scopes: fetch a few at a time
    const pending = [...byScope];
    const fetchNext = async (): Promise<void> => {
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        const [scope, items] = next;
        const indexer = await perScope.call(options.scopes, scope);
        for (const { column, plaintext } of items) entries.set(slot(scope, column, plaintext), indexer.compute(fieldOf(column), plaintext, hashOptions(column)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(SCOPE_INDEXER_FETCHES, pending.length) }, fetchNext));
    return (column, plaintext, scope) => entries.get(slot(scope!, column, plaintext))!;
  };

  report = (): void => {
    const scanned = scannedBefore + counters.scanned;
    options.onProgress?.({
      command: phase.label,
      model: target.model,
      table: target.table,
      scanned,
      // rows inserted during the run would otherwise push progress past 100%
      total: Math.max(total, scanned),
      written: counters.written,
      skipped: counters.skipped,
      failed: counters.failed,
      retries: counters.retries,
    });
  };

  const batches = readTable(db, target, {
    dialect,
    key,
    batchSize: options.batchSize,
    after: resume?.after ?? null,
    ...(options.shard ? { shard: options.shard } : {}),
    withIndexes: command === 'reindex',
    ...(scoping ? { scope: scoping.rowScope } : {}),
    retry: retrying,
    maxBatchChars: MAX_BATCH_CHARS,
  });

  const budget = { weigh: (batch: { chars: number }) => batch.chars, max: MAX_IN_FLIGHT_CHARS };
  await runPipeline(batches, options.concurrency, async (batch) => {
    tracker.started(batch.seq, batch.lastKey);
    let plan = planner.plan(batch.rows);
    if (scopeKeys && (await refreshedFor(scopeKeys, plan.work, options.cipher))) plan = planner.plan(batch.rows);
    const { work, malformed, refused } = plan;
    counters.planned += work.length;
    for (const item of work) remainingByColumn[item.column]!++;
    let clean = true;
    const fail = (failure: { row: number; column: number; code: string; reason?: string }): void => {
      counters.failed++;
      clean = false;
      if (failures.length < MAX_LISTED_FAILURES) {
        failures.push({
          ...fieldOf(failure.column),
          key: keyRecord(target, batch.rows[failure.row]!.key),
          code: failure.code,
          ...(failure.reason !== undefined ? { reason: failure.reason } : {}),
        });
      }
    };
    // A damaged message is never plaintext: no command touches it, every one reports it.
    for (const value of malformed) {
      remainingByColumn[value.column]!++;
      fail({ ...value, code: MALFORMED_FAILURE });
    }
    // a scoped row without a scope (NULL scope column): never written under a guessed key
    for (const value of refused) {
      remainingByColumn[value.column]!++;
      fail(value);
    }
    if (phase.write && work.length > 0) {
      const outcomes = await transformValues(crypto, work, fieldOf);
      const write = planner.write(batch.rows, work, outcomes, await blindIndexFor(work, outcomes));
      write.failed.forEach(fail);
      if (write.rows.length > 0) {
        await options.beforeWrite?.({ model: target.model, keys: write.rows.map((row) => row.key) });
        const what = `writing table "${target.table}"`;
        const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
        const writeRows = (rows: typeof write.rows): Promise<number> =>
          retrying(() => writeBatch(db, dialect.provider, dialect.updateBatch({ table: target.table, key, columns: write.columns, rows }), lockTimeoutMs, what), what);
        // a @unique blind index can refuse a row (two spellings of one email): report it, write the rest
        const { written: affected, conflicts } = await writeIsolatingConflicts(write.rows, writeRows);
        options.afterWrite?.();
        for (const row of conflicts) fail({ row: batch.rows.findIndex((r) => r.key === row.key), column: conflictColumn, code: UNIQUE_CONFLICT_FAILURE });
        const expected = write.rows.length - conflicts.length;
        const written = Math.min(affected, expected);
        counters.written += written;
        if (written < expected) {
          counters.skipped += expected - written;
          clean = false;
        }
      }
    }
    counters.scanned += batch.scanned;
    const advancedTo = tracker.finished(batch.seq, clean);
    if (advancedTo && phase.checkpoint) phase.checkpoint.store.save(phase.checkpoint.identity, advancedTo, scannedBefore + counters.scanned);
    report();
  }, budget);

  if (counters.scanned === 0) report(); // an empty table (or nothing left after a checkpoint) still reports once
  const remaining: Record<string, number> = {};
  target.encrypted.forEach((column, c) => {
    remaining[column.field] = remainingByColumn[c]!;
  });
  return { ...counters, failures, remaining };
}

/** How one command plans a batch and turns the crypto's outcomes into its UPDATE. */
interface BatchPlanner {
  plan(rows: readonly ReadRow[]): BatchPlan;
  write(rows: readonly ReadRow[], work: readonly PlannedValue[], outcomes: readonly ValueOutcome[], blindIndex: ComputeBlindIndex | undefined): BatchWrite;
}

function batchPlanner(
  target: TableTarget,
  options: { readonly command: MigrationCommand; readonly full: boolean; readonly encryptMalformed: boolean; readonly scopeColumn?: string; readonly scoped: boolean },
  classify: ClassifyValue,
  isCurrent: (column: number, stored: string) => boolean,
): BatchPlanner {
  const { command } = options;
  if (command === 'reindex') {
    const { full } = options;
    return {
      plan: (rows) => planReindex(target, rows, classify, { full, isCurrent }),
      write: (rows, work, outcomes, blindIndex) => buildReindexWrite(target, rows, work, outcomes, blindIndex!),
    };
  }
  const scoped = { ...(options.scopeColumn !== undefined ? { scopeColumn: options.scopeColumn } : {}), reindexReencrypted: options.scoped };
  return {
    plan: (rows) => planBatch(command, rows, classify, { encryptMalformed: options.encryptMalformed }),
    write: (rows, work, outcomes, blindIndex) => buildBatchWrite(target, rows, work, outcomes, blindIndex, scoped),
  };
}

/**
 * Re-reads the key store when values about to be re-encrypted name key versions it did not know at the
 * scan's start (the application created a scope's key since); true when the index changed, so the batch
 * is judged again (those values may be current after all).
 */
async function refreshedFor(scopeKeys: ScopeKeys, work: readonly PlannedValue[], cipher: MigrationCipher): Promise<boolean> {
  const before = scopeKeys.current();
  // lazy: values are parsed only when the store may be re-read (rate-limited), and only up to the first unknown id
  function* ids(): Generator<number> {
    for (const item of work) {
      if (item.action !== 'reencrypt') continue;
      const stored = cipher.inspect(item.value);
      if (stored.kind === 'compact') yield stored.keyVersionId;
    }
  }
  await scopeKeys.knowing(ids());
  return scopeKeys.current() !== before;
}

/** Rows in the table (or in the SQL shard), for progress and ETA. */
export async function countRows(
  db: RawSqlClient,
  dialect: Dialect,
  target: TableTarget,
  key: readonly KeyColumn[],
  shard: ShardSpec | undefined,
  retry: Retrying = (run) => run(),
): Promise<number> {
  const inSql = shard !== undefined && shardsInSql(target.primaryKey);
  const what = `counting rows of table "${target.table}"`;
  const rows = await retry(() => queryRows<{ n: unknown }>(db, dialect.countRows({ table: target.table, key, ...(inSql ? { shard } : {}) }), what), what);
  const n = Number(rows[0]?.n ?? 0);
  return shard && !inSql ? Math.ceil(n / shard.count) : n;
}

/** A primary key as `{ column: value }`, for reports. */
export function keyRecord(target: TableTarget, key: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  target.primaryKey.forEach((column, i) => {
    record[column.field] = key[i];
  });
  return record;
}
