/**
 * The byte layout of a compact value (docs/format.md is the specification):
 *
 * ```
 * offset  size  field
 * 0       1     format byte 0xFC (compact, version 1)
 * 1       4     key-version id, uint32 big-endian, never 0
 * 5       12    IV, random per value
 * 17      n     AES-256-GCM ciphertext of the UTF-8 plaintext
 * 17+n    16    GCM tag (AAD = bytes 0..4: format byte and key-version id)
 * ```
 *
 * Stored as standard, padded base64. A 9-byte plaintext is 42 bytes = 56 characters.
 */

/**
 * The first byte of every compact value. It can never be confused with an Encryption SDK message,
 * whose first byte is its version (0x01 or 0x02, base64 'A...'): 0xFC encodes to '/' followed by
 * one of 'A'..'P'. It is a byte, not a text prefix, so it costs no extra character. Changing it
 * makes every value ever written unreadable; a new layout takes a new byte (0xFD..0xFF stay '/').
 */
export const COMPACT_FORMAT_BYTE = 0xfc;
/** Bytes of the key-version id: uint32, so a 4-byte id names up to 2^32-1 key versions (0 is never used). */
export const KEY_VERSION_ID_BYTES = 4;
/** The AAD of the GCM tag: format byte and key-version id. */
export const COMPACT_HEADER_BYTES = 1 + KEY_VERSION_ID_BYTES;
/** 96-bit random IV: the size GCM is specified for (NIST SP 800-38D). */
export const COMPACT_IV_BYTES = 12;
export const COMPACT_TAG_BYTES = 16;
/** Fixed bytes around the ciphertext: 33. */
export const COMPACT_OVERHEAD_BYTES = COMPACT_HEADER_BYTES + COMPACT_IV_BYTES + COMPACT_TAG_BYTES;
/** The largest key-version id. */
export const MAX_KEY_VERSION_ID = 0xffffffff;

/** A key-version id is a uint32 other than 0 (0 is reserved so that a zeroed header never names a key). */
export function isKeyVersionId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= MAX_KEY_VERSION_ID;
}
