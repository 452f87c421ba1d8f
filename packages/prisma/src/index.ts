/**
 * `@prisma-kms/prisma`: transparent field encryption for Prisma 7.
 *
 * @example
 * ```ts
 * import { fieldEncryption } from '@prisma-kms/prisma';
 * const prisma = new PrismaClient({ adapter }).$extends(fieldEncryption({ fields: fieldMap, cipher }));
 * ```
 */
// The query extension.
export { fieldEncryption, type ApplicationIndexer, type ExtensionCipher, type FieldEncryptionOptions, type PlaintextMode, type ShreddedMode } from './extension';

// Its errors (crypto failures are field-crypto's errors and pass through unchanged).
export {
  PrismaKmsError,
  PrismaKmsErrorCode,
  UnsupportedQueryError,
  InvalidFieldValueError,
  PlaintextValueError,
  InvalidConfigurationError,
  BlindIndexerMissingError,
  AmbiguousQueryError,
  ForbiddenKeyError,
  ScopeRequiredError,
  ScopeMismatchError,
  InvalidScopeError,
  isPrismaKmsError,
} from './errors';

// Blind indexes: the indexer contract the extension calls, and the refusals of the query rewrite.
// The rewrite itself (src/blind-index) is internal: only the extension runs it.
export {
  IndexFieldWriteError,
  TruncatedIndexNegationError,
  TruncatedIndexPositionError,
  type QueryIndexer,
  type IndexComputeOptions,
  type IndexedFieldRef,
} from './blind-index';

// The field map the generator emits, its validation and its indexed form.
export {
  FIELD_MAP_VERSION,
  FIELD_MAP_ERROR_CODES,
  FieldMapError,
  isFieldMapError,
  parseFieldMap,
  buildScheme,
  type FieldMap,
  type ModelInfo,
  type ModelScope,
  type ScopeFieldType,
  REQUEST_SCOPE,
  SCOPE_FIELD_TYPES,
  type ScalarRef,
  type EncryptedFieldInfo,
  type BlindIndexOptions,
  type RelationInfo,
  type Normalization,
  type FieldMapErrorCode,
  type EncryptionScheme,
  type ModelScheme,
  type BlindIndexScheme,
} from './field-map';

// The pure query walker, for tools that need to see what a query reads or writes (the CLI, tests).
export { planArgs, collectReadTargets, checkFilter, type ArgsPlan, type PlanOptions, type UniqueLookup, type WriteTarget, type ReadTarget, type Path } from './walker';

// Key-store rows in the application's database (createKeyStore's storage), through an unextended client.
export { prismaKeyStorage, type PrismaKmsKeyDelegate, type PrismaKmsKeyRecord } from './key-store';
