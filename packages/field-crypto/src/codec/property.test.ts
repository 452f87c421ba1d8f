/**
 * Properties over random values, contexts and corruptions, with the SDK as the oracle.
 */
import fc from 'fast-check';
import { canDecodeFast, decodeMessage, encodeMessage, isCodecError, isEncryptedMessage, parseMessageHeader, type DataKey } from './index';
import { encryptionMaterials, sdkDecrypt, sdkRejects } from './__tests__/sdk-oracle';

const plaintexts = fc.uint8Array({ minLength: 0, maxLength: 6000 });
const contexts = fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 20 }), {
  maxKeys: 4,
});

/** True when the codec refuses the message (typed error, or not fast-decodable, which the SDK then decides). */
function codecRefuses(message: Buffer, dataKey: DataKey): boolean {
  try {
    const header = parseMessageHeader(message);
    if (!canDecodeFast(header)) return true;
    decodeMessage(message, header, dataKey);
    return false;
  } catch (error) {
    if (!isCodecError(error)) throw error;
    return true;
  }
}

test('any value under any context: the SDK decrypts the codec message to the same value and context', async () => {
  await fc.assert(
    fc.asyncProperty(plaintexts, contexts, async (plaintext, context) => {
      const materials = await encryptionMaterials(context);
      const message = encodeMessage({ suiteId: 0x0478, ...materials, plaintext });
      const sdk = await sdkDecrypt(message);
      expect(Buffer.from(sdk.plaintext).equals(Buffer.from(plaintext))).toBe(true);
      expect(sdk.encryptionContext).toEqual(context);
      const header = parseMessageHeader(message);
      expect(decodeMessage(message, header, materials.dataKey).equals(Buffer.from(plaintext))).toBe(true);
      expect(isEncryptedMessage(message.toString('base64'))).toBe(true);
    }),
    { numRuns: 60 },
  );
});

test('any corruption (xor at a position, truncation, extension) is refused by the codec and by the SDK', async () => {
  const corruption = fc.oneof(
    fc.record({ kind: fc.constant('xor' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), corruption, async (plaintext, change) => {
      const materials = await encryptionMaterials();
      const message = encodeMessage({ suiteId: 0x0478, ...materials, plaintext });
      let corrupted: Buffer;
      if (change.kind === 'xor') {
        corrupted = Buffer.from(message);
        const at = change.at % message.length;
        corrupted[at] = (corrupted[at] as number) ^ change.mask;
      } else if (change.kind === 'truncate') {
        corrupted = Buffer.from(message.subarray(0, change.at % message.length));
      } else {
        corrupted = Buffer.concat([message, change.bytes]);
      }
      expect(codecRefuses(corrupted, materials.dataKey)).toBe(true);
      // The JavaScript SDK ignores bytes after the final frame; every other corruption it refuses too.
      if (change.kind !== 'extend') expect(await sdkRejects(corrupted)).toBe(true);
    }),
    { numRuns: 300 },
  );
});

test('random strings are not messages', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.base64String(), fc.uint8Array().map((b) => Buffer.from(b).toString('base64'))), (value) => {
      expect(isEncryptedMessage(value)).toBe(false);
    }),
    { numRuns: 2000 },
  );
});
