import {
  createFieldCipher,
  createKeyStore,
  kmsKeyring,
  loadIndexKeys,
  rotationKeyring,
  splitIndexKeyMessages,
  type KeyringNode,
  type KeyStoreStorage,
} from '@prisma-kms/field-crypto';

/**
 * KMS_KEY_ARN wraps every new key (a key ARN; region and credentials come from the AWS SDK's usual
 * chain). While you move to a new key, the old ones are listed in KMS_PREVIOUS_KEY_ARNS: they still
 * unwrap existing keys, and never wrap a new one.
 */
export function appKeyring(): KeyringNode {
  const current = kmsKeyring({ generatorKeyId: process.env.KMS_KEY_ARN! });
  const previous = (process.env.KMS_PREVIOUS_KEY_ARNS ?? '').split(',').filter(Boolean);
  return previous.length > 0 ? rotationKeyring({ current, previous: [kmsKeyring({ keyIds: previous })] }) : current;
}

/** The key store's name, bound into each of its rows; `prisma-kms keys create` makes its first key version. */
export const KEY_STORE = 'app';

/**
 * Compact values (56 characters for 9 bytes) under the key store's current key version: its rows live in
 * the PrismaKmsKey table (`storage`), each wrapped by the keyring, and a process makes one KMS Decrypt per
 * key version per 10 minutes, whatever the table's size or age.
 */
export function appCipher(storage: KeyStoreStorage, keyring: KeyringNode = appKeyring()) {
  return createFieldCipher({
    keyStore: createKeyStore({ name: KEY_STORE, storage, keyring }),
    keyring, // reads values stored as standalone Encryption SDK messages too
    encryptionContext: { app: 'billing' }, // bound into every value
  });
}

/** The blind-index keys (`prisma-kms keys create-index-key`), stored as Encryption SDK messages, decrypted at start. */
export function appIndexKeys(keyring: KeyringNode = appKeyring()) {
  return loadIndexKeys(keyring, splitIndexKeyMessages(process.env.PRISMA_KMS_INDEX_KEYS!));
}
