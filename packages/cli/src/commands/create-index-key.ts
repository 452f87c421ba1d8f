/**
 * `prisma-kms keys create-index-key`: a new blind index key, generated through the config's keyring and
 * written out only as an AWS Encryption SDK message (base64, one line), the form `loadIndexKeys` and
 * `splitIndexKeyMessages` read back. The key's plaintext never leaves field-crypto's `createIndexKey`.
 */
import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createIndexKey } from '@prisma-kms/field-crypto';
import { loadConfig, locateConfig } from '../config/load-config';
import { CliError, describeCause } from '../errors';
import { configKeyring } from './config-keyring';

export interface CreateIndexKeyFlags {
  readonly config?: string;
  /** Version of the new key: 1 for the first, one more than the highest in use for a rotation. */
  readonly version: number;
  /** Append to this file (created with mode 0600) instead of printing. */
  readonly out?: string;
}

/** Where the message went: printed (the caller writes `message`) or appended to `path`. */
export type CreatedIndexKey = { readonly message: string; readonly path?: string };

/**
 * Creates index key `flags.version` with the config's `keyring` and, with `--out`, appends it (after a
 * `#` comment line naming the version) to the file, which is created (with any missing folders, mode
 * 0700) or left with mode 0600.
 *
 * @example
 * ```ts
 * const { message } = await createIndexKeyCommand({ version: 2 }, process.cwd());
 * ```
 */
export async function createIndexKeyCommand(flags: CreateIndexKeyFlags, cwd: string): Promise<CreatedIndexKey> {
  const { config } = await loadConfig(locateConfig(cwd, flags.config));
  const keyring = await configKeyring(config, 'keys create-index-key');
  const message = await createIndexKey(keyring, {
    version: flags.version,
    ...(config.indexKeyContext ? { encryptionContext: config.indexKeyContext } : {}),
  });
  if (flags.out === undefined) return { message };
  const path = resolve(cwd, flags.out);
  try {
    // `--out .prisma-kms/index-keys` on a fresh checkout: make the folder (private, like the file)
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Appending keeps the versions already in the file: the previous key must stay until its rebuild is done.
    appendFileSync(path, `# prisma-kms index key version ${flags.version}, created ${new Date().toISOString()}\n${message}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (error) {
    throw new CliError('OUTPUT_FAILED', `Could not write the index key to ${path}: ${describeCause(error)}`, { cause: error });
  }
  return { message, path };
}
