/**
 * Look-alike check for reads through a lossy blind index (issue 9, finding 5). `lowercase` maps the
 * KELVIN SIGN to 'k', `trim` drops U+3000, `nfkc` turns 'ﬃ' into 'ffi' and `diacritics` turns が
 * into か, so an exact (full-length) index answers `findUnique({ where: { email: '\u212Aate@corp.com' } })`
 * with Kate's row. After decryption, the row is kept only when its value equals the one asked for
 * under a comparison that merges nothing but what a person types differently on purpose: the case of
 * ASCII letters (when the field folds case) and ASCII white space at either end (when it trims).
 * Anything else the normalization merged makes the read answer as if no row matched.
 */
import { NO_MATCH_INDEX } from '../blind-index/errors';
import type { EncryptionScheme } from '../field-map';
import type { Normalization } from '../field-map/types';
import { isPlainObject } from '../walker';

/** The reads that return one row and are checked: a look-alike must find nothing. */
const CHECKED_OPERATIONS: ReadonlySet<string> = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow']);

/** One equality on a lossy-indexed encrypted field in the caller's top-level where. */
export interface LossyLookup {
  readonly field: string;
  /** The index column, to make the read match nothing. */
  readonly indexField: string;
  readonly value: string;
  readonly normalize: readonly Normalization[];
}

/**
 * The equalities (`{ email: v }`, `{ email: { equals: v } }`) of `where` on encrypted fields whose blind
 * index normalizes, for an operation that is checked; empty otherwise.
 *
 * @example
 * lossyLookups(scheme, 'User', 'findUnique', { where: { email: 'Kate@corp.com' } });
 * // [{ field: 'email', indexField: 'emailHash', value: 'Kate@corp.com', normalize: ['lowercase', 'trim'] }]
 */
export function lossyLookups(scheme: EncryptionScheme, model: string, operation: string, args: unknown): LossyLookup[] {
  if (!CHECKED_OPERATIONS.has(operation) || !isPlainObject(args) || !isPlainObject(args['where'])) return [];
  const indexes = scheme.model(model).blindIndexes;
  const found: LossyLookup[] = [];
  for (const [field, filter] of Object.entries(args['where'])) {
    const hash = indexes.get(field);
    if (hash === undefined || hash.normalize.length === 0) continue;
    const value = typeof filter === 'string' ? filter : isPlainObject(filter) && Object.keys(filter).length === 1 && typeof filter['equals'] === 'string' ? filter['equals'] : undefined;
    if (value !== undefined) found.push({ field, indexField: hash.field, value, normalize: hash.normalize });
  }
  return found;
}

/** True when the decrypted row holds, for every lookup, the value asked for (see the module comment). */
export function isTrueLookupMatch(row: unknown, lookups: readonly LossyLookup[]): boolean {
  if (!isPlainObject(row)) return true; // null: nothing to check
  return lookups.every(({ field, value, normalize }) => {
    const stored = row[field];
    return typeof stored === 'string' && strictForm(stored, normalize) === strictForm(value, normalize);
  });
}

/** The where of `args` made to match nothing through the first lookup's index column. */
export function noMatchArgs(args: Record<string, unknown>, lookups: readonly LossyLookup[]): Record<string, unknown> {
  const where = { ...(args['where'] as Record<string, unknown>) };
  for (const { indexField } of lookups) where[indexField] = NO_MATCH_INDEX;
  return { ...args, where };
}

/** ASCII-only case folding and trimming: what the comparison forgives, and nothing else. */
function strictForm(value: string, normalize: readonly Normalization[]): string {
  let result = value;
  if (normalize.includes('trim')) result = result.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '');
  if (normalize.includes('lowercase') || normalize.includes('identifier')) result = result.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return result;
}
