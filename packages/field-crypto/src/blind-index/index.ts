/**
 * Blind indexes: searchable-by-equality encrypted fields. The public names of this module; the package
 * entry point re-exports them.
 */
export { createBlindIndexer, INDEX_BYTES } from './blind-indexer';
export type { BlindIndexer, BlindIndexComputeOptions } from './blind-indexer';
export {
  createIndexKey,
  INDEX_KEY_BYTES,
  INDEX_KEY_CONTEXT,
  indexKeyWrappingKeys,
  loadIndexKeys,
  rewrapIndexKeys,
  splitIndexKeyMessages,
} from './index-key';
export type { CreateIndexKeyOptions, IndexKeySet, LoadIndexKeysOptions } from './index-key';
export { parseIndexValue } from './index-value';
export type { IndexValue } from './index-value';
export { normalize, NORMALIZATION_STEPS } from './normalize';
export type { NormalizationStep } from './normalize';
export { BlindIndexError, BlindIndexErrorReason, isBlindIndexError } from './errors';
