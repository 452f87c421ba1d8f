/**
 * Blind-index query support: the pure rewrite of `where`, unique lookups and writes, and the removal of
 * false positives. No crypto here: the indexer (`createBlindIndexer` of `@prisma-kms/field-crypto`) is
 * passed in.
 */
export { rewriteWhere } from './where-rewrite';
export { planUniqueWhere, primaryKeyWhere } from './unique-where';
export type { UniqueWherePlan } from './unique-where';
export { hashesForWrite } from './write-hashes';
export { isApproximate, postFilter, postFilterFields } from './post-filter';
export type { IndexComputeOptions, IndexedFieldRef, QueryIndexer } from './query-indexer';
export { NO_MATCH_INDEXER } from './query-indexer';
export type { IndexedModel, IndexedSchema } from './indexed-schema';
export { IndexFieldWriteError, TruncatedIndexNegationError, TruncatedIndexPositionError } from './errors';
