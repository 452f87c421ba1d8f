/**
 * The field map contract: its types, its runtime validation and the indexed scheme the query
 * extension builds from it at start-up. The generator (`../generator`) produces field maps; the
 * extension and the CLI consume them.
 */
export type {
  BlindIndexOptions,
  EncryptedFieldInfo,
  FieldMap,
  ModelInfo,
  ModelScope,
  Normalization,
  RelationInfo,
  ScalarRef,
  ScopeFieldType,
} from './types';
export { FIELD_MAP_VERSION, HASH_BYTES, NORMALIZATIONS, REQUEST_SCOPE, SCOPE_FIELD_TYPES } from './types';
export { FIELD_MAP_ERROR_CODES, FieldMapError, isFieldMapError } from './errors';
export type { FieldMapErrorCode } from './errors';
export { canonicalNormalizations, parseFieldMap } from './validate';
export { buildScheme } from './scheme';
export type { BlindIndexScheme, EncryptionScheme, ModelScheme } from './scheme';
