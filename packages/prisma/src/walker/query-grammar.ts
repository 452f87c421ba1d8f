/**
 * The grammar of Prisma's query arguments, apart from the policies that act on them (encrypt, index,
 * refuse). Most nodes are known by where they sit; a few of Prisma's inputs are unions that Prisma
 * tells apart by their keys, and a user's field can be called anything (`data`, `set`, `where`, `is`).
 * This module is the one place that answers "what is this node?" for those unions: by the shape of
 * the node under each reading, and with a typed refusal ({@link AmbiguousQueryError}) when both
 * readings fit, so that no node is ever walked under one reading while Prisma takes the other.
 */
import { AmbiguousQueryError, ForbiddenKeyError } from '../errors';
import { isPlainObject, type Path } from './plain-data';
import type { ModelScheme } from '../field-map';

/**
 * Keys that change an object's prototype chain when assigned (`__proto__`, from `JSON.parse` of a
 * request body) or that only ever name a prototype's machinery. No Prisma input uses them, so they are
 * refused anywhere in the arguments instead of being copied.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Update operations Prisma has besides `set`: each would compute on the stored ciphertext. */
export const FIELD_UPDATE_OPERATIONS: ReadonlySet<string> = new Set(['increment', 'decrement', 'multiply', 'divide', 'push', 'unset']);
const SCALAR_UPDATE_OPERATIONS: ReadonlySet<string> = new Set(['set', ...FIELD_UPDATE_OPERATIONS]);

/**
 * The value a scalar field's update data writes: `v` for `v` and for `{ set: v }`. Any other object
 * (another operation, or `set` beside another key) is returned as it is, for the caller to refuse.
 *
 * @example
 * ```ts
 * writtenValue({ set: 'a@b.c' });  // 'a@b.c'
 * writtenValue(null);              // null
 * writtenValue({ increment: 1 });  // { increment: 1 }
 * ```
 */
export function writtenValue(written: unknown): unknown {
  return isPlainObject(written) && Object.keys(written).length === 1 && Object.hasOwn(written, 'set') ? written.set : written;
}

/** The operations under a relation field in create/update data. */
const NESTED_WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'create', 'createMany', 'connect', 'connectOrCreate', 'set', 'disconnect', 'delete', 'update', 'updateMany', 'deleteMany', 'upsert',
]);

/** The operators of a scalar filter in a where (every provider's, so the reading is never under-estimated). */
const SCALAR_FILTER_OPERATORS: ReadonlySet<string> = new Set([
  'equals', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'not', 'contains', 'startsWith', 'endsWith', 'mode', 'search',
  'has', 'hasEvery', 'hasSome', 'isEmpty', 'isSet', 'path', 'string_contains', 'string_starts_with', 'string_ends_with',
  'array_contains', 'array_starts_with', 'array_ends_with',
]);

const WHERE_COMBINATORS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT']);

/** Wrappers of a to-one relation filter (`{ is, isNot }`) and of a list relation filter. */
export const TO_ONE_FILTER_WRAPPERS: ReadonlySet<string> = new Set(['is', 'isNot']);
export const LIST_FILTER_WRAPPERS: ReadonlySet<string> = new Set(['some', 'every', 'none']);

/**
 * Throws {@link ForbiddenKeyError} when `node` holds a `__proto__`, `constructor` or `prototype` key at
 * any depth (plain objects and arrays; other objects are leaves). `model` names the operation's model.
 *
 * @example
 * ```ts
 * refuseForbiddenKeys('User', JSON.parse('{"data":{"__proto__":{"name":"x"}}}')); // throws, path ['data', '__proto__']
 * ```
 */
export function refuseForbiddenKeys(model: string, node: unknown): void {
  // Every query pays for this walk: the path is only built once something is found.
  const path = forbiddenKeyPath(node);
  if (path !== undefined) throw new ForbiddenKeyError(model, path);
}

/** Where the first forbidden key of `node` is, or undefined. */
function forbiddenKeyPath(node: unknown): Path | undefined {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const inner = forbiddenKeyPath(node[index]);
      if (inner !== undefined) return [index, ...inner];
    }
    return undefined;
  }
  // A `__proto__` key that something already assigned (Prisma's client does so for the arguments'
  // root) left an object inheriting from a plain object: the walker would take it for a leaf.
  if (inheritsFromPlainObject(node)) return ['__proto__'];
  if (!isPlainObject(node)) return undefined;
  for (const key of Object.keys(node)) {
    if (FORBIDDEN_KEYS.has(key)) return [key];
    const inner = forbiddenKeyPath(node[key]);
    if (inner !== undefined) return [key, ...inner];
  }
  return undefined;
}

/**
 * True for an object whose prototype is neither `Object.prototype` nor null nor a class's prototype
 * (Date, Decimal, Buffer, Prisma's null types: each has its own `constructor`): what assigning a
 * parsed `__proto__` key makes.
 */
function inheritsFromPlainObject(node: unknown): boolean {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  const prototype: unknown = Object.getPrototypeOf(node);
  return prototype !== null && prototype !== Object.prototype && !Object.hasOwn(prototype as object, 'constructor');
}

/** The keys of `node` whose value is not `undefined` (Prisma ignores the others). */
function definedKeys(node: Record<string, unknown>): string[] {
  return Object.keys(node).filter((key) => node[key] !== undefined);
}

/**
 * What a to-one nested `update` holds: the update data itself (`XUpdateWithoutYInput`) or the envelope
 * `{ where?, data }` (`XUpdateToOneWithWhereWithoutYInput`). Decided by shape under both readings;
 * throws {@link AmbiguousQueryError} when both fit (the target has fields named `data`/`where` and the
 * values could be their update operations).
 *
 * @example
 * ```ts
 * toOneUpdateShape(scheme.model('Profile'), { data: { bio: 'x' } });  // 'envelope'
 * toOneUpdateShape(scheme.model('Settings'), { data: 'x' });          // 'data': Settings.data is a field
 * toOneUpdateShape(scheme.model('Settings'), { data: { set: 'x' } }); // throws AmbiguousQueryError
 * ```
 */
export function toOneUpdateShape(target: ModelScheme, node: unknown): 'data' | 'envelope' {
  const envelope = isUpdateEnvelope(node);
  if (envelope && isUpdateData(target, node)) throw new AmbiguousQueryError(target.name, 'update', ['{ where?, data } envelope', `update data of ${target.name}`]);
  return envelope ? 'envelope' : 'data';
}

/**
 * What a to-one relation filter holds: `{ is, isNot }` wrappers or a bare where of the related model.
 * Throws {@link AmbiguousQueryError} when both fit (the target has fields named `is`/`isNot`).
 *
 * @example
 * ```ts
 * toOneFilterShape(scheme.model('Profile'), { is: { bio: null } });    // 'wrappers'
 * toOneFilterShape(scheme.model('Settings'), { is: { equals: 'x' } }); // throws AmbiguousQueryError
 * ```
 */
export function toOneFilterShape(target: ModelScheme, node: Record<string, unknown>): 'wrappers' | 'where' {
  if (!fitsToOneWrappers(node)) return 'where';
  if (isWhere(target, node)) throw new AmbiguousQueryError(target.name, 'relation filter', ['{ is, isNot } wrappers', `a where of ${target.name}`]);
  return 'wrappers';
}

/**
 * @internal Whether a to-one relation filter fits the `{ is, isNot }` reading (at least one wrapper,
 * each an object or null). The blind-index rewrite, which runs on wheres the walker has accepted, asks
 * this too, so both read the same node the same way.
 */
export function fitsToOneWrappers(node: Record<string, unknown>): boolean {
  const keys = definedKeys(node);
  return keys.length > 0 && keys.every((key) => TO_ONE_FILTER_WRAPPERS.has(key) && (node[key] === null || isPlainObject(node[key])));
}

/**
 * Which relation a fluent call (`account.findUnique(...).settings()`) returned: Prisma sends it as
 * `select: { settings: true }` and may hand back either the parent row `{ settings: ... }` or the
 * related row itself. `parent` when `result` can only be the parent row, `related` when it can only
 * be the related row (or list), `both` when it fits both (the caller compares what each reading reads).
 */
export function fluentResultReadings(parent: ModelScheme, relationName: string, related: ModelScheme, result: object): 'parent' | 'related' | 'both' {
  if (Array.isArray(result)) return 'related';
  const row = result as Record<string, unknown>;
  const relation = parent.relations.get(relationName);
  const value = row[relationName];
  const asParent =
    relation !== undefined &&
    Object.hasOwn(row, relationName) &&
    Object.keys(row).every((key) => key === relationName || key === '_count') &&
    (relation.isList ? Array.isArray(value) : value === null || isPlainObject(value));
  if (!asParent) return 'related';
  return fitsRow(related, row) ? 'both' : 'parent';
}

/** Whether every key of `row` is a field of `model` holding a value of that field's shape. */
function fitsRow(model: ModelScheme, row: Record<string, unknown>): boolean {
  return Object.keys(row).every((key) => {
    const value = row[key];
    const relation = model.relations.get(key);
    if (relation) return value === null || (relation.isList ? Array.isArray(value) : isPlainObject(value));
    if (key === '_count') return isPlainObject(value);
    // A scalar holds no object (a Json field may); arrays are left plausible (scalar lists).
    return Object.hasOwn(model.info.fields, key) && (!isPlainObject(value) || model.info.fields[key]?.type === 'Json');
  });
}

function isUpdateEnvelope(node: unknown): boolean {
  if (!isPlainObject(node)) return false;
  const keys = definedKeys(node);
  return keys.includes('data') && isPlainObject(node.data) && keys.every((key) => key === 'data' || (key === 'where' && isPlainObject(node.where)));
}

/** Whether `node` reads as update data of `target`: every key a field, every value of its field's shape. */
function isUpdateData(target: ModelScheme, node: unknown): boolean {
  if (!isPlainObject(node)) return false;
  return definedKeys(node).every((key) => {
    const value = node[key];
    if (target.relations.has(key)) return isPlainObject(value) && Object.keys(value).every((operation) => NESTED_WRITE_OPERATIONS.has(operation));
    if (!Object.hasOwn(target.info.fields, key)) return false;
    if (!isPlainObject(value)) return true;
    return target.info.fields[key]?.type === 'Json' || Object.keys(value).every((operation) => SCALAR_UPDATE_OPERATIONS.has(operation));
  });
}

/** Whether `node` reads as a where of `target`: combinators, fields with a filter of their shape. */
function isWhere(target: ModelScheme, node: Record<string, unknown>): boolean {
  return definedKeys(node).every((key) => {
    const value = node[key];
    if (WHERE_COMBINATORS.has(key) || target.relations.has(key)) return true;
    if (!Object.hasOwn(target.info.fields, key)) return false;
    if (!isPlainObject(value)) return true;
    return target.info.fields[key]?.type === 'Json' || Object.keys(value).every((operator) => SCALAR_FILTER_OPERATORS.has(operator));
  });
}
