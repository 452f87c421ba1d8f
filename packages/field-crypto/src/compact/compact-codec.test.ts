/**
 * The compact codec on its own: round trips, size, and rejection of every bit flip, truncation and
 * swap between fields, models and key versions (properties over random inputs).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { classifyCompactValue, decodeCompact, decodeCompactBase64, deriveCompactFieldKey, encodeCompact, fieldKeyInfo } from './index';
import { classifyStoredValue } from '../codec';

const email = { model: 'User', field: 'email' };
const versionKey = randomBytes(32);
const keyOf = (field: { model: string; field: string }, key = versionKey, context = {}) => deriveCompactFieldKey(key, fieldKeyInfo(field, context)!);
const emailKey = keyOf(email);

/** What a reader does with a stored string: plaintext back, or undefined when refused. */
function read(stored: string, fieldKey: Buffer, keyVersionId: number): string | undefined {
  const value = classifyCompactValue(stored);
  if (value.kind !== 'compact' || value.keyVersionId !== keyVersionId) return undefined;
  return decodeCompactBase64(fieldKey, value.base64)?.toString('utf8');
}

test('round trip; a 9-byte value is 42 bytes, 56 base64 characters', () => {
  const stored = encodeCompact(emailKey, 7, Buffer.from('123456789')).toString('base64');
  expect(stored).toHaveLength(56);
  expect(stored.startsWith('/A')).toBe(true);
  expect(read(stored, emailKey, 7)).toBe('123456789');
});

test('a compact value is never an Encryption SDK message, and a message is never compact', () => {
  const stored = encodeCompact(emailKey, 1, Buffer.from('x')).toString('base64');
  expect(classifyStoredValue(stored).kind).toBe('plaintext');
  expect(classifyCompactValue('AgV4' + 'A'.repeat(200)).kind).toBe('not-compact');
});

test('ordinary text is not compact', () => {
  for (const text of ['Ada Lovelace', 'ada@example.com', '+44 20 7946 0958', '/usr/local/bin', '', '/', 'hello world']) {
    expect(classifyCompactValue(text).kind).toBe('not-compact');
  }
});

test('Precondition: every single bit flip is rejected', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (plaintext, at) => {
      const bytes = encodeCompact(emailKey, 0x01020304, plaintext);
      const bit = at % (bytes.length * 8);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      expect(read(bytes.toString('base64'), emailKey, 0x01020304)).toBeUndefined();
    }),
    { numRuns: 500 },
  );
});

test('Precondition: every truncation is rejected (as malformed or by the tag)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (plaintext, at) => {
      const stored = encodeCompact(emailKey, 9, plaintext).toString('base64');
      const cut = stored.slice(0, at % stored.length);
      const value = classifyCompactValue(cut);
      if (cut.length >= 2) expect(value.kind).not.toBe('not-compact');
      expect(read(cut, emailKey, 9)).toBeUndefined();
    }),
    { numRuns: 500 },
  );
});

test('Precondition: a value swapped between fields, models, static contexts or key versions is rejected', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (text) => {
      const stored = encodeCompact(emailKey, 5, Buffer.from(text)).toString('base64');
      expect(read(stored, emailKey, 5)).toBe(text);
      expect(read(stored, keyOf({ model: 'User', field: 'phone' }), 5)).toBeUndefined();
      expect(read(stored, keyOf({ model: 'Invite', field: 'email' }), 5)).toBeUndefined();
      expect(read(stored, keyOf(email, versionKey, { app: 'billing' }), 5)).toBeUndefined();
      expect(read(stored, keyOf(email, randomBytes(32)), 5)).toBeUndefined();
      // Relabelled as another key version: the header is the AAD, so even the right key refuses it.
      const relabelled = Buffer.from(stored, 'base64');
      relabelled.writeUInt32BE(6, 1);
      expect(read(relabelled.toString('base64'), emailKey, 6)).toBeUndefined();
    }),
    { numRuns: 100 },
  );
});

test('length-prefixed info: ("ab","c") and ("a","bc") derive different keys', () => {
  expect(keyOf({ model: 'ab', field: 'c' }).equals(keyOf({ model: 'a', field: 'bc' }))).toBe(false);
  expect(fieldKeyInfo({ model: 'User', field: 'email' }, { b: '1', a: '2' })!.equals(fieldKeyInfo({ model: 'User', field: 'email' }, { a: '2', b: '1' })!)).toBe(true);
  expect(fieldKeyInfo({ model: 'M'.repeat(2000), field: 'f' }, {})).toBeUndefined();
});

test('key-version id 0, bad padding and non-canonical base64 are malformed', () => {
  const bytes = encodeCompact(emailKey, 3, Buffer.from('Ada'));
  bytes.writeUInt32BE(0, 1);
  expect(classifyCompactValue(bytes.toString('base64'))).toEqual({ kind: 'malformed', reason: 'key-version-id' });
  const odd = encodeCompact(emailKey, 3, Buffer.from('Ad')).toString('base64'); // 35 bytes: one '='
  expect(odd.endsWith('=')).toBe(true);
  const last = odd[odd.length - 2]!;
  const tweaked = odd.slice(0, -2) + String.fromCharCode(last.charCodeAt(0) + 1) + '=';
  expect(classifyCompactValue(tweaked).kind).toBe('malformed');
});

test('Precondition: a string is compact or malformed exactly when it is "/" then A..P, then standard base64 characters, then only "="', () => {
  // The classifier scans characters with a table; this is the rule it must keep, written as an expression.
  const looksCompact = (value: string) => /^\/[A-P][A-Za-z0-9+/]*=*$/.test(value);
  const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.é'];
  const stored = encodeCompact(emailKey, 3, Buffer.from('Ada Lovelace')).toString('base64');
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 80 }), fc.nat(), fc.constantFrom(...alphabet), (tail, at, character) => {
      // random strings after the compact prefix, and one character of a real value replaced
      for (const value of ['/A' + tail.join(''), stored.slice(0, at % stored.length) + character + stored.slice((at % stored.length) + 1)]) {
        expect(classifyCompactValue(value).kind !== 'not-compact').toBe(looksCompact(value));
      }
    }),
    { numRuns: 2000 },
  );
});

test('Precondition: the base64 text decrypts as its bytes do, at every length (scratch space and views reused) and beyond the scratch space', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 1200 }), { minLength: 1, maxLength: 6 }), fc.nat(), (plaintexts, at) => {
      // several values of different lengths one after another, as a batch reads them
      for (const plaintext of plaintexts) {
        const bytes = encodeCompact(emailKey, 11, plaintext);
        const stored = bytes.toString('base64');
        expect(decodeCompactBase64(emailKey, stored)?.equals(plaintext)).toBe(true);
        expect(decodeCompact(emailKey, bytes)?.equals(plaintext)).toBe(true);
        const bit = at % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        expect(read(bytes.toString('base64'), emailKey, 11)).toBeUndefined();
        expect(decodeCompact(emailKey, bytes)).toBeUndefined();
      }
    }),
    { numRuns: 200 },
  );
});

test('Precondition: the key-version id read from the first characters is the one in the bytes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffffffff }), fc.uint8Array({ maxLength: 8 }), (keyVersionId, plaintext) => {
      const value = classifyCompactValue(encodeCompact(emailKey, keyVersionId, plaintext).toString('base64'));
      expect(value.kind === 'compact' && value.keyVersionId).toBe(keyVersionId);
    }),
    { numRuns: 1000 },
  );
});
