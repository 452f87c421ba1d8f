/**
 * Turns the field map into the tables a command works on: one validated target per model with
 * encrypted fields, narrowed by `--model` / `--field`. Built once at startup so the engine trusts it.
 */
import { CliError } from '../errors';
import type { FieldMap } from '../config/config-schema';

/** One column the CLI reads or writes, with the Prisma names it maps. */
export interface ColumnTarget {
  /** Prisma field name (the encryption context's field). */
  readonly field: string;
  /** Column name in the database. */
  readonly column: string;
  /** Prisma scalar type (`Int`, `String`, ...). */
  readonly type: string;
}

/** An encrypted column, and the blind index column `encrypt` fills from its plaintext, if any. */
export interface EncryptedColumnTarget extends ColumnTarget {
  readonly blindIndex?: BlindIndexTarget;
}

/** Where a field's blind index lives and how it is computed (the field map's `hash`). */
export interface BlindIndexTarget {
  readonly column: string;
  readonly normalize: readonly string[];
  readonly bytes?: number;
}

/**
 * Where a scoped model's key scope comes from: a column of the row (`@encrypted(scope: tenantId)`), or the
 * request (`@encrypted(scope: request)`: the CLI takes it from `--scope`).
 */
export type ScopeSource = ({ readonly source: 'field' } & ColumnTarget) | { readonly source: 'request' };

/** A table to migrate: its primary key (in order) and the encrypted columns selected. */
export interface TableTarget {
  readonly model: string;
  readonly table: string;
  readonly primaryKey: readonly ColumnTarget[];
  readonly encrypted: readonly EncryptedColumnTarget[];
  /** Scoped models only: where each row's key scope comes from. */
  readonly scope?: ScopeSource;
}

export interface TargetSelection {
  /** Prisma model names; all models with encrypted fields when empty. */
  readonly models?: readonly string[];
  /** Field names (`field` or `Model.field`); all encrypted fields of the selected models when empty. */
  readonly fields?: readonly string[];
}

/**
 * The tables a command works on, in field-map order.
 *
 * Precondition: every selected model with encrypted fields has a primary key.
 * Precondition: every named model and field exists and is encrypted.
 *
 * @example
 * ```ts
 * selectTargets(fieldMap, { models: ['User'], fields: ['email'] });
 * // [{ model: 'User', table: 'users', primaryKey: [{ field: 'id', ... }], encrypted: [{ field: 'email', ... }] }]
 * ```
 */
export function selectTargets(fieldMap: FieldMap, selection: TargetSelection = {}): TableTarget[] {
  const models = Object.entries(fieldMap.models);
  const wantedModels = new Set(selection.models ?? []);
  for (const name of wantedModels) {
    if (!fieldMap.models[name]) {
      throw new CliError('UNKNOWN_SELECTION', `Unknown model "${name}" (the field map has ${models.map(([m]) => m).join(', ')})`);
    }
  }
  const fieldFilters = (selection.fields ?? []).map(parseFieldFilter);
  for (const filter of fieldFilters) {
    const matches = models.some(
      ([model, info]) => (filter.model === undefined || filter.model === model) && filter.field in info.encrypted,
    );
    if (!matches) {
      throw new CliError('UNKNOWN_SELECTION', `No encrypted field matches "${filter.label}"`);
    }
  }

  const targets: TableTarget[] = [];
  for (const [model, info] of models) {
    if (wantedModels.size > 0 && !wantedModels.has(model)) continue;
    const encrypted = Object.entries(info.encrypted)
      .filter(([field]) => fieldFilters.length === 0 || fieldFilters.some((f) => f.field === field && (f.model ?? model) === model))
      .map(([field, ref]): EncryptedColumnTarget => ({
        field,
        column: ref.dbName,
        type: ref.type,
        ...(ref.hash
          ? { blindIndex: { column: ref.hash.dbName, normalize: ref.hash.normalize ?? [], ...(ref.hash.bytes !== undefined ? { bytes: ref.hash.bytes } : {}) } }
          : {}),
      }));
    if (encrypted.length === 0) continue; // models without (selected) encrypted fields have nothing to do
    if (info.primaryKey.length === 0) {
      throw new CliError(
        'NO_PRIMARY_KEY',
        `Model "${model}" (table "${info.dbName}") has encrypted fields but no primary key; ` +
          'the CLI addresses rows by primary key, so add an @id or @@id before migrating it',
      );
    }
    targets.push({
      model,
      table: info.dbName,
      primaryKey: info.primaryKey.map((ref) => ({ field: ref.name, column: ref.dbName, type: ref.type })),
      encrypted,
      ...(info.scope ? { scope: scopeSource(info.scope) } : {}),
    });
  }
  return targets;
}

/**
 * The targets narrowed to encrypted columns with a blind index (`reindex`); tables left without any are
 * dropped. With `strict` (fields were named on the command line), naming a field without one is an error.
 *
 * @example
 * ```ts
 * indexedTargets(selectTargets(fieldMap, { models: ['User'] }), false); // User with only `email` (hash: emailHash)
 * ```
 */
export function indexedTargets(targets: readonly TableTarget[], strict: boolean): TableTarget[] {
  const unindexed = targets.flatMap((t) => t.encrypted.filter((c) => !c.blindIndex).map((c) => `${t.model}.${c.field}`));
  if (strict && unindexed.length > 0) {
    throw new CliError('UNKNOWN_SELECTION', `${unindexed.join(', ')} ${unindexed.length > 1 ? 'have' : 'has'} no blind index (@encrypted(hash: ...)) to rebuild`);
  }
  return targets
    .map((t) => ({ ...t, encrypted: t.encrypted.filter((c) => c.blindIndex) }))
    .filter((t) => t.encrypted.length > 0);
}

function scopeSource(scope: NonNullable<FieldMap['models'][string]['scope']>): ScopeSource {
  return scope.source === 'field' ? { source: 'field', field: scope.field, column: scope.dbName, type: scope.type } : { source: 'request' };
}

interface FieldFilter {
  readonly model: string | undefined;
  readonly field: string;
  readonly label: string;
}

function parseFieldFilter(label: string): FieldFilter {
  const dot = label.indexOf('.');
  return dot === -1
    ? { model: undefined, field: label, label }
    : { model: label.slice(0, dot), field: label.slice(dot + 1), label };
}
