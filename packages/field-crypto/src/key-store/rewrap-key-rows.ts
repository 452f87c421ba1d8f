/**
 * Re-wraps the key store's rows under the keyring's current wrapping key, before a KMS key is retired:
 * each row keeps its id, version, status and key bytes (so every compact value written under it still
 * reads, and nothing is re-encrypted); only its message changes. With a `rotationKeyring` the old key
 * unwraps and the new message is wrapped by `current` alone.
 */
import { KeyringNode } from '@aws-crypto/client-node';
import { KeyStoreError, KeyStoreErrorReason } from './errors';
import { unwrapKey, wrapKey } from './key-material';
import { checkRow, type KeyRow } from './key-row';
import type { KeyStoreStorage } from './key-store-storage';
import { keyringOfScope } from './scope';

/** Options of {@link rewrapKeyRows}: the store's name and storage, and a keyring that reads every row. */
export interface RewrapKeyRowsOptions {
  readonly name: string;
  readonly storage: KeyStoreStorage;
  /** Unwraps each row (the old key must still be in it) and wraps the new message (with its current key). */
  readonly keyring: KeyringNode;
  /**
   * The application's BYOK keyrings (`createKeyStore({ scopeKeyring })`): a scope's rows are re-wrapped
   * with its own keyring, never moved under the store's keyring (that would take the customer's key out
   * of the path: revoking it would no longer make the scope unreadable).
   */
  readonly scopeKeyring?: (scope: string) => KeyringNode | undefined;
}

/** What {@link rewrapKeyRows} did, by key-version id. */
export interface RewrapKeyRowsResult {
  /** Rows whose material was replaced by the re-wrapped message. */
  readonly rewrapped: readonly number[];
  /**
   * Rows whose material changed between the read and the write (another rewrap, an import): left as
   * they are; run again, and they are re-wrapped then.
   */
  readonly changedMeanwhile: readonly number[];
  /** Rows without key material (a tombstone): nothing to re-wrap. */
  readonly skipped: readonly number[];
}

/**
 * Re-wraps every row of the store. All rows are unwrapped and re-wrapped first, each checked as a load
 * checks it (the message's context must name the row); a row that fails (unreadable with the keyring,
 * moved, swapped or forged) throws a {@link KeyStoreError} naming its id **before any row is written**.
 * Then each row is replaced only if its material is still what was read (compare-and-set). Costs one
 * keyring Decrypt and one wrap (with KMS: Decrypt and GenerateDataKey) per row; the plaintext key bytes
 * are zeroed as soon as each row is re-wrapped. Running it again re-wraps again: it is idempotent.
 *
 * @example
 * ```ts
 * const keyring = rotationKeyring({ current: kmsKeyring({ generatorKeyId: newKeyArn }), previous: [kmsKeyring({ keyIds: [oldKeyArn] })] });
 * const { rewrapped, changedMeanwhile } = await rewrapKeyRows({ name: 'app', storage: prismaKeyStorage(prisma.prismaKmsKey), keyring });
 * // changedMeanwhile.length === 0: no row is wrapped by the old key any more; export the store again
 * ```
 */
export async function rewrapKeyRows(options: RewrapKeyRowsOptions): Promise<RewrapKeyRowsResult> {
  if (!options || typeof options.name !== 'string' || options.name === '' || !(options.keyring instanceof KeyringNode) || !options.storage) {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'rewrapKeyRows needs a name, a storage and a keyring');
  }
  const { name, storage, keyring, scopeKeyring } = options;
  const rows = await listRows(storage, name);
  const skipped: number[] = [];
  const replacements: Array<{ row: KeyRow; material: string }> = [];
  for (const row of rows) {
    if (row.material === '') {
      skipped.push(row.id);
      continue;
    }
    replacements.push({ row, material: await rewrapRow(keyringOfScope(keyring, scopeKeyring, row.scope), checkRow(row)) });
  }
  const rewrapped: number[] = [];
  const changedMeanwhile: number[] = [];
  for (const { row, material } of replacements) {
    const replaced = await storageCall(() => storage.replaceMaterial(name, row.id, row.material, material), row.id);
    (replaced ? rewrapped : changedMeanwhile).push(row.id);
  }
  return { rewrapped, changedMeanwhile, skipped };
}

/** The row's key bytes, checked against the row, wrapped again with the same context; zeroed after. */
async function rewrapRow(keyring: KeyringNode, row: KeyRow): Promise<string> {
  const key = await unwrapKey(keyring, row);
  try {
    return await wrapKey(keyring, key, row);
  } catch (e) {
    throw new KeyStoreError(KeyStoreErrorReason.KEY_ROW_UNREADABLE, 'the keyring could not wrap the key again (no current wrapping key, or KMS refused)', {
      keyVersionId: row.id,
      cause: e,
    });
  } finally {
    key.fill(0);
  }
}

async function listRows(storage: KeyStoreStorage, name: string): Promise<KeyRow[]> {
  try {
    return await storage.list(name);
  } catch (e) {
    throw new KeyStoreError(KeyStoreErrorReason.STORAGE_FAILED, `the key store "${name}" could not be listed`, { cause: e });
  }
}

async function storageCall<T>(call: () => Promise<T>, keyVersionId: number): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw new KeyStoreError(KeyStoreErrorReason.STORAGE_FAILED, 'the re-wrapped row could not be written', { keyVersionId, cause: e });
  }
}
