/**
 * Writes and reads compact values: synchronous, one AES-256-GCM operation per value, no I/O. The
 * caller supplies the per-field key (./field-key.ts) of the key version the value names.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import {
  COMPACT_FORMAT_BYTE,
  COMPACT_HEADER_BYTES,
  COMPACT_IV_BYTES,
  COMPACT_OVERHEAD_BYTES,
  COMPACT_TAG_BYTES,
} from './compact-layout';

const CIPHER = 'aes-256-gcm';

/**
 * Encrypts `plaintext` into compact value bytes under `fieldKey`, naming `keyVersionId` (a valid id:
 * the caller checks it once, when it loads the key version).
 *
 * @example
 * const stored = encodeCompact(fieldKey, 7, Buffer.from('Ada')).toString('base64'); // '/AAAAAc...'
 */
export function encodeCompact(fieldKey: Uint8Array, keyVersionId: number, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(COMPACT_OVERHEAD_BYTES + plaintext.length);
  out[0] = COMPACT_FORMAT_BYTE;
  out.writeUInt32BE(keyVersionId, 1);
  const iv = out.subarray(COMPACT_HEADER_BYTES, COMPACT_HEADER_BYTES + COMPACT_IV_BYTES);
  randomFillSync(iv);
  const cipher = createCipheriv(CIPHER, fieldKey, iv, { authTagLength: COMPACT_TAG_BYTES });
  cipher.setAAD(out.subarray(0, COMPACT_HEADER_BYTES));
  const body = cipher.update(plaintext);
  const final = cipher.final(); // empty for GCM, but part of the contract
  let pos = COMPACT_HEADER_BYTES + COMPACT_IV_BYTES;
  pos += body.copy(out, pos);
  pos += final.copy(out, pos);
  cipher.getAuthTag().copy(out, pos);
  return out;
}

/**
 * Decrypts compact value bytes (as classified by `classifyCompactValue`) under `fieldKey`; undefined
 * when the tag does not verify (tampered, or another field's, model's or key version's value).
 *
 * @example
 * const plaintext = decodeCompact(fieldKey, bytes); // Buffer | undefined
 */
export function decodeCompact(fieldKey: Uint8Array, bytes: Uint8Array): Buffer | undefined {
  if (bytes.length < COMPACT_OVERHEAD_BYTES || bytes[0] !== COMPACT_FORMAT_BYTE) return undefined;
  const ivEnd = COMPACT_HEADER_BYTES + COMPACT_IV_BYTES;
  const tagStart = bytes.length - COMPACT_TAG_BYTES;
  const decipher = createDecipheriv(CIPHER, fieldKey, bytes.subarray(COMPACT_HEADER_BYTES, ivEnd), { authTagLength: COMPACT_TAG_BYTES });
  decipher.setAAD(bytes.subarray(0, COMPACT_HEADER_BYTES));
  decipher.setAuthTag(bytes.subarray(tagStart));
  const body = decipher.update(bytes.subarray(ivEnd, tagStart));
  try {
    decipher.final();
  } catch {
    body.fill(0); // unauthenticated plaintext never leaves this function
    return undefined;
  }
  return body;
}
