/**
 * Serializes the parts of a v2 header that depend on the caller's input: the encryption context
 * and the encrypted data keys (specification: data-format/message-header.md).
 *
 * Written by hand rather than with `@aws-crypto/serialize`'s serializeFactory: its
 * serializeEncryptionContext alone costs about 6 µs for a two-pair context (a third of the encrypt
 * floor); this one measures the lengths, then writes once into the message buffer.
 */
import { CodecInputError } from './errors';
import type { EncryptedDataKey } from './message-header';

/** Every length in the header is a uint16. */
const MAX_FIELD_LENGTH = 0xffff;

/**
 * The context and data key sections serialized together, as they appear in the header between the
 * message id and the content type. Every message written under one set of materials carries these
 * exact bytes, so an encoder serializes them once per materials and copies them into each message.
 *
 * @example
 * const sections = serializeHeaderSections(material.encryptionContext, material.encryptedDataKeys);
 */
export function serializeHeaderSections(
  context: Readonly<Record<string, string>>,
  keys: readonly EncryptedDataKey[],
): Buffer {
  const contextSection = measureEncryptionContext(context);
  const keySection = measureEncryptedDataKeys(keys);
  // Slow (unpooled) allocation: this buffer lives as long as its materials, and must not pin a pool slab.
  const sections = Buffer.allocUnsafeSlow(contextSection.length + keySection.length);
  keySection.write(sections, contextSection.write(sections, 0));
  return sections;
}

/** A measured section, ready to be written at any offset. */
export interface HeaderSection {
  readonly length: number;
  write(target: Buffer, offset: number): number;
}

interface MeasuredPair {
  readonly key: string;
  readonly value: string;
  readonly keyLength: number;
  readonly valueLength: number;
}

/**
 * The encryption context section: its uint16 length, then (when not empty) the pair count and the
 * pairs sorted by the UTF-8 bytes of their keys, as the specification requires and as the
 * JavaScript SDK does since it fixed issue 428 (`utf8Sorting`).
 */
export function measureEncryptionContext(context: Readonly<Record<string, string>>): HeaderSection {
  const keys = Object.keys(context);
  if (keys.length === 0) return { length: 2, write: writeEmptyContext };
  if (keys.length > MAX_FIELD_LENGTH) throw new CodecInputError('encryption-context-too-large');
  keys.sort(compareUtf8);
  const pairs: MeasuredPair[] = new Array<MeasuredPair>(keys.length);
  let bodyLength = 2;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = context[key];
    if (typeof value !== 'string') throw new CodecInputError('encryption-context-value');
    const keyLength = Buffer.byteLength(key, 'utf8');
    const valueLength = Buffer.byteLength(value, 'utf8');
    pairs[i] = { key, value, keyLength, valueLength };
    bodyLength += 4 + keyLength + valueLength;
  }
  if (bodyLength > MAX_FIELD_LENGTH) throw new CodecInputError('encryption-context-too-large');
  return {
    length: 2 + bodyLength,
    write(target, offset) {
      let pos = target.writeUInt16BE(bodyLength, offset);
      pos = target.writeUInt16BE(pairs.length, pos);
      for (const pair of pairs) {
        pos = target.writeUInt16BE(pair.keyLength, pos);
        pos += target.write(pair.key, pos, pair.keyLength, 'utf8');
        pos = target.writeUInt16BE(pair.valueLength, pos);
        pos += target.write(pair.value, pos, pair.valueLength, 'utf8');
      }
      return pos;
    },
  };
}

function writeEmptyContext(target: Buffer, offset: number): number {
  return target.writeUInt16BE(0, offset);
}

/**
 * The encrypted data keys section: a uint16 count, then provider id, provider info and the
 * encrypted key, each uint16-length-prefixed. Provider info is written from `rawInfo` when present,
 * since raw keyrings store binary info there that does not survive a UTF-8 round trip.
 */
export function measureEncryptedDataKeys(keys: readonly EncryptedDataKey[]): HeaderSection {
  if (keys.length === 0 || keys.length > MAX_FIELD_LENGTH) throw new CodecInputError('encrypted-data-key-count');
  // The SDK's EncryptedDataKey returns a fresh copy from every read of its byte fields: read each once.
  const fields: Uint8Array[] = new Array<Uint8Array>(keys.length * 3);
  let length = 2;
  for (let i = 0; i < keys.length; i++) {
    const edk = keys[i] as EncryptedDataKey;
    const providerId = Buffer.from(edk.providerId, 'utf8');
    const providerInfo = edk.rawInfo ?? Buffer.from(edk.providerInfo, 'utf8');
    const encryptedKey = edk.encryptedDataKey;
    if (
      providerId.length > MAX_FIELD_LENGTH ||
      providerInfo.length > MAX_FIELD_LENGTH ||
      encryptedKey.length > MAX_FIELD_LENGTH
    ) {
      throw new CodecInputError('encrypted-data-key-field-too-large');
    }
    fields[i * 3] = providerId;
    fields[i * 3 + 1] = providerInfo;
    fields[i * 3 + 2] = encryptedKey;
    length += 6 + providerId.length + providerInfo.length + encryptedKey.length;
  }
  return {
    length,
    write(target, offset) {
      let pos = target.writeUInt16BE(keys.length, offset);
      for (const field of fields) pos = writeField(target, pos, field);
      return pos;
    },
  };
}

function writeField(target: Buffer, pos: number, bytes: Uint8Array): number {
  const start = target.writeUInt16BE(bytes.length, pos);
  target.set(bytes, start);
  return start + bytes.length;
}

/**
 * Orders strings by their UTF-8 bytes, which is code point order. JavaScript's default string
 * order compares UTF-16 code units and puts U+E000..U+FFFF after the surrogates of astral
 * characters, which UTF-8 orders the other way round.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (D800-DFFF) above E000-FFFF so code units compare like code points. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
