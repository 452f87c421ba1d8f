/**
 * Stored values are base64 text. This module tells a stored Encryption SDK message from plaintext
 * by decoding strictly and parsing the header, never by guessing from characters.
 */
import { findAlgorithmSuite } from './algorithm-suites';
import type { MalformedReason } from './errors';
import { readSingleBlockBody } from './message-body';
import { readMessageHeader, type MessageHeader } from './message-header';

/** Standard alphabet with padding, as every Encryption SDK and the AWS CLI write it. */
const STRICT_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/**
 * Both message versions start with byte 0x01 or 0x02, whose top six bits are zero: the first base64
 * character of any message is 'A'. Checking it first makes plaintext rejection almost free.
 */
const FIRST_CHARACTER = 'A';
/**
 * The shortest possible header is a v1 header with no context and one empty data key: 22 fixed
 * bytes, 8 for the key section, 10 after it and 28 of header auth = 68 bytes = 92 base64 characters.
 */
const MIN_MESSAGE_BASE64_LENGTH = 92;

/** A stored value that is a message: its bytes and parsed header. */
export interface StoredMessage {
  readonly message: Buffer;
  readonly header: MessageHeader;
}

/**
 * Decodes and parses a stored base64 value; undefined when it is not an Encryption SDK message
 * (not strict, canonical base64, or no valid header). Exception-free.
 *
 * @example
 * const stored = readStoredMessage(row.email);
 * if (stored && canDecodeFast(stored.header)) decodeMessage(stored.message, stored.header, dataKey);
 */
export function readStoredMessage(value: string): StoredMessage | undefined {
  if (typeof value !== 'string' || value.length < MIN_MESSAGE_BASE64_LENGTH || value.length % 4 !== 0) return undefined;
  if (value[0] !== FIRST_CHARACTER || !STRICT_BASE64.test(value) || !hasCanonicalPadding(value)) return undefined;
  const message = Buffer.from(value, 'base64');
  const header = readMessageHeader(message);
  return typeof header === 'string' ? undefined : { message, header };
}

/**
 * Cheap, exception-free: is this string a base64 Encryption SDK message (strict base64 whose
 * header, including the header authentication fields, parses)? It does not decrypt anything, so a
 * true answer says "this is ciphertext", not "this is authentic".
 *
 * @example
 * isEncryptedMessage('Ada'); // false
 * isEncryptedMessage(await cipher.encrypt('Ada', field)); // true
 */
export function isEncryptedMessage(value: string): boolean {
  return readStoredMessage(value) !== undefined;
}

/** Why a value that starts like a message is not one. */
export type DamagedMessageReason =
  | MalformedReason
  /** Base64 characters only, but cut short of a whole 4-character group (a truncated column?). */
  | 'base64-length'
  /** Padding that is misplaced or not canonical. */
  | 'base64-padding';

/** What a stored string is: plaintext, a parsed message, or a message that is damaged. */
export type StoredValueClass =
  | { readonly kind: 'plaintext' }
  | ({ readonly kind: 'message' } & StoredMessage)
  | { readonly kind: 'malformed'; readonly reason: DamagedMessageReason };

const PLAINTEXT: StoredValueClass = Object.freeze({ kind: 'plaintext' });
/** Base64 alphabet with any '=' at all: the padding is checked separately. */
const BASE64_LOOSE = /^[A-Za-z0-9+/]+=*$/;
/** Decoding 8 characters gives 6 bytes: enough for version, type and suite id of both versions. */
const PREFIX_CHARACTERS = 8;
const V1_OBJECT_TYPE = 0x80;

/**
 * Classifies a stored string, exception-free. The rule for `malformed`: the value is made of base64
 * characters only, and its first bytes are those of a message (version 2 and a v2 suite id, or
 * version 1, type 0x80 and a v1 suite id), yet it does not parse as one: header or single-frame
 * body cut short or corrupt, trailing bytes, bad padding, or a length that is not a whole number
 * of base64 groups. A real plaintext practically never looks like that: it would have to be
 * base64 text that begins `AgR4`/`AgV4` (v2) or `AYAA`..`AYAD` followed by a v1 suite. A value that
 * is `malformed` must never be treated as plaintext (encrypted again, or returned as data).
 *
 * The plaintext path is cheap: most strings are rejected on their first two characters.
 *
 * @example
 * classifyStoredValue('Ada').kind;                      // 'plaintext'
 * classifyStoredValue(stored).kind;                     // 'message'
 * classifyStoredValue(stored.slice(0, 200)).kind;       // 'malformed'
 */
export function classifyStoredValue(value: string): StoredValueClass {
  if (typeof value !== 'string' || !startsLikeMessage(value)) return PLAINTEXT;
  if (!BASE64_LOOSE.test(value)) return PLAINTEXT;
  if (value.length % 4 !== 0) return damaged('base64-length');
  const padding = value.length - value.replace(/=+$/, '').length;
  if (padding > 2 || !hasCanonicalPadding(value)) return damaged('base64-padding');
  if (value.length < MIN_MESSAGE_BASE64_LENGTH) return damaged('truncated');
  const message = Buffer.from(value, 'base64');
  const header = readMessageHeader(message);
  if (typeof header === 'string') return damaged(header);
  if (header.bodyShape === 'truncated') return damaged('truncated');
  if (header.bodyShape !== 'multi-frame' && !header.signed) {
    // A single block is laid out by its header alone: check it is whole, no more, no less. (Signed
    // messages end with a signature footer, and several frames need a walk: the SDK checks those.)
    const body = readSingleBlockBody(message, header.headerLength, header.contentType, header.frameLength);
    if (typeof body === 'string') return damaged(body);
  }
  return { kind: 'message', message, header };
}

function damaged(reason: DamagedMessageReason): StoredValueClass {
  return { kind: 'malformed', reason };
}

/** True when the first characters decode to a message's version, type and suite id. */
function startsLikeMessage(value: string): boolean {
  // 'Ag' = 0x02 then 0b0000xx..; 'AY' = 0x01 then 0b1000.. (type 0x80). Anything else is plaintext.
  if (value.length < 4 || value.charCodeAt(0) !== 0x41 /* A */) return false;
  const second = value.charCodeAt(1);
  if (second !== 0x67 /* g */ && second !== 0x59 /* Y */) return false;
  const prefix = Buffer.from(value.slice(0, PREFIX_CHARACTERS), 'base64');
  if (prefix[0] === 2 && prefix.length >= 3) return findAlgorithmSuite(readUint16(prefix, 1))?.messageFormat === 2;
  if (prefix[0] === 1 && prefix.length >= 4 && prefix[1] === V1_OBJECT_TYPE) {
    return findAlgorithmSuite(readUint16(prefix, 2))?.messageFormat === 1;
  }
  return false;
}

function readUint16(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] ?? 0) << 8) | (bytes[pos + 1] ?? 0);
}

const BASE64_VALUES = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/**
 * Canonical base64 has zero bits after the last byte: with '==' the last data character keeps 2
 * bits (low 4 zero), with '=' it keeps 4 bits (low 2 zero). Node's decoder ignores those bits, so
 * without this check two different strings would decode to the same message.
 */
export function hasCanonicalPadding(value: string): boolean {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  if (padding === 0) return true;
  const last = BASE64_VALUES.get(value[value.length - 1 - padding] ?? '') ?? 0;
  return (last & (padding === 2 ? 0x0f : 0x03)) === 0;
}
