/**
 * Tampering: a flipped bit anywhere, a truncated message, a wrong commitment, a changed encryption
 * context or a substituted body is rejected by the codec (with a typed error) and by the SDK.
 */
import { randomBytes } from 'node:crypto';
import {
  CodecInputError,
  MalformedMessageError,
  MessageAuthenticationError,
  canDecodeFast,
  decodeMessage,
  encodeMessage,
  isCodecError,
  parseMessageHeader,
  type DataKey,
} from './index';
import { decryptionKey, encryptionMaterials, sdkEncrypt, sdkRejects } from './__tests__/sdk-oracle';

const SECRET = 'Ada Byron';

/**
 * How the codec treats a message, given the data key the untouched message was written with (so
 * the codec's own checks are exercised, not just the keyring's): 'decrypted' or the error's kind.
 * canDecodeFast false counts as a rejection handed to the SDK, which the test checks separately.
 */
function codecVerdict(message: Buffer, dataKey: DataKey): string {
  try {
    const header = parseMessageHeader(message);
    if (!canDecodeFast(header)) return 'left to the SDK';
    decodeMessage(message, header, dataKey);
    return 'decrypted';
  } catch (error) {
    expect(isCodecError(error)).toBe(true);
    expect(error instanceof CodecInputError).toBe(false);
    expect(String((error as Error).message)).not.toContain(SECRET);
    return (error as { code: string }).code;
  }
}

async function fixture(writer: 'codec' | 'sdk', suiteId = 0x0478): Promise<{ message: Buffer; dataKey: DataKey }> {
  if (writer === 'codec') {
    const materials = await encryptionMaterials();
    const message = encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from(SECRET) });
    return { message, dataKey: materials.dataKey };
  }
  const message = await sdkEncrypt(Buffer.from(SECRET), { suiteId });
  return { message, dataKey: await decryptionKey(parseMessageHeader(message)) };
}

describe.each([
  ['codec', '0478', 0x0478],
  ['sdk', '0478', 0x0478],
  ['sdk', '0178', 0x0178],
] as const)('a message written by the %s (suite 0x%s)', (writer, _hex, suiteId) => {
  test('decrypts untouched (the control)', async () => {
    const { message, dataKey } = await fixture(writer, suiteId);
    expect(codecVerdict(message, dataKey)).toBe('decrypted');
    expect(await sdkRejects(message)).toBe(false);
  });

  test('a flipped bit at every byte position is rejected by both', async () => {
    const { message, dataKey } = await fixture(writer, suiteId);
    for (let position = 0; position < message.length; position++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = Buffer.from(message);
        tampered[position] = (tampered[position] as number) ^ mask;
        const verdict = codecVerdict(tampered, dataKey);
        if (verdict === 'decrypted' || !(await sdkRejects(tampered))) {
          throw new Error(`bit ${mask} at byte ${position} accepted (codec: ${verdict})`);
        }
      }
    }
  });

  test('every truncation is rejected by both', async () => {
    const { message, dataKey } = await fixture(writer, suiteId);
    for (let length = 0; length < message.length; length++) {
      const truncated = message.subarray(0, length);
      expect([length, codecVerdict(Buffer.from(truncated), dataKey)]).toEqual([length, 'MALFORMED_MESSAGE']);
      expect([length, await sdkRejects(truncated)]).toEqual([length, true]);
    }
  });
});

test('trailing bytes after the final frame are rejected (the JavaScript SDK ignores them)', async () => {
  const { message, dataKey } = await fixture('codec');
  const extended = Buffer.concat([message, Buffer.from([0])]);
  const header = parseMessageHeader(extended);
  expect(() => decodeMessage(extended, header, dataKey)).toThrow(expect.objectContaining({ reason: 'trailing-bytes' }));
});

test('a wrong key commitment is rejected before any decryption, and by the SDK', async () => {
  const { message, dataKey } = await fixture('codec');
  const header = parseMessageHeader(message);
  const tampered = Buffer.from(message);
  const commitmentStart = header.rawHeader.length - 32;
  randomBytes(32).copy(tampered, commitmentStart);
  expect(() => decodeMessage(tampered, parseMessageHeader(tampered), dataKey)).toThrow(
    expect.objectContaining({ code: 'MESSAGE_AUTHENTICATION_FAILED', reason: 'commitment-mismatch' }),
  );
  expect(await sdkRejects(tampered)).toBe(true);
});

test('a wrong data key fails the commitment check (v2) or the header tag (v1)', async () => {
  const v2 = await fixture('codec');
  expect(() => decodeMessage(v2.message, parseMessageHeader(v2.message), randomBytes(32))).toThrow(
    expect.objectContaining({ reason: 'commitment-mismatch' }),
  );
  const v1 = await fixture('sdk', 0x0178);
  expect(() => decodeMessage(v1.message, parseMessageHeader(v1.message), randomBytes(32))).toThrow(
    expect.objectContaining({ reason: 'header-auth-tag' }),
  );
});

test('a changed encryption context is rejected by both', async () => {
  const { message, dataKey } = await fixture('codec');
  const at = message.indexOf('firstName');
  expect(at).toBeGreaterThan(0);
  const moved = Buffer.from(message);
  moved.write('lastName_', at, 'utf8'); // same length: only the authentication can notice
  expect(parseMessageHeader(moved).encryptionContext['prisma-kms:field']).toBe('lastName_');
  expect(() => decodeMessage(moved, parseMessageHeader(moved), dataKey)).toThrow(
    expect.objectContaining({ reason: 'header-auth-tag' }),
  );
  expect(await sdkRejects(moved)).toBe(true);
});

test('a body moved under another header of the same data key is rejected', async () => {
  const materials = await encryptionMaterials();
  const a = encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from('value A') });
  const b = encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from('value B') });
  const headerLength = parseMessageHeader(a).headerLength;
  const spliced = Buffer.concat([a.subarray(0, headerLength), b.subarray(headerLength)]);
  expect(() => decodeMessage(spliced, parseMessageHeader(spliced), materials.dataKey)).toThrow(MessageAuthenticationError);
  expect(await sdkRejects(spliced)).toBe(true);
});

test('a header parsed from another message is refused', async () => {
  const materials = await encryptionMaterials();
  const a = encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from('value A') });
  const b = encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from('value B') });
  expect(() => decodeMessage(b, parseMessageHeader(a), materials.dataKey)).toThrow(
    expect.objectContaining({ code: 'MALFORMED_MESSAGE', reason: 'header-mismatch' }),
  );
  // A copy of the same bytes is the same message.
  expect(decodeMessage(Buffer.from(a), parseMessageHeader(a), materials.dataKey).toString()).toBe('value A');
});

test('errors carry a code and a reason, and are instances of their classes', async () => {
  const { message, dataKey } = await fixture('codec');
  const error = (() => {
    try {
      decodeMessage(message.subarray(0, message.length - 1), parseMessageHeader(message.subarray(0, message.length - 1)), dataKey);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(error).toBeInstanceOf(MalformedMessageError);
  expect(error).toMatchObject({ code: 'MALFORMED_MESSAGE', reason: 'truncated', name: 'MalformedMessageError' });
});
