/**
 * `prisma-kms keys rewrap`: every key the application keeps wrapped by a KMS key, re-wrapped under the
 * config's keyring (its current key alone, with a `rotationKeyring`), so that the old KMS key can be
 * retired: the key store's rows (when the config has `keyStore`) and the blind index key file (when
 * `--file` or the config's `indexKeyFile` names one). Key bytes, ids and versions do not change, so no
 * value is re-encrypted and no index rebuilt.
 */
import { loadConfig, locateConfig } from '../config/load-config';
import { CliError } from '../errors';
import { rewrapKeyStoreCommand } from './key-store-commands';
import { rewrapIndexKeysCommand, type RewrapIndexKeysFlags, type RewrappedIndexKeys } from './rewrap-index-keys';

/** What `keys rewrap` did: each part is absent when the config has nothing of that kind. */
export interface RewrappedKeys {
  readonly keyStore?: Awaited<ReturnType<typeof rewrapKeyStoreCommand>>;
  readonly indexKeys?: RewrappedIndexKeys;
}

/**
 * Re-wraps the key store's rows, then the index key file. Neither configured is a usage error.
 *
 * @example
 * ```ts
 * const { keyStore, indexKeys } = await rewrapKeysCommand({ file: '.prisma-kms/index-keys' }, process.cwd());
 * ```
 */
export async function rewrapKeysCommand(flags: RewrapIndexKeysFlags, cwd: string): Promise<RewrappedKeys> {
  const { config } = await loadConfig(locateConfig(cwd, flags.config));
  const indexKeyFile = flags.file ?? config.indexKeyFile;
  if (!config.keyStore && indexKeyFile === undefined) {
    throw new CliError('USAGE', "keys rewrap needs the index key file (--file <path> or `indexKeyFile` in the config) or the config's keyStore: it has neither");
  }
  const keyStore = config.keyStore ? await rewrapKeyStoreCommand({ ...(flags.config ? { config: flags.config } : {}) }, cwd) : undefined;
  const indexKeys = indexKeyFile === undefined ? undefined : await rewrapIndexKeysCommand(flags, cwd);
  return { ...(keyStore ? { keyStore } : {}), ...(indexKeys ? { indexKeys } : {}) };
}
