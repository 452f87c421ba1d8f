/**
 * The config's key store as storage: `keyStore.storage` as given, or its factory called with the CLI's
 * database client. Shared by the `keys` commands and by the commands that judge values by scope.
 */
import type { KeyStoreStorage, KeyVersionInfo } from '@prisma-kms/field-crypto';
import { CliError, describeCause } from '../errors';
import type { KeyStoreConfig, RawSqlClient } from './define-config';

/** True when `keyStore.storage` needs the database client (a factory). */
export function storageNeedsDatabase(keyStore: KeyStoreConfig): boolean {
  return typeof keyStore.storage === 'function';
}

/**
 * The storage of `keyStore` on `database`. A throwing factory is a CONFIG_INVALID error that names only
 * the error's class (its message may quote the client).
 */
export function keyStoreStorage(keyStore: KeyStoreConfig, database: () => RawSqlClient): KeyStoreStorage {
  if (typeof keyStore.storage !== 'function') return keyStore.storage;
  try {
    return keyStore.storage(database());
  } catch (error) {
    throw new CliError('CONFIG_INVALID', `The config's keyStore.storage factory threw: ${describeCause(error)}`, { cause: error });
  }
}

/**
 * Reads the store's key versions without their material (one storage read, no KMS call): which scope,
 * version and status each key-version id has.
 */
export function keyVersionReader(name: string, storage: KeyStoreStorage): () => Promise<KeyVersionInfo[]> {
  return async () => {
    try {
      return (await storage.list(name)).map(({ material: _material, ...info }) => info);
    } catch (error) {
      throw new CliError('DATABASE_FAILED', `Reading the key store "${name}" failed: ${describeCause(error)}`, { cause: error });
    }
  };
}
