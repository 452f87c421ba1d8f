/**
 * Blind indexes: HMAC-SHA-256 of a normalized plaintext under a per-field key, truncated and stored
 * beside the ciphertext so the database can answer equality queries without ever seeing the value.
 * Unlike an unkeyed SHA-256, the index cannot be recomputed (or brute-forced from a list of likely
 * values) without the index key, which only exists in the application's memory.
 */
import { createHmac } from 'node:crypto';
import { BlindIndexError, BlindIndexErrorReason } from './errors';
import { deriveFieldKey } from './field-key';
import type { FieldRef } from '../cipher/encryption-context';
import { indexKeyBytes, type IndexKeySet } from './index-key';
import { formatIndexValue, parseIndexValue } from './index-value';
import { isNormalizationStep, normalize, normalizeForField, NORMALIZATION_STEPS, type NormalizationStep } from './normalize';

/**
 * Bounds of an index's length in bytes. 32 is the full HMAC-SHA-256. Below 8 bytes, accidental
 * collisions stop being rare enough for a `@unique` index column (a collision there rejects the insert
 * of a distinct value); the same bounds are enforced by the field map (`HASH_BYTES` in @prisma-kms/prisma).
 */
// 1 byte is the floor: shorter indexes leak less (k-anonymity) and the extension filters their false positives.
export const INDEX_BYTES = { min: 1, max: 32, default: 32 } as const;

/** How a field's index is computed: the field map's `hash` options fit this shape as they are. */
export interface BlindIndexComputeOptions {
  /** Normalization steps (see `normalize`); `[]` indexes the exact string. */
  readonly normalize: readonly NormalizationStep[];
  /** Length of the stored HMAC in bytes, {@link INDEX_BYTES}.min to .max. Default: 32. */
  readonly bytes?: number;
}

/** Computes the blind indexes of values with the keys of one {@link IndexKeySet}. */
export interface BlindIndexer {
  /** The key version new indexes are written with. */
  readonly currentVersion: number;
  /** Every version held: current first. */
  readonly versions: readonly number[];
  /**
   * The index of `value` under the current key, for writes.
   *
   * @example
   * ```ts
   * indexer.compute({ model: 'User', field: 'email' }, 'a@b.c', { normalize: ['lowercase'], bytes: 16 }); // 'v1$...'
   * ```
   */
  compute(field: FieldRef, value: string, options: BlindIndexComputeOptions): string;
  /**
   * The index of `value` under every key version held, current first: what a read must look for while
   * a rotation is in progress. One element when one key is held.
   */
  computeAll(field: FieldRef, value: string, options: BlindIndexComputeOptions): string[];
  /** The normalization the indexes use, so a caller can compare decrypted values the same way. */
  normalize(value: string, steps: readonly NormalizationStep[]): string;
  /**
   * True when `stored` was written by the current key with the length `options` asks for; false means a
   * rebuild must rewrite it. (A change of normalization cannot be seen here: recompute and compare.)
   */
  isCurrent(stored: string, options: BlindIndexComputeOptions): boolean;
}

/**
 * Creates an indexer over the keys loaded by `loadIndexKeys`. Field keys are derived on first use of a
 * field and kept for the life of the indexer.
 *
 * @example
 * ```ts
 * const keys = await loadIndexKeys(keyring, [indexKeyMessage]);
 * const indexer = createBlindIndexer(keys);
 * const emailHash = indexer.compute({ model: 'User', field: 'email' }, email, { normalize: ['trim', 'lowercase'] });
 * ```
 */
export function createBlindIndexer(keys: IndexKeySet): BlindIndexer {
  return openBlindIndexer(keys).indexer;
}

/**
 * An indexer and a way to wipe it: `wipe` zeroes the per-field keys it derived, and from then on the
 * indexer throws INDEX_KEY_EVICTED instead of computing with zeroed keys (an index under a zero key
 * would be written silently and never match). The key store uses it for its per-scope indexers.
 * @internal
 */
export function openBlindIndexer(keys: IndexKeySet): { readonly indexer: BlindIndexer; wipe(): void } {
  // Fail now, not on the first query, if the set was not made by loadIndexKeys.
  for (const version of keys.versions) indexKeyBytes(keys, version);
  const fieldKeys = new Map<string, Buffer>();
  let wiped = false;

  function fieldKey(version: number, ref: FieldRef): Buffer {
    if (wiped) {
      throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_EVICTED, 'this indexer was evicted from the key cache: get it again from keyStore.blindIndexer(scope)', ref);
    }
    const id = `${version}:${ref.model.length}:${ref.model}:${ref.field}`;
    let key = fieldKeys.get(id);
    if (key === undefined) {
      key = deriveFieldKey(indexKeyBytes(keys, version), ref);
      fieldKeys.set(id, key);
    }
    return key;
  }

  function indexUnder(version: number, ref: FieldRef, normalized: string, bytes: number): string {
    const digest = createHmac('sha256', fieldKey(version, ref)).update(normalized, 'utf8').digest();
    return formatIndexValue(version, digest.subarray(0, bytes));
  }

  const indexer: BlindIndexer = Object.freeze({
    currentVersion: keys.current,
    versions: keys.versions,
    compute(ref: FieldRef, value: string, options: BlindIndexComputeOptions): string {
      const bytes = checkOptions(ref, value, options);
      return indexUnder(keys.current, ref, normalizeForField(value, options.normalize, ref), bytes);
    },
    computeAll(ref: FieldRef, value: string, options: BlindIndexComputeOptions): string[] {
      const bytes = checkOptions(ref, value, options);
      const normalized = normalizeForField(value, options.normalize, ref);
      return keys.versions.map((version) => indexUnder(version, ref, normalized, bytes));
    },
    normalize,
    isCurrent(stored: string, options: BlindIndexComputeOptions): boolean {
      const parsed = parseIndexValue(stored);
      return parsed !== undefined && parsed.version === keys.current && parsed.bytes === (options.bytes ?? INDEX_BYTES.default);
    },
  });
  return {
    indexer,
    wipe() {
      wiped = true;
      for (const key of fieldKeys.values()) key.fill(0);
      fieldKeys.clear();
    },
  };
}

/** Validates the options and the value; returns the index length in bytes. */
function checkOptions(ref: FieldRef, value: unknown, options: BlindIndexComputeOptions): number {
  if (typeof value !== 'string') {
    throw new BlindIndexError(BlindIndexErrorReason.INVALID_VALUE, `only strings can be indexed, not a value of type ${value === null ? 'null' : typeof value}`, ref);
  }
  const bytes = options.bytes ?? INDEX_BYTES.default;
  if (!Number.isInteger(bytes) || bytes < INDEX_BYTES.min || bytes > INDEX_BYTES.max) {
    throw new BlindIndexError(BlindIndexErrorReason.INVALID_OPTIONS, `an index is ${INDEX_BYTES.min} to ${INDEX_BYTES.max} bytes long`, ref);
  }
  if (!Array.isArray(options.normalize) || !options.normalize.every(isNormalizationStep)) {
    throw new BlindIndexError(BlindIndexErrorReason.INVALID_OPTIONS, `unknown normalization step (known: ${NORMALIZATION_STEPS.join(', ')})`, ref);
  }
  if (options.normalize.includes('identifier') && options.normalize.length > 1) {
    throw new BlindIndexError(BlindIndexErrorReason.INVALID_OPTIONS, 'the identifier normalization is used alone', ref);
  }
  return bytes;
}
