/**
 * Writes one value as one v2 Encryption SDK message with a single final frame
 * (specification: client-apis/encrypt.md), synchronously, into one buffer:
 * header, header authentication tag, final frame header, ciphertext, frame tag.
 */
import { createCipheriv, randomFillSync } from 'node:crypto';
import {
  COMMITMENT_LENGTH,
  COMMITTING_SUITE_ID,
  IV_LENGTH,
  MESSAGE_ID_LENGTH_V2,
  TAG_LENGTH,
  findAlgorithmSuite,
  type AlgorithmSuite,
} from './algorithm-suites';
import { CodecInputError } from './errors';
import { measureEncryptedDataKeys, measureEncryptionContext } from './header-writer';
import type { EncryptedDataKey } from './message-header';
import { FINAL_FRAME_HEADER_LENGTH, FINAL_FRAME_MARKER, FIRST_SEQUENCE_NUMBER, bodyAad, frameIv } from './message-body';
import { deriveCommittingKeyForEncrypt, type ContentKey } from './key-derivation';
import { borrowDataKeyBytes, releaseDataKeyBytes, type DataKey } from './data-key';

/** The JavaScript SDK's default frame length; values up to it fit in one frame. */
export const DEFAULT_FRAME_LENGTH = 4096;
const MAX_FRAME_LENGTH = 0xffffffff;
const FRAMED_CONTENT_TYPE = 2;
const VERSION_2 = 2;
const HEADER_AUTH_IV = Buffer.alloc(IV_LENGTH);
const FIRST_FRAME_IV = frameIv(FIRST_SEQUENCE_NUMBER);

export interface EncodeMessageInput {
  /** Only 0x0478 (ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY) is written. */
  readonly suiteId: number;
  /**
   * The plaintext data key from the materials (`material.getUnencryptedDataKey()`: a secret
   * KeyObject on Node.js, or bytes). Never kept; a KeyObject is exported for the call and the copy zeroed.
   */
  readonly dataKey: DataKey;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** The materials' encryption context (what the header stores and every tag covers). */
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly plaintext: Uint8Array;
  /**
   * The header's frame length (default 4096). A longer plaintext still gets a single frame: the
   * header then records the plaintext's length as the frame length, which every SDK accepts.
   */
  readonly frameLength?: number;
}

/**
 * Test-only: lets a test fix the message id to build known-answer vectors. Production code must
 * never pass it: a message id repeated under one data key repeats the frame's GCM nonce.
 */
export interface EncodeMessageTestOptions {
  readonly unsafeFixedMessageIdForTests?: Uint8Array;
}

/**
 * Encrypts one value into one v2 single-frame message, byte-compatible with the AWS Encryption
 * SDK. The 32-byte message id comes fresh from the CSPRNG (crypto.randomFillSync) on every call.
 *
 * @example
 * const material = await cmm.getEncryptionMaterials({ suite, encryptionContext, commitmentPolicy });
 * const message = encodeMessage({
 *   suiteId: 0x0478,
 *   dataKey: material.getUnencryptedDataKey(),
 *   encryptedDataKeys: material.encryptedDataKeys,
 *   encryptionContext: material.encryptionContext,
 *   plaintext: Buffer.from('Ada', 'utf8'),
 * });
 * const stored = message.toString('base64');
 */
export function encodeMessage(input: EncodeMessageInput, testOptions?: EncodeMessageTestOptions): Buffer {
  const suite = encryptSuite(input.suiteId);
  const { plaintext } = input;
  if (plaintext.length > MAX_FRAME_LENGTH) throw new CodecInputError('plaintext-too-long');
  const frameLength = Math.max(checkFrameLength(input.frameLength), plaintext.length);

  const context = measureEncryptionContext(input.encryptionContext);
  const keys = measureEncryptedDataKeys(input.encryptedDataKeys);
  // version(1) suite(2) message id(32) context keys contentType(1) frameLength(4) commitment(32)
  const headerEnd = 1 + 2 + MESSAGE_ID_LENGTH_V2 + context.length + keys.length + 1 + 4 + COMMITMENT_LENGTH;
  const bodyStart = headerEnd + TAG_LENGTH;
  const contentStart = bodyStart + FINAL_FRAME_HEADER_LENGTH;
  // Every byte is written below, so the uninitialized allocation never leaks old memory.
  const message = Buffer.allocUnsafe(contentStart + plaintext.length + TAG_LENGTH);

  let pos = message.writeUInt8(VERSION_2, 0);
  pos = message.writeUInt16BE(suite.id, pos);
  const messageId = message.subarray(pos, pos + MESSAGE_ID_LENGTH_V2);
  if (testOptions?.unsafeFixedMessageIdForTests) messageId.set(testOptions.unsafeFixedMessageIdForTests);
  else randomFillSync(messageId);
  pos += MESSAGE_ID_LENGTH_V2;
  pos = context.write(message, pos);
  pos = keys.write(message, pos);
  pos = message.writeUInt8(FRAMED_CONTENT_TYPE, pos);
  pos = message.writeUInt32BE(frameLength, pos);
  const commitment = message.subarray(pos, headerEnd);

  const dataKey = borrowDataKeyBytes(input.dataKey, suite.keyLength);
  let key: ContentKey;
  try {
    key = deriveCommittingKeyForEncrypt(suite, dataKey, messageId, commitment);
  } finally {
    releaseDataKeyBytes(input.dataKey, dataKey);
  }
  try {
    const headerAuth = createCipheriv(suite.cipherName, key.contentKey, HEADER_AUTH_IV, { authTagLength: TAG_LENGTH });
    headerAuth.setAAD(message.subarray(0, headerEnd));
    headerAuth.final();
    headerAuth.getAuthTag().copy(message, headerEnd);

    pos = message.writeUInt32BE(FINAL_FRAME_MARKER, bodyStart);
    pos = message.writeUInt32BE(FIRST_SEQUENCE_NUMBER, pos);
    pos += FIRST_FRAME_IV.copy(message, pos);
    message.writeUInt32BE(plaintext.length, pos);

    const frame = createCipheriv(suite.cipherName, key.contentKey, FIRST_FRAME_IV, { authTagLength: TAG_LENGTH });
    frame.setAAD(bodyAad(messageId, 'final-frame', FIRST_SEQUENCE_NUMBER, plaintext.length));
    const ciphertext = frame.update(plaintext);
    ciphertext.copy(message, contentStart);
    const tail = frame.final();
    tail.copy(message, contentStart + ciphertext.length);
    frame.getAuthTag().copy(message, contentStart + plaintext.length);
  } finally {
    key.wipe();
  }
  return message;
}

function encryptSuite(suiteId: number): AlgorithmSuite {
  // Only the committing, non-signing suite: v1 suites are legacy, and signing would need the footer.
  const suite = suiteId === COMMITTING_SUITE_ID ? findAlgorithmSuite(suiteId) : undefined;
  if (!suite) throw new CodecInputError('unsupported-encrypt-suite');
  return suite;
}

function checkFrameLength(frameLength: number | undefined): number {
  if (frameLength === undefined) return DEFAULT_FRAME_LENGTH;
  if (!Number.isInteger(frameLength) || frameLength < 1 || frameLength > MAX_FRAME_LENGTH) {
    throw new CodecInputError('frame-length');
  }
  return frameLength;
}
