/**
 * What changes when `encrypt` or `rotate` runs on a scoped model (`@encrypted(scope: <field> | request)`):
 * each row's values go under its own scope's key, a value is current only under that scope's current
 * key version, the scope column joins the compare-and-set, and blind indexes use the scope's index key.
 * The rules are here; the engine (run-migration) applies them.
 */
import type { KeyVersionInfo } from '@prisma-kms/field-crypto';
import type { MigrationBlindIndexer } from '../config/define-config';
import { CliError } from '../errors';
import type { MigrationCommand } from './plan-batch';
import { scopeKeyIndex, type ScopeKeyIndex } from './scope-keys';
import type { RowScope } from './table-reader';
import type { TableTarget } from './table-target';
import { scopedValueClassifier, type ClassifyValue, type ForeignScopeValues } from './value-state';

/** What a run needs for scoped models: the key store's rows, `--scope`, and per-scope blind indexers. */
export interface MigrationScopes {
  /** The key store's versions, without key material (a storage read, no KMS call). */
  readKeys(): Promise<readonly KeyVersionInfo[]>;
  /** `--scope`: the scope of every row of a request-scoped model (which has no scope column). */
  readonly requestScope?: string;
  /** The blind indexer of a scope (the application's `keyStore.blindIndexer(scope)`), for scoped models' index columns. */
  blindIndexer?(scope: string): MigrationBlindIndexer | Promise<MigrationBlindIndexer>;
}

/** How one table's run is scoped. */
export interface TableScoping {
  /** Where the reader takes each row's scope from. */
  readonly rowScope: RowScope;
  /** Values of other scopes: moved into the row's (scope column) or left alone (request scope). */
  readonly foreign: ForeignScopeValues;
  /** The scope column, compared as text with the value read (a row whose scope changed mid-run is skipped). */
  readonly scopeColumn?: string;
  /** Part of the checkpoint identity: a run by another scope rule must not resume this one. */
  readonly checkpointLabel: string;
}

/**
 * The scoping of `command` on `target`, or undefined when the run is not scoped (an unscoped model, or
 * `decrypt`/`reindex`, which need no scope to read a value). Refuses what would write under a wrong key.
 */
export function scopingFor(target: TableTarget, command: MigrationCommand, scopes: MigrationScopes | undefined, scopeBy: string | undefined): TableScoping | undefined {
  if (scopeBy !== undefined && (target.scope?.source !== 'field' || target.scope.field !== scopeBy)) {
    const annotated = target.scope?.source === 'field' ? `@encrypted(scope: ${target.scope.field})` : target.scope ? '@encrypted(scope: request)' : 'no @encrypted(scope: ...)';
    throw new CliError(
      'USAGE',
      `--scope-by ${scopeBy}: model "${target.model}" has ${annotated}; annotate it with @encrypted(scope: ${scopeBy}) (the application must write ` +
        'its new values under that scope too), regenerate, or leave it out with --model',
    );
  }
  if (!target.scope) return undefined;
  if (command === 'reindex') {
    throw new CliError('USAGE', `reindex: model "${target.model}" is scoped; its blind index entries are per scope (encrypt and rotate write them): leave it out with --model`);
  }
  if (command === 'decrypt') return undefined;
  if (!scopes) {
    throw new CliError('CONFIG_INVALID', `${command}: model "${target.model}" is scoped, so its values go under per-scope keys: add the config's keyStore (as the application's createKeyStore)`);
  }
  const indexed = target.encrypted.filter((c) => c.blindIndex).map((c) => c.field);
  if (indexed.length > 0 && !scopes.blindIndexer) {
    // a value put under a scope's key must be findable with that scope's index key
    throw new CliError(
      'CONFIG_INVALID',
      `${command}: ${indexed.map((f) => `${target.model}.${f}`).join(', ')} ${indexed.length > 1 ? 'have' : 'has'} a blind index on a scoped model: give the config's ` +
        "keyStore a blindIndexer ((scope) => keyStore.blindIndexer(scope), as the application) so its entries are written under each scope's index key, or leave the field out with --field",
    );
  }
  if (target.scope.source === 'request') {
    if (scopes.requestScope === undefined) {
      throw new CliError(
        'USAGE',
        `${command}: model "${target.model}" takes its key scope from the request (@encrypted(scope: request)), which the table does not record: ` +
          'give --scope <id> (its values are then put under that scope), or leave it out with --model',
      );
    }
    return { rowScope: { fixed: scopes.requestScope }, foreign: 'leave', checkpointLabel: `scope:${scopes.requestScope}` };
  }
  return { rowScope: { column: target.scope.column }, foreign: 'move', scopeColumn: target.scope.column, checkpointLabel: `scope-by:${target.scope.field}` };
}

/** Least time between two re-reads of the key store prompted by key-version ids it did not know. */
const REFRESH_INTERVAL_MS = 2000;

/**
 * The key store's index for one scan, read at its start (so the final check judges with the rows as
 * they are then) and re-read when a batch names key-version ids it does not know: the application, or
 * this run's cipher creating a scope's key on first write, added rows since. Re-reads are rate-limited:
 * a table full of values under a deleted key version must not read the store once per batch.
 */
export class ScopeKeys {
  private index: ScopeKeyIndex;
  private readAt: number;

  private constructor(
    private readonly read: () => Promise<readonly KeyVersionInfo[]>,
    index: ScopeKeyIndex,
  ) {
    this.index = index;
    this.readAt = Date.now();
  }

  static async load(read: () => Promise<readonly KeyVersionInfo[]>): Promise<ScopeKeys> {
    return new ScopeKeys(read, scopeKeyIndex(await read()));
  }

  /** The index as last read. */
  current(): ScopeKeyIndex {
    return this.index;
  }

  /** Re-reads the store if one of `ids` is unknown and the last read is old enough. */
  async knowing(ids: Iterable<number>): Promise<void> {
    if (Date.now() - this.readAt < REFRESH_INTERVAL_MS) return;
    for (const id of ids) {
      if (this.index.keyVersion(id) === undefined) {
        this.readAt = Date.now();
        this.index = scopeKeyIndex(await this.read());
        return;
      }
    }
  }

  /** The classifier of a scoped table, judging with this index as it is at each call. */
  classifier(inspect: Parameters<typeof scopedValueClassifier>[0], foreign: ForeignScopeValues): ClassifyValue {
    return scopedValueClassifier(inspect, () => this.index, foreign);
  }
}

/** A model a run leaves out, and why. */
export interface SkippedModel {
  readonly model: string;
  readonly reason: string;
}

/**
 * The targets a run takes. With `--scope-by F` and no `--model`, the models scoped by F; models named
 * with `--model` must all be runnable (a refusal is an error). Without `--model`, a scoped model the
 * run cannot take (no key store in the config, a request-scoped model without `--scope`, `reindex`)
 * is left out and returned in `skipped`, which the CLI prints: the run covers the others.
 *
 * @example
 * ```ts
 * selectRunnable(targets, 'rotate', scopes, 'tenantId', false); // { run: [TenantMember, TenantNote], skipped: [] }
 * ```
 */
export function selectRunnable(
  targets: readonly TableTarget[],
  command: MigrationCommand,
  scopes: MigrationScopes | undefined,
  scopeBy: string | undefined,
  named: boolean,
): { run: TableTarget[]; skipped: SkippedModel[] } {
  const selected = scopeBy === undefined || named ? targets : targets.filter((t) => t.scope?.source === 'field' && t.scope.field === scopeBy);
  if (scopeBy !== undefined && selected.length === 0) {
    throw new CliError('UNKNOWN_SELECTION', `--scope-by ${scopeBy}: no model with encrypted fields is annotated @encrypted(scope: ${scopeBy})`);
  }
  if (named) return { run: [...selected], skipped: [] };
  const run: TableTarget[] = [];
  const skipped: SkippedModel[] = [];
  for (const target of selected) {
    try {
      scopingFor(target, command, scopes, scopeBy);
      run.push(target);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      skipped.push({ model: target.model, reason: error.message });
    }
  }
  return { run, skipped };
}
