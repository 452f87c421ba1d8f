/**
 * False positives of truncated blind indexes. A truncated index (fewer than 32 bytes) can be shared by
 * unequal values, so the database may return a row whose value only collides with the one asked for.
 * After decryption the extension knows the real values and drops those rows here.
 *
 * The check is sound: it never drops a row the original query matches. It evaluates the original
 * `where` on the decrypted row in three-valued logic, where only comparisons on the model's own
 * indexed fields are known (true/false) and everything else (other columns, relation filters, fields the
 * query did not select) is unknown; a row is dropped only when the result is definitely false.
 * Comparisons the database already made exactly need no second look.
 */
import type { BlindIndexOptions } from '../field-map/types';
import { isPlainObject } from '../walker/plain-data';
import { isTruncated, type IndexedModel, type IndexedSchema, type Where } from './indexed-schema';
import type { QueryIndexer } from './query-indexer';

/** true, false, or unknown (undefined), as SQL's three-valued logic. */
type Truth = boolean | undefined;

/**
 * True when `where` compares a value with a truncated index anywhere (relations included): the rows,
 * counts or updates it selects may include false positives. The extension uses it to decide whether
 * to call {@link postFilter}, and to refuse or pre-resolve `count`, `updateMany` and `deleteMany`,
 * whose effect cannot be filtered afterwards.
 *
 * @example
 * ```ts
 * isApproximate(scheme, 'User', { email: 'a@b.c' }); // true when email's index is hashBytes < 32
 * ```
 */
export function isApproximate(schema: IndexedSchema, model: string, where: Where | null | undefined): boolean {
  return isPlainObject(where) && mentionsTruncated(schema, schema.model(model), where);
}

/**
 * Drops the rows whose decrypted values do not really match the equalities of `where` on truncated
 * indexes (false positives). `where` is the caller's ORIGINAL where (plaintext values), not the
 * rewritten one; `rows` are the decrypted top-level rows of `model`. Values are compared after the
 * index's normalization, as the index compares them. Related rows (`include`) are not filtered.
 *
 * @example
 * ```ts
 * const rows = decrypt(await query(rewriteWhere(scheme, 'User', where, indexer)));
 * return postFilter(scheme, 'User', where, rows, indexer);
 * ```
 */
export function postFilter<R extends Where>(
  schema: IndexedSchema,
  model: string,
  where: Where | null | undefined,
  rows: readonly R[],
  indexer: Pick<QueryIndexer, 'normalize'>,
): R[] {
  if (!isApproximate(schema, model, where)) return rows.slice();
  const modelView = schema.model(model);
  return rows.filter((row) => evaluate(modelView, where as Where, row, indexer) !== false);
}

/**
 * The fields of `model` itself that {@link postFilter} must see in each row to do its job: the
 * encrypted fields with a truncated index that `where` compares. When a query's `select` leaves one out,
 * the extension should add it and remove it from the result after filtering (otherwise the row is kept).
 *
 * @example
 * ```ts
 * postFilterFields(scheme, 'User', { OR: [{ email: 'a' }, { role: 'x' }] }); // ['email'] (when truncated)
 * ```
 */
export function postFilterFields(schema: IndexedSchema, model: string, where: Where | null | undefined): string[] {
  const fields = new Set<string>();
  const modelView = schema.model(model);
  const visit = (node: Where): void => {
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined || value === null) continue;
      if (key === 'AND' || key === 'OR' || key === 'NOT') listOf(value).forEach(visit);
      else if (truncatedIndex(modelView, key) !== undefined) fields.add(key);
    }
  };
  if (isPlainObject(where)) visit(where);
  return [...fields];
}

function mentionsTruncated(schema: IndexedSchema, model: IndexedModel, node: Where): boolean {
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined || value === null) continue;
    if (key === 'AND' || key === 'OR' || key === 'NOT') {
      if (listOf(value).some((item) => mentionsTruncated(schema, model, item))) return true;
    } else if (truncatedIndex(model, key) !== undefined) {
      if (comparesValue(value)) return true;
    } else if (model.relations.has(key) && isPlainObject(value)) {
      const target = schema.model(model.relations.get(key)!.model);
      if (relationWheres(model.relations.get(key)!.isList, value).some((where) => mentionsTruncated(schema, target, where))) return true;
    }
  }
  return false;
}

/** The where nodes of the related model inside a relation filter (list: some/every/none; to-one: is/isNot or shorthand). */
function relationWheres(isList: boolean, filter: Where): Where[] {
  const keys = Object.keys(filter);
  const filterKeys = isList ? ['some', 'every', 'none'] : ['is', 'isNot'];
  if (!isList && !(keys.length > 0 && keys.every((key) => filterKeys.includes(key)))) return [filter];
  return keys.filter((key) => filterKeys.includes(key)).flatMap((key) => listOf(filter[key]));
}

/** False only for pure null checks (`null`, `{ equals: null }`, `{ not: null }`), which never touch an index. */
export function comparesValue(filter: unknown): boolean {
  if (filter === null || filter === undefined) return false;
  if (!isPlainObject(filter)) return true;
  for (const [operator, operand] of Object.entries(filter)) {
    if (operand === undefined || operator === 'mode') continue;
    if (operator === 'not' ? comparesValue(operand) : !(operator === 'equals' && operand === null)) return true;
  }
  return false;
}

function evaluate(model: IndexedModel, node: Where, row: Where, indexer: Pick<QueryIndexer, 'normalize'>): Truth {
  let result: Truth = true;
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined) continue;
    let truth: Truth;
    if (key === 'AND') truth = all(listOf(value).map((item) => evaluate(model, item, row, indexer)));
    else if (key === 'OR') truth = Array.isArray(value) ? any(listOf(value).map((item) => evaluate(model, item, row, indexer))) : evaluate(model, value as Where, row, indexer);
    else if (key === 'NOT') truth = all(listOf(value).map((item) => not(evaluate(model, item, row, indexer))));
    else {
      const hash = truncatedIndex(model, key);
      truth = hash === undefined ? undefined : evaluateField(hash, value, row[key], indexer);
    }
    result = and(result, truth);
    if (result === false) return false;
  }
  return result;
}

/** One field's filter on the decrypted value, with SQL's null semantics (a comparison with NULL is unknown). */
function evaluateField(hash: BlindIndexOptions, filter: unknown, actual: unknown, indexer: Pick<QueryIndexer, 'normalize'>): Truth {
  // Not selected, or not decrypted to a string: nothing is known.
  if (actual !== null && typeof actual !== 'string') return undefined;
  const normalizedActual = actual === null ? null : indexer.normalize(actual, hash.normalize);
  const equals = (expected: unknown): Truth => {
    if (expected === null) return actual === null;
    if (typeof expected !== 'string' || normalizedActual === null) return undefined;
    return normalizedActual === indexer.normalize(expected, hash.normalize);
  };
  const filterTruth = (f: unknown): Truth => {
    if (!isPlainObject(f)) return equals(f);
    let result: Truth = true;
    for (const [operator, operand] of Object.entries(f)) {
      if (operand === undefined || operator === 'mode') continue;
      let truth: Truth;
      if (operator === 'equals') truth = equals(operand);
      else if (operator === 'in') truth = any(listOfValues(operand).map(equals));
      else if (operator === 'notIn') truth = not(any(listOfValues(operand).map(equals)));
      else if (operator === 'not') truth = operand === null ? actual !== null : not(filterTruth(operand));
      else truth = undefined;
      result = and(result, truth);
    }
    return result;
  };
  return filterTruth(filter);
}

function truncatedIndex(model: IndexedModel, field: string): BlindIndexOptions | undefined {
  const hash = model.encrypted.get(field)?.hash;
  return hash !== undefined && isTruncated(hash) ? hash : undefined;
}

function listOf(value: unknown): Where[] {
  return (Array.isArray(value) ? value : [value]).filter(isPlainObject);
}

function listOfValues(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function and(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  return a === undefined || b === undefined ? undefined : true;
}

function all(values: Truth[]): Truth {
  return values.reduce<Truth>(and, true);
}

function any(values: Truth[]): Truth {
  let result: Truth = false;
  for (const value of values) {
    if (value === true) return true;
    if (value === undefined) result = undefined;
  }
  return result;
}

function not(value: Truth): Truth {
  return value === undefined ? undefined : !value;
}
