import { createFieldCipher, kmsKeyring, loadIndexKeys, rotationKeyring, splitIndexKeyMessages, type KeyringNode } from '@prisma-kms/field-crypto';

/**
 * KMS_KEY_ARN wraps every new data key (a key ARN; region and credentials come from the AWS SDK's
 * usual chain). While you move to a new key, the old ones are listed in KMS_PREVIOUS_KEY_ARNS: they
 * still unwrap existing values, and never wrap a new one.
 */
export function appKeyring(): KeyringNode {
  const current = kmsKeyring({ generatorKeyId: process.env.KMS_KEY_ARN! });
  const previous = (process.env.KMS_PREVIOUS_KEY_ARNS ?? '').split(',').filter(Boolean);
  return previous.length > 0 ? rotationKeyring({ current, previous: [kmsKeyring({ keyIds: previous })] }) : current;
}

export function appCipher(keyring: KeyringNode = appKeyring()) {
  return createFieldCipher({
    keyring,
    cache: { maxAgeMs: 5 * 60_000, maxMessages: 1_000_000 },
    encryptionContext: { app: 'billing' }, // bound into every value
  });
}

/** The blind-index keys (`prisma-kms keys create-index-key`), stored as Encryption SDK messages, decrypted at start. */
export function appIndexKeys(keyring: KeyringNode = appKeyring()) {
  return loadIndexKeys(keyring, splitIndexKeyMessages(process.env.PRISMA_KMS_INDEX_KEYS!));
}
