/**
 * Writes and reads compact values: synchronous, one AES-256-GCM operation per value, no I/O. The
 * caller supplies the per-field key (./field-key.ts) of the key version the value names.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  COMPACT_FORMAT_BYTE,
  COMPACT_HEADER_BYTES,
  COMPACT_IV_BYTES,
  COMPACT_OVERHEAD_BYTES,
  COMPACT_TAG_BYTES,
} from './compact-layout';
import { writeRandomIv } from './random-iv';

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
  writeRandomIv(out, COMPACT_HEADER_BYTES);
  const cipher = createCipheriv(CIPHER, fieldKey, view(out, COMPACT_HEADER_BYTES, COMPACT_IV_BYTES), { authTagLength: COMPACT_TAG_BYTES });
  cipher.setAAD(view(out, 0, COMPACT_HEADER_BYTES));
  let pos = COMPACT_HEADER_BYTES + COMPACT_IV_BYTES;
  const body = cipher.update(plaintext);
  out.set(body, pos);
  pos += body.length;
  const final = cipher.final(); // empty for GCM, but part of the contract
  out.set(final, pos);
  pos += final.length;
  out.set(cipher.getAuthTag(), pos);
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
  const decipher = createDecipheriv(CIPHER, fieldKey, view(bytes, COMPACT_HEADER_BYTES, COMPACT_IV_BYTES), { authTagLength: COMPACT_TAG_BYTES });
  decipher.setAAD(view(bytes, 0, COMPACT_HEADER_BYTES));
  decipher.setAuthTag(view(bytes, tagStart, COMPACT_TAG_BYTES));
  const body = decipher.update(view(bytes, ivEnd, tagStart - ivEnd));
  try {
    decipher.final();
  } catch {
    body.fill(0); // unauthenticated plaintext never leaves this function
    return undefined;
  }
  return body;
}

/**
 * `length` bytes of `bytes` from `start`, without a copy. A plain Uint8Array view: Buffer#subarray
 * builds a Buffer (a Uint8Array subclass), which costs about 40 ns more, and a value takes four views.
 */
function view(bytes: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
}
