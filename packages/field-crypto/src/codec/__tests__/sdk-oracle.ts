/**
 * The AWS Encryption SDK as the oracle for the codec's tests: a local AES keyring, materials from
 * the SDK's default materials manager, and the SDK's own encrypt/decrypt.
 */
import { randomBytes } from 'node:crypto';
import {
  CommitmentPolicy,
  EncryptedDataKey as SdkEncryptedDataKey,
  NodeAlgorithmSuite,
  NodeDefaultCryptographicMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  buildClient,
  type AlgorithmSuiteIdentifier,
} from '@aws-crypto/client-node';
import type { DataKey } from '../data-key';
import type { EncryptedDataKey, MessageHeader } from '../message-header';

export const keyring = new RawAesKeyringNode({
  keyNamespace: 'prisma-kms-tests',
  keyName: 'codec-oracle',
  unencryptedMasterKey: randomBytes(32),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
});
const cmm = new NodeDefaultCryptographicMaterialsManager(keyring);
const committingClient = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const legacyClient = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
/** Decrypts both v1 and v2 messages, like a reader during a migration. */
const decryptingClient = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);

export const FIELD_CONTEXT: Readonly<Record<string, string>> = Object.freeze({
  'prisma-kms:model': 'User',
  'prisma-kms:field': 'firstName',
});

export interface EncryptMaterials {
  readonly dataKey: DataKey;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly encryptionContext: Readonly<Record<string, string>>;
}

/** A fresh data key and its encrypted copy, from the SDK's materials manager. */
export async function encryptionMaterials(
  encryptionContext: Readonly<Record<string, string>> = FIELD_CONTEXT,
  suiteId = 0x0478,
): Promise<EncryptMaterials> {
  const commitmentPolicy =
    suiteId === 0x0478 || suiteId === 0x0578
      ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
      : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT;
  const material = await cmm.getEncryptionMaterials({
    suite: new NodeAlgorithmSuite(suiteId as AlgorithmSuiteIdentifier),
    encryptionContext: { ...encryptionContext },
    commitmentPolicy,
  });
  return {
    dataKey: material.getUnencryptedDataKey(),
    encryptedDataKeys: material.encryptedDataKeys,
    encryptionContext: material.encryptionContext,
  };
}

/** The data key of a parsed message, unwrapped by the SDK's materials manager. */
export async function decryptionKey(header: MessageHeader): Promise<DataKey> {
  const material = await cmm.decryptMaterials({
    suite: new NodeAlgorithmSuite(header.suiteId as AlgorithmSuiteIdentifier),
    encryptionContext: { ...header.encryptionContext },
    encryptedDataKeys: header.encryptedDataKeys.map((edk) => new SdkEncryptedDataKey({ ...edk })),
  });
  return material.getUnencryptedDataKey();
}

export async function sdkEncrypt(
  plaintext: Uint8Array,
  options: { suiteId?: number; encryptionContext?: Readonly<Record<string, string>>; frameLength?: number } = {},
): Promise<Buffer> {
  const suiteId = options.suiteId ?? 0x0478;
  const client = suiteId === 0x0478 || suiteId === 0x0578 ? committingClient : legacyClient;
  const { result } = await client.encrypt(keyring, plaintext, {
    suiteId: suiteId as AlgorithmSuiteIdentifier,
    encryptionContext: { ...(options.encryptionContext ?? FIELD_CONTEXT) },
    ...(options.frameLength === undefined ? {} : { frameLength: options.frameLength }),
  });
  return result;
}

export async function sdkDecrypt(message: Uint8Array): Promise<{ plaintext: Buffer; encryptionContext: Record<string, string> }> {
  const { plaintext, messageHeader } = await decryptingClient.decrypt(keyring, message);
  return { plaintext, encryptionContext: { ...messageHeader.encryptionContext } };
}

/** True when the SDK refuses to decrypt the message (any error). */
export async function sdkRejects(message: Uint8Array): Promise<boolean> {
  try {
    await decryptingClient.decrypt(keyring, message);
    return false;
  } catch {
    return true;
  }
}
