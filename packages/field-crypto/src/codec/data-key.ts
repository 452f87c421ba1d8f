/**
 * The plaintext data key as the materials hold it. On Node.js the SDK keeps it in a secret
 * KeyObject; raw bytes are accepted too. HKDF needs the key as HMAC input data, which a KeyObject
 * cannot be, so a KeyObject is exported for the duration of one call and the copy zeroed after.
 */
import { KeyObject } from 'node:crypto';
import type { AwsEsdkKeyObject } from '@aws-crypto/material-management-node';
import { CodecInputError } from './errors';

/** Bytes, or a secret KeyObject (the SDK types the latter as its own AwsEsdkKeyObject). */
export type DataKey = Uint8Array | KeyObject | AwsEsdkKeyObject;

/** The key's bytes: the caller's own array, or a temporary export to hand back to releaseDataKeyBytes. */
export function borrowDataKeyBytes(dataKey: DataKey, keyLength: number): Uint8Array {
  if (dataKey instanceof Uint8Array) {
    if (dataKey.length !== keyLength) throw new CodecInputError('data-key-length');
    return dataKey;
  }
  if (!(dataKey instanceof KeyObject) || dataKey.type !== 'secret' || dataKey.symmetricKeySize !== keyLength) {
    throw new CodecInputError('data-key-length');
  }
  return dataKey.export();
}

/** The data key as node:crypto's cipher functions accept it, after borrowDataKeyBytes' checks. */
export function asCipherKey(dataKey: DataKey): Uint8Array | KeyObject {
  return dataKey as Uint8Array | KeyObject;
}

/** Zeroes the temporary export of a KeyObject; leaves a caller's Uint8Array alone. */
export function releaseDataKeyBytes(dataKey: DataKey, bytes: Uint8Array): void {
  if (bytes !== dataKey) bytes.fill(0);
}
