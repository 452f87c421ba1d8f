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
import { serializeHeaderSections } from './header-writer';
import type { EncryptedDataKey } from './message-header';
import { FINAL_FRAME_HEADER_LENGTH, FINAL_FRAME_MARKER, FIRST_SEQUENCE_NUMBER, finalFrameAadScratch, frameIv } from './message-body';
import { deriveCommittingKeyBlockForEncrypt } from './key-derivation';
import { borrowDataKeyBytes, releaseDataKeyBytes, type DataKey } from './data-key';

/** The JavaScript SDK's default frame length; values up to it fit in one frame. */
export const DEFAULT_FRAME_LENGTH = 4096;
const MAX_FRAME_LENGTH = 0xffffffff;
const FRAMED_CONTENT_TYPE = 2;
const VERSION_2 = 2;
const HEADER_AUTH_IV = Buffer.alloc(IV_LENGTH);
const FIRST_FRAME_IV = frameIv(FIRST_SEQUENCE_NUMBER);
/** version(1) suite id(2) message id(32): where the context section starts. */
const SECTIONS_START = 1 + 2 + MESSAGE_ID_LENGTH_V2;
/** content type(1) frame length(4) commitment(32): from the end of the data keys to the header tag. */
const HEADER_TAIL_LENGTH = 1 + 4 + COMMITMENT_LENGTH;

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

/** What {@link prepareMessageHeader} needs: the parts of a header that are the same for every value of one data key. */
export type MessageHeaderInput = Pick<EncodeMessageInput, 'suiteId' | 'encryptedDataKeys' | 'encryptionContext' | 'frameLength'>;

/**
 * The parts of a v2 header that every message of one set of materials shares (suite, serialized
 * context and encrypted data keys, frame length), validated and serialized once. It holds no key
 * material and no per-message value: the message id, commitment and tags are computed per message.
 */
export interface MessageHeaderTemplate {
  readonly suite: AlgorithmSuite;
  /** The context and data key sections, byte for byte as the header stores them. Read-only. */
  readonly sections: Buffer;
  readonly frameLength: number;
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
  return encodeWithHeader(prepareMessageHeader(input), input.dataKey, input.plaintext, testOptions);
}

/**
 * Validates and serializes the header parts shared by every message of one set of materials. Keep
 * the result beside the materials (e.g. in a WeakMap keyed by them) and pass it to
 * {@link encodeWithHeader} for each value: only the message id, commitment and tags are then computed.
 *
 * @example
 * const header = prepareMessageHeader({ suiteId: 0x0478, encryptedDataKeys, encryptionContext });
 * const message = encodeWithHeader(header, dataKey, Buffer.from('Ada', 'utf8'));
 */
export function prepareMessageHeader(input: MessageHeaderInput): MessageHeaderTemplate {
  const suite = encryptSuite(input.suiteId);
  const frameLength = checkFrameLength(input.frameLength);
  const sections = serializeHeaderSections(input.encryptionContext, input.encryptedDataKeys);
  return Object.freeze({ suite, sections, frameLength });
}

/**
 * {@link encodeMessage} with the shared header parts already prepared: one allocation, the
 * sections copied in place, a fresh random message id, then the key derivation and both GCM passes.
 *
 * @example
 * const message = encodeWithHeader(prepareMessageHeader(materials), dataKey, plaintext);
 */
export function encodeWithHeader(
  header: MessageHeaderTemplate,
  dataKey: DataKey,
  plaintext: Uint8Array,
  testOptions?: EncodeMessageTestOptions,
): Buffer {
  const { suite, sections } = header;
  const length = plaintext.length;
  if (length > MAX_FRAME_LENGTH) throw new CodecInputError('plaintext-too-long');
  const frameLength = length > header.frameLength ? length : header.frameLength;

  const headerEnd = SECTIONS_START + sections.length + HEADER_TAIL_LENGTH;
  const commitmentStart = headerEnd - COMMITMENT_LENGTH;
  const bodyStart = headerEnd + TAG_LENGTH;
  const contentStart = bodyStart + FINAL_FRAME_HEADER_LENGTH;
  // Every byte is written below, so the uninitialized allocation never leaks old memory.
  const message = Buffer.allocUnsafe(contentStart + length + TAG_LENGTH);

  message[0] = VERSION_2;
  message.writeUInt16BE(suite.id, 1);
  const fixedId = testOptions?.unsafeFixedMessageIdForTests;
  if (fixedId) message.set(fixedId.subarray(0, MESSAGE_ID_LENGTH_V2), 3);
  else randomFillSync(message, 3, MESSAGE_ID_LENGTH_V2);
  sections.copy(message, SECTIONS_START);
  let pos = SECTIONS_START + sections.length;
  message[pos] = FRAMED_CONTENT_TYPE;
  message.writeUInt32BE(frameLength, pos + 1);
  const messageId = message.subarray(3, SECTIONS_START);

  const keyBytes = borrowDataKeyBytes(dataKey, suite.keyLength);
  let keyBlock: Buffer;
  try {
    keyBlock = deriveCommittingKeyBlockForEncrypt(suite, keyBytes, messageId, message, commitmentStart);
  } finally {
    releaseDataKeyBytes(dataKey, keyBytes);
  }
  try {
    const contentKey = keyBlock.subarray(0, suite.keyLength);
    const headerAuth = createCipheriv(suite.cipherName, contentKey, HEADER_AUTH_IV);
    headerAuth.setAAD(message.subarray(0, headerEnd));
    headerAuth.final();
    headerAuth.getAuthTag().copy(message, headerEnd);

    pos = message.writeUInt32BE(FINAL_FRAME_MARKER, bodyStart);
    pos = message.writeUInt32BE(FIRST_SEQUENCE_NUMBER, pos);
    pos += FIRST_FRAME_IV.copy(message, pos);
    message.writeUInt32BE(length, pos);

    const frame = createCipheriv(suite.cipherName, contentKey, FIRST_FRAME_IV);
    frame.setAAD(finalFrameAadScratch(messageId, length));
    if (length > 0) frame.update(plaintext).copy(message, contentStart);
    frame.final();
    frame.getAuthTag().copy(message, contentStart + length);
  } finally {
    keyBlock.fill(0);
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
