/**
 * The per-field key of compact values: one AES-256 key per key version and field, derived with HKDF.
 * Deriving per field (not per value) is safe because every value takes a fresh random 96-bit IV; the
 * price is GCM's random-IV limit of 2^32 values per key version and field (NIST SP 800-38D §8.3),
 * which `status` counts against and rotation resets.
 */
import { hkdfSync } from 'node:crypto';
import type { EncryptionContext } from '@aws-crypto/client-node';
import type { FieldRef } from '../cipher/encryption-context';

/** AES-256. */
export const FIELD_KEY_BYTES = 32;

/**
 * HKDF `info` label. It separates compact field keys from anything else derived from a key version
 * (blind-index keys use another label); changing it makes every compact value unreadable.
 */
export const FIELD_KEY_LABEL = 'prisma-kms compact v1 field key';

/** Node's HKDF refuses an `info` longer than 1024 bytes. */
export const MAX_FIELD_KEY_INFO_BYTES = 1024;

/**
 * The HKDF info of a field: label, then model, field and the static context pairs sorted by key (by
 * UTF-8 bytes), each as a 2-byte big-endian length and its UTF-8 bytes, after a 2-byte pair count.
 * Undefined when it would exceed {@link MAX_FIELD_KEY_INFO_BYTES} (the caller reports which field).
 *
 * @example
 * fieldKeyInfo({ model: 'User', field: 'email' }, { app: 'billing' });
 */
export function fieldKeyInfo(field: FieldRef, staticContext: Readonly<EncryptionContext>): Buffer | undefined {
  const pairs = Object.entries(staticContext)
    .map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const)
    .sort(([a], [b]) => Buffer.compare(a, b));
  const parts: Buffer[] = [Buffer.from(FIELD_KEY_LABEL, 'utf8'), prefixed(Buffer.from(field.model, 'utf8')), prefixed(Buffer.from(field.field, 'utf8'))];
  parts.push(uint16(pairs.length));
  for (const [k, v] of pairs) parts.push(prefixed(k), prefixed(v));
  const info = Buffer.concat(parts);
  return info.length > MAX_FIELD_KEY_INFO_BYTES ? undefined : info;
}

/**
 * HKDF-SHA-256(ikm = the key version's 32 bytes, salt = none, info, 32 bytes). The version key is
 * uniformly random, so the extract step needs no salt (RFC 5869 §3.1).
 *
 * @example
 * const key = deriveCompactFieldKey(versionKey, fieldKeyInfo(field, {})!);
 */
export function deriveCompactFieldKey(versionKey: Uint8Array, info: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', versionKey, Buffer.alloc(0), info, FIELD_KEY_BYTES));
}

function prefixed(bytes: Buffer): Buffer {
  return Buffer.concat([uint16(bytes.length), bytes]);
}

function uint16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(Math.min(n, 0xffff));
  return b;
}
