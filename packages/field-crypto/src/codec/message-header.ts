/**
 * The message header: its parsed shape and the parser (specification: data-format/message-header.md).
 *
 * The parser is written by hand rather than with `@aws-crypto/serialize`'s deserializeFactory: the
 * SDK's version costs about 8 µs per header (DataView, copies, suite objects), a third of the whole
 * decrypt floor; this one reads bytes in place.
 */
import {
  COMMITMENT_LENGTH,
  IV_LENGTH,
  MESSAGE_ID_LENGTH_V1,
  MESSAGE_ID_LENGTH_V2,
  TAG_LENGTH,
  findAlgorithmSuite,
  type AlgorithmSuite,
} from './algorithm-suites';
import { MalformedMessageError, type MalformedReason } from './errors';
import { FINAL_FRAME_MARKER, readUint32 } from './message-body';

/** One data key, encrypted by one wrapping key. Structurally compatible with the SDK's EncryptedDataKey. */
export interface EncryptedDataKey {
  /** Names the keyring that wrapped the key, e.g. `aws-kms` or a raw keyring's namespace. */
  readonly providerId: string;
  /** The wrapping key (a KMS key ARN; for raw keyrings, binary info decoded as UTF-8 like the SDK does). */
  readonly providerInfo: string;
  readonly encryptedDataKey: Uint8Array;
  /** The provider info bytes exactly as stored; preferred over `providerInfo` when serializing. */
  readonly rawInfo?: Uint8Array;
}

/** What follows the header, as far as the codec needs to know. */
export type MessageBodyShape =
  /** Framed, and the first frame is the final frame: a single-frame message. */
  | 'single-final-frame'
  /** Framed with more than one frame. */
  | 'multi-frame'
  /** Non-framed body (written by some SDKs for v1 messages, never by the JavaScript SDK). */
  | 'non-framed'
  /** The bytes end before the first frame's sequence number: only the header is present. */
  | 'truncated';

export interface MessageHeader {
  readonly version: 1 | 2;
  readonly suiteId: number;
  /** A view into the message (16 bytes in v1, 32 bytes in v2). */
  readonly messageId: Uint8Array;
  /** Null-prototype, frozen. */
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly contentType: 'framed' | 'nonframed';
  readonly frameLength: number;
  /** Bytes from the start of the message up to and including the header authentication fields. */
  readonly headerLength: number;
  /** The header bytes the header authentication tag covers (a view into the message). */
  readonly rawHeader: Uint8Array;
  /** v2: the key commitment; v1: empty. A view into the message. */
  readonly suiteData: Uint8Array;
  /** The IV of the header authentication tag: stored in v1 messages, all zeros in v2. */
  readonly headerIv: Uint8Array;
  readonly headerAuthTag: Uint8Array;
  readonly bodyShape: MessageBodyShape;
  /** True for suites whose messages end with an ECDSA signature footer. */
  readonly signed: boolean;
}

const VERSION_1 = 1;
const VERSION_2 = 2;
/** v1 headers carry an object type byte; the format defines only "customer authenticated encrypted data". */
const OBJECT_TYPE_CUSTOMER_AE_DATA = 0x80;
const CONTENT_TYPE_NON_FRAMED = 1;
const CONTENT_TYPE_FRAMED = 2;
const EMPTY = new Uint8Array(0);
/** v2 headers are authenticated under an all-zero IV. Shared by every parsed v2 header: read-only. */
const V2_HEADER_IV = new Uint8Array(IV_LENGTH);

/**
 * Parses the header and the header authentication fields of a message; throws MalformedMessageError.
 * Pure and synchronous; the returned byte fields are views into `message`, except the encrypted
 * data keys, which are copied because callers keep them as cache keys.
 *
 * @example
 * const header = parseMessageHeader(Buffer.from(stored, 'base64'));
 * header.encryptionContext['prisma-kms:field']; // 'email'
 */
export function parseMessageHeader(message: Uint8Array): MessageHeader {
  const parsed = readMessageHeader(message);
  if (typeof parsed === 'string') throw new MalformedMessageError(parsed);
  return parsed;
}

/** The non-throwing parser behind parseMessageHeader: a header, or the reason it is not one. */
export function readMessageHeader(message: Uint8Array): MessageHeader | MalformedReason {
  const bytes = asBuffer(message);
  if (bytes.length < 1) return 'truncated';
  const version = bytes[0];
  if (version === VERSION_2) return readHeaderV2(bytes);
  if (version === VERSION_1) return readHeaderV1(bytes);
  return 'unknown-version';
}

function readHeaderV2(bytes: Buffer): MessageHeader | MalformedReason {
  // version(1) suiteId(2) messageId(32) ecLength(2)
  const fixedPrefix = 1 + 2 + MESSAGE_ID_LENGTH_V2 + 2;
  if (bytes.length < fixedPrefix) return 'truncated';
  const suite = findAlgorithmSuite(readUint16(bytes, 1));
  if (!suite) return 'unsupported-suite';
  if (suite.messageFormat !== 2) return 'suite-version-mismatch';
  const sections = readContextAndKeys(bytes, fixedPrefix - 2);
  if (typeof sections === 'string') return sections;
  let pos = sections.end;
  // contentType(1) frameLength(4) suiteData(32), then the header auth tag(16)
  const headerEnd = pos + 1 + 4 + COMMITMENT_LENGTH;
  const headerLength = headerEnd + TAG_LENGTH;
  if (bytes.length < headerLength) return 'truncated';
  const contentType = readContentType(bytes[pos]);
  if (!contentType) return 'unknown-content-type';
  pos += 1;
  const frameLength = readUint32(bytes, pos);
  pos += 4;
  return assembleHeader(bytes, suite, sections, {
    version: 2,
    messageId: bytes.subarray(3, 3 + MESSAGE_ID_LENGTH_V2),
    contentType,
    frameLength,
    headerEnd,
    headerLength,
    suiteData: bytes.subarray(pos, headerEnd),
    headerIv: V2_HEADER_IV,
  });
}

function readHeaderV1(bytes: Buffer): MessageHeader | MalformedReason {
  // version(1) type(1) suiteId(2) messageId(16) ecLength(2)
  const fixedPrefix = 1 + 1 + 2 + MESSAGE_ID_LENGTH_V1 + 2;
  if (bytes.length < fixedPrefix) return 'truncated';
  if (bytes[1] !== OBJECT_TYPE_CUSTOMER_AE_DATA) return 'unknown-object-type';
  const suite: AlgorithmSuite | undefined = findAlgorithmSuite(readUint16(bytes, 2));
  if (!suite) return 'unsupported-suite';
  if (suite.messageFormat !== 1) return 'suite-version-mismatch';
  const sections = readContextAndKeys(bytes, fixedPrefix - 2);
  if (typeof sections === 'string') return sections;
  let pos = sections.end;
  // contentType(1) reserved(4) ivLength(1) frameLength(4), then header IV(12) and tag(16)
  const headerEnd = pos + 1 + 4 + 1 + 4;
  const headerLength = headerEnd + IV_LENGTH + TAG_LENGTH;
  if (bytes.length < headerLength) return 'truncated';
  const contentType = readContentType(bytes[pos]);
  if (!contentType) return 'unknown-content-type';
  pos += 1;
  if (readUint32(bytes, pos) !== 0) return 'reserved-bytes';
  pos += 4;
  if (bytes[pos] !== IV_LENGTH) return 'header-iv-length';
  pos += 1;
  return assembleHeader(bytes, suite, sections, {
    version: 1,
    messageId: bytes.subarray(4, 4 + MESSAGE_ID_LENGTH_V1),
    contentType,
    frameLength: readUint32(bytes, pos),
    headerEnd,
    headerLength,
    suiteData: EMPTY,
    headerIv: bytes.subarray(headerEnd, headerEnd + IV_LENGTH),
  });
}

/** What each version's layout decides; everything else in a MessageHeader follows from it. */
interface HeaderLayout {
  readonly version: 1 | 2;
  readonly messageId: Uint8Array;
  readonly contentType: 'framed' | 'nonframed';
  readonly frameLength: number;
  /** End of the bytes the header tag covers; the (v1) IV and the tag follow. */
  readonly headerEnd: number;
  /** End of the header authentication fields, whose last TAG_LENGTH bytes are the tag. */
  readonly headerLength: number;
  readonly suiteData: Uint8Array;
  readonly headerIv: Uint8Array;
}

function assembleHeader(bytes: Buffer, suite: AlgorithmSuite, sections: ContextAndKeys, layout: HeaderLayout): MessageHeader {
  const { contentType, headerEnd, headerLength } = layout;
  return {
    version: layout.version,
    suiteId: suite.id,
    messageId: layout.messageId,
    encryptionContext: sections.encryptionContext,
    encryptedDataKeys: sections.encryptedDataKeys,
    contentType,
    frameLength: layout.frameLength,
    headerLength,
    rawHeader: bytes.subarray(0, headerEnd),
    suiteData: layout.suiteData,
    headerIv: layout.headerIv,
    headerAuthTag: bytes.subarray(headerLength - TAG_LENGTH, headerLength),
    bodyShape: readBodyShape(bytes, contentType, headerLength),
    signed: suite.signed,
  };
}

interface ContextAndKeys {
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** Position just after the encrypted data keys. */
  readonly end: number;
}

/**
 * Every value written under one cached data key carries the same context and data key sections,
 * byte for byte, so their decoding is memoized: a hit costs a short Map lookup and one memcmp
 * instead of UTF-8 decoding, copies and frozen objects (about 1 µs, most of a parse). The memo key
 * is the sections' last 6 bytes as a number (the tail of an encrypted data key, which is random; a
 * number hashes faster than a string), and a hit is confirmed by comparing every byte, so a
 * collision only costs a re-decode. Bounded: emptied when full.
 *
 * Consequence for callers: messages of one data key share the same frozen `encryptionContext`
 * and `encryptedDataKeys` objects (identity can key a WeakMap); the EDK byte arrays are shared
 * too and must be treated as read-only.
 */
const SECTION_MEMO_LIMIT = 1024;
const SECTION_MEMO_MAX_BYTES = 8192;
/** 48 bits: the most Buffer#readUIntBE reads into an exact JavaScript number. */
const SECTION_MEMO_TAIL = 6;
interface MemoizedSections {
  readonly bytes: Buffer;
  readonly sections: ContextAndKeys;
}
const sectionMemo = new Map<number, MemoizedSections>();

/** The two variable-length sections both versions share, starting at the context length field. */
function readContextAndKeys(bytes: Buffer, start: number): ContextAndKeys | MalformedReason {
  const end = sectionsEnd(bytes, start);
  if (end < 0 || end - start > SECTION_MEMO_MAX_BYTES || end - start < SECTION_MEMO_TAIL) return decodeContextAndKeys(bytes, start);
  const memoKey = bytes.readUIntBE(end - SECTION_MEMO_TAIL, SECTION_MEMO_TAIL);
  const memoized = sectionMemo.get(memoKey);
  if (memoized && bytes.compare(memoized.bytes, 0, memoized.bytes.length, start, end) === 0) {
    // Same bytes at the same offset (the usual case: same version) share the memoized object whole.
    return memoized.sections.end === end ? memoized.sections : { ...memoized.sections, end };
  }
  const sections = decodeContextAndKeys(bytes, start);
  if (typeof sections === 'string') return sections;
  if (sectionMemo.size >= SECTION_MEMO_LIMIT) sectionMemo.clear();
  const copy = Buffer.allocUnsafeSlow(end - start);
  bytes.copy(copy, 0, start, end);
  sectionMemo.set(memoKey, { bytes: copy, sections });
  return sections;
}

/** Where the data key section ends, found by walking the length fields only; -1 if cut short. */
function sectionsEnd(bytes: Buffer, start: number): number {
  const contextEnd = start + 2 + readUint16(bytes, start);
  if (bytes.length < contextEnd + 2) return -1;
  const keyCount = readUint16(bytes, contextEnd);
  let pos = contextEnd + 2;
  for (let i = 0; i < keyCount * 3; i++) {
    pos = readFieldEnd(bytes, pos);
    if (pos < 0) return -1;
  }
  return pos;
}

function decodeContextAndKeys(bytes: Buffer, start: number): ContextAndKeys | MalformedReason {
  const contextLength = readUint16(bytes, start);
  const contextStart = start + 2;
  const contextEnd = contextStart + contextLength;
  if (bytes.length < contextEnd) return 'truncated';
  const encryptionContext = readEncryptionContext(bytes, contextStart, contextEnd);
  if (typeof encryptionContext === 'string') return encryptionContext;

  if (bytes.length < contextEnd + 2) return 'truncated';
  const keyCount = readUint16(bytes, contextEnd);
  if (keyCount === 0) return 'no-encrypted-data-keys';
  const encryptedDataKeys: EncryptedDataKey[] = new Array<EncryptedDataKey>(keyCount);
  let pos = contextEnd + 2;
  for (let i = 0; i < keyCount; i++) {
    const providerIdEnd = readFieldEnd(bytes, pos);
    if (providerIdEnd < 0) return 'truncated';
    const providerInfoEnd = readFieldEnd(bytes, providerIdEnd);
    if (providerInfoEnd < 0) return 'truncated';
    const keyEnd = readFieldEnd(bytes, providerInfoEnd);
    if (keyEnd < 0) return 'truncated';
    // Copies: callers keep these as cache keys, and a view would pin the whole (often pooled) buffer.
    encryptedDataKeys[i] = Object.freeze({
      providerId: bytes.toString('utf8', pos + 2, providerIdEnd),
      providerInfo: bytes.toString('utf8', providerIdEnd + 2, providerInfoEnd),
      encryptedDataKey: new Uint8Array(bytes.subarray(providerInfoEnd + 2, keyEnd)),
      rawInfo: new Uint8Array(bytes.subarray(providerIdEnd + 2, providerInfoEnd)),
    });
    pos = keyEnd;
  }
  return { encryptionContext, encryptedDataKeys: Object.freeze(encryptedDataKeys), end: pos };
}

/**
 * Reads the encryption context section. An empty context is a zero length with no count; a present
 * one is a pair count followed by length-prefixed UTF-8 keys and values that fill the section exactly.
 */
function readEncryptionContext(
  bytes: Buffer,
  start: number,
  end: number,
): Readonly<Record<string, string>> | MalformedReason {
  const context: Record<string, string> = Object.create(null) as Record<string, string>;
  if (start === end) return Object.freeze(context);
  if (end - start < 2) return 'encryption-context';
  const pairCount = readUint16(bytes, start);
  let pos = start + 2;
  for (let i = 0; i < pairCount; i++) {
    const keyEnd = readFieldEnd(bytes, pos, end);
    if (keyEnd < 0) return 'encryption-context';
    const valueEnd = readFieldEnd(bytes, keyEnd, end);
    if (valueEnd < 0) return 'encryption-context';
    const key = bytes.toString('utf8', pos + 2, keyEnd);
    if (context[key] !== undefined) return 'duplicate-encryption-context-key';
    context[key] = bytes.toString('utf8', keyEnd + 2, valueEnd);
    pos = valueEnd;
  }
  if (pos !== end) return 'encryption-context';
  return Object.freeze(context);
}

/** End of the uint16-length-prefixed field at `pos`, or -1 when it does not fit before `limit`. */
function readFieldEnd(bytes: Buffer, pos: number, limit: number = bytes.length): number {
  if (pos + 2 > limit) return -1;
  const end = pos + 2 + readUint16(bytes, pos);
  return end > limit ? -1 : end;
}

function readContentType(value: number | undefined): 'framed' | 'nonframed' | undefined {
  if (value === CONTENT_TYPE_FRAMED) return 'framed';
  if (value === CONTENT_TYPE_NON_FRAMED) return 'nonframed';
  return undefined;
}

function readBodyShape(bytes: Buffer, contentType: 'framed' | 'nonframed', bodyStart: number): MessageBodyShape {
  if (contentType === 'nonframed') return 'non-framed';
  if (bytes.length < bodyStart + 4) return 'truncated';
  return readUint32(bytes, bodyStart) === FINAL_FRAME_MARKER ? 'single-final-frame' : 'multi-frame';
}

function readUint16(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] ?? 0) << 8) | (bytes[pos + 1] ?? 0);
}

/** A Buffer view of the same memory (no copy), for Buffer's UTF-8 decoding. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
