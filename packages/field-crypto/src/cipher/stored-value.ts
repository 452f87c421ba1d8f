import type { EncryptedDataKey, EncryptionContext } from '@aws-crypto/client-node';

/** A wrapping key: the key that encrypted a value's data key. */
export interface WrappingKeyRef {
  /** `aws-kms` for KMS; the key namespace for a raw (local) keyring. */
  readonly providerId: string;
  /** The KMS key ARN; the key name for a raw keyring. */
  readonly keyId: string;
}

/**
 * What a stored string is, judged by parsing it as a message (never by guessing from characters):
 * - `plaintext`: not a message, and does not start like one;
 * - `ciphertext`: a message whose header (and single-frame body layout) parses; not yet authenticated;
 * - `compact`: a compact value (docs/format.md) naming a key-store version; not yet authenticated;
 * - `malformed`: base64 whose first bytes are a message's (version 2 + a v2 suite id, or version 1 +
 *   type 0x80 + a v1 suite id) but that does not parse as one (truncated, corrupt). Never plaintext:
 *   do not return it as data or encrypt it again; `decrypt` throws `MalformedCiphertextError` for it.
 *   A damaged compact value ('/' then 'A'..'P', base64 characters only, not whole) is malformed too,
 *   with a reason starting `compact-`.
 */
export type StoredValue =
  | { readonly kind: 'plaintext' }
  | {
      readonly kind: 'malformed';
      /** Which check failed, e.g. `truncated`, `trailing-bytes`, `encryption-context`, `base64-length`. Never bytes of the value. */
      readonly reason: string;
    }
  | {
      readonly kind: 'ciphertext';
      /** Message format version: 2 for what we write, 1 for messages of older SDKs. */
      readonly version: number;
      readonly suiteId: number;
      readonly encryptionContext: Readonly<EncryptionContext>;
      /** One per encrypted data key in the message, in message order; the first is the generator's. */
      readonly wrappingKeys: readonly WrappingKeyRef[];
    }
  | {
      /** A compact value (docs/format.md): not yet authenticated; its key is the key store's version `keyVersionId`. */
      readonly kind: 'compact';
      readonly keyVersionId: number;
      /** One entry: `{ providerId: KEY_STORE_PROVIDER_ID, keyId: String(keyVersionId) }`, so tools count values per key version. */
      readonly wrappingKeys: readonly WrappingKeyRef[];
    };

/** The `providerId` under which `inspect` and `currentWrappingKey` name a key-store version (keyId: its id). */
export const KEY_STORE_PROVIDER_ID = 'prisma-kms-key-store';
/** The `providerId` of a data key wrapped by AWS KMS (its `keyId` is then the key ARN). Fixed by the SDK. */
export const KMS_PROVIDER_ID = 'aws-kms';
/** A raw AES keyring's provider info: key name, then tag length in bits (uint32), IV length (uint32), IV. */
const RAW_AES_TAG_BITS = 128;
const RAW_AES_IV_LENGTH = 12;
const RAW_AES_INFO_SUFFIX = 4 + 4 + RAW_AES_IV_LENGTH;

/** The wrapping key an EDK names. For raw AES EDKs the provider info also holds the IV; strip it. */
export function wrappingKeyOf(edk: Pick<EncryptedDataKey, 'providerId' | 'providerInfo' | 'rawInfo'>): WrappingKeyRef {
  const { providerId, providerInfo, rawInfo } = edk;
  if (providerId !== KMS_PROVIDER_ID && rawInfo && rawInfo.byteLength > RAW_AES_INFO_SUFFIX) {
    const info = Buffer.from(rawInfo.buffer, rawInfo.byteOffset, rawInfo.byteLength);
    const suffix = info.byteLength - RAW_AES_INFO_SUFFIX;
    if (info.readUInt32BE(suffix) === RAW_AES_TAG_BITS && info.readUInt32BE(suffix + 4) === RAW_AES_IV_LENGTH) {
      return { providerId, keyId: info.subarray(0, suffix).toString('utf8') };
    }
  }
  return { providerId, keyId: providerInfo };
}
