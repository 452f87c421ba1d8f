/**
 * The arguments side of a query: one generic walk over the argument tree, driven by the schema. Each
 * node kind (operation arguments, where, data, nested writes, select/include, orderBy, aggregates)
 * has a visitor that knows the model it is in and follows relations from the field map into the
 * model behind them. It returns a deep copy of the arguments (the caller's are never touched) and the
 * encrypted fields to write, and refuses what cannot work on ciphertext before anything is sent.
 */
import { BlindIndexerMissingError, InvalidFieldValueError, UnsupportedQueryError } from '../errors';
import { IndexFieldWriteError, TruncatedIndexPositionError } from '../blind-index/errors';
import { isTruncated, type Where } from '../blind-index/indexed-schema';
import { comparesValue } from '../blind-index/post-filter';
import type { QueryIndexer } from '../blind-index/query-indexer';
import { planUniqueWhereWith } from '../blind-index/unique-where';
import { hashesForWrite } from '../blind-index/write-hashes';
import { appendConditions, fieldConditions, mergeFieldConditions, type Polarity } from '../blind-index/where-rewrite';
import { checkFieldFilter, refuseEncrypted } from './filter-policy';
import { copyPlain, isPlainObject, type Path } from './plain-data';
import { FIELD_UPDATE_OPERATIONS, LIST_FILTER_WRAPPERS, TO_ONE_FILTER_WRAPPERS, refuseForbiddenKeys, toOneFilterShape, toOneUpdateShape, writtenValue } from './query-grammar';
import type { EncryptionScheme, ModelScheme } from '../field-map';
import { filterScope, wherePin, whereInScope, writeScope, type WriteScopeSources } from './scope-rules';

/** A plaintext to encrypt and where its ciphertext goes in the copied arguments. */
export interface WriteTarget {
  /** From the root of the arguments, e.g. `['data', 'posts', 'create', 0, 'body']`. */
  readonly path: Path;
  readonly model: string;
  readonly field: string;
  readonly plaintext: string;
  /** The key scope to encrypt under (models with `/// @encrypted(scope: ...)`); absent: the application's key. */
  readonly scope?: string;
}

/**
 * A where-unique input (findUnique, update, delete, upsert, connect, connectOrCreate, cursor, nested
 * update/upsert/delete/set/disconnect of a list) through a blind index that one where-unique cannot
 * answer exactly: several index key versions are held (rotation), or the index is truncated. The
 * extension finds the row first (a `findMany` of the candidates, decrypted and checked) and puts its
 * primary key at `path`.
 */
export interface UniqueLookup {
  /** Where the where-unique sits in the copied arguments; `candidates[0]` is there until resolved. */
  readonly path: Path;
  readonly model: string;
  /** Where-unique inputs to try, current key version first (see `planUniqueWhere`). */
  readonly candidates: readonly Where[];
  /** The caller's where-unique (plaintext values), to check the rows found against. */
  readonly where: Where;
  /** The key scope whose blind-index key computed the candidates (scoped models only). */
  readonly scope?: string;
}

/** What {@link planArgs} found. */
export interface ArgsPlan {
  /** A deep copy of the arguments; the plaintexts at `writes[i].path` are still in place. */
  readonly args: unknown;
  readonly writes: WriteTarget[];
  /** Unique lookups to resolve before the query runs (only with a blind indexer). */
  readonly lookups: UniqueLookup[];
  /**
   * True when the operation's own top-level `where` compares a value through a truncated blind index:
   * it may match rows of other values, which the extension removes before running the operation.
   */
  readonly approximate: boolean;
  /** The key scope of the approximate comparisons (scoped models only): their indexes are that scope's. */
  readonly approximateScope?: string;
  /** The top-level where as walked (plaintext): the caller's, with `F: R` added for a scoped request's update or delete. */
  readonly where: unknown;
}

/** Options of {@link planArgs}. */
export interface PlanOptions {
  /** Computes blind indexes. Without it, writes to and comparisons on indexed fields are refused. */
  readonly indexer?: QueryIndexer | undefined;
  /** Lenient mode: equalities through a blind index also match rows not yet encrypted (see `Rewrite.plaintextFallback`). */
  readonly plaintextFallback?: boolean;
  /** The request's key scope (`$forScope`, the `scope` resolver), already checked (see `requestScopeOf`). */
  readonly requestScope?: string | undefined;
  /**
   * The blind indexer of a key scope, for indexes of scoped models; undefined when that scope's
   * indexer is not loaded yet (the walk then throws {@link ScopeIndexerNotLoaded}). Without this
   * option, comparisons and writes of scoped indexed fields throw `BlindIndexerMissingError`.
   */
  readonly scopeIndexer?: ((scope: string) => QueryIndexer | undefined) | undefined;
}

/**
 * Not an error for users: the walk needs the blind indexer of `scope`, which the caller has not loaded.
 * The extension loads it (`keyStore.blindIndexer(scope)`, asynchronous) and plans again; a walk stays
 * synchronous and pure that way.
 */
export class ScopeIndexerNotLoaded extends Error {
  override readonly name = 'ScopeIndexerNotLoaded';
  constructor(readonly scope: string) {
    super('The blind indexer of a key scope is not loaded yet.');
  }
}

/** Top-level write operations: which keys carry data of which kind, and whether a request scope narrows their where. */
const WRITE_OPERATIONS: Readonly<Record<string, { readonly data?: 'create' | 'update'; readonly pin: boolean }>> = {
  create: { data: 'create', pin: false },
  createMany: { data: 'create', pin: false },
  createManyAndReturn: { data: 'create', pin: false },
  update: { data: 'update', pin: true },
  updateMany: { data: 'update', pin: true },
  updateManyAndReturn: { data: 'update', pin: true },
  upsert: { pin: true },
  delete: { pin: true },
  deleteMany: { pin: true },
};

/** Operations whose top-level `where` is a where-unique input. */
const UNIQUE_WHERE_OPERATIONS = new Set(['findUnique', 'findUniqueOrThrow', 'update', 'delete', 'upsert']);

/** Operations whose top-level `where` may be approximate: the extension narrows it to the true matches first. */
const APPROXIMATE_WHERE_OPERATIONS = new Set([
  'findMany', 'findFirst', 'findFirstOrThrow', 'count', 'aggregate', 'groupBy', 'updateMany', 'updateManyAndReturn', 'deleteMany',
]);

/**
 * How a where is being visited: its polarity (negated under NOT, `none`, `isNot`) and what to do with a
 * comparison through a truncated index (`onApproximate` absent: refuse it, since nothing can filter it).
 */
interface WhereScope {
  readonly polarity: Polarity;
  readonly onApproximate?: (model: ModelScheme, field: string, keyScope: string | undefined) => void;
  /** The key scope an enclosing where of the same model pins (see `wherePin`). */
  readonly pinnedScope?: string | undefined;
}

const EXACT_SCOPE: WhereScope = { polarity: 1 };

const AGGREGATES = new Set(['_count', '_min', '_max', '_avg', '_sum']);

/**
 * Copies `args` of `operation` on `model`, collects every encrypted field it writes and checks every
 * filter, sort and aggregate. Throws {@link UnsupportedQueryError} or {@link InvalidFieldValueError}.
 *
 * @example
 * ```ts
 * const plan = planArgs(scheme, 'User', 'create', { data: { email: 'a@b.c', posts: { create: { body: 'hi' } } } });
 * plan.writes.map((w) => w.path); // [['data', 'email'], ['data', 'posts', 'create', 'body']]
 * ```
 */
export function planArgs(scheme: EncryptionScheme, model: string, operation: string, args: unknown, options: PlanOptions = {}): ArgsPlan {
  // Before anything is copied: an own `__proto__` key would give the copy a prototype Prisma reads.
  refuseForbiddenKeys(model, args);
  const walk = new ArgsWalk(scheme, options);
  const modelScheme = scheme.model(model);
  const write = WRITE_OPERATIONS[operation];
  // A scoped request's updates and deletes touch only its scope's rows: `F: R` joins their where.
  const scoped = write?.pin === true && options.requestScope !== undefined && modelScheme.scope?.source === 'field'
    ? { ...(isPlainObject(args) ? args : {}), where: whereInScope(modelScheme, isPlainObject(args) ? args.where : undefined, options.requestScope) }
    : args;
  const copy = walk.operationArgs(modelScheme, operation, scoped, []);
  return {
    args: copy,
    writes: walk.writes,
    lookups: walk.lookups,
    approximate: walk.approximate,
    where: isPlainObject(scoped) ? scoped.where : undefined,
    ...(walk.approximateScope === undefined ? {} : { approximateScope: walk.approximateScope }),
  };
}

class ArgsWalk {
  readonly writes: WriteTarget[] = [];
  readonly lookups: UniqueLookup[] = [];
  approximate = false;
  approximateScope: string | undefined;
  private readonly indexer: QueryIndexer | undefined;
  private readonly plaintextFallback: boolean;
  private readonly requestScope: string | undefined;

  constructor(
    private readonly scheme: EncryptionScheme,
    private readonly options: PlanOptions,
  ) {
    this.indexer = options.indexer;
    this.plaintextFallback = options.plaintextFallback === true;
    this.requestScope = options.requestScope;
  }

  /**
   * Records that the top-level where compares through a truncated index, in `keyScope`'s index. The
   * pre-read that removes the false positives reads with one indexer, so comparisons in two scopes (OR
   * branches pinning different tenants) are refused.
   */
  private markApproximate(model: ModelScheme, field: string, keyScope: string | undefined): void {
    if (this.approximate && this.approximateScope !== keyScope) {
      throw new UnsupportedQueryError(model.name, field, 'comparisons through a truncated blind index in two key scopes');
    }
    this.approximate = true;
    this.approximateScope = keyScope;
  }

  /**
   * The blind indexer for `field` of `model`: the application's for unscoped models, else the indexer of
   * the scope the where pins or the request's (see `filterScope`).
   */
  private indexerFor(model: ModelScheme, field: string, pinned: string | undefined): { indexer: QueryIndexer; keyScope: string | undefined } {
    if (model.scope === undefined) {
      if (this.indexer === undefined) throw new BlindIndexerMissingError(model.name, field);
      return { indexer: this.indexer, keyScope: undefined };
    }
    const keyScope = filterScope(model, field, pinned, this.requestScope);
    return { indexer: this.scopeIndexer(model, field, keyScope), keyScope };
  }

  private scopeIndexer(model: ModelScheme, field: string, keyScope: string): QueryIndexer {
    if (this.options.scopeIndexer === undefined) throw new BlindIndexerMissingError(model.name, field);
    const indexer = this.options.scopeIndexer(keyScope);
    if (indexer === undefined) throw new ScopeIndexerNotLoaded(keyScope);
    return indexer;
  }

  /** True when comparisons on `model`'s indexes can be computed at all (an indexer is configured). */
  private indexesComputable(model: ModelScheme): boolean {
    return model.scope === undefined ? this.indexer !== undefined : this.options.scopeIndexer !== undefined;
  }

  /** The arguments of an operation, or of a relation in select/include (operation `findMany`). */
  operationArgs(model: ModelScheme, operation: string, node: unknown, path: Path): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const write = path.length === 0 ? WRITE_OPERATIONS[operation] : undefined;
    const sources = { where: write === undefined ? undefined : wherePin(model, node.where), request: this.requestScope };
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      const value = node[key];
      const at = [...path, key];
      switch (key) {
        case 'where':
          if (path.length === 0 && UNIQUE_WHERE_OPERATIONS.has(operation)) out[key] = this.uniqueWhere(model, value, at);
          else if (path.length === 0 && APPROXIMATE_WHERE_OPERATIONS.has(operation)) out[key] = this.where(model, value, { polarity: 1, onApproximate: (at, field, keyScope) => this.markApproximate(at, field, keyScope) });
          else out[key] = this.where(model, value);
          break;
        case 'data':
          out[key] = this.data(model, value, at, { ...sources, kind: write?.data ?? 'update' });
          break;
        case 'create': // upsert
        case 'update': // upsert
          out[key] = this.data(model, value, at, { ...sources, kind: key });
          break;
        case 'select':
          out[key] = operation === 'count' ? this.aggregate(model, key, value) : this.selection(model, value, at);
          break;
        case 'include':
          out[key] = this.selection(model, value, at);
          break;
        case 'orderBy':
          out[key] = this.orderBy(model, value);
          break;
        case 'cursor':
          out[key] = this.cursor(model, value, at);
          break;
        case 'distinct':
        case 'by':
          out[key] = this.fieldList(model, key, value);
          break;
        case 'having':
          out[key] = this.having(model, value);
          break;
        default:
          out[key] = AGGREGATES.has(key) ? this.aggregate(model, key, value) : copyPlain(value);
      }
    }
    return out;
  }

  /**
   * A where (or where-unique) input: filters per field, AND/OR/NOT, relation filters, compound keys.
   * Comparisons on a field with a blind index are moved to its index column here, in the same walk.
   */
  where(model: ModelScheme, node: unknown, scope: WhereScope = EXACT_SCOPE): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    // A pin holds for everything below it in the same model's where, unless negated. (An inner pin that
    // contradicts an outer one matches no row, whichever scope's index is used.)
    const pin = scope.polarity === 1 ? wherePin(model, node) : undefined;
    if (pin !== undefined) scope = { ...scope, pinnedScope: pin };
    const out: Record<string, unknown> = {};
    const extra: Where[] = [];
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (key === 'AND' || key === 'OR' || key === 'NOT') {
        const inner: WhereScope = key === 'NOT' ? { ...scope, polarity: negate(scope.polarity) } : scope;
        out[key] = Array.isArray(value) ? value.map((item) => this.where(model, item, inner)) : this.where(model, value, inner);
        continue;
      }
      if (model.encrypted.has(key)) {
        this.encryptedFilter(model, key, node, out, extra, scope);
        continue;
      }
      const relation = model.relations.get(key);
      if (relation) {
        out[key] = this.relationFilter(this.scheme.model(relation.model), relation.isList, value, scope.polarity);
        continue;
      }
      const compound = uniqueFields(model, key);
      if (compound && compound.length > 1 && isPlainObject(value)) {
        for (const field of compound) if (model.encrypted.has(field)) checkFieldFilter(model, field, value[field]);
      }
      out[key] = copyPlain(value);
    }
    appendConditions(out, extra);
    return out;
  }

  /** `field: filter` on an encrypted field: refused, kept (null checks) or moved to its index column. */
  private encryptedFilter(model: ModelScheme, field: string, node: Where, out: Where, extra: Where[], scope: WhereScope): void {
    const filter = node[field];
    checkFieldFilter(model, field, filter);
    const hash = model.blindIndexes.get(field);
    if (hash === undefined || !comparesValue(filter)) {
      out[field] = copyPlain(filter);
      return;
    }
    const { indexer, keyScope } = this.indexerFor(model, field, scope.pinnedScope);
    if (isTruncated(hash)) {
      if (scope.onApproximate === undefined) throw new TruncatedIndexPositionError(model.name, field);
      scope.onApproximate(model, field, keyScope);
    }
    const conditions = fieldConditions({ schema: this.scheme, indexer, plaintextFallback: this.plaintextFallback }, model, field, filter, scope.polarity);
    mergeFieldConditions(out, node, field, conditions, extra);
  }

  /**
   * A where-unique input at `path`. A field with a `@unique` blind index compared to one value becomes
   * its index column; when one where-unique cannot answer exactly (several key versions, a truncated
   * index), a {@link UniqueLookup} is recorded for the extension to resolve.
   */
  private uniqueWhere(model: ModelScheme, node: unknown, path: Path): unknown {
    const indexed = isPlainObject(node) ? Object.keys(node).find((key) => model.blindIndexes.has(key)) : undefined;
    if (!isPlainObject(node) || indexed === undefined || !this.indexesComputable(model)) {
      return this.where(model, node);
    }
    const pinned = wherePin(model, node);
    const { indexer, keyScope } = this.indexerFor(model, indexed, pinned);
    let approximate = false;
    const scope: WhereScope = { polarity: 1, onApproximate: () => (approximate = true), pinnedScope: pinned ?? keyScope };
    const plan = planUniqueWhereWith(this.scheme, model.name, node, indexer, (rest) => this.where(model, rest, scope) as Where, {
      plaintextFallback: this.plaintextFallback,
    });
    for (const key of Object.keys(node)) {
      const hash = model.blindIndexes.get(key);
      if (hash?.unique === true && isTruncated(hash) && comparesValue(node[key])) approximate = true;
    }
    const first = plan.candidates[0] ?? {};
    if (plan.candidates.length > 1 || approximate) {
      this.lookups.push({ path, model: model.name, candidates: plan.candidates, where: copyPlain(node), ...(keyScope === undefined ? {} : { scope: keyScope }) });
    }
    return first;
  }

  /** `cursor`: a where-unique compared by order; an encrypted field only through a `@unique` blind index. */
  private cursor(model: ModelScheme, node: unknown, path: Path): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    let indexed = false;
    for (const key of Object.keys(node)) {
      if (model.blindIndexes.get(key)?.unique === true) indexed = true;
      else refuseEncrypted(model, key, 'cursor');
      for (const field of uniqueFields(model, key) ?? []) refuseEncrypted(model, field, 'cursor');
    }
    return indexed ? this.uniqueWhere(model, node, path) : copyPlain(node);
  }

  /** `some`/`every`/`none` on lists, `is`/`isNot` or a bare where on to-one relations (see `toOneFilterShape`). */
  private relationFilter(target: ModelScheme, isList: boolean, node: unknown, polarity: Polarity): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    // Related rows are never decrypted here, so a truncated index cannot be checked: EXACT scopes only.
    if (!isList && toOneFilterShape(target, node) === 'where') return this.where(target, node, { polarity });
    const wrappers = isList ? LIST_FILTER_WRAPPERS : TO_ONE_FILTER_WRAPPERS;
    const scopeOf = (key: string): WhereScope => ({ polarity: key === 'none' || key === 'isNot' ? negate(polarity) : polarity });
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) out[key] = wrappers.has(key) ? this.where(target, node[key], scopeOf(key)) : copyPlain(node[key]);
    return out;
  }

  /**
   * Create or update data (one object or a list of them, as in createMany). `sources` are what else
   * decides a scoped model's key scope: the kind of write, the scope its where pins, the request's.
   */
  data(model: ModelScheme, node: unknown, path: Path, sources: WriteScopeSources): unknown {
    if (Array.isArray(node)) return node.map((item, index) => this.data(model, item, [...path, index], sources));
    if (!isPlainObject(node)) return copyPlain(node);
    const keyScope = writeScope(model, node, sources);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (model.encrypted.has(key)) {
        out[key] = this.encryptedValue(model, key, value, [...path, key], keyScope);
        continue;
      }
      const relation = model.relations.get(key);
      out[key] = relation
        ? this.nestedWrites(this.scheme.model(relation.model), relation.isList, value, [...path, key])
        : copyPlain(value);
    }
    if (model.blindIndexes.size > 0) Object.assign(out, this.indexesForWrite(model, node, keyScope));
    return out;
  }

  /** The blind-index columns `data` must also set (see `hashesForWrite`); index columns are never set by hand. */
  private indexesForWrite(model: ModelScheme, data: Where, keyScope: string | undefined): Where {
    const indexer = model.scope === undefined ? this.indexer : this.writeIndexer(model, data, keyScope);
    if (indexer !== undefined) return hashesForWrite(this.scheme, model.name, data, indexer);
    const indexes: Where = {};
    for (const [field, hash] of model.blindIndexes) {
      if (data[hash.field] !== undefined) throw new IndexFieldWriteError(model.name, hash.field, field);
      const value = writtenValue(data[field]);
      if (value === null) indexes[hash.field] = null;
      else if (value !== undefined) throw new BlindIndexerMissingError(model.name, field);
    }
    return indexes;
  }

  /**
   * The scope's indexer when `data` writes a string to an indexed field of a scoped model (its scope is
   * then known: `writeScope` refused otherwise); undefined when it writes only nulls or nothing indexed.
   */
  private writeIndexer(model: ModelScheme, data: Where, keyScope: string | undefined): QueryIndexer | undefined {
    for (const field of model.blindIndexes.keys()) {
      const value = writtenValue(data[field]);
      if (typeof value === 'string' && keyScope !== undefined) return this.scopeIndexer(model, field, keyScope);
    }
    return undefined;
  }

  /** The value written to an encrypted field: a string, null, or `{ set: string | null }`. */
  private encryptedValue(model: ModelScheme, field: string, value: unknown, path: Path, keyScope: string | undefined): unknown {
    if (value === undefined || value === null) return value;
    if (typeof value === 'string') {
      this.writes.push({ path, model: model.name, field, plaintext: value, ...(keyScope === undefined ? {} : { scope: keyScope }) });
      return value;
    }
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const operation of Object.keys(value)) {
        if (FIELD_UPDATE_OPERATIONS.has(operation)) throw new UnsupportedQueryError(model.name, field, operation);
        if (operation !== 'set') throw new InvalidFieldValueError(model.name, field, 'object');
        out.set = this.encryptedValue(model, field, value.set, [...path, 'set'], keyScope);
      }
      return out;
    }
    throw new InvalidFieldValueError(model.name, field, describeType(value));
  }

  /** The operations under a relation field in create/update data, into the model behind it. */
  private nestedWrites(target: ModelScheme, isList: boolean, node: unknown, path: Path): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const out: Record<string, unknown> = {};
    const request = this.requestScope;
    for (const operation of Object.keys(node)) {
      const value = node[operation];
      const at = [...path, operation];
      switch (operation) {
        case 'create':
          out[operation] = this.data(target, value, at, { kind: 'create', request });
          break;
        case 'createMany':
          out[operation] = this.envelope(target, value, at, { data: 'create' });
          break;
        case 'connectOrCreate':
          // The where names a row to connect, not the scope of the row created: `create` sets its own.
          out[operation] = this.eachItem(value, at, (item, itemPath) =>
            this.envelope(target, item, itemPath, { where: 'unique', create: 'create' }, { whereIsSource: false }),
          );
          break;
        case 'update':
          out[operation] =
            isList || toOneUpdateShape(target, value) === 'envelope'
              ? this.eachItem(value, at, (item, itemPath) => this.envelope(target, item, itemPath, { where: isList ? 'unique' : 'where', data: 'update' }, { pin: true }))
              : this.data(target, value, at, { kind: 'update', request });
          break;
        case 'updateMany':
          out[operation] = this.eachItem(value, at, (item, itemPath) =>
            this.envelope(target, item, itemPath, { where: 'where', data: 'update' }, { pin: true }),
          );
          break;
        case 'upsert':
          out[operation] = this.eachItem(value, at, (item, itemPath) =>
            this.envelope(target, item, itemPath, { where: isList ? 'unique' : 'where', create: 'create', update: 'update' }, { pin: true }),
          );
          break;
        case 'connect':
          out[operation] = this.eachItem(value, at, (item, itemPath) => this.uniqueWhere(target, item, itemPath));
          break;
        case 'delete':
          // Where-unique inputs on lists; `true` or a where on to-one relations.
          out[operation] = this.eachItem(value, at, (item, itemPath) => {
            const where = isPlainObject(item) ? this.inRequestScope(target, item) : item;
            return isList ? this.uniqueWhere(target, where, itemPath) : this.where(target, where);
          });
          break;
        case 'set':
        case 'disconnect':
          out[operation] = this.eachItem(value, at, (item, itemPath) => (isList ? this.uniqueWhere(target, item, itemPath) : this.where(target, item)));
          break;
        default:
          // deleteMany: where inputs.
          out[operation] = this.eachItem(value, at, (item) => this.where(target, operation === 'deleteMany' ? this.inRequestScope(target, item) : item));
      }
    }
    return out;
  }

  /** `where` narrowed to the request's scope on a model scoped by a field (see `whereInScope`); else as it is. */
  private inRequestScope(model: ModelScheme, where: unknown): unknown {
    return this.requestScope !== undefined && model.scope?.source === 'field' ? whereInScope(model, where, this.requestScope) : where;
  }

  /**
   * An object whose keys are where inputs or data (`{ where, create }`, `{ where, data }`...): `kinds`
   * says which is which; any other key is copied. With `pin`, a request scope narrows the where first;
   * the scope the where pins is a source of the data's scope unless `whereIsSource` is false.
   */
  private envelope(
    target: ModelScheme,
    node: unknown,
    path: Path,
    kinds: Record<string, 'where' | 'unique' | 'create' | 'update'>,
    options: { readonly pin?: boolean; readonly whereIsSource?: boolean } = {},
  ): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const input = options.pin === true && kinds.where !== undefined ? { ...node, where: this.inRequestScope(target, node.where) } : node;
    const pinned = options.whereIsSource === false ? undefined : wherePin(target, input.where);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(input)) {
      const kind = kinds[key];
      const at = [...path, key];
      out[key] =
        kind === 'where' ? this.where(target, input[key])
        : kind === 'unique' ? this.uniqueWhere(target, input[key], at)
        : kind === 'create' || kind === 'update' ? this.data(target, input[key], at, { kind, where: pinned, request: this.requestScope })
        : copyPlain(input[key]);
    }
    return out;
  }

  private eachItem(node: unknown, path: Path, visit: (item: unknown, path: Path) => unknown): unknown {
    return Array.isArray(node) ? node.map((item, index) => visit(item, [...path, index])) : visit(node, path);
  }

  /** select/include: relations carry their own arguments (where, orderBy, nested select...). */
  private selection(model: ModelScheme, node: unknown, path: Path): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      const value = node[key];
      const relation = model.relations.get(key);
      if (relation) {
        out[key] = this.operationArgs(this.scheme.model(relation.model), 'findMany', value, [...path, key]);
      } else if (key === '_count') {
        out[key] = this.relationCount(model, value);
      } else {
        out[key] = copyPlain(value);
      }
    }
    return out;
  }

  /**
   * `_count: { select: { posts: { where } } }` in a selection: the where is the related model's, visited
   * with an EXACT scope (nothing removes the false positives of a truncated index from a count).
   */
  private relationCount(model: ModelScheme, node: unknown): unknown {
    if (!isPlainObject(node) || !isPlainObject(node.select)) return copyPlain(node);
    const select: Record<string, unknown> = {};
    for (const key of Object.keys(node.select)) {
      const value = node.select[key];
      const relation = model.relations.get(key);
      select[key] = relation && isPlainObject(value) ? this.relationCountArgs(this.scheme.model(relation.model), value) : copyPlain(value);
    }
    return { ...copyPlain(node), select };
  }

  /** The arguments of one relation count: a `where`, nothing else of Prisma's. */
  private relationCountArgs(target: ModelScheme, node: Record<string, unknown>): unknown {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) out[key] = key === 'where' ? this.where(target, node[key], EXACT_SCOPE) : copyPlain(node[key]);
    return out;
  }

  private orderBy(model: ModelScheme, node: unknown): unknown {
    if (Array.isArray(node)) return node.map((item) => this.orderBy(model, item));
    if (!isPlainObject(node)) return copyPlain(node);
    for (const key of Object.keys(node)) {
      const value = node[key];
      refuseEncrypted(model, key, 'orderBy');
      const relation = model.relations.get(key);
      if (relation && !relation.isList) this.orderBy(this.scheme.model(relation.model), value);
      else if (AGGREGATES.has(key)) this.aggregate(model, `orderBy.${key}`, value);
      else if (key === '_relevance' && isPlainObject(value)) this.fieldList(model, 'orderBy._relevance', value.fields);
    }
    return copyPlain(node);
  }

  /** `_count`, `_min`, `_max`, `_avg`, `_sum` (and a count's select): `{ field: true }` per field. */
  private aggregate(model: ModelScheme, position: string, node: unknown): unknown {
    if (isPlainObject(node)) {
      for (const key of Object.keys(node)) if (node[key]) refuseEncrypted(model, key, position);
    }
    return copyPlain(node);
  }

  /** `distinct`, `by`: a field name or a list of them. */
  private fieldList(model: ModelScheme, position: string, node: unknown): unknown {
    for (const field of Array.isArray(node) ? node : [node]) if (typeof field === 'string') refuseEncrypted(model, field, position);
    return copyPlain(node);
  }

  /** groupBy `having`: aggregate filters per field, AND/OR/NOT. */
  private having(model: ModelScheme, node: unknown): unknown {
    if (Array.isArray(node)) return node.map((item) => this.having(model, item));
    if (isPlainObject(node)) {
      for (const key of Object.keys(node)) {
        if (key === 'AND' || key === 'OR' || key === 'NOT') this.having(model, node[key]);
        else refuseEncrypted(model, key, 'having');
      }
    }
    return copyPlain(node);
  }
}

/** The fields behind a where-unique key (`tenant_seq` -> `['tenant', 'seq']`), if `key` is one. */
function uniqueFields(model: ModelScheme, key: string): readonly string[] | undefined {
  return Object.hasOwn(model.info.uniques, key) ? model.info.uniques[key] : undefined;
}

function negate(polarity: Polarity): Polarity {
  return polarity === 1 ? -1 : 1;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
