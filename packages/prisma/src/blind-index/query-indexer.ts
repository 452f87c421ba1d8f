/**
 * What the query rewrite needs from blind-index cryptography, and nothing more. `createBlindIndexer`
 * of `@prisma-kms/field-crypto` satisfies it as it is; tests pass their own (e.g. one that collides
 * on purpose) without any key.
 */
import { NO_MATCH_INDEX } from './errors';
import type { Normalization } from '../field-map/types';

/** The Prisma model and field a value belongs to. */
export interface IndexedFieldRef {
  readonly model: string;
  readonly field: string;
}

/** How a field's index is computed: the field map's `hash` options. */
export interface IndexComputeOptions {
  readonly normalize: readonly Normalization[];
  readonly bytes: number;
}

export interface QueryIndexer {
  /** The index written for `value` (current key version). */
  compute(field: IndexedFieldRef, value: string, options: IndexComputeOptions): string;
  /** Every index a stored row may hold for `value`: one per key version held, current first. */
  computeAll(field: IndexedFieldRef, value: string, options: IndexComputeOptions): readonly string[];
  /** The normalization the index applies, to compare decrypted values the way the index does. */
  normalize(value: string, steps: readonly Normalization[]): string;
}

/**
 * The indexer of a crypto-shredded scope read with `onShredded: 'null'`: every index it computes is
 * {@link NO_MATCH_INDEX}, which no row holds, so a lookup in that scope matches nothing (findUnique
 * null, findMany []). A write in the scope still fails: its values need the scope's (shredded) key.
 */
export const NO_MATCH_INDEXER: QueryIndexer = Object.freeze({
  compute: () => NO_MATCH_INDEX,
  computeAll: () => [NO_MATCH_INDEX],
  normalize: (value: string) => value,
});
