/**
 * The reads a blind index sometimes needs before the operation itself. A truncated index matches the
 * rows of every value whose index collides with the one asked for, and during an index-key rotation a
 * unique value may be indexed under any of the versions held. In both cases the extension first reads
 * the candidate rows (primary key and the compared encrypted fields only), decrypts and checks them,
 * and then runs the caller's operation on the rows that really match, named by primary key. Every
 * operation keeps its own semantics that way (take, skip, cursor, orderBy, counts, updates, OrThrow).
 */
import { NO_MATCH_INDEX } from '../blind-index/errors';
import { InvalidConfigurationError } from '../errors';
import type { Where } from '../blind-index/indexed-schema';
import { comparesValue, postFilter, postFilterFields } from '../blind-index/post-filter';
import { isTruncated } from '../blind-index/indexed-schema';
import { appendConditions, rewriteWhere } from '../blind-index/where-rewrite';
import type { QueryIndexer } from '../blind-index/query-indexer';
import { primaryKeyWhere } from '../blind-index/unique-where';
import type { EncryptionScheme, ModelScheme } from '../field-map';
import { collectReadTargets, isPlainObject, type ReadTarget, type UniqueLookup } from '../walker';

/** The client below the extension, seen as model delegates (`client.user.findMany`). */
export type ModelDelegates = Record<string, { findMany(args: unknown): Promise<unknown> } | undefined>;

type Decrypt = (targets: ReadTarget[], result: unknown) => Promise<void>;

export class TrueMatchFinder {
  constructor(
    private readonly scheme: EncryptionScheme,
    private readonly client: ModelDelegates,
    private readonly decrypt: Decrypt,
    /** Lenient mode: candidates include rows not yet encrypted (see `Rewrite.plaintextFallback`). */
    private readonly rewriteOptions: { readonly plaintextFallback?: boolean } = {},
  ) {}

  /**
   * The where-unique to send for `lookup`: the primary key of the row it really names (the current key
   * version's candidate first), or a where-unique that matches nothing (so `findUnique` returns null,
   * `update`/`connect` fail as not found and `upsert`/`connectOrCreate` create).
   */
  async resolveUnique(lookup: UniqueLookup, indexer: QueryIndexer): Promise<Where> {
    const model = this.scheme.model(lookup.model);
    const indexKeys = lookup.candidates.map((candidate) => uniqueIndexKeys(model, candidate));
    const selected = [...new Set(indexKeys.flatMap((keys) => Object.keys(keys)))];
    const where = { OR: lookup.candidates.map((candidate) => asFilter(model, candidate)) };
    const rows = await this.trueRows(model, where, lookup.where, selected, indexer);
    for (const [i, keys] of indexKeys.entries()) {
      const row = rows.find((candidate) => Object.entries(keys).every(([field, value]) => candidate[field] === value));
      const candidate = lookup.candidates[i] ?? {};
      const primaryKey = row === undefined ? undefined : primaryKeyWhere(model.info, row);
      if (row !== undefined) return primaryKey === undefined ? candidate : withCallerConditions(model, primaryKey, candidate, keys);
    }
    const unmatched: Where = { ...(lookup.candidates[0] ?? {}) };
    for (const field of Object.keys(indexKeys[0] ?? {})) unmatched[field] = NO_MATCH_INDEX;
    return unmatched;
  }

  /**
   * The where to send for a query on `modelName` whose `callerWhere` compares values through truncated
   * indexes: every such comparison is replaced by the primary keys of the rows whose decrypted value
   * really satisfies it (`{ ssn: x }` becomes `{ id: { in: [...] } }`), and the rest is rewritten as
   * usual, so the database evaluates everything else (other columns, OR, NOT) exactly. `indexer` is the
   * one the plan compared with (a scoped model's: its scope's).
   */
  async exactWhere(modelName: string, callerWhere: Where, indexer: QueryIndexer): Promise<Where> {
    const model = this.scheme.model(modelName);
    const leaves = truncatedComparisons(model, callerWhere);
    const candidates = await this.trueRows(
      model,
      rewriteWhere(this.scheme, modelName, { OR: leaves.map(([field, filter]) => ({ [field]: filter })) }, indexer, this.rewriteOptions),
      undefined,
      leaves.map(([field]) => field),
      indexer,
    );
    // The rows satisfying each comparison, by the node and field that hold it.
    const matching = new Map<Where, Map<string, Where[]>>();
    for (const [field, filter, node] of leaves) {
      const byField = matching.get(node) ?? new Map<string, Where[]>();
      byField.set(field, postFilter(this.scheme, modelName, { [field]: filter }, candidates, indexer));
      matching.set(node, byField);
    }
    const substituted = substituteComparisons(callerWhere, (node, field) => {
      const rows = matching.get(node)?.get(field);
      return rows === undefined ? undefined : primaryKeyIn(model, rows);
    });
    return rewriteWhere(this.scheme, modelName, substituted, indexer, this.rewriteOptions);
  }

  /** Candidate rows of `where`: primary key, `extra` and the fields the check needs, decrypted and checked. */
  private async trueRows(model: ModelScheme, where: unknown, callerWhere: Where | undefined, extra: readonly string[], indexer: QueryIndexer): Promise<Where[]> {
    const fields = [...model.info.primaryKey.map((ref) => ref.name), ...extra, ...postFilterFields(this.scheme, model.name, callerWhere)];
    const select = Object.fromEntries(fields.map((field) => [field, true]));
    const delegate = this.client[delegateName(model.name)];
    if (delegate === undefined || model.info.primaryKey.length === 0) {
      // Prisma names every model's delegate; a model without a primary key cannot be narrowed by it.
      throw new InvalidConfigurationError(`fieldEncryption: ${model.name} needs a primary key (and a client delegate) to check the rows a blind index matches.`);
    }
    const rows = (await delegate.findMany({ where, select })) as Where[];
    await this.decrypt(collectReadTargets(this.scheme, model.name, 'findMany', { select }, rows), rows);
    return postFilter(this.scheme, model.name, callerWhere, rows, indexer);
  }
}

/** A comparison through a truncated index: field, filter, and the where node holding it. */
type Comparison = [field: string, filter: unknown, node: Where];

/** Every comparison of a value through a truncated index in `where` (AND/OR/NOT; relations are refused earlier). */
function truncatedComparisons(model: ModelScheme, where: Where): Comparison[] {
  const found: Comparison[] = [];
  const visit = (node: Where): void => {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'AND' || key === 'OR' || key === 'NOT') for (const item of Array.isArray(value) ? value : [value]) if (isPlainObject(item)) visit(item);
      const hash = model.blindIndexes.get(key);
      if (hash !== undefined && isTruncated(hash) && comparesValue(value)) found.push([key, value, node]);
    }
  };
  visit(where);
  return found;
}

/** A copy of `where` with each comparison `replace` knows (not undefined) replaced, ANDed into its node. */
function substituteComparisons(where: Where, replace: (node: Where, field: string) => Where | undefined): Where {
  const visit = (node: Where): Where => {
    const out: Where = {};
    const extra: Where[] = [];
    for (const [key, value] of Object.entries(node)) {
      const replacement = key === 'AND' || key === 'OR' || key === 'NOT' ? undefined : replace(node, key);
      if (replacement !== undefined) extra.push(replacement);
      else if (key === 'AND' || key === 'OR' || key === 'NOT') {
        out[key] = Array.isArray(value) ? value.map((item) => (isPlainObject(item) ? visit(item) : item)) : isPlainObject(value) ? visit(value) : value;
      } else out[key] = value;
    }
    appendConditions(out, extra);
    return out;
  };
  return visit(where);
}

/** The `@unique` blind-index columns a candidate names, with the index it looks for. */
function uniqueIndexKeys(model: ModelScheme, candidate: Where): Where {
  const keys: Where = {};
  for (const [field, value] of Object.entries(candidate)) {
    if (model.blindIndexesByIndexField.get(field)?.unique === true) keys[field] = value;
  }
  return keys;
}

/**
 * The row's primary key with every other condition of the caller's where-unique kept beside it
 * (`{ email, role: 'admin' }` -> `{ id: 7, role: 'admin' }`): the row may change between the pre-read
 * and the operation, and the operation must then miss it as the caller's where would. Only the unique
 * index lookup (`indexKeys`) is replaced. A condition on the primary key input itself is dropped: the
 * row found satisfied it, and the primary key equality that replaces it is at least as strict.
 */
function withCallerConditions(model: ModelScheme, primaryKey: Where, candidate: Where, indexKeys: Where): Where {
  // In lenient mode a candidate also compares an indexed field's plaintext (rows not yet encrypted): that
  // is the same lookup as its index, and the row may be encrypted before the operation runs.
  const lookupFields = new Set(Object.keys(indexKeys));
  for (const field of Object.keys(indexKeys)) {
    const index = model.blindIndexesByIndexField.get(field);
    if (index !== undefined) lookupFields.add(index.encryptedField);
  }
  const out: Where = { ...primaryKey };
  for (const [key, value] of Object.entries(candidate)) {
    if (!lookupFields.has(key) && !Object.hasOwn(primaryKey, key)) out[key] = value;
  }
  return out;
}

/** A where-unique as a where filter: compound unique inputs (`tenant_seq: { ... }`) spread into their fields. */
function asFilter(model: ModelScheme, whereUnique: Where): Where {
  const out: Where = {};
  for (const [key, value] of Object.entries(whereUnique)) {
    const fields = model.info.uniques[key];
    if (fields !== undefined && fields.length > 1 && isPlainObject(value)) Object.assign(out, value);
    else out[key] = value;
  }
  return out;
}

/** A filter matching exactly `rows` by primary key (nothing when `rows` is empty). */
function primaryKeyIn(model: ModelScheme, rows: readonly Where[]): Where {
  const names = model.info.primaryKey.map((ref) => ref.name);
  if (names.length === 1) return { [names[0]!]: { in: rows.map((row) => row[names[0]!]) } };
  if (rows.length === 0) return { [names[0]!]: { in: [] } };
  return { OR: rows.map((row) => Object.fromEntries(names.map((name) => [name, row[name]]))) };
}

/** Prisma's client property of a model: `AuditEntry` -> `auditEntry`. */
function delegateName(model: string): string {
  return model.charAt(0).toLowerCase() + model.slice(1);
}
