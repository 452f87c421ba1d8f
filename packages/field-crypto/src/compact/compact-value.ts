/**
 * Tells a stored compact value from plaintext and from a damaged compact value, exception-free, by
 * decoding strictly (never by guessing from characters beyond the first two).
 */
import { hasCanonicalPadding } from '../codec/stored-message';
import { COMPACT_OVERHEAD_BYTES, KEY_VERSION_ID_BYTES } from './compact-layout';

/**
 * A classified compact value: its canonical base64 text and the key version it names (not yet
 * authenticated). The text is decoded only when it is decrypted (`decodeCompactBase64`), into scratch
 * space: classifying allocates no buffer per value.
 */
export interface CompactValue {
  readonly base64: string;
  readonly keyVersionId: number;
}

/** Why a value that starts like a compact value is not one. */
export type DamagedCompactReason = 'truncated' | 'base64-length' | 'base64-padding' | 'key-version-id';

export type CompactValueClass =
  | { readonly kind: 'not-compact' }
  | ({ readonly kind: 'compact' } & CompactValue)
  | { readonly kind: 'malformed'; readonly reason: DamagedCompactReason };

const NOT_COMPACT: CompactValueClass = Object.freeze({ kind: 'not-compact' });
/**
 * The 6-bit value plus one of each character of the standard base64 alphabet, by char code (0: not in
 * it). A table scan instead of a regular expression: the check runs once per value read, and the
 * expression cost about twice as much (0.5 µs for a 56-character value, 5% of a whole decrypt).
 */
const STANDARD_BASE64 = new Uint8Array(128);
for (const [value, character] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) {
  STANDARD_BASE64[character.charCodeAt(0)] = value + 1;
}
const PAD = 0x3d; /* = */
/** Shortest compact value (empty plaintext): 33 bytes = 44 base64 characters. */
const MIN_COMPACT_BASE64_LENGTH = Math.ceil(COMPACT_OVERHEAD_BYTES / 3) * 4;

/**
 * Classifies a stored string. `compact`: canonical base64 of at least 33 bytes whose first byte is
 * {@link COMPACT_FORMAT_BYTE}. `malformed`: base64 characters only, starting with the two characters
 * every compact value starts with ('/' then 'A'..'P'), yet not a whole compact value (cut short,
 * bad padding, key-version id 0): never to be treated as plaintext. Anything else is `not-compact`
 * (plaintext, or an Encryption SDK message: those start with 'A').
 *
 * @example
 * classifyCompactValue('ada@example.com').kind;  // 'not-compact'
 * classifyCompactValue(stored).kind;             // 'compact'
 * classifyCompactValue(stored.slice(0, 40)).kind; // 'malformed'
 */
export function classifyCompactValue(value: string): CompactValueClass {
  if (typeof value !== 'string' || !startsLikeCompact(value)) return NOT_COMPACT;
  const dataCharacters = base64DataCharacters(value);
  if (dataCharacters < 0) return NOT_COMPACT;
  if (value.length % 4 !== 0) return damaged('base64-length');
  // '=' sits only at the end: what is left to refuse is more than two, or stray bits.
  if (value.length - dataCharacters > 2 || !hasCanonicalPadding(value)) return damaged('base64-padding');
  // 3 bytes per 4 characters, less one per '=': what the decoder will give, without decoding.
  if (value.length < MIN_COMPACT_BASE64_LENGTH || (value.length / 4) * 3 - (value.length - dataCharacters) < COMPACT_OVERHEAD_BYTES) {
    return damaged('truncated');
  }
  const keyVersionId = keyVersionIdOfBase64(value);
  if (keyVersionId === 0) return damaged('key-version-id');
  return { kind: 'compact', base64: value, keyVersionId };
}

/**
 * The key-version id (bytes 1 to 4) of a compact value's base64 text, from its first 8 characters (6
 * bytes; checked by the caller to be standard base64 and long enough): 4 bytes read without a decode.
 */
function keyVersionIdOfBase64(value: string): number {
  const sextet = (i: number) => (STANDARD_BASE64[value.charCodeAt(i)] as number) - 1;
  const bytes0to2 = (sextet(0) << 18) | (sextet(1) << 12) | (sextet(2) << 6) | sextet(3);
  const bytes3to5 = (sextet(4) << 18) | (sextet(5) << 12) | (sextet(6) << 6) | sextet(7);
  // bytes 1 and 2, then 3 and 4; multiplied rather than shifted, which would overflow into the sign bit
  return (bytes0to2 & 0xffff) * 0x10000 + (bytes3to5 >>> 8);
}

/** Reads the key-version id of compact value bytes (their length checked by the caller). */
export function keyVersionIdOf(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, 1 + KEY_VERSION_ID_BYTES).readUInt32BE(1);
}

/**
 * How many characters of `value` come before its trailing '=' padding, when `value` is one or more
 * characters of the standard base64 alphabet followed by any number of '=' (the decoder's URL-safe
 * '-' and '_', white space or an inner '=' make it plaintext); else -1.
 */
function base64DataCharacters(value: string): number {
  let data = 0;
  while (data < value.length) {
    const code = value.charCodeAt(data);
    if (code >= 128 || STANDARD_BASE64[code] === 0) break;
    data += 1;
  }
  if (data === 0) return -1;
  for (let i = data; i < value.length; i++) if (value.charCodeAt(i) !== PAD) return -1;
  return data;
}

function damaged(reason: DamagedCompactReason): CompactValueClass {
  return { kind: 'malformed', reason };
}

/** 0xFC = 111111|00: first character '/', second one with its top two bits 00, i.e. 'A'..'P'. */
function startsLikeCompact(value: string): boolean {
  if (value.length < 2 || value.charCodeAt(0) !== 0x2f /* / */) return false;
  const second = value.charCodeAt(1);
  return second >= 0x41 /* A */ && second <= 0x50 /* P */;
}
