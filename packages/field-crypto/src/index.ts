/**
 * @prisma-kms/field-crypto: field-level envelope encryption on the AWS Encryption SDK.
 * This is the package's only entry point; every public name is listed here on purpose.
 */
export {
  createFieldCipher,
  DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
  type FieldCipher,
  type FieldCipherOptions,
  type CipherStats,
  type FieldValue,
} from './cipher/field-cipher';
export { MODEL_CONTEXT_KEY, FIELD_CONTEXT_KEY, type FieldRef } from './cipher/encryption-context';
export { KMS_PROVIDER_ID, KEY_STORE_PROVIDER_ID, type StoredValue, type WrappingKeyRef } from './cipher/stored-value';
export {
  createKeyStore,
  keyStoreAdmin,
  memoryKeyStorage,
  rewrapKeyRows,
  DEFAULT_KEY_CACHE_LIMITS,
  EXPORT_FORMAT as KEY_STORE_EXPORT_FORMAT,
  ROW_CONTEXT_KEYS as KEY_ROW_CONTEXT_KEYS,
  DEFAULT_KEY_NAME,
  KEY_PURPOSES,
  KEY_STATUSES,
  KEY_VERSION_BYTES,
  KeyStoreError,
  KeyStoreErrorReason,
  isKeyStoreError,
  type KeyStore,
  type KeyStoreOptions,
  type KeyStoreStats,
  type KeyScopeOptions,
  APPLICATION_SCOPE,
  MAX_SCOPE_LENGTH,
  scopeProblem,
  type LoadedKeyVersion,
  type KeyStoreAdmin,
  type KeyStoreAdminOptions,
  type KeyStoreExport,
  type KeyVersionInfo,
  type ImportResult,
  type CreateKeyRequest,
  type ShredResult,
  type RewrapKeyRowsOptions,
  type RewrapKeyRowsResult,
  type KeyStoreStorage,
  type KeyRow,
  type KeyPurpose,
  type KeyStatus,
  type KeySelector,
  type KeyCacheLimits,
  type KeyStoreCacheLimits,
  type KeyStoreErrorOptions,
} from './key-store';
export { COMPACT_FORMAT_BYTE, COMPACT_OVERHEAD_BYTES } from './compact';
export { DEFAULT_CACHE_LIMITS, type DataKeyCacheOptions, type DataKeyCacheLimits } from './materials/cache-limits';
export { DEFAULT_FAILED_UNWRAP_CACHE, type FailedUnwrapCacheOptions } from './materials/failed-unwrap-cache';
export { kmsKeyring, type KmsKeyringOptions } from './keyrings/kms-keyring';
export type { KmsConnection } from './keyrings/kms-client';
export {
  localAesKeyring,
  generateLocalKey,
  ensureLocalKeyFile,
  DEFAULT_LOCAL_KEY_NAME,
  DEFAULT_LOCAL_KEY_NAMESPACE,
  type LocalAesKeySource,
  type LocalKeyNames,
} from './keyrings/local-aes-keyring';
export { multiKeyring, type MultiKeyringOptions } from './keyrings/multi-keyring';
export { rotationKeyring, type RotationKeyringOptions } from './keyrings/rotation-keyring';
export {
  FieldCryptoError,
  FieldCryptoErrorCode,
  DecryptionError,
  EncryptionError,
  EncryptionContextMismatchError,
  KeyringError,
  MalformedCiphertextError,
  ConfigurationError,
  CommitmentPolicyError,
  EncryptedDataKeyLimitError,
  isFieldCryptoError,
  type FieldCommitmentPolicy,
  type FieldCryptoErrorOptions,
  type KeyringErrorOptions,
} from './errors';
// Keyring and suite types from the SDK, so users need no direct dependency for type annotations.
export {
  AlgorithmSuiteIdentifier,
  KeyringNode,
  KmsKeyringNode,
  RawAesKeyringNode,
  MultiKeyringNode,
} from '@aws-crypto/client-node';
export {
  createBlindIndexer,
  INDEX_BYTES,
  createIndexKey,
  INDEX_KEY_BYTES,
  INDEX_KEY_CONTEXT,
  loadIndexKeys,
  rewrapIndexKeys,
  indexKeyWrappingKeys,
  splitIndexKeyMessages,
  parseIndexValue,
  normalize,
  NORMALIZATION_STEPS,
  BlindIndexError,
  BlindIndexErrorReason,
  isBlindIndexError,
  type BlindIndexer,
  type BlindIndexComputeOptions,
  type IndexKeySet,
  type CreateIndexKeyOptions,
  type LoadIndexKeysOptions,
  type IndexValue,
  type NormalizationStep,
} from './blind-index';
