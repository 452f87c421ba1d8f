/**
 * Rewrites a Prisma `where` so that equality on encrypted fields becomes equality on their blind
 * index columns: `{ email: 'a@b.c' }` -> `{ emailHash: 'v1$...' }`. The database never sees the value;
 * it compares keyed hashes. Anything the index cannot answer (ranges, `contains`, `mode: 'insensitive'`)
 * is refused with a typed error before the query runs.
 *
 * Pure: no I/O, no crypto of its own (the indexer is passed in), and the caller's object is never
 * changed. Rewritten nodes are new objects; untouched leaves are shared.
 */
import { InvalidFieldValueError, UnsupportedQueryError } from '../errors';
import type { BlindIndexOptions } from '../field-map/types';
import { isPlainObject } from '../walker/plain-data';
import { fitsToOneWrappers } from '../walker/query-grammar';
import { TruncatedIndexNegationError } from './errors';
import { isTruncated, type IndexedModel, type IndexedSchema, type Where } from './indexed-schema';
import type { QueryIndexer } from './query-indexer';

/**
 * +1 where a match of the rewritten condition can only add rows (a false positive, filtered after
 * decryption); -1 under a negation, where a collision of a truncated index would drop a row instead.
 */
export type Polarity = 1 | -1;

export interface Rewrite {
  readonly schema: IndexedSchema;
  readonly indexer: QueryIndexer;
  /**
   * Lenient mode (a migration in progress): an equality also matches rows whose index column is still
   * NULL and whose encrypted column still holds the plaintext, the way Rails' `extend_queries` does.
   * See `withPlaintext` below.
   */
  readonly plaintextFallback?: boolean;
}

/**
 * Returns a copy of `where` for `model` with every equality on an encrypted field that has a blind
 * index moved to the index column, at any depth: the shorthand `field: value`, `equals`, `in`,
 * `notIn`, `not` (a value or a nested filter), inside `AND`/`OR`/`NOT`, and through relation filters
 * (`some`/`every`/`none`, `is`/`isNot`, the to-one shorthand). With several index key versions held
 * (a rotation in progress), an equality looks for every version: `{ emailHash: { in: [v2, v1] } }`.
 *
 * With `plaintextFallback` (the extension's lenient mode, while `prisma-kms encrypt` is under way), each
 * equality also matches rows not yet encrypted: index column NULL, plaintext in the column.
 *
 * `null` checks stay on the field itself (nulls are stored as NULL, not encrypted). Any other operator
 * on an encrypted field, or any non-null comparison on an encrypted field without an index, throws
 * `UnsupportedQueryError`; a value that is not a string throws `InvalidFieldValueError`; a negation on
 * a truncated index throws `TruncatedIndexNegationError`.
 *
 * @example
 * ```ts
 * rewriteWhere(scheme, 'User', { OR: [{ email: 'a@b.c' }, { role: 'admin' }] }, indexer);
 * // { OR: [{ emailHash: 'v1$Xq...' }, { role: 'admin' }] }
 * rewriteWhere(scheme, 'User', { email: 'a@b.c' }, indexer, { plaintextFallback: true }); // lenient mode
 * // { OR: [{ emailHash: 'v1$Xq...' }, { emailHash: null, email: { in: ['a@b.c'] } }] }
 * ```
 */
export function rewriteWhere<W extends Where | null | undefined>(
  schema: IndexedSchema,
  model: string,
  where: W,
  indexer: QueryIndexer,
  options: { readonly plaintextFallback?: boolean } = {},
): W {
  if (!isPlainObject(where)) return where;
  return rewriteNode({ schema, indexer, ...options }, schema.model(model), where, 1) as W;
}

/** @internal Rewrites one where node of `model`; shared with the unique-where planner. */
export function rewriteNode(ctx: Rewrite, model: IndexedModel, node: Where, polarity: Polarity): Where {
  const out: Where = {};
  const extraConditions: Where[] = [];
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (value === undefined) {
      out[key] = value;
    } else if (key === 'AND') {
      out[key] = rewriteList(ctx, model, value, polarity);
    } else if (key === 'OR') {
      out[key] = rewriteList(ctx, model, value, polarity);
    } else if (key === 'NOT') {
      out[key] = rewriteList(ctx, model, value, negate(polarity));
    } else if (model.encrypted.has(key)) {
      mergeFieldConditions(out, node, key, fieldConditions(ctx, model, key, value, polarity), extraConditions);
    } else if (model.relations.has(key)) {
      out[key] = rewriteRelationFilter(ctx, model, key, value, polarity);
    } else {
      out[key] = value;
    }
  }
  appendConditions(out, extraConditions);
  return out;
}

/**
 * @internal Puts the conditions that replace `key` of `node` into `out`: merged in place when that
 * cannot clobber another condition of the node, otherwise collected in `extra` (see {@link appendConditions}).
 */
export function mergeFieldConditions(out: Where, node: Where, key: string, conditions: readonly Where[], extra: Where[]): void {
  const only = conditions.length === 1 ? conditions[0]! : undefined;
  const onlyKey = only === undefined ? undefined : singleKey(only);
  if (only !== undefined && onlyKey !== undefined && !(onlyKey in out) && (onlyKey === key || !Object.hasOwn(node, onlyKey))) {
    out[onlyKey] = only[onlyKey];
  } else {
    extra.push(...conditions);
  }
}

/** @internal ANDs `extra` onto `out` (after any AND the node already had). */
export function appendConditions(out: Where, extra: readonly Where[]): void {
  if (extra.length === 0) return;
  const existing = out.AND;
  out.AND = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...extra];
}

function rewriteList(ctx: Rewrite, model: IndexedModel, value: unknown, polarity: Polarity): unknown {
  if (Array.isArray(value)) return value.map((item) => (isPlainObject(item) ? rewriteNode(ctx, model, item, polarity) : item));
  return isPlainObject(value) ? rewriteNode(ctx, model, value, polarity) : value;
}

function rewriteRelationFilter(ctx: Rewrite, model: IndexedModel, relationName: string, filter: unknown, polarity: Polarity): unknown {
  if (!isPlainObject(filter)) return filter;
  const relation = model.relations.get(relationName)!;
  const target = ctx.schema.model(relation.model);
  const rewrite = (where: unknown, p: Polarity): unknown => (isPlainObject(where) ? rewriteNode(ctx, target, where, p) : where);
  const keys = Object.keys(filter);
  if (relation.isList) {
    const out: Where = {};
    for (const key of keys) {
      // `every W` is monotone in W (a wider W admits more parents), `none W` is a negation.
      out[key] = key === 'some' || key === 'every' ? rewrite(filter[key], polarity) : key === 'none' ? rewrite(filter[key], negate(polarity)) : filter[key];
    }
    return out;
  }
  if (!fitsToOneWrappers(filter)) return rewrite(filter, polarity); // to-one shorthand: { profile: { ssn: '...' } }
  const out: Where = {};
  for (const key of keys) out[key] = rewrite(filter[key], key === 'isNot' ? negate(polarity) : polarity);
  return out;
}

/**
 * @internal The conditions (each a where node, ANDed) that replace `field: filter` (shared with the query walker). Null checks stay on the field;
 * value comparisons go to the index column.
 */
export function fieldConditions(ctx: Rewrite, model: IndexedModel, field: string, filter: unknown, polarity: Polarity): Where[] {
  if (filter === null) return [{ [field]: null }];
  if (typeof filter === 'string') {
    return [withPlaintext(ctx, model, field, { [indexField(model, field, 'equals')]: equalTo(ctx, model, field, [filter], polarity, 'equals') }, [filter], 'in')];
  }
  if (!isPlainObject(filter)) throw new InvalidFieldValueError(model.name, field, typeOf(filter));
  return filterConditions(ctx, model, field, filter, polarity);
}

function filterConditions(ctx: Rewrite, model: IndexedModel, field: string, filter: Where, polarity: Polarity): Where[] {
  const conditions: Where[] = [];
  for (const operator of Object.keys(filter)) {
    const operand = filter[operator];
    if (operand === undefined) continue;
    switch (operator) {
      case 'equals':
        if (operand === null) conditions.push({ [field]: { equals: null } });
        else {
          const hashes = hashesOf(ctx, model, field, [operand], polarity, operator);
          conditions.push(withPlaintext(ctx, model, field, { [indexField(model, field, operator)]: hashes.length === 1 ? { equals: hashes[0] } : { in: hashes } }, [operand], 'in'));
        }
        break;
      case 'in': {
        const values = listOperand(model, field, operand);
        conditions.push(withPlaintext(ctx, model, field, { [indexField(model, field, operator)]: { in: hashesOf(ctx, model, field, values, polarity, operator) } }, values, 'in'));
        break;
      }
      case 'notIn': {
        const values = listOperand(model, field, operand);
        conditions.push(withPlaintext(ctx, model, field, { [indexField(model, field, operator)]: { notIn: hashesOf(ctx, model, field, values, negate(polarity), operator) } }, values, 'notIn'));
        break;
      }
      case 'not':
        conditions.push(...notConditions(ctx, model, field, operand, polarity));
        break;
      case 'mode':
        // 'default' is what the index does anyway; 'insensitive' is a normalization (lowercase) to declare in the schema.
        if (operand !== 'default') throw new UnsupportedQueryError(model.name, field, 'mode');
        break;
      default:
        throw new UnsupportedQueryError(model.name, field, operator);
    }
  }
  return conditions;
}

function notConditions(ctx: Rewrite, model: IndexedModel, field: string, operand: unknown, polarity: Polarity): Where[] {
  if (operand === null) return [{ [field]: { not: null } }];
  if (typeof operand === 'string') {
    const hashes = hashesOf(ctx, model, field, [operand], negate(polarity), 'not');
    return [withPlaintext(ctx, model, field, { [indexField(model, field, 'not')]: hashes.length === 1 ? { not: hashes[0] } : { notIn: hashes } }, [operand], 'notIn')];
  }
  if (!isPlainObject(operand)) throw new InvalidFieldValueError(model.name, field, typeOf(operand));
  const inner = filterConditions(ctx, model, field, operand, negate(polarity));
  if (inner.length === 0) return [];
  const only = inner.length === 1 ? inner[0]! : undefined;
  const onlyKey = only === undefined ? undefined : singleKey(only);
  // A single condition on one column negates in place: { emailHash: { not: { in: [...] } } }.
  if (only !== undefined && onlyKey !== undefined && onlyKey !== 'OR') return [{ [onlyKey]: { not: only[onlyKey] } }];
  return [{ NOT: { AND: inner } }];
}

/**
 * In lenient mode, `indexCondition` OR the same comparison on the plaintext of rows not yet encrypted:
 * `{ OR: [{ emailHash: h }, { emailHash: null, email: { in: [x, normalize(x)] } }] }` (`notIn` for a
 * negation: a not-yet-indexed row whose plaintext differs). Only rows whose index column is NULL take
 * the plaintext branch, so an encrypted row never compares its ciphertext. The database compares the
 * plaintext exactly, so the branch finds a row stored as the value given or as its normalized form
 * (`' Ada@Example.com '` finds a row holding `'ada@example.com'`), not every spelling the index would
 * match. In strict mode (no plaintext is expected), `indexCondition` alone.
 */
function withPlaintext(ctx: Rewrite, model: IndexedModel, field: string, indexCondition: Where, values: readonly unknown[], operator: 'in' | 'notIn'): Where {
  if (ctx.plaintextFallback !== true) return indexCondition;
  const hash = indexOptions(model, field, operator);
  return { OR: [indexCondition, { [hash.field]: null, [field]: { [operator]: plaintextForms(ctx, hash, values) } }] };
}

/** @internal Each value as given and normalized the way the index normalizes it, without repeats. */
export function plaintextForms(ctx: Pick<Rewrite, 'indexer'>, hash: BlindIndexOptions, values: readonly unknown[]): string[] {
  const forms = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue; // hashesOf has refused it already
    forms.add(value);
    forms.add(ctx.indexer.normalize(value, hash.normalize));
  }
  return [...forms];
}

/** The shorthand/equals operand: one index, or `{ in: [...] }` over every key version held. */
function equalTo(ctx: Rewrite, model: IndexedModel, field: string, values: readonly unknown[], polarity: Polarity, operator: string): unknown {
  const hashes = hashesOf(ctx, model, field, values, polarity, operator);
  return hashes.length === 1 ? hashes[0] : { in: hashes };
}

function hashesOf(ctx: Rewrite, model: IndexedModel, field: string, values: readonly unknown[], polarity: Polarity, operator: string): string[] {
  const hash = indexOptions(model, field, operator);
  if (polarity < 0 && isTruncated(hash)) throw new TruncatedIndexNegationError(model.name, field, operator);
  const ref = { model: model.name, field };
  const hashes: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string') throw new InvalidFieldValueError(model.name, field, typeOf(value));
    hashes.push(...ctx.indexer.computeAll(ref, value, hash));
  }
  return hashes;
}

function listOperand(model: IndexedModel, field: string, operand: unknown): readonly unknown[] {
  if (Array.isArray(operand)) return operand;
  // Prisma accepts a single value for `in`/`notIn`.
  if (typeof operand === 'string') return [operand];
  throw new InvalidFieldValueError(model.name, field, typeOf(operand));
}

function indexField(model: IndexedModel, field: string, operator: string): string {
  return indexOptions(model, field, operator).field;
}

function indexOptions(model: IndexedModel, field: string, operator: string): BlindIndexOptions {
  const hash = model.encrypted.get(field)?.hash;
  // Without a blind index, ciphertext cannot be compared: refuse instead of matching nothing.
  if (hash === undefined) throw new UnsupportedQueryError(model.name, field, operator);
  return hash;
}

function singleKey(node: Where): string | undefined {
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

function negate(polarity: Polarity): Polarity {
  return polarity === 1 ? -1 : 1;
}

/** The JavaScript type of a value, for error messages (never the value). */
export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'Date';
  if (typeof value === 'object') return (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
  return typeof value;
}
