/**
 * What the database may still be asked about an encrypted column. Ciphertext is randomized (a new
 * data key and message ID per value), so equal plaintexts never produce equal ciphertexts: any
 * comparison, sort, group or aggregate the database would compute on the column is silently wrong.
 * Such queries are refused here, before they reach the database, instead of matching nothing.
 *
 * Null checks are the one exception: `null` is stored as SQL NULL, so `{ phone: null }`,
 * `{ phone: { equals: null } }` and `{ phone: { not: null } }` mean what they say.
 */
import { UnsupportedQueryError } from '../errors';
import { isPlainObject } from './plain-data';
import type { ModelScheme } from '../field-map';

/** What a blind index answers: equality and its negation, in lists too. */
const INDEXED_OPERATORS = new Set(['equals', 'in', 'notIn', 'not']);

/**
 * The one place that decides whether `operator` may be used on an encrypted field in a `where`
 * (at any depth: relation filters, AND/OR/NOT, where-unique inputs of nested writes).
 * Throws {@link UnsupportedQueryError} when it may not.
 *
 * A field with a blind index (`/// @encrypted(hash: emailHash)`) may be compared for equality
 * (`equals`, `in`, `notIn`, `not`, and `mode: 'default'`); the walker then moves the comparison to the
 * index column. Everything else is refused: ciphertext and keyed hashes have no order or substrings.
 *
 * @example
 * ```ts
 * checkFilter(scheme.model('User'), 'email', 'contains'); // throws UnsupportedQueryError
 * checkFilter(scheme.model('User'), 'email', 'in');       // fine: User.email has a blind index
 * ```
 */
export function checkFilter(model: Pick<ModelScheme, 'name' | 'blindIndexes'>, field: string, operator: string): void {
  if (model.blindIndexes.has(field) && INDEXED_OPERATORS.has(operator)) return;
  throw new UnsupportedQueryError(model.name, field, operator);
}

/**
 * Checks the value given to an encrypted field inside a `where`: the shorthand `field: value` is an
 * `equals`; an object holds one filter operator per key (`not` may nest another filter object).
 */
export function checkFieldFilter(model: Pick<ModelScheme, 'name' | 'blindIndexes'>, field: string, filter: unknown): void {
  if (filter === null || filter === undefined) return;
  if (!isPlainObject(filter)) {
    checkFilter(model, field, 'equals');
    return;
  }
  for (const operator of Object.keys(filter)) {
    const operand = filter[operator];
    // An absent operand filters nothing; `mode` only qualifies the other operators, and 'insensitive'
    // cannot be honoured by an index (declare `lowercase` in the schema instead).
    if (operand === undefined || (operator === 'mode' && operand === 'default')) continue;
    if ((operator === 'equals' || operator === 'not') && operand === null) continue;
    if (operator === 'not' && isPlainObject(operand)) {
      checkFieldFilter(model, field, operand);
      continue;
    }
    checkFilter(model, field, operator);
  }
}

/**
 * Refuses an encrypted field where no operator could ever work on ciphertext: `orderBy`, `cursor`,
 * `distinct`, groupBy `by` and `having`, and the aggregates (`_count` of one field, `_min`, `_max`,
 * `_avg`, `_sum`). Unlike {@link checkFilter}, a blind index changes nothing here.
 */
export function refuseEncrypted(model: ModelScheme, field: string, position: string): void {
  if (model.encrypted.has(field)) throw new UnsupportedQueryError(model.name, field, position);
}
