/**
 * Stored values are base64 text. This module tells a stored Encryption SDK message from plaintext
 * by decoding strictly and parsing the header, never by guessing from characters.
 */
import { findAlgorithmSuite } from './algorithm-suites';
import type { MalformedReason } from './errors';
import { readSingleBlockBody } from './message-body';
import { readMessageHeader, type MessageHeader } from './message-header';

/**
 * The shortest possible header is a v1 header with no context and one empty data key: 22 fixed
 * bytes, 8 for the key section, 10 after it and 28 of header auth = 68 bytes = 92 base64 characters.
 * It is also the length from which a string of base64 characters counts as a (damaged) message.
 */
const MIN_MESSAGE_BASE64_LENGTH = 92;

/** A stored value that is a message: its bytes and parsed header. */
export interface StoredMessage {
  readonly message: Buffer;
  readonly header: MessageHeader;
}

/**
 * Decodes and parses a stored base64 value; undefined when it is not an Encryption SDK message
 * (not canonical base64, or no valid header). Exception-free, and O(1) in the value's length apart
 * from the one base64 decode.
 *
 * @example
 * const stored = readStoredMessage(row.email);
 * if (stored && canDecodeFast(stored.header)) decodeMessage(stored.message, stored.header, dataKey);
 */
export function readStoredMessage(value: string): StoredMessage | undefined {
  if (typeof value !== 'string' || value.length < MIN_MESSAGE_BASE64_LENGTH || !startsLikeMessage(value)) return undefined;
  const message = decodeBase64(value);
  if (typeof message === 'string') return undefined;
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

/** Why a value that is or resembles a message is not one. */
export type DamagedMessageReason =
  | MalformedReason
  /** Base64 characters only, but cut short of a whole 4-character group (a truncated column?). */
  | 'base64-length'
  /** Padding that is misplaced or not canonical. */
  | 'base64-padding'
  /** Starts like a message, but holds characters outside the base64 alphabet (an inserted space or line break?). */
  | 'base64-characters'
  /** A message or a damaged one with white space before or after it (an edit, or a trailing newline). */
  | 'whitespace';

/** What a stored string is: plaintext, a parsed message, or a message that is damaged. */
export type StoredValueClass =
  | { readonly kind: 'plaintext' }
  | ({ readonly kind: 'message' } & StoredMessage)
  | { readonly kind: 'malformed'; readonly reason: DamagedMessageReason };

const PLAINTEXT: StoredValueClass = Object.freeze({ kind: 'plaintext' });
/** Decoding 8 characters gives 6 bytes: enough for version, type and suite id of both versions. */
const PREFIX_CHARACTERS = 8;
/** How many characters at each end of a long value are sampled before it is decoded as base64. */
const SUFFIX_CHARACTERS = 4;
const V1_OBJECT_TYPE = 0x80;

/**
 * Classifies a stored string, exception-free. A value is `malformed` (never plaintext: not to be
 * encrypted again nor returned as data) when it is not a message but
 * - its first bytes are those of a message (version 2 and a v2 suite id, or version 1, type 0x80 and
 *   a v1 suite id): cut short, corrupt, trailing bytes, bad padding, a length that is not a whole
 *   number of base64 groups, or (from 92 characters on) a stray non-base64 character; or
 * - it is at least as long as the shortest message (92 characters) and every character is from the
 *   base64 alphabet: a message whose version or suite bytes were changed looks like this, and so
 *   does a long base64 token stored as plaintext (which `prisma-kms encrypt --encrypt-malformed`
 *   then encrypts on purpose); or
 * - it is one of the above, or a whole message, with white space before or after it.
 *
 * Cost: O(1) in the value's length apart from one base64 decode with a length check (the decode the
 * decrypt needs anyway): no regular expression runs over the value. Prose is rejected on its first
 * characters without decoding. Node's decoder also takes the URL-safe alphabet ('-', '_'); a value
 * written so decodes to the very bytes of the message, whose tags still authenticate it.
 *
 * @example
 * classifyStoredValue('Ada').kind;                      // 'plaintext'
 * classifyStoredValue(stored).kind;                     // 'message'
 * classifyStoredValue(stored.slice(0, 200)).kind;       // 'malformed'
 * classifyStoredValue(`${stored}\n`).kind;              // 'malformed' ('whitespace')
 */
export function classifyStoredValue(value: string): StoredValueClass {
  if (typeof value !== 'string' || value.length === 0) return PLAINTEXT;
  const core = hasOuterWhitespace(value) ? value.trim() : value;
  const result = classifyTrimmed(core);
  return core !== value && result.kind !== 'plaintext' ? damaged('whitespace') : result;
}

function classifyTrimmed(value: string): StoredValueClass {
  const likeMessage = startsLikeMessage(value);
  if (!likeMessage && !(value.length >= MIN_MESSAGE_BASE64_LENGTH && endsLookLikeBase64(value))) return PLAINTEXT;
  // A short text that starts like a message ('AgR4QUJD 1000') is not one edit away from any message. The
  // decoder's length check can miss one stray character (13 characters that decode as 12 give the same
  // byte count), so below a message's length the characters are scanned: at most 91 of them.
  if (value.length < MIN_MESSAGE_BASE64_LENGTH && !isBase64Text(value)) return PLAINTEXT;
  const message = decodeBase64(value);
  // Base64-looking ends with text inside: not one edit away from any message.
  if (message === 'base64-characters' && (!likeMessage || value.length < MIN_MESSAGE_BASE64_LENGTH)) return PLAINTEXT;
  if (typeof message === 'string') return damaged(message);
  if (value.length < MIN_MESSAGE_BASE64_LENGTH) return damaged('truncated');
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

/**
 * The one decode, length-checked instead of matched by a regular expression: Node's decoder skips
 * characters outside the alphabet and stops at a '=' inside the value, so every such character makes
 * the result shorter than the length the value's data characters promise (3 bytes per 4 characters).
 */
function decodeBase64(value: string): Buffer | 'base64-characters' | 'base64-length' | 'base64-padding' {
  const padding = trailingPadding(value);
  const dataCharacters = value.length - padding;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== Math.floor((dataCharacters * 3) / 4)) return 'base64-characters';
  if (value.length % 4 !== 0) return 'base64-length';
  if (padding > 2 || !hasCanonicalPadding(value)) return 'base64-padding';
  return bytes;
}

/** The number of '=' at the end, counting at most three (more is bad padding either way). */
function trailingPadding(value: string): number {
  let count = 0;
  while (count < 3 && value.charCodeAt(value.length - 1 - count) === 0x3d /* = */) count += 1;
  return count;
}

/** True when the first and last characters are white space (what `trim` would remove). */
function hasOuterWhitespace(value: string): boolean {
  return isWhitespace(value.charCodeAt(0)) || isWhitespace(value.charCodeAt(value.length - 1));
}

function isWhitespace(code: number): boolean {
  return code <= 0x20 || code === 0x85 || code === 0xa0 || code === 0xfeff || (code >= 0x1680 && /\s/.test(String.fromCharCode(code)));
}

/**
 * True when the first eight characters and the last four before any padding are base64 characters:
 * a cheap screen so that prose, JSON or an email address is never decoded.
 */
function endsLookLikeBase64(value: string): boolean {
  if (value.length < PREFIX_CHARACTERS + SUFFIX_CHARACTERS) return false;
  for (let i = 0; i < PREFIX_CHARACTERS; i++) if (!isBase64Character(value.charCodeAt(i))) return false;
  const end = value.length - trailingPadding(value);
  for (let i = end - SUFFIX_CHARACTERS; i < end; i++) if (!isBase64Character(value.charCodeAt(i))) return false;
  return true;
}

/** True when the first characters are base64 and decode to a message's version, type and suite id. */
function startsLikeMessage(value: string): boolean {
  // 'Ag' = 0x02 then 0b0000xx..; 'AY' = 0x01 then 0b1000.. (type 0x80). Anything else is plaintext.
  if (value.length < 4 || value.charCodeAt(0) !== 0x41 /* A */) return false;
  const second = value.charCodeAt(1);
  if (second !== 0x67 /* g */ && second !== 0x59 /* Y */) return false;
  const prefixLength = Math.min(value.length, PREFIX_CHARACTERS);
  // Only base64 characters (or padding) count: 'AgR4 is a code' is text, not a damaged message.
  if (!isBase64Text(value, 2, prefixLength)) return false;
  const prefix = Buffer.from(value.slice(0, prefixLength), 'base64');
  if (prefix[0] === 2 && prefix.length >= 3) return findAlgorithmSuite(readUint16(prefix, 1))?.messageFormat === 2;
  if (prefix[0] === 1 && prefix.length >= 4 && prefix[1] === V1_OBJECT_TYPE) {
    return findAlgorithmSuite(readUint16(prefix, 2))?.messageFormat === 1;
  }
  return false;
}

/** Every character (of `from` to `to`) is from the base64 alphabet or its '=' padding (where it sits is the decoder's check). */
function isBase64Text(value: string, from = 0, to = value.length): boolean {
  for (let i = from; i < to; i++) {
    const code = value.charCodeAt(i);
    if (!isBase64Character(code) && code !== 0x3d /* = */) return false;
  }
  return true;
}

/** The characters Node's base64 decoder maps to a value: both alphabets (standard and URL-safe). */
function isBase64Character(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2b || code === 0x2f || code === 0x2d || code === 0x5f // + / - _
  );
}

function readUint16(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] ?? 0) << 8) | (bytes[pos + 1] ?? 0);
}

const BASE64_VALUES = new Map([
  ...[...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i] as const),
  ['-', 62],
  ['_', 63],
]);

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
