/**
 * The ciphertext blob kms-local returns from Encrypt and GenerateDataKey.
 *
 * Layout (all lengths in bytes):
 *
 * | magic `KL` (2) | version (1) | key id length (1) | key id (ASCII) | key material id (32) | IV (12) | tag (16) | ciphertext |
 *
 * The blob names its key and the key material that sealed it, so Decrypt needs no KeyId and
 * rotation only appends material: old blobs keep pointing at the material they were sealed with.
 * AES-256-GCM authenticates the header (everything before the IV) and the canonical encryption
 * context, so a blob decrypts only under the key, material and context it was made with.
 *
 * The format is kms-local's own (AWS KMS blobs are opaque too). It cannot change without breaking
 * every data key already stored by users of a persisted state file: bump {@link BLOB_VERSION} and
 * keep reading version 1 instead.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const MAGIC = Buffer.from('KL', 'ascii');
export const BLOB_VERSION = 1;
export const MATERIAL_ID_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What the blob says about itself before any key is used. */
export interface BlobHeader {
  readonly keyId: string;
  /** 64 lowercase hex characters, the `KeyMaterialId` AWS reports. */
  readonly keyMaterialId: string;
}

export type EncryptionContext = Readonly<Record<string, string>>;

/**
 * The encryption context as unambiguous bytes: pairs sorted by key (UTF-16 code units, as AWS
 * does not care about order), each key and value prefixed by its UTF-8 length.
 */
export function canonicalEncryptionContext(context: EncryptionContext): Buffer {
  const parts: Buffer[] = [];
  for (const key of Object.keys(context).sort()) {
    for (const text of [key, context[key]!]) {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

function encodeHeader(header: BlobHeader): Buffer {
  const keyId = Buffer.from(header.keyId, 'ascii');
  if (keyId.length === 0 || keyId.length > 255) throw new RangeError('key id length out of range');
  return Buffer.concat([
    MAGIC,
    Buffer.from([BLOB_VERSION, keyId.length]),
    keyId,
    Buffer.from(header.keyMaterialId, 'hex'),
  ]);
}

/**
 * Encrypts `plaintext` under one key material.
 *
 * @example
 * const blob = sealBlob({ keyId, keyMaterialId, secret }, plaintext, { tenant: 'a' });
 */
export function sealBlob(
  material: BlobHeader & { readonly secret: Buffer },
  plaintext: Buffer,
  context: EncryptionContext,
): Buffer {
  const header = encodeHeader(material);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material.secret, iv);
  cipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(context)]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

interface ParsedBlob extends BlobHeader {
  readonly header: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

function parseBlob(blob: Buffer): ParsedBlob | undefined {
  if (blob.length < MAGIC.length + 2 || !blob.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (blob[MAGIC.length] !== BLOB_VERSION) return undefined;
  const keyIdLength = blob[MAGIC.length + 1]!;
  const keyIdStart = MAGIC.length + 2;
  const materialStart = keyIdStart + keyIdLength;
  const ivStart = materialStart + MATERIAL_ID_BYTES;
  const tagStart = ivStart + IV_BYTES;
  const ciphertextStart = tagStart + TAG_BYTES;
  if (keyIdLength === 0 || blob.length < ciphertextStart) return undefined;
  return {
    keyId: blob.subarray(keyIdStart, materialStart).toString('ascii'),
    keyMaterialId: blob.subarray(materialStart, ivStart).toString('hex'),
    header: blob.subarray(0, ivStart),
    iv: blob.subarray(ivStart, tagStart),
    tag: blob.subarray(tagStart, ciphertextStart),
    ciphertext: blob.subarray(ciphertextStart),
  };
}

/** Reads the key and material a blob names; undefined when it is not a kms-local blob. */
export function readBlobHeader(blob: Buffer): BlobHeader | undefined {
  const parsed = parseBlob(blob);
  return parsed && { keyId: parsed.keyId, keyMaterialId: parsed.keyMaterialId };
}

/**
 * Decrypts a blob with the material its header names. Undefined when the blob is malformed or does
 * not authenticate (wrong material, changed bytes, or a different encryption context).
 */
export function openBlob(blob: Buffer, secret: Buffer, context: EncryptionContext): Buffer | undefined {
  const parsed = parseBlob(blob);
  if (!parsed) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret, parsed.iv);
    decipher.setAAD(Buffer.concat([parsed.header, canonicalEncryptionContext(context)]));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
