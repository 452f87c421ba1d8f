/**
 * Decrypts the message shapes a field value has (specification: client-apis/decrypt.md): a
 * non-signed message whose body is one final frame, or a non-framed body. Everything else
 * (signed suites, several frames) goes to the SDK's streaming `decrypt`.
 */
import { KeyObject, createDecipheriv } from 'node:crypto';
import { IV_LENGTH, TAG_LENGTH, findAlgorithmSuite, type AlgorithmSuite } from './algorithm-suites';
import { asCipherKey, borrowDataKeyBytes, releaseDataKeyBytes, type DataKey } from './data-key';
import { CodecInputError, MalformedMessageError, MessageAuthenticationError } from './errors';
import { deriveKeyForDecrypt, type ContentKey } from './key-derivation';
import type { MessageHeader } from './message-header';
import { bodyAad, finalFrameAadScratch, readSingleBlockBody } from './message-body';

/** v2 headers are authenticated under an all-zero IV (the key is unique to the message). */
const V2_HEADER_AUTH_IV = Buffer.alloc(IV_LENGTH);

/**
 * True when decodeMessage can decrypt this message itself: a suite without signature, and a body
 * that is a single final frame or non-framed (or is cut off before its first frame, which
 * decodeMessage reports as malformed). False means: use the SDK's decrypt.
 *
 * @example
 * const header = parseMessageHeader(bytes);
 * const plaintext = canDecodeFast(header) ? decodeMessage(bytes, header, dataKey) : await sdkDecrypt(bytes);
 */
export function canDecodeFast(header: MessageHeader): boolean {
  const suite = findAlgorithmSuite(header.suiteId);
  if (!suite || suite.signed || suite.keyDerivation === 'hkdf-sha384') return false;
  return header.bodyShape !== 'multi-frame';
}

/**
 * Decrypts a message whose header was parsed by parseMessageHeader. Verifies, in this order, the
 * key commitment (v2), the header authentication tag and the body's tag; throws
 * MalformedMessageError or MessageAuthenticationError, and CodecInputError when canDecodeFast is
 * false or the data key has the wrong length. The data key is read, never copied or kept; derived
 * keys are zeroed before returning.
 *
 * @example
 * const header = parseMessageHeader(bytes);
 * const material = await cmm.decryptMaterials({ suite, encryptionContext: header.encryptionContext, encryptedDataKeys });
 * const plaintext = decodeMessage(bytes, header, material.getUnencryptedDataKey());
 */
export function decodeMessage(message: Uint8Array, header: MessageHeader, dataKey: DataKey): Buffer {
  const suite = findAlgorithmSuite(header.suiteId);
  if (!suite || !canDecodeFast(header)) throw new CodecInputError('not-fast-decodable');
  if (!isHeaderOf(header, message)) throw new MalformedMessageError('header-mismatch');
  const body = readSingleBlockBody(message, header.headerLength, header.contentType, header.frameLength);
  if (typeof body === 'string') throw new MalformedMessageError(body);

  const key = deriveContentKey(suite, dataKey, header);
  if (!key) throw new MessageAuthenticationError('commitment-mismatch');
  try {
    // No `authTagLength` option: it costs about 0.4 µs per cipher, and every tag passed here is a
    // 16-byte view cut by the parser or readSingleBlockBody (never a truncated tag).
    // `header` was parsed from these very bytes (isHeaderOf), so its views are views of the message.
    const headerAuth = createDecipheriv(suite.cipherName, key.contentKey, header.version === 2 ? V2_HEADER_AUTH_IV : header.headerIv);
    headerAuth.setAAD(header.rawHeader);
    headerAuth.setAuthTag(header.headerAuthTag);
    try {
      headerAuth.final();
    } catch (cause) {
      throw new MessageAuthenticationError('header-auth-tag', { cause });
    }

    const contentEnd = body.contentStart + body.contentLength;
    const decipher = createDecipheriv(suite.cipherName, key.contentKey, body.iv);
    decipher.setAAD(
      header.version === 2 && body.kind === 'final-frame'
        ? finalFrameAadScratch(header.messageId, body.contentLength)
        : bodyAad(header.messageId, body.kind, body.sequenceNumber, body.contentLength),
    );
    decipher.setAuthTag(message.subarray(contentEnd, contentEnd + TAG_LENGTH));
    const plaintext =
      body.contentLength > 0 ? decipher.update(message.subarray(body.contentStart, contentEnd)) : Buffer.alloc(0);
    try {
      decipher.final();
    } catch (cause) {
      // The unauthenticated plaintext must not outlive the failed check.
      plaintext.fill(0);
      throw new MessageAuthenticationError('body-auth-tag', { cause });
    }
    return plaintext;
  } finally {
    key.wipe();
  }
}

function deriveContentKey(suite: AlgorithmSuite, dataKey: DataKey, header: MessageHeader): ContentKey | undefined {
  // Suites without a KDF take the data key as the AES key as it is, KeyObject included.
  if (suite.keyDerivation === 'none') {
    if (dataKey instanceof Uint8Array) borrowDataKeyBytes(dataKey, suite.keyLength);
    else if (!(dataKey instanceof KeyObject) || dataKey.symmetricKeySize !== suite.keyLength) {
      throw new CodecInputError('data-key-length');
    }
    return { contentKey: asCipherKey(dataKey), wipe: () => undefined };
  }
  const bytes = borrowDataKeyBytes(dataKey, suite.keyLength);
  try {
    return deriveKeyForDecrypt(suite, bytes, header.messageId, header.suiteData);
  } finally {
    releaseDataKeyBytes(dataKey, bytes);
  }
}

/**
 * The header must describe these very bytes: the cipher checks the encryption context of `header`,
 * so decrypting another message under it would bypass that check; and decodeMessage reads the
 * header's IV, tag and AAD through its views.
 */
function isHeaderOf(header: MessageHeader, message: Uint8Array): boolean {
  const raw = header.rawHeader;
  if (message.length < header.headerLength || raw.length > message.length) return false;
  if (raw.buffer === message.buffer && raw.byteOffset === message.byteOffset) return true;
  // Parsed from a copy: the copy's whole header, authentication fields included, must be these bytes.
  if (raw.byteOffset + header.headerLength > raw.buffer.byteLength) return false;
  const parsed = Buffer.from(raw.buffer, raw.byteOffset, header.headerLength);
  return Buffer.compare(parsed, message.subarray(0, header.headerLength)) === 0;
}
