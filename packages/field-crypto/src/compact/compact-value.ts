/**
 * Tells a stored compact value from plaintext and from a damaged compact value, exception-free, by
 * decoding strictly (never by guessing from characters beyond the first two).
 */
import { hasCanonicalPadding } from '../codec/stored-message';
import { COMPACT_OVERHEAD_BYTES, KEY_VERSION_ID_BYTES } from './compact-layout';

/** A compact value's bytes and the key version it names (not yet authenticated). */
export interface CompactValue {
  readonly bytes: Buffer;
  readonly keyVersionId: number;
}

/** Why a value that starts like a compact value is not one. */
export type DamagedCompactReason = 'truncated' | 'base64-length' | 'base64-padding' | 'key-version-id';

export type CompactValueClass =
  | { readonly kind: 'not-compact' }
  | ({ readonly kind: 'compact' } & CompactValue)
  | { readonly kind: 'malformed'; readonly reason: DamagedCompactReason };

const NOT_COMPACT: CompactValueClass = Object.freeze({ kind: 'not-compact' });
const BASE64_LOOSE = /^[A-Za-z0-9+/]+=*$/;
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
  if (typeof value !== 'string' || !startsLikeCompact(value) || !BASE64_LOOSE.test(value)) return NOT_COMPACT;
  if (value.length % 4 !== 0) return damaged('base64-length');
  // BASE64_LOOSE leaves '=' only at the end: what is left to refuse is more than two, or stray bits.
  if (value.endsWith('===') || !hasCanonicalPadding(value)) return damaged('base64-padding');
  if (value.length < MIN_COMPACT_BASE64_LENGTH) return damaged('truncated');
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < COMPACT_OVERHEAD_BYTES) return damaged('truncated');
  const keyVersionId = bytes.readUInt32BE(1);
  if (keyVersionId === 0) return damaged('key-version-id');
  return { kind: 'compact', bytes, keyVersionId };
}

/** Reads the key-version id of compact value bytes (their length checked by the caller). */
export function keyVersionIdOf(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, 1 + KEY_VERSION_ID_BYTES).readUInt32BE(1);
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
