/** The key store: key versions in the application's database, wrapped by the user's keyring. */
export { createKeyStore, DEFAULT_KEY_CACHE_LIMITS, type KeyStore, type KeyStoreOptions, type KeyStoreStats, type KeyScopeOptions, type KeyStoreCacheLimits } from './key-store';
export { APPLICATION_SCOPE, MAX_SCOPE_LENGTH, scopeProblem } from './scope';
export {
  keyStoreAdmin,
  EXPORT_FORMAT,
  type KeyStoreAdmin,
  type KeyStoreAdminOptions,
  type KeyStoreExport,
  type KeyVersionInfo,
  type ImportResult,
  type CreateKeyRequest,
  type ShredResult,
} from './key-store-admin';
export { memoryKeyStorage, type KeyStoreStorage } from './key-store-storage';
export { rewrapKeyRows, type RewrapKeyRowsOptions, type RewrapKeyRowsResult } from './rewrap-key-rows';
export { ROW_CONTEXT_KEYS, DEFAULT_KEY_NAME, KEY_PURPOSES, KEY_STATUSES, type KeyRow, type KeyPurpose, type KeyStatus, type KeySelector } from './key-row';
export { KEY_VERSION_BYTES } from './key-material';
export { type KeyCacheLimits } from './key-cache';
export { type LoadedKeyVersion } from './key-version';
export { KeyStoreError, KeyStoreErrorReason, isKeyStoreError, type KeyStoreErrorOptions } from './errors';
