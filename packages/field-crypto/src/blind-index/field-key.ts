/**
 * One HMAC key per field, derived from the index key. Two columns holding the same plaintext (a
 * user's email in `User.email` and `Invite.email`) then get unrelated indexes, so equal indexes never
 * reveal equal values across columns.
 */
import { hkdfSync } from 'node:crypto';
import type { FieldRef } from '../cipher/encryption-context';
import { BlindIndexError, BlindIndexErrorReason } from './errors';

/** Length of a field key: a full HMAC-SHA-256 key. */
export const FIELD_KEY_BYTES = 32;

/**
 * HKDF `info` prefix. It separates blind-index keys from anything else ever derived from the same
 * secret; changing it changes every index ever written.
 */
const INFO_LABEL = Buffer.from('prisma-kms blind index', 'utf8');

/** Node's HKDF refuses an `info` longer than 1024 bytes. */
const MAX_INFO_BYTES = 1024;

/**
 * HKDF-SHA-256(indexKey, salt = none, info = label || len(model) || model || len(field) || field), with
 * 4-byte big-endian lengths of the UTF-8 names so that ('ab', 'c') and ('a', 'bc') derive different keys.
 * Runs once per field and key version (the indexer caches the result), so hkdfSync's cost does not matter.
 *
 * @example
 * ```ts
 * const key = deriveFieldKey(indexKey, { model: 'User', field: 'email' }); // 32 bytes
 * ```
 */
export function deriveFieldKey(indexKey: Buffer, ref: FieldRef): Buffer {
  const info = Buffer.concat([INFO_LABEL, lengthPrefixed(ref.model), lengthPrefixed(ref.field)]);
  if (ref.model === '' || ref.field === '' || info.length > MAX_INFO_BYTES) {
    throw new BlindIndexError(BlindIndexErrorReason.INVALID_OPTIONS, 'a blind index needs a non-empty model and field name of reasonable length');
  }
  // The index key is already uniformly random, so HKDF's extract step needs no salt (RFC 5869 §3.1).
  return Buffer.from(hkdfSync('sha256', indexKey, Buffer.alloc(0), info, FIELD_KEY_BYTES));
}

function lengthPrefixed(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
