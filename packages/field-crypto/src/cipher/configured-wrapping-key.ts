/**
 * The key new data keys will be wrapped by, read from the keyring's configuration instead of asking
 * the keyring (which, for KMS, is a GenerateDataKey call): so `status` needs no KMS call and works
 * during a KMS incident or for a principal allowed only to decrypt.
 */
import { KeyringNode, KmsKeyringNode, MultiKeyringNode, RawAesKeyringNode } from '@aws-crypto/client-node';
import { isKmsKeyArn } from '../keyrings/kms-key-resolution';
import { KMS_PROVIDER_ID, type WrappingKeyRef } from './stored-value';

/**
 * The configured generator key of `keyring`, or undefined when the configuration alone cannot tell
 * (an alias or bare key id, which only KMS resolves to the ARN it records; a custom keyring).
 *
 * @example
 * ```ts
 * configuredWrappingKey(localAesKeyring({ key }, { keyName: 'k1' })); // { providerId: 'prisma-kms', keyId: 'k1' }
 * ```
 */
export function configuredWrappingKey(keyring: KeyringNode): WrappingKeyRef | undefined {
  if (keyring instanceof KmsKeyringNode) {
    const id = keyring.generatorKeyId;
    // A key ARN (not an alias ARN): the form KMS records in every data key it wraps.
    return id && isKmsKeyArn(id) ? { providerId: KMS_PROVIDER_ID, keyId: id } : undefined;
  }
  if (keyring instanceof RawAesKeyringNode) return { providerId: keyring.keyNamespace, keyId: keyring.keyName };
  if (keyring instanceof MultiKeyringNode) return keyring.generator ? configuredWrappingKey(keyring.generator) : undefined;
  // rotationKeyring: its `current` wraps every new data key
  const current = (keyring as { current?: unknown }).current;
  return current instanceof KeyringNode ? configuredWrappingKey(current) : undefined;
}
