/**
 * The arguments side of a query: one generic walk over the argument tree, driven by the schema. Each
 * node kind (operation arguments, where, data, nested writes, select/include, orderBy, aggregates)
 * has a visitor that knows the model it is in and follows relations from the field map into the
 * model behind them. It returns a deep copy of the arguments (the caller's are never touched) and the
 * encrypted fields to write, and refuses what cannot work on ciphertext before anything is sent.
 */
import { InvalidFieldValueError, UnsupportedQueryError } from '../errors';
import { checkFieldFilter, refuseEncrypted } from './filter-policy';
import { copyPlain, isPlainObject, type Path } from './plain-data';
import type { EncryptionScheme, ModelScheme } from '../field-map';

/** A plaintext to encrypt and where its ciphertext goes in the copied arguments. */
export interface WriteTarget {
  /** From the root of the arguments, e.g. `['data', 'posts', 'create', 0, 'body']`. */
  readonly path: Path;
  readonly model: string;
  readonly field: string;
  readonly plaintext: string;
}

/** What {@link planArgs} found. */
export interface ArgsPlan {
  /** A deep copy of the arguments; the plaintexts at `writes[i].path` are still in place. */
  readonly args: unknown;
  readonly writes: WriteTarget[];
}

const AGGREGATES = new Set(['_count', '_min', '_max', '_avg', '_sum']);

/** Update operations Prisma has besides `set`: each would compute on the stored ciphertext. */
const FIELD_UPDATE_OPERATIONS = new Set(['increment', 'decrement', 'multiply', 'divide', 'push', 'unset']);

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
export function planArgs(scheme: EncryptionScheme, model: string, operation: string, args: unknown): ArgsPlan {
  const walk = new ArgsWalk(scheme);
  const copy = walk.operationArgs(scheme.model(model), operation, args, []);
  return { args: copy, writes: walk.writes };
}

class ArgsWalk {
  readonly writes: WriteTarget[] = [];

  constructor(private readonly scheme: EncryptionScheme) {}

  /** The arguments of an operation, or of a relation in select/include (operation `findMany`). */
  operationArgs(model: ModelScheme, operation: string, node: unknown, path: Path): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      const value = node[key];
      const at = [...path, key];
      switch (key) {
        case 'where':
          out[key] = this.where(model, value);
          break;
        case 'data':
        case 'create': // upsert
        case 'update': // upsert
          out[key] = this.data(model, value, at);
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
          out[key] = this.fieldKeys(model, 'cursor', value);
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

  /** A where (or where-unique) input: filters per field, AND/OR/NOT, relation filters, compound keys. */
  where(model: ModelScheme, node: unknown): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (key === 'AND' || key === 'OR' || key === 'NOT') {
        out[key] = Array.isArray(value) ? value.map((item) => this.where(model, item)) : this.where(model, value);
        continue;
      }
      if (model.encrypted.has(key)) {
        checkFieldFilter(model, key, value);
        out[key] = copyPlain(value);
        continue;
      }
      const relation = model.relations.get(key);
      if (relation) {
        out[key] = this.relationFilter(this.scheme.model(relation.model), relation.isList, value);
        continue;
      }
      const compound = uniqueFields(model, key);
      if (compound && compound.length > 1 && isPlainObject(value)) {
        for (const field of compound) if (model.encrypted.has(field)) checkFieldFilter(model, field, value[field]);
      }
      out[key] = copyPlain(value);
    }
    return out;
  }

  /** `some`/`every`/`none` on lists, `is`/`isNot` or a bare where on to-one relations. */
  private relationFilter(target: ModelScheme, isList: boolean, node: unknown): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const wrappers = isList ? ['some', 'every', 'none'] : ['is', 'isNot'];
    const keys = Object.keys(node);
    if (!isList && !keys.every((key) => wrappers.includes(key))) return this.where(target, node);
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = wrappers.includes(key) ? this.where(target, node[key]) : copyPlain(node[key]);
    return out;
  }

  /** Create or update data (one object or a list of them, as in createMany). */
  data(model: ModelScheme, node: unknown, path: Path): unknown {
    if (Array.isArray(node)) return node.map((item, index) => this.data(model, item, [...path, index]));
    if (!isPlainObject(node)) return copyPlain(node);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (model.encrypted.has(key)) {
        out[key] = this.encryptedValue(model, key, value, [...path, key]);
        continue;
      }
      const relation = model.relations.get(key);
      out[key] = relation
        ? this.nestedWrites(this.scheme.model(relation.model), relation.isList, value, [...path, key])
        : copyPlain(value);
    }
    return out;
  }

  /** The value written to an encrypted field: a string, null, or `{ set: string | null }`. */
  private encryptedValue(model: ModelScheme, field: string, value: unknown, path: Path): unknown {
    if (value === undefined || value === null) return value;
    if (typeof value === 'string') {
      this.writes.push({ path, model: model.name, field, plaintext: value });
      return value;
    }
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const operation of Object.keys(value)) {
        if (FIELD_UPDATE_OPERATIONS.has(operation)) throw new UnsupportedQueryError(model.name, field, operation);
        if (operation !== 'set') throw new InvalidFieldValueError(model.name, field, 'object');
        out.set = this.encryptedValue(model, field, value.set, [...path, 'set']);
      }
      return out;
    }
    throw new InvalidFieldValueError(model.name, field, describeType(value));
  }

  /** The operations under a relation field in create/update data, into the model behind it. */
  private nestedWrites(target: ModelScheme, isList: boolean, node: unknown, path: Path): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const out: Record<string, unknown> = {};
    for (const operation of Object.keys(node)) {
      const value = node[operation];
      const at = [...path, operation];
      switch (operation) {
        case 'create':
          out[operation] = this.data(target, value, at);
          break;
        case 'createMany':
          out[operation] = this.envelope(target, value, at, { data: 'data' });
          break;
        case 'connectOrCreate':
          out[operation] = this.eachItem(value, at, (item, itemPath) =>
            this.envelope(target, item, itemPath, { where: 'where', create: 'data' }),
          );
          break;
        case 'update':
          out[operation] =
            isList || this.isUpdateEnvelope(target, value)
              ? this.eachItem(value, at, (item, itemPath) => this.envelope(target, item, itemPath, { where: 'where', data: 'data' }))
              : this.data(target, value, at);
          break;
        case 'updateMany':
          out[operation] = this.eachItem(value, at, (item, itemPath) =>
            this.envelope(target, item, itemPath, { where: 'where', data: 'data' }),
          );
          break;
        case 'upsert':
          out[operation] = this.eachItem(value, at, (item, itemPath) =>
            this.envelope(target, item, itemPath, { where: 'where', create: 'data', update: 'data' }),
          );
          break;
        default:
          // connect, set, disconnect, delete, deleteMany: where-unique or where inputs (or `true`).
          out[operation] = this.eachItem(value, at, (item) => this.where(target, item));
      }
    }
    return out;
  }

  /**
   * An object whose keys are where inputs or data (`{ where, create }`, `{ where, data }`...): `kinds`
   * says which is which; any other key is copied.
   */
  private envelope(target: ModelScheme, node: unknown, path: Path, kinds: Record<string, 'where' | 'data'>): unknown {
    if (!isPlainObject(node)) return copyPlain(node);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      const kind = kinds[key];
      out[key] =
        kind === 'where' ? this.where(target, node[key]) : kind === 'data' ? this.data(target, node[key], [...path, key]) : copyPlain(node[key]);
    }
    return out;
  }

  /** To-one `update` is either the data itself or `{ where?, data }`; a model field named `data` settles it as data. */
  private isUpdateEnvelope(target: ModelScheme, node: unknown): boolean {
    return (
      isPlainObject(node) &&
      'data' in node &&
      !hasField(target, 'data') &&
      Object.keys(node).every((key) => key === 'data' || key === 'where')
    );
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

  /** `_count: { select: { posts: { where } } }` in a selection: the where is the related model's. */
  private relationCount(model: ModelScheme, node: unknown): unknown {
    if (!isPlainObject(node) || !isPlainObject(node.select)) return copyPlain(node);
    const select: Record<string, unknown> = {};
    for (const key of Object.keys(node.select)) {
      const value = node.select[key];
      const relation = model.relations.get(key);
      select[key] = relation
        ? this.operationArgs(this.scheme.model(relation.model), 'count', value, [])
        : copyPlain(value);
    }
    return { ...copyPlain(node), select };
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

  /** `cursor`: a where-unique whose fields are compared by order, so no encrypted field (nor compound key with one). */
  private fieldKeys(model: ModelScheme, position: string, node: unknown): unknown {
    if (isPlainObject(node)) {
      for (const key of Object.keys(node)) {
        refuseEncrypted(model, key, position);
        for (const field of uniqueFields(model, key) ?? []) refuseEncrypted(model, field, position);
      }
    }
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

function hasField(model: ModelScheme, name: string): boolean {
  return Object.hasOwn(model.info.fields, name) || model.relations.has(name);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
