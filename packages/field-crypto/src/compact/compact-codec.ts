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
const IV_END = COMPACT_HEADER_BYTES + COMPACT_IV_BYTES;
/**
 * Bytes of scratch space: values of up to 1 KiB (names, emails, addresses, most notes). It bounds the
 * views kept too: at most one pair per length.
 */
const SCRATCH_BYTES = 1024;
const SCRATCH_BASE64_CHARACTERS = Math.floor(SCRATCH_BYTES / 3) * 4;
const scratch = Buffer.alloc(SCRATCH_BYTES);
const SCRATCH_HEADER = view(scratch, 0, COMPACT_HEADER_BYTES);
const SCRATCH_IV = view(scratch, COMPACT_HEADER_BYTES, COMPACT_IV_BYTES);
/** Ciphertext and tag views of the scratch space by value length, made on first use (at most one pair per length). */
const scratchViews: Array<readonly [Uint8Array, Uint8Array] | undefined> = [];

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
 * Decrypts compact value bytes under `fieldKey`; undefined when the tag does not verify (tampered, or
 * another field's, model's or key version's value).
 *
 * @example
 * const plaintext = decodeCompact(fieldKey, bytes); // Buffer | undefined
 */
export function decodeCompact(fieldKey: Uint8Array, bytes: Uint8Array): Buffer | undefined {
  if (bytes.length < COMPACT_OVERHEAD_BYTES || bytes[0] !== COMPACT_FORMAT_BYTE) return undefined;
  const tagStart = bytes.length - COMPACT_TAG_BYTES;
  return open(fieldKey, view(bytes, COMPACT_HEADER_BYTES, COMPACT_IV_BYTES), view(bytes, 0, COMPACT_HEADER_BYTES), view(bytes, IV_END, tagStart - IV_END), view(bytes, tagStart, COMPACT_TAG_BYTES));
}

/**
 * {@link decodeCompact} of a value's base64 text (as classified by `classifyCompactValue`), decoded into
 * scratch space instead of a buffer of its own. Reading a result of many rows decrypts one value after
 * another: a buffer and four views per value were about a quarter of the cost of a batch, most of it in
 * the garbage collector, and the scratch space and its views are made once. What the scratch space
 * holds is ciphertext, as stored in the database; the plaintext is a new buffer, as with decodeCompact.
 *
 * @example
 * const value = classifyCompactValue(stored);
 * const plaintext = value.kind === 'compact' ? decodeCompactBase64(fieldKey, value.base64) : undefined;
 */
export function decodeCompactBase64(fieldKey: Uint8Array, base64: string): Buffer | undefined {
  // A longer value (more than 1 KiB) would not fit: it gets a buffer of its own.
  if (base64.length > SCRATCH_BASE64_CHARACTERS) return decodeCompact(fieldKey, Buffer.from(base64, 'base64'));
  // Synchronous from here to the end: no other value can be decoded into the scratch space meanwhile.
  const length = scratch.write(base64, 0, 'base64');
  if (length < COMPACT_OVERHEAD_BYTES || scratch[0] !== COMPACT_FORMAT_BYTE) return undefined;
  const [body, tag] = scratchViews[length] ?? scratchViewsOf(length);
  return open(fieldKey, SCRATCH_IV, SCRATCH_HEADER, body, tag);
}

/** One AES-256-GCM decryption; the plaintext is zeroed and dropped unless the tag verifies. */
function open(fieldKey: Uint8Array, iv: Uint8Array, header: Uint8Array, body: Uint8Array, tag: Uint8Array): Buffer | undefined {
  const decipher = createDecipheriv(CIPHER, fieldKey, iv, { authTagLength: COMPACT_TAG_BYTES });
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(body);
  try {
    decipher.final();
  } catch {
    plaintext.fill(0); // unauthenticated plaintext never leaves this module
    return undefined;
  }
  return plaintext;
}

function scratchViewsOf(length: number): readonly [Uint8Array, Uint8Array] {
  const tagStart = length - COMPACT_TAG_BYTES;
  const views = [view(scratch, IV_END, tagStart - IV_END), view(scratch, tagStart, COMPACT_TAG_BYTES)] as const;
  scratchViews[length] = views;
  return views;
}

/**
 * `length` bytes of `bytes` from `start`, without a copy. A plain Uint8Array view: Buffer#subarray
 * builds a Buffer (a Uint8Array subclass), which costs about 40 ns more, and a value takes four views.
 */
function view(bytes: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
}
