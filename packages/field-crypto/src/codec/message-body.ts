/**
 * The message body (specification: data-format/message-body.md and message-body-aad.md): the
 * frame IVs, the additional authenticated data of a frame, and the layout of the two body shapes
 * the codec handles, one final frame and the non-framed body.
 */
import { IV_LENGTH, MESSAGE_ID_LENGTH_V2, TAG_LENGTH } from './algorithm-suites';

/** The sequence number field value that marks a frame as the final frame. */
export const FINAL_FRAME_MARKER = 0xffffffff;
/** The single frame of a single-frame message is frame 1 (sequence numbers start at 1). */
export const FIRST_SEQUENCE_NUMBER = 1;
/**
 * GCM's limit for one key/IV pair is 2^36 - 32 bytes; the spec bounds a non-framed body by it.
 * Framed content lengths are uint32 and never reach it.
 */
const MAX_NON_FRAMED_CONTENT_LENGTH = 2 ** 36 - 32;

/** The "body AAD content" strings of the format. They cannot change: they are inside every tag. */
const FINAL_FRAME_AAD_LABEL = Buffer.from('AWSKMSEncryptionClient Final Frame', 'utf8');
const SINGLE_BLOCK_AAD_LABEL = Buffer.from('AWSKMSEncryptionClient Single Block', 'utf8');

/** Final frame: marker(4) sequence number(4) IV(12) content length(4), then content and tag. */
export const FINAL_FRAME_HEADER_LENGTH = 4 + 4 + IV_LENGTH + 4;
/** Non-framed body: IV(12) content length(8), then content and tag. */
const NON_FRAMED_HEADER_LENGTH = IV_LENGTH + 8;

/** A body the codec can decrypt, located inside the message. */
export interface SingleBlockBody {
  readonly kind: 'final-frame' | 'non-framed';
  readonly iv: Uint8Array;
  readonly contentStart: number;
  readonly contentLength: number;
  readonly sequenceNumber: number;
}

export type BodyReadFailure = 'truncated' | 'trailing-bytes' | 'sequence-number' | 'final-frame-too-long' | 'content-length';

/**
 * The IV of frame `sequenceNumber`: zeros followed by the sequence number, big-endian.
 * This is why a message id must never repeat under one data key: the IV does.
 */
export function frameIv(sequenceNumber: number): Buffer {
  const iv = Buffer.alloc(IV_LENGTH);
  iv.writeUInt32BE(sequenceNumber, IV_LENGTH - 4);
  return iv;
}

/**
 * Additional authenticated data of a frame: message id, label, sequence number (uint32) and content
 * length (uint64), all big-endian.
 */
export function bodyAad(
  messageId: Uint8Array,
  kind: SingleBlockBody['kind'],
  sequenceNumber: number,
  contentLength: number,
): Buffer {
  const label = kind === 'final-frame' ? FINAL_FRAME_AAD_LABEL : SINGLE_BLOCK_AAD_LABEL;
  const aad = Buffer.allocUnsafe(messageId.length + label.length + 4 + 8);
  aad.set(messageId, 0);
  let pos = messageId.length;
  pos += label.copy(aad, pos);
  pos = aad.writeUInt32BE(sequenceNumber, pos);
  // uint64: the high word is zero for every length a Buffer can hold below 2^32; split for the rest.
  pos = aad.writeUInt32BE(Math.floor(contentLength / 2 ** 32), pos);
  aad.writeUInt32BE(contentLength >>> 0, pos);
  return aad;
}

/**
 * The AAD of the final frame of a v2 message (32-byte message id), written into one reused scratch
 * buffer: only the message id and the content length change between messages. Safe because GCM's
 * setAAD consumes the bytes at once and every caller is synchronous; the buffer holds nothing
 * secret (the message id and length are in the clear in the message itself).
 *
 * @example
 * cipher.setAAD(finalFrameAadScratch(header.messageId, plaintext.length));
 */
export function finalFrameAadScratch(messageId: Uint8Array, contentLength: number): Buffer {
  FINAL_FRAME_AAD_V2.set(messageId, 0);
  FINAL_FRAME_AAD_V2.writeUInt32BE(Math.floor(contentLength / 2 ** 32), FINAL_FRAME_AAD_V2_LENGTH_OFFSET);
  FINAL_FRAME_AAD_V2.writeUInt32BE(contentLength >>> 0, FINAL_FRAME_AAD_V2_LENGTH_OFFSET + 4);
  return FINAL_FRAME_AAD_V2;
}

const FINAL_FRAME_AAD_V2 = bodyAad(new Uint8Array(MESSAGE_ID_LENGTH_V2), 'final-frame', FIRST_SEQUENCE_NUMBER, 0);
const FINAL_FRAME_AAD_V2_LENGTH_OFFSET = FINAL_FRAME_AAD_V2.length - 8;

/**
 * Locates the single block of ciphertext after the header: either the final frame that is the
 * whole body of a framed message, or a non-framed body. The message must end with its tag.
 */
export function readSingleBlockBody(
  message: Uint8Array,
  bodyStart: number,
  contentType: 'framed' | 'nonframed',
  frameLength: number,
): SingleBlockBody | BodyReadFailure {
  if (contentType === 'framed') {
    if (message.length < bodyStart + FINAL_FRAME_HEADER_LENGTH) return 'truncated';
    if (readUint32(message, bodyStart) !== FINAL_FRAME_MARKER) return 'sequence-number';
    const sequenceNumber = readUint32(message, bodyStart + 4);
    if (sequenceNumber !== FIRST_SEQUENCE_NUMBER) return 'sequence-number';
    const ivStart = bodyStart + 8;
    const contentLength = readUint32(message, ivStart + IV_LENGTH);
    if (contentLength > frameLength) return 'final-frame-too-long';
    const contentStart = bodyStart + FINAL_FRAME_HEADER_LENGTH;
    const failure = checkEnd(message, contentStart + contentLength + TAG_LENGTH);
    if (failure) return failure;
    return { kind: 'final-frame', iv: message.subarray(ivStart, ivStart + IV_LENGTH), contentStart, contentLength, sequenceNumber };
  }
  if (message.length < bodyStart + NON_FRAMED_HEADER_LENGTH) return 'truncated';
  const lengthStart = bodyStart + IV_LENGTH;
  const contentLength = readUint32(message, lengthStart) * 2 ** 32 + readUint32(message, lengthStart + 4);
  if (contentLength > MAX_NON_FRAMED_CONTENT_LENGTH) return 'content-length';
  const contentStart = bodyStart + NON_FRAMED_HEADER_LENGTH;
  const failure = checkEnd(message, contentStart + contentLength + TAG_LENGTH);
  if (failure) return failure;
  return {
    kind: 'non-framed',
    iv: message.subarray(bodyStart, lengthStart),
    contentStart,
    contentLength,
    sequenceNumber: FIRST_SEQUENCE_NUMBER,
  };
}

function checkEnd(message: Uint8Array, expectedEnd: number): BodyReadFailure | undefined {
  if (message.length < expectedEnd) return 'truncated';
  if (message.length > expectedEnd) return 'trailing-bytes';
  return undefined;
}

export function readUint32(bytes: Uint8Array, pos: number): number {
  return (
    ((bytes[pos] ?? 0) * 0x1000000 + (((bytes[pos + 1] ?? 0) << 16) | ((bytes[pos + 2] ?? 0) << 8) | (bytes[pos + 3] ?? 0))) >>> 0
  );
}
