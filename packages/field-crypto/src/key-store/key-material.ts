/**
 * Wraps and unwraps a key version's 32 bytes as a standard AWS Encryption SDK message, with the SDK
 * itself: any Encryption SDK (any language, the AWS CLI) with the same keyring recovers a key.
 */
import { randomBytes } from 'node:crypto';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, type KeyringNode } from '@aws-crypto/client-node';
import { KeyStoreError, KeyStoreErrorReason } from './errors';
import { rowContext, type KeyRow } from './key-row';

/** AES-256 key versions. */
export const KEY_VERSION_BYTES = 32;
/** A keyring with more wrapped copies than this is refused on read (the SDK's guard against EDK floods). */
const MAX_ENCRYPTED_DATA_KEYS = 16;

const sdk = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS });

/** What identifies a row: everything its encryption context binds. */
export type RowIdentity = Pick<KeyRow, 'keyStore' | 'id' | 'keyName' | 'version' | 'purpose' | 'scope'>;

/**
 * New key material and its 32 bytes, for a key version created by the data plane: it uses the bytes at
 * once instead of unwrapping the row it just wrote (one KMS call saved per new scope). The caller owns
 * `key` and zeroes it.
 */
export async function newKeyAndWrapping(keyring: KeyringNode, identity: RowIdentity): Promise<{ material: string; key: Buffer }> {
  const key = randomBytes(KEY_VERSION_BYTES);
  try {
    return { material: await wrapKey(keyring, key, identity), key };
  } catch (e) {
    key.fill(0);
    throw e;
  }
}

/**
 * `key` wrapped (base64 message) under `keyring` with the row's context: a new row's material, or an
 * existing row's bytes re-wrapped under another keyring. The caller owns and zeroes `key`.
 */
export async function wrapKey(keyring: KeyringNode, key: Buffer, identity: RowIdentity): Promise<string> {
  const { result } = await sdk.encrypt(keyring, key, {
    // Committing and unsigned: one KMS call to read, no ECDSA verification per load.
    suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
    encryptionContext: rowContext(identity),
  });
  return result.toString('base64');
}

/**
 * The 32 key bytes of a row: one keyring Decrypt (one KMS call with a KMS keyring). Rejects, with a
 * KeyStoreError, a row that does not decrypt, whose message context is not exactly the row's
 * (a row moved to another id, store, key, version, purpose or scope), or whose plaintext is not 32 bytes.
 */
export async function unwrapKey(keyring: KeyringNode, row: KeyRow): Promise<Buffer> {
  const where = { keyVersionId: row.id, scope: row.scope };
  let plaintext: Buffer;
  let context: Readonly<Record<string, string>>;
  try {
    const decrypted = await sdk.decrypt(keyring, Buffer.from(row.material, 'base64'));
    plaintext = decrypted.plaintext;
    context = decrypted.messageHeader.encryptionContext;
  } catch (e) {
    throw new KeyStoreError(KeyStoreErrorReason.KEY_ROW_UNREADABLE, 'the key material does not decrypt with the keyring', { ...where, cause: e });
  }
  const expected = rowContext(row);
  const mismatched = Object.keys(expected).filter((k) => context[k] !== expected[k]);
  if (mismatched.length > 0 || plaintext.length !== KEY_VERSION_BYTES) {
    plaintext.fill(0);
    const what = mismatched.length > 0 ? `its encryption context differs at ${mismatched.join(', ')}` : 'it is not a 32-byte key';
    throw new KeyStoreError(KeyStoreErrorReason.KEY_ROW_MISMATCH, `the key-store row was not written for this row (${what}): moved, swapped or forged`, where);
  }
  return plaintext;
}
