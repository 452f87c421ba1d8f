/**
 * Damaged ciphertext is never plaintext: `inspect` calls a value `malformed` when it is base64 that
 * starts like a message but does not parse as one, and `decrypt` refuses it with MalformedCiphertextError.
 */
import fc from 'fast-check';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import {
  createFieldCipher,
  FIELD_CONTEXT_KEY,
  generateLocalKey,
  localAesKeyring,
  MalformedCiphertextError,
  MODEL_CONTEXT_KEY,
  type FieldRef,
} from '../index';
import { classifyStoredValue } from '../codec';

const email: FieldRef = { model: 'User', field: 'email' };
const keyring = localAesKeyring({ key: generateLocalKey() });
const cipher = createFieldCipher({ keyring });

let stored: string;
let v1Stored: string;
beforeAll(async () => {
  stored = await cipher.encrypt('ada@example.com', email);
  const legacy = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  v1Stored = (
    await legacy.encrypt(keyring, 'ada', {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256,
      encryptionContext: { [MODEL_CONTEXT_KEY]: 'User', [FIELD_CONTEXT_KEY]: 'email' },
    })
  ).result.toString('base64');
});

function edit(value: string, change: (bytes: Buffer) => Buffer): string {
  return change(Buffer.from(value, 'base64')).toString('base64');
}

describe('inspect: malformed', () => {
  it('every truncation of a v2 value (8 characters or more) is malformed, never plaintext', () => {
    for (let length = 8; length < stored.length; length++) {
      const inspected = cipher.inspect(stored.slice(0, length));
      expect({ length, kind: inspected.kind }).toEqual({ length, kind: 'malformed' });
    }
  });

  it('every truncation of a v1 value (8 characters or more) is malformed', () => {
    for (let length = 8; length < v1Stored.length; length++) {
      expect(cipher.inspect(v1Stored.slice(0, length)).kind).toBe('malformed');
    }
  });

  it('every whole-byte truncation names why', () => {
    const bytes = Buffer.from(stored, 'base64');
    const reasons = new Set<string>();
    for (let length = 3; length < bytes.length; length++) {
      const inspected = cipher.inspect(bytes.subarray(0, length).toString('base64'));
      if (inspected.kind !== 'malformed') throw new Error(`byte length ${length}: ${inspected.kind}`);
      reasons.add(inspected.reason);
    }
    expect([...reasons].sort()).toEqual(['truncated']);
  });

  it.each([
    ['trailing bytes', 'trailing-bytes', (b: Buffer) => Buffer.concat([b, Buffer.from([0, 1, 2])])],
    ['no encrypted data keys', 'no-encrypted-data-keys', (b: Buffer) => withUint16(b, encryptedDataKeyCountOffset(b), 0)],
    ['a context length past the end', 'truncated', (b: Buffer) => withUint16(b, 35, 0xffff)],
    ['an unknown content type', 'unknown-content-type', (b: Buffer) => withByte(b, contentTypeOffset(b), 7)],
  ] as const)('%s: malformed (%s)', (_name, reason, change) => {
    expect(cipher.inspect(edit(stored, change))).toEqual({ kind: 'malformed', reason });
  });

  it('base64 cut inside a group, or with bad padding, is malformed', () => {
    expect(cipher.inspect(stored.slice(0, 201))).toEqual({ kind: 'malformed', reason: 'base64-length' });
    expect(cipher.inspect(`${stored.slice(0, 196)}====`)).toEqual({ kind: 'malformed', reason: 'base64-padding' });
  });

  it('decrypt of a malformed value throws MalformedCiphertextError naming the field and the reason, not the value', async () => {
    const damaged = stored.slice(0, 200);
    const error = (await cipher.decrypt(damaged, email).catch((e: unknown) => e)) as MalformedCiphertextError;
    expect(error).toBeInstanceOf(MalformedCiphertextError);
    expect(error.message).toContain('truncated');
    expect(error.message).not.toContain(damaged);
    expect(error.field).toBe('email');
  });

  it('a whole value is still ciphertext, and a tampered body byte is ciphertext (caught by the tag on decrypt)', async () => {
    expect(cipher.inspect(stored).kind).toBe('ciphertext');
    expect(cipher.inspect(v1Stored).kind).toBe('ciphertext');
    const tampered = edit(stored, (b) => withByte(b, b.length - 20, (b[b.length - 20] ?? 0) ^ 1));
    expect(cipher.inspect(tampered).kind).toBe('ciphertext');
  });
});

describe('inspect: plaintext stays plaintext', () => {
  it.each(['', 'Ada', 'A', 'Ag', 'AgR', 'Agnes', 'Agatha Christie', 'AYAH', 'AgR4 is not base64', 'AgR4QUJD 6', 'AgR4QUJD 1000', 'AgR4 QUJD', 'QWRh', 'AgAAAAAA', 'AYABAAAA'])(
    '%p',
    (value) => {
      expect(cipher.inspect(value)).toEqual({ kind: 'plaintext' });
    },
  );

  it('any string that does not start with a message prefix is plaintext', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (value) => {
        fc.pre(!/^A[gY]/.test(value.trim()) && !(value.trim().length >= 92 && /^[A-Za-z0-9+/_-]+=*$/.test(value.trim())));
        expect(classifyStoredValue(value).kind).toBe('plaintext');
      }),
    );
  });

  it('base64 of random bytes shorter than a message is malformed only when its bytes start like a message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 68 }), (bytes) => {
        const value = Buffer.from(bytes).toString('base64');
        fc.pre(value.length < 92);
        const kind = classifyStoredValue(value).kind;
        const looksLikeMessage =
          (bytes[0] === 2 && bytes[1] === 4 && bytes[2] === 0x78) ||
          (bytes[0] === 2 && bytes[1] === 5 && bytes[2] === 0x78) ||
          (bytes[0] === 1 && bytes[1] === 0x80 && bytes.length >= 4);
        if (!looksLikeMessage) expect(kind).toBe('plaintext');
      }),
    );
  });

  it.each([
    ['prose of any length', 'The quick brown fox jumps over the lazy dog. '.repeat(50)],
    ['a long URL', `https://example.com/${'a'.repeat(200)}?q=1`],
    ['JSON', JSON.stringify({ token: 'A'.repeat(200) })],
    ['91 base64 characters (shorter than any message)', 'Q'.repeat(91)],
    ['base64-looking ends with text inside', `${'Q'.repeat(50)} and ${'Q'.repeat(50)}`],
  ])('%s is plaintext', (_name, value) => {
    expect(classifyStoredValue(value)).toEqual({ kind: 'plaintext' });
  });
});

/**
 * Issue 9, finding 6: a value one edit away from a message (white space around it, a changed version
 * or suite byte, broken padding) or any base64 string of message length is malformed, never
 * plaintext: lenient mode must not return it as data and `prisma-kms encrypt` must not bury it.
 */
describe('inspect: one edit away from a message is malformed, never plaintext', () => {
  it.each([
    ['a leading space', (v: string) => ` ${v}`],
    ['a trailing newline', (v: string) => `${v}\n`],
    ['a trailing CRLF', (v: string) => `${v}\r\n`],
    ['a leading tab', (v: string) => `\t${v}`],
    ['an ideographic space after it', (v: string) => `${v}\u3000`],
    ['a no-break space before it', (v: string) => `\u00a0${v}`],
  ])('a whole v2 message with %s', (_name, change) => {
    expect(cipher.inspect(change(stored))).toEqual({ kind: 'malformed', reason: 'whitespace' });
    expect(cipher.inspect(change(v1Stored))).toEqual({ kind: 'malformed', reason: 'whitespace' });
  });

  it('a damaged message with white space around it is malformed too', () => {
    expect(cipher.inspect(` ${stored.slice(0, 200)} `)).toEqual({ kind: 'malformed', reason: 'whitespace' });
  });

  it.each([
    ['version 2 -> 3', 'unknown-version', (b: Buffer) => withByte(b, 0, 3)],
    ['version 2 -> 0', 'unknown-version', (b: Buffer) => withByte(b, 0, 0)],
    ['version 2 -> 1 (v1 without object type)', 'unknown-object-type', (b: Buffer) => withByte(b, 0, 1)],
    ['suite 0x0478 -> 0x0479', 'unsupported-suite', (b: Buffer) => withByte(b, 2, 0x79)],
    ['suite 0x0478 -> 0x0078 (a v1 suite in a v2 header)', 'suite-version-mismatch', (b: Buffer) => withByte(b, 1, 0)],
  ] as const)('a changed header byte (%s) is malformed (%s)', (_name, reason, change) => {
    const value = edit(stored, change);
    expect(cipher.inspect(value)).toEqual({ kind: 'malformed', reason });
  });

  it('a changed header byte at the very start, whatever the new value, is never plaintext', () => {
    for (let byte = 0; byte < 256; byte++) {
      for (const offset of [0, 1, 2]) {
        expect(cipher.inspect(edit(stored, (b) => withByte(b, offset, byte))).kind).not.toBe('plaintext');
      }
    }
  });

  it('broken padding of a whole message is malformed', () => {
    const padded = [stored, `${stored}A`, `${stored}AA`].map((v) => edit(v, (b) => b)).find((v) => v.endsWith('='));
    expect(padded).toBeDefined();
    const value = padded as string;
    expect(cipher.inspect(value.replace(/=+$/, '')).kind).toBe('malformed');
    expect(cipher.inspect(`${value}=`).kind).toBe('malformed');
    expect(cipher.inspect(`${value.replace(/=+$/, '')}===`).kind).toBe('malformed');
  });

  it('a space or line break inside a message is malformed', () => {
    expect(cipher.inspect(`${stored.slice(0, 100)} ${stored.slice(100)}`)).toEqual({ kind: 'malformed', reason: 'base64-length' });
    expect(cipher.inspect(`${stored.slice(0, 100)}\n${stored.slice(101)}`)).toEqual({ kind: 'malformed', reason: 'base64-characters' });
  });

  it('any base64 string of message length (92 characters or more) is malformed, whatever its bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 69, maxLength: 600 }), (bytes) => {
        expect(classifyStoredValue(Buffer.from(bytes).toString('base64')).kind).toBe('malformed');
      }),
    );
  });

  it('decrypt refuses a whitespace-wrapped message with MalformedCiphertextError, not the stored text', async () => {
    const error = (await cipher.decrypt(`${stored}\n`, email).catch((e: unknown) => e)) as MalformedCiphertextError;
    expect(error).toBeInstanceOf(MalformedCiphertextError);
    expect(error.message).toContain('whitespace');
    expect(error.message).not.toContain(stored.slice(0, 20));
  });
});

function withUint16(bytes: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt16BE(value, offset);
  return copy;
}

function withByte(bytes: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[offset] = value & 0xff;
  return copy;
}

/** v2: version(1) suite(2) message id(32), then the context section (uint16 length + body). */
function encryptedDataKeyCountOffset(bytes: Buffer): number {
  return 35 + 2 + bytes.readUInt16BE(35);
}

function contentTypeOffset(bytes: Buffer): number {
  let pos = encryptedDataKeyCountOffset(bytes);
  const count = bytes.readUInt16BE(pos);
  pos += 2;
  for (let i = 0; i < count * 3; i++) pos += 2 + bytes.readUInt16BE(pos);
  return pos;
}
