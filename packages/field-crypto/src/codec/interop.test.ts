/**
 * Interop with the AWS Encryption SDK both ways: every message the codec writes decrypts with the
 * SDK's `decrypt`, every single-frame message the SDK writes decrypts with the codec, and the
 * codec's header bytes are the SDK serializer's bytes.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { NodeAlgorithmSuite, unwrapDataKey } from '@aws-crypto/client-node';
import { serializeFactory } from '@aws-crypto/serialize';
import { findAlgorithmSuite } from './algorithm-suites';
import { CodecInputError, canDecodeFast, decodeMessage, encodeMessage, parseMessageHeader } from './index';
import { FIELD_CONTEXT, decryptionKey, encryptionMaterials, sdkDecrypt, sdkEncrypt } from './__tests__/sdk-oracle';

const MiB = 1024 * 1024;
const FRAME = 4096;
const V1_SUITES = [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178];
const hex = (suiteId: number): string => suiteId.toString(16).padStart(4, '0');
const sdkSerializer = serializeFactory((text: string) => Buffer.from(text, 'utf8'), { utf8Sorting: true });

async function codecMessage(plaintext: Uint8Array, encryptionContext = FIELD_CONTEXT, frameLength?: number): Promise<Buffer> {
  const materials = await encryptionMaterials(encryptionContext);
  return encodeMessage({ suiteId: 0x0478, ...materials, plaintext, ...(frameLength === undefined ? {} : { frameLength }) });
}

async function codecDecrypt(message: Buffer): Promise<Buffer> {
  const header = parseMessageHeader(message);
  expect(canDecodeFast(header)).toBe(true);
  return decodeMessage(message, header, await decryptionKey(header));
}

describe('messages written by the codec decrypt with the SDK', () => {
  test.each([0, 1, FRAME - 1, FRAME, FRAME + 1, MiB])('%i bytes', async (size) => {
    const plaintext = randomBytes(size);
    const message = await codecMessage(plaintext);
    const { plaintext: decrypted, encryptionContext } = await sdkDecrypt(message);
    expect(decrypted.equals(plaintext)).toBe(true);
    expect(encryptionContext).toEqual(FIELD_CONTEXT);
    expect((await codecDecrypt(message)).equals(plaintext)).toBe(true);
  });

  test('a value longer than the frame length stays one frame, with the header recording its length', async () => {
    const plaintext = randomBytes(FRAME + 10);
    const header = parseMessageHeader(await codecMessage(plaintext));
    expect(header.bodyShape).toBe('single-final-frame');
    expect(header.frameLength).toBe(FRAME + 10);
  });

  test.each([1, 16, 70000])('frame length %i is honoured and the SDK accepts it', async (frameLength) => {
    const plaintext = randomBytes(Math.min(frameLength, 100));
    const message = await codecMessage(plaintext, FIELD_CONTEXT, frameLength);
    expect(parseMessageHeader(message).frameLength).toBe(Math.max(frameLength, plaintext.length));
    expect((await sdkDecrypt(message)).plaintext.equals(plaintext)).toBe(true);
  });

  test.each([
    ['empty', {}],
    ['one pair', { tenant: 'acme' }],
    ['unicode keys whose UTF-16 and UTF-8 orders differ', { '\u{1F600}k': 'astral', '\uE000k': 'private use', 'é': 'latin', z: 'ascii' }],
  ])('encryption context: %s', async (_name, context: Record<string, string>) => {
    const plaintext = Buffer.from('Ada', 'utf8');
    const message = await codecMessage(plaintext, context);
    const { plaintext: decrypted, encryptionContext } = await sdkDecrypt(message);
    expect(decrypted.equals(plaintext)).toBe(true);
    expect(encryptionContext).toEqual(context);
    expect({ ...parseMessageHeader(message).encryptionContext }).toEqual(context);
  });

  test('the header is byte for byte what the SDK serializer writes for the same fields', async () => {
    const context = { 'prisma-kms:model': 'User', 'prisma-kms:field': 'firstName', '\u{1F600}': 'a', '\uE000': 'b' };
    const materials = await encryptionMaterials(context);
    const message = encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from('x') });
    const header = parseMessageHeader(message);
    const expected = sdkSerializer.serializeMessageHeader({
      version: 2,
      suiteId: 0x0478,
      messageId: header.messageId,
      encryptionContext: materials.encryptionContext,
      encryptedDataKeys: materials.encryptedDataKeys as never,
      contentType: 2,
      frameLength: FRAME,
      suiteData: header.suiteData,
    });
    expect(Buffer.from(header.rawHeader).equals(Buffer.from(expected))).toBe(true);
  });

  test('accepts the data key as bytes as well as the KeyObject the SDK hands out', async () => {
    const materials = await encryptionMaterials();
    const bytes = Uint8Array.from(unwrapDataKey(materials.dataKey as never));
    const message = encodeMessage({ suiteId: 0x0478, ...materials, dataKey: bytes, plaintext: Buffer.from('bytes key') });
    expect((await sdkDecrypt(message)).plaintext.toString()).toBe('bytes key');
    const header = parseMessageHeader(message);
    expect(decodeMessage(message, header, bytes).toString()).toBe('bytes key');
    expect(bytes.some((b) => b !== 0)).toBe(true); // the caller's key is not wiped
  });
});

describe('messages written by the SDK decrypt with the codec', () => {
  test.each([0x0478, ...V1_SUITES].map((id) => [hex(id), id] as const))('suite 0x%s: 0 B, 1 B and one byte under the frame', async (_hex, suiteId) => {
    for (const size of [0, 1, FRAME - 1]) {
      const plaintext = randomBytes(size);
      const message = await sdkEncrypt(plaintext, { suiteId });
      const header = parseMessageHeader(message);
      expect(header.suiteId).toBe(suiteId);
      expect(header.version).toBe(suiteId === 0x0478 ? 2 : 1);
      expect(header.bodyShape).toBe('single-final-frame');
      expect((await codecDecrypt(message)).equals(plaintext)).toBe(true);
    }
  });

  test.each([
    [0x0478, FRAME],
    [0x0478, FRAME + 1],
    [0x0478, MiB],
    [0x0178, FRAME],
    [0x0178, MiB],
  ].map(([id, size]) => [hex(id as number), id as number, size as number] as const))('suite 0x%s, %i bytes: the SDK writes several frames, so canDecodeFast is false', async (_hex, suiteId, size) => {
    const message = await sdkEncrypt(randomBytes(size), { suiteId });
    const header = parseMessageHeader(message);
    expect(header.bodyShape).toBe('multi-frame');
    expect(canDecodeFast(header)).toBe(false);
    expect(() => decodeMessage(message, header, new Uint8Array(32))).toThrow(CodecInputError);
  });

  test('1 MiB in one frame (the SDK with a frame length above the size) decodes fast', async () => {
    const plaintext = randomBytes(MiB);
    const message = await sdkEncrypt(plaintext, { frameLength: MiB + 1 });
    expect((await codecDecrypt(message)).equals(plaintext)).toBe(true);
  });

  test.each([0x0578, 0x0214, 0x0346, 0x0378].map((id) => [hex(id), id] as const))('signed suite 0x%s: the header parses, canDecodeFast is false', async (_hex, suiteId) => {
    const message = await sdkEncrypt(Buffer.from('signed'), { suiteId });
    const header = parseMessageHeader(message);
    expect(header.signed).toBe(true);
    expect(header.encryptionContext['aws-crypto-public-key']).toEqual(expect.any(String));
    expect(canDecodeFast(header)).toBe(false);
  });
});

describe('non-framed v1 messages (other SDKs write them; the JavaScript SDK only reads them)', () => {
  /** Builds a non-framed v1 message by the specification, with node:crypto's own HKDF. */
  async function nonFramedV1(suiteId: 0x0078 | 0x0178, plaintext: Buffer): Promise<Buffer> {
    const materials = await encryptionMaterials(FIELD_CONTEXT, suiteId);
    const dataKey = unwrapDataKey(materials.dataKey as never);
    const messageId = randomBytes(16);
    const header = Buffer.from(
      sdkSerializer.serializeMessageHeader({
        version: 1,
        type: 128,
        suiteId,
        messageId,
        encryptionContext: materials.encryptionContext,
        encryptedDataKeys: materials.encryptedDataKeys as never,
        contentType: 1,
        headerIvLength: 12,
        frameLength: 0,
      }),
    );
    const info = Buffer.concat([Buffer.from([suiteId >> 8, suiteId & 0xff]), messageId]);
    const key = suiteId === 0x0078 ? Buffer.from(dataKey) : Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, 32));
    const headerIv = randomBytes(12);
    const headerAuth = createCipheriv('aes-256-gcm', key, headerIv);
    headerAuth.setAAD(header);
    headerAuth.final();
    const bodyIv = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const length = Buffer.alloc(8);
    length.writeUInt32BE(plaintext.length, 4);
    const body = createCipheriv('aes-256-gcm', key, bodyIv);
    body.setAAD(Buffer.concat([messageId, Buffer.from('AWSKMSEncryptionClient Single Block'), Buffer.from([0, 0, 0, 1]), length]));
    const ciphertext = Buffer.concat([body.update(plaintext), body.final()]);
    return Buffer.concat([header, headerIv, headerAuth.getAuthTag(), bodyIv, length, ciphertext, body.getAuthTag()]);
  }

  test.each([['0078', 0x0078], ['0178', 0x0178]] as const)('suite 0x%s: the SDK and the codec both decrypt it', async (_hex, suiteId) => {
    const plaintext = randomBytes(100);
    const message = await nonFramedV1(suiteId, plaintext);
    expect((await sdkDecrypt(message)).plaintext.equals(plaintext)).toBe(true);
    const header = parseMessageHeader(message);
    expect(header.bodyShape).toBe('non-framed');
    expect((await codecDecrypt(message)).equals(plaintext)).toBe(true);
  });
});

test('the suite table agrees with the SDK on every suite the SDK defines', () => {
  for (const suiteId of [...V1_SUITES, 0x0214, 0x0346, 0x0378, 0x0478, 0x0578]) {
    const sdkSuite = new NodeAlgorithmSuite(suiteId);
    const ours = findAlgorithmSuite(suiteId);
    const kdf = sdkSuite.kdf ? (sdkSuite.commitment === 'KEY' ? `hkdf-${sdkSuite.kdfHash}-commit` : `hkdf-${sdkSuite.kdfHash}`) : 'none';
    expect(ours).toEqual({
      id: suiteId,
      messageFormat: sdkSuite.messageFormat,
      cipherName: sdkSuite.encryption,
      keyLength: sdkSuite.keyLengthBytes,
      keyDerivation: kdf,
      signed: Boolean(sdkSuite.signatureCurve),
    });
  }
});
