/**
 * Unique lookups through a blind index: `findUnique({ where: { email } })`, `connect`,
 * `connectOrCreate.where`, `upsert.where`, `cursor`. Prisma needs a `WhereUniqueInput` there, so the
 * encrypted field becomes its `@unique` index column holding one value, never `{ in: [...] }`.
 *
 * During an index key rotation a row may still hold the index of an older version, so a single
 * where-unique cannot find every row. The planner therefore returns candidates, one per key version
 * (current first): the extension tries them in order (see {@link UniqueWherePlan}).
 */
import type { ModelInfo } from '../field-map/types';
import { isPlainObject } from '../walker/plain-data';
import type { IndexedSchema, Where } from './indexed-schema';
import { isApproximate } from './post-filter';
import type { QueryIndexer } from './query-indexer';
import { plaintextForms, rewriteNode } from './where-rewrite';

/** How to run a unique lookup whose where names an encrypted field. */
export interface UniqueWherePlan {
  /**
   * Where-unique inputs to try in this order until one finds a row. One candidate when one index key
   * version is held (or the lookup goes through no index). With several versions, candidate i looks for
   * the index of key version `versions[i]`; a row is found by at most one of them.
   *
   * - `findUnique`/`findUniqueOrThrow`: run `findUnique` per candidate, stop at the first row
   *   (`OrThrow`: throw Prisma's not-found error only when every candidate missed).
   * - In lenient mode the last candidate names a row not yet encrypted (`{ emailHash: null, email: { in:
 *   [x, normalize(x)] } }`): not a valid where-unique, so such a plan always goes through the read first.
 * - `connect`, `connectOrCreate.where`, `upsert.where`, `cursor`, `update`/`delete` `where`: with one
   *   candidate use it as it is; with several, find the row first (`findUnique` per candidate, selecting
   *   the primary key), then use {@link primaryKeyWhere} of that row (or, when none matched, the first
   *   candidate: `connectOrCreate`/`upsert` then create, and the created row gets the current index).
   */
  readonly candidates: readonly Where[];
  /**
   * True when a truncated index is involved: the row found may hold another value whose index collides.
   * Check it with `postFilter` (original where, decrypted row) before returning, connecting, updating
   * or deleting it; a rejected row means "not found" for this candidate.
   */
  readonly approximate: boolean;
}

/**
 * Plans a unique lookup of `model`. An encrypted field whose index is `@unique`, given as a string (or
 * `{ equals: string }`), becomes the index column; every other key is rewritten as in `rewriteWhere`
 * (extra filters of a where-unique, AND/OR/NOT, relations).
 *
 * @example
 * ```ts
 * const plan = planUniqueWhere(scheme, 'User', { email: 'a@b.c' }, indexer);
 * // one key version:  { candidates: [{ emailHash: 'v1$...' }], approximate: false }
 * // versions 2 and 1: { candidates: [{ emailHash: 'v2$...' }, { emailHash: 'v1$...' }], approximate: false }
 * ```
 */
export function planUniqueWhere(
  schema: IndexedSchema,
  model: string,
  whereUnique: Where,
  indexer: QueryIndexer,
  options: { readonly plaintextFallback?: boolean } = {},
): UniqueWherePlan {
  const ctx = { schema, indexer, ...options };
  return planUniqueWhereWith(schema, model, whereUnique, indexer, (rest) => rewriteNode(ctx, schema.model(model), rest, 1), options);
}

/**
 * @internal {@link planUniqueWhere} with the rest of the where-unique (every key that is not a unique
 * index lookup) rewritten by `rewriteRest`: the query walker passes its own where visitor, so a query is
 * walked once.
 */
export function planUniqueWhereWith(
  schema: IndexedSchema,
  model: string,
  whereUnique: Where,
  indexer: QueryIndexer,
  rewriteRest: (rest: Where) => Where,
  options: { readonly plaintextFallback?: boolean } = {},
): UniqueWherePlan {
  const modelView = schema.model(model);
  const alternatives: Where[][] = [];
  const rest: Where = {};
  for (const key of Object.keys(whereUnique)) {
    const value = whereUnique[key];
    const hash = modelView.encrypted.get(key)?.hash;
    const equalTo = typeof value === 'string' ? value : isPlainObject(value) && Object.keys(value).length === 1 && typeof value.equals === 'string' ? value.equals : undefined;
    if (hash?.unique === true && equalTo !== undefined) {
      const byIndex = indexer.computeAll({ model, field: key }, equalTo, hash).map((index): Where => ({ [hash.field]: index }));
      // Lenient mode: a row not yet encrypted (index NULL, plaintext in the column) is a candidate too, tried last.
      const byPlaintext = options.plaintextFallback === true ? [{ [hash.field]: null, [key]: { in: plaintextForms({ indexer }, hash, [equalTo]) } }] : [];
      alternatives.push([...byIndex, ...byPlaintext]);
    } else {
      rest[key] = value;
    }
  }
  const rewritten = rewriteRest(rest);
  const candidates = combinations(alternatives).map((parts) => withUniqueKeys(rewritten, parts));
  return { candidates, approximate: isApproximate(schema, model, whereUnique) };
}

/**
 * The where-unique input that names `row` by its primary key: `{ id: 7 }`, or
 * `{ tenant_seq: { tenant: 'a', seq: 1 } }` for a compound `@@id`. `undefined` when the model has no
 * primary key or the row lacks one of its fields (select it).
 *
 * @example
 * ```ts
 * primaryKeyWhere(fieldMap.models.AuditEntry, { tenant: 'a', seq: 1, payload: '...' }); // { tenant_seq: { tenant: 'a', seq: 1 } }
 * ```
 */
export function primaryKeyWhere(model: Pick<ModelInfo, 'primaryKey' | 'uniques'>, row: Where): Where | undefined {
  const names = model.primaryKey.map((ref) => ref.name);
  if (names.length === 0 || names.some((name) => row[name] === undefined)) return undefined;
  if (names.length === 1) return { [names[0]!]: row[names[0]!] };
  const inputName =
    Object.entries(model.uniques).find(([, fields]) => fields.length === names.length && fields.every((f, i) => f === names[i]))?.[0] ?? names.join('_');
  return { [inputName]: Object.fromEntries(names.map((name) => [name, row[name]])) };
}

/** Every way to pick one element from each list, in order: the first list varies slowest. */
function combinations(lists: readonly (readonly Where[])[]): Where[][] {
  let result: Where[][] = [[]];
  for (const list of lists) result = result.flatMap((prefix) => list.map((item) => [...prefix, item]));
  return result;
}

function withUniqueKeys(rewritten: Where, parts: readonly Where[]): Where {
  const candidate: Where = { ...rewritten };
  const displaced: Where[] = [];
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      // The unique key must sit at the top; a filter the caller put on the same column moves into AND.
      if (key in candidate) displaced.push({ [key]: candidate[key] });
      candidate[key] = value;
    }
  }
  if (displaced.length > 0) {
    const existing = candidate.AND;
    candidate.AND = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...displaced];
  }
  return candidate;
}
