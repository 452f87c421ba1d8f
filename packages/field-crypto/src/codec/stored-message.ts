/**
 * Stored values are base64 text. This module tells a stored Encryption SDK message from plaintext
 * by decoding strictly and parsing the header, never by guessing from characters.
 */
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

const BASE64_VALUES = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/**
 * Canonical base64 has zero bits after the last byte: with '==' the last data character keeps 2
 * bits (low 4 zero), with '=' it keeps 4 bits (low 2 zero). Node's decoder ignores those bits, so
 * without this check two different strings would decode to the same message.
 */
function hasCanonicalPadding(value: string): boolean {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  if (padding === 0) return true;
  const last = BASE64_VALUES.get(value[value.length - 1 - padding] ?? '') ?? 0;
  return (last & (padding === 2 ? 0x0f : 0x03)) === 0;
}
