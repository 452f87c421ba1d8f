/**
 * Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateRandom:
 * everything that seals or opens a ciphertext blob.
 */
import { randomBytes } from 'node:crypto';
import { openBlob, readBlobHeader, sealBlob, type EncryptionContext } from '../ciphertext-blob';
import { KmsException } from '../errors';
import { currentMaterial } from '../key-store';
import type { RequestFields } from '../request-fields';
import type { KeyMaterialRecord, KeyRecord } from '../state';
import { keyArn } from '../arn';
import {
  arnOf,
  authorize,
  finishDryRun,
  requireEnabled,
  requireUsage,
  resolveKey,
  usableKey,
  type OperationContext,
  type OperationHandler,
} from './context';

/** The AWS model's limits: 4 KiB of plaintext, 6 KiB of ciphertext blob. */
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;
const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const;

function requireSymmetricAlgorithm(fields: RequestFields, field: string): void {
  const algorithm = fields.optionalEnum(field, ENCRYPTION_ALGORITHMS);
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new KmsException('InvalidKeyUsageException', `The encryption algorithm ${algorithm} is not valid for a symmetric encryption KMS key.`);
  }
}

function rejectRecipient(fields: RequestFields): void {
  if (fields.has('Recipient')) {
    throw new KmsException('UnsupportedOperationException', 'kms-local does not support Nitro Enclaves attestation (Recipient).');
  }
}

function seal(key: KeyRecord, plaintext: Buffer, context: EncryptionContext): { blob: Buffer; material: KeyMaterialRecord } {
  const material = currentMaterial(key);
  const blob = sealBlob({ keyId: key.keyId, keyMaterialId: material.id, secret: Buffer.from(material.secret, 'base64') }, plaintext, context);
  return { blob, material };
}

function invalidCiphertext(): KmsException {
  return new KmsException('InvalidCiphertextException', 'The ciphertext is invalid, was changed, or the encryption context does not match.');
}

/**
 * Opens a blob the way Decrypt and ReEncrypt do: the blob names its key, a KeyId in the request must
 * name the same key (IncorrectKeyException otherwise), and the encryption context must be the one it
 * was sealed with (InvalidCiphertextException otherwise).
 */
function openCiphertext(
  context: OperationContext,
  blob: Buffer,
  requestedKey: string | undefined,
  encryptionContext: EncryptionContext,
  action: string,
): { key: KeyRecord; material: KeyMaterialRecord; plaintext: Buffer } {
  const header = readBlobHeader(blob);
  if (!header) throw invalidCiphertext();
  let key: KeyRecord;
  if (requestedKey !== undefined) {
    key = resolveKey(context.store, requestedKey, 'keyOrAlias');
    if (key.keyId !== header.keyId) {
      throw new KmsException('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
    }
  } else {
    const found = context.store.findKey(header.keyId);
    if (!found) {
      throw new KmsException(
        'NotFoundException',
        `Key '${keyArn(context.store.location, header.keyId)}' does not exist (a kms-local started without --state forgets its keys when it stops)`,
      );
    }
    key = found;
  }
  authorize(context, key, action);
  requireEnabled(context, key);
  requireUsage(context, key, 'ENCRYPT_DECRYPT', action);
  const material = key.materials.find((candidate) => candidate.id === header.keyMaterialId);
  if (!material) throw invalidCiphertext();
  const plaintext = openBlob(blob, Buffer.from(material.secret, 'base64'), encryptionContext);
  if (!plaintext) throw invalidCiphertext();
  return { key, material, plaintext };
}

const encrypt: OperationHandler = (fields, context) => {
  const reference = fields.requiredString('KeyId');
  const plaintext = fields.requiredBlob('Plaintext', MAX_PLAINTEXT_BYTES);
  const encryptionContext = fields.optionalStringMap('EncryptionContext');
  requireSymmetricAlgorithm(fields, 'EncryptionAlgorithm');
  const key = usableKey(context, reference, 'Encrypt', 'ENCRYPT_DECRYPT');
  finishDryRun(fields);
  const { blob } = seal(key, plaintext, encryptionContext);
  return { CiphertextBlob: blob.toString('base64'), KeyId: arnOf(context, key), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
};

const decrypt: OperationHandler = (fields, context) => {
  const blob = fields.requiredBlob('CiphertextBlob', MAX_CIPHERTEXT_BYTES);
  const encryptionContext = fields.optionalStringMap('EncryptionContext');
  requireSymmetricAlgorithm(fields, 'EncryptionAlgorithm');
  rejectRecipient(fields);
  const opened = openCiphertext(context, blob, fields.optionalString('KeyId'), encryptionContext, 'Decrypt');
  finishDryRun(fields);
  return {
    KeyId: arnOf(context, opened.key),
    Plaintext: opened.plaintext.toString('base64'),
    EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    KeyMaterialId: opened.material.id,
  };
};

const reEncrypt: OperationHandler = (fields, context) => {
  const blob = fields.requiredBlob('CiphertextBlob', MAX_CIPHERTEXT_BYTES);
  const destinationReference = fields.requiredString('DestinationKeyId');
  const sourceContext = fields.optionalStringMap('SourceEncryptionContext');
  const destinationContext = fields.optionalStringMap('DestinationEncryptionContext');
  requireSymmetricAlgorithm(fields, 'SourceEncryptionAlgorithm');
  requireSymmetricAlgorithm(fields, 'DestinationEncryptionAlgorithm');
  const source = openCiphertext(context, blob, fields.optionalString('SourceKeyId'), sourceContext, 'ReEncryptFrom');
  const destination = usableKey(context, destinationReference, 'ReEncryptTo', 'ENCRYPT_DECRYPT');
  finishDryRun(fields);
  const sealed = seal(destination, source.plaintext, destinationContext);
  source.plaintext.fill(0);
  return {
    CiphertextBlob: sealed.blob.toString('base64'),
    SourceKeyId: arnOf(context, source.key),
    KeyId: arnOf(context, destination),
    SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    SourceKeyMaterialId: source.material.id,
    DestinationKeyMaterialId: sealed.material.id,
  };
};

function dataKeyLength(fields: RequestFields): number {
  const keySpec = fields.optionalEnum('KeySpec', ['AES_256', 'AES_128'] as const);
  const numberOfBytes = fields.optionalInteger('NumberOfBytes', 1, 1024);
  if ((keySpec === undefined) === (numberOfBytes === undefined)) {
    throw new KmsException('ValidationException', 'Please specify either number of bytes or key spec.');
  }
  return numberOfBytes ?? (keySpec === 'AES_128' ? 16 : 32);
}

function generateDataKeyWith(fields: RequestFields, context: OperationContext, action: string) {
  const reference = fields.requiredString('KeyId');
  const length = dataKeyLength(fields);
  const encryptionContext = fields.optionalStringMap('EncryptionContext');
  rejectRecipient(fields);
  const key = usableKey(context, reference, action, 'ENCRYPT_DECRYPT');
  finishDryRun(fields);
  const plaintext = randomBytes(length);
  const { blob, material } = seal(key, plaintext, encryptionContext);
  return { key, plaintext, blob, material };
}

const generateDataKey: OperationHandler = (fields, context) => {
  const { key, plaintext, blob, material } = generateDataKeyWith(fields, context, 'GenerateDataKey');
  return {
    CiphertextBlob: blob.toString('base64'),
    Plaintext: plaintext.toString('base64'),
    KeyId: arnOf(context, key),
    KeyMaterialId: material.id,
  };
};

const generateDataKeyWithoutPlaintext: OperationHandler = (fields, context) => {
  const { key, plaintext, blob, material } = generateDataKeyWith(fields, context, 'GenerateDataKeyWithoutPlaintext');
  plaintext.fill(0);
  return { CiphertextBlob: blob.toString('base64'), KeyId: arnOf(context, key), KeyMaterialId: material.id };
};

const generateRandom: OperationHandler = (fields) => {
  rejectRecipient(fields);
  if (fields.has('CustomKeyStoreId')) {
    throw new KmsException('UnsupportedOperationException', 'kms-local has no custom key stores.');
  }
  const length = fields.optionalInteger('NumberOfBytes', 1, 1024);
  if (length === undefined) throw new KmsException('ValidationException', 'Please specify the number of bytes.');
  return { Plaintext: randomBytes(length).toString('base64') };
};

export const encryptionOperations: Readonly<Record<string, OperationHandler>> = {
  Encrypt: encrypt,
  Decrypt: decrypt,
  ReEncrypt: reEncrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateRandom: generateRandom,
};
