import { createHash } from 'node:crypto';
import { serializeFactory, uInt16BE } from '@aws-crypto/serialize';
import type { EncryptedDataKey, EncryptionContext } from '@aws-crypto/client-node';

/**
 * Synchronous cache keys, built the way the SDK's caching materials manager builds them
 * (`build_cryptographic_materials_cache_key_helpers`) but with `node:crypto`'s synchronous SHA-512, so a
 * warm encrypt or decrypt never has to await a hash.
 *
 *   encrypt: SHA-512( SHA-512(partition) || 0x01 || suiteId || SHA-512(context) )
 *   decrypt: SHA-512( SHA-512(partition) || suiteId || sorted(SHA-512(edk_i)) || 64 zero bytes || SHA-512(context) )
 *
 * The context is serialized as in the message header (sorted by UTF-8 bytes, without the length prefix).
 */

/** The SDK pads between the EDK hashes and the context hash with 512 zero bits. */
const BIT_PAD_512 = Buffer.alloc(64);
const SUITE_PRESENT = Buffer.from([1]);

const { serializeEncryptionContext, serializeEncryptedDataKey } = serializeFactory(
  (input: string) => Buffer.from(input, 'utf8'),
  { utf8Sorting: true },
);

export function partitionHash(partition: string): Buffer {
  return sha512(Buffer.from(partition, 'utf8'));
}

export function encryptionCacheKey(partition: Buffer, suiteId: number, context: EncryptionContext): string {
  return createHash('sha512')
    .update(partition)
    .update(SUITE_PRESENT)
    .update(uInt16BE(suiteId))
    .update(contextHash(context))
    .digest('base64');
}

export function decryptionCacheKey(
  partition: Buffer,
  suiteId: number,
  encryptedDataKeys: ReadonlyArray<Pick<EncryptedDataKey, 'providerId' | 'providerInfo' | 'encryptedDataKey' | 'rawInfo'>>,
  context: EncryptionContext,
): string {
  const hash = createHash('sha512').update(partition).update(uInt16BE(suiteId));
  const edkHashes = encryptedDataKeys.map((edk) => sha512(serializeEncryptedDataKey(edk)));
  edkHashes.sort(Buffer.compare);
  for (const edkHash of edkHashes) hash.update(edkHash);
  return hash.update(BIT_PAD_512).update(contextHash(context)).digest('base64');
}

/**
 * The decrypt cache key of a message whose header we parsed ourselves: one SHA-512 over the header's own
 * serialization of the context and the EDKs (length-prefixed, so it identifies both exactly). A third of
 * the cost of the SDK-shaped key above, which re-serializes and hashes every part separately. The marker
 * byte keeps these keys apart from the SDK-shaped ones.
 */
export function decryptionCacheKeyOfHeader(partition: Buffer, suiteId: number, contextAndKeys: Uint8Array): string {
  return createHash('sha512').update(partition).update(HEADER_SECTION_MARKER).update(uInt16BE(suiteId)).update(contextAndKeys).digest('base64');
}

const HEADER_SECTION_MARKER = Buffer.from([2]);

function contextHash(context: EncryptionContext): Buffer {
  return sha512(serializeEncryptionContext(context).subarray(2));
}

function sha512(data: Uint8Array): Buffer {
  return createHash('sha512').update(data).digest();
}
