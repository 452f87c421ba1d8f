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
import { rewrapIndexKeysCommand, type RewrappedIndexKeys } from './rewrap-index-keys';

/** Flags of `keys rewrap`. */
export interface RewrapKeysFlags {
  readonly config?: string;
  /** The index key file to re-wrap; default the config's `indexKeyFile`. */
  readonly file?: string;
  /** Write the re-wrapped index key file here instead of replacing `file`. */
  readonly out?: string;
}

/** What `keys rewrap` did: each part is absent when the config has nothing of that kind. */
export interface RewrappedKeys {
  readonly keyStore?: Awaited<ReturnType<typeof rewrapKeyStoreCommand>>;
  readonly indexKeys?: RewrappedIndexKeys;
}

/**
 * Re-wraps the key store's rows, then the index key file, with the config loaded once. Neither
 * configured is a usage error.
 *
 * @example
 * ```ts
 * const { keyStore, indexKeys } = await rewrapKeysCommand({ file: '.prisma-kms/index-keys' }, process.cwd());
 * ```
 */
export async function rewrapKeysCommand(flags: RewrapKeysFlags, cwd: string): Promise<RewrappedKeys> {
  const { config } = await loadConfig(locateConfig(cwd, flags.config));
  const indexKeyFile = flags.file ?? config.indexKeyFile;
  if (!config.keyStore && indexKeyFile === undefined) {
    throw new CliError('USAGE', "keys rewrap needs the index key file (--file <path> or `indexKeyFile` in the config) or the config's keyStore: it has neither");
  }
  const keyStore = config.keyStore ? await rewrapKeyStoreCommand(config) : undefined;
  const indexKeys = indexKeyFile === undefined ? undefined : await rewrapIndexKeysCommand(config, { file: indexKeyFile, ...(flags.out === undefined ? {} : { out: flags.out }) }, cwd);
  return { ...(keyStore ? { keyStore } : {}), ...(indexKeys ? { indexKeys } : {}) };
}
