/**
 * Header parsing and detection: what is and is not an Encryption SDK message, and the reason a
 * malformed one is refused.
 */
import { randomBytes } from 'node:crypto';
import {
  MalformedMessageError,
  encodeMessage,
  isEncryptedMessage,
  parseMessageHeader,
  readStoredMessage,
  type MalformedReason,
} from './index';
import { encryptionMaterials, sdkEncrypt } from './__tests__/sdk-oracle';

function reasonOf(bytes: Uint8Array): MalformedReason | 'parsed' {
  try {
    parseMessageHeader(bytes);
    return 'parsed';
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedMessageError);
    return (error as MalformedMessageError).reason;
  }
}

async function codecMessage(context: Record<string, string> = { model: 'User' }): Promise<Buffer> {
  const materials = await encryptionMaterials(context);
  return encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from('Ada') });
}

describe('isEncryptedMessage', () => {
  test('true for the base64 of messages from the codec and from the SDK (v2, v1, signed)', async () => {
    expect(isEncryptedMessage((await codecMessage()).toString('base64'))).toBe(true);
    for (const suiteId of [0x0478, 0x0178, 0x0578]) {
      expect(isEncryptedMessage((await sdkEncrypt(Buffer.from('x'), { suiteId })).toString('base64'))).toBe(true);
    }
  });

  test.each([
    ['empty', ''],
    ['a name', 'Ada Lovelace'],
    ['an email', 'ada@example.com'],
    ['base64 of text', Buffer.from('A'.repeat(200)).toString('base64')],
    ['base64 that starts like a message but is random', `AgR4${randomBytes(300).toString('base64').slice(4)}`],
  ])('false for %s', (_name, value) => {
    expect(isEncryptedMessage(value)).toBe(false);
  });

  test('false for non-strict encodings of a real message: base64url, whitespace, missing or altered padding', async () => {
    // 'Ada' + a 1-byte context makes the message length not a multiple of 3, so it has padding.
    let message = await codecMessage({ m: 'U' });
    while (message.length % 3 === 0) message = await codecMessage({ m: `U${message.length}` });
    const base64 = message.toString('base64');
    expect(base64.endsWith('=')).toBe(true);
    expect(isEncryptedMessage(base64)).toBe(true);
    expect(isEncryptedMessage(message.toString('base64url'))).toBe(false);
    expect(isEncryptedMessage(`${base64.slice(0, 40)}\n${base64.slice(40)}`)).toBe(false);
    expect(isEncryptedMessage(` ${base64}`)).toBe(false);
    expect(isEncryptedMessage(base64.replace(/=+$/, ''))).toBe(false);
    // Non-canonical: set a bit that padding says must be zero; Node would decode it to the same bytes.
    const padding = base64.endsWith('==') ? 2 : 1;
    const lastDataIndex = base64.length - 1 - padding;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const altered = `${base64.slice(0, lastDataIndex)}${alphabet[alphabet.indexOf(base64[lastDataIndex] as string) | 1]}${'='.repeat(padding)}`;
    expect(Buffer.from(altered, 'base64').equals(message)).toBe(true);
    expect(isEncryptedMessage(altered)).toBe(false);
  });

  test('false when the header is cut short, true when only the body is', async () => {
    const message = await codecMessage();
    const { headerLength } = parseMessageHeader(message);
    expect(isEncryptedMessage(message.subarray(0, headerLength - 1).toString('base64'))).toBe(false);
    expect(isEncryptedMessage(message.subarray(0, headerLength).toString('base64'))).toBe(true);
  });

  test('readStoredMessage returns the bytes and the parsed header', async () => {
    const message = await codecMessage();
    const stored = readStoredMessage(message.toString('base64'));
    expect(stored?.message.equals(message)).toBe(true);
    expect(stored?.header.encryptionContext).toEqual({ model: 'User' });
    expect(readStoredMessage('plain text')).toBeUndefined();
  });
});

describe('parseMessageHeader', () => {
  test('reads every field of a codec message', async () => {
    const materials = await encryptionMaterials({ model: 'User', field: 'email' });
    const message = encodeMessage({ suiteId: 0x0478, ...materials, plaintext: Buffer.from('Ada') });
    const header = parseMessageHeader(message);
    expect(header).toMatchObject({
      version: 2,
      suiteId: 0x0478,
      contentType: 'framed',
      frameLength: 4096,
      bodyShape: 'single-final-frame',
      signed: false,
    });
    expect(header.messageId).toHaveLength(32);
    expect(header.suiteData).toHaveLength(32);
    expect(header.headerAuthTag).toHaveLength(16);
    expect(header.headerLength).toBe(header.rawHeader.length + 16);
    expect(Object.getPrototypeOf(header.encryptionContext)).toBeNull();
    expect(Object.isFrozen(header.encryptionContext)).toBe(true);
    expect({ ...header.encryptionContext }).toEqual({ model: 'User', field: 'email' });
    expect(header.encryptedDataKeys).toHaveLength(1);
    const [edk] = header.encryptedDataKeys;
    const [expected] = materials.encryptedDataKeys;
    expect(edk?.providerId).toBe(expected?.providerId);
    expect(Buffer.from(edk?.encryptedDataKey ?? []).equals(Buffer.from(expected?.encryptedDataKey ?? []))).toBe(true);
    expect(Buffer.from(edk?.rawInfo ?? []).equals(Buffer.from(expected?.rawInfo ?? []))).toBe(true);
  });

  test('keeps a context key named __proto__ as data', async () => {
    const context = JSON.parse('{"__proto__":"polluted","model":"User"}') as Record<string, string>;
    const materials = await encryptionMaterials({ model: 'User' });
    const message = encodeMessage({ suiteId: 0x0478, ...materials, encryptionContext: context, plaintext: Buffer.from('x') });
    const parsed = parseMessageHeader(message).encryptionContext;
    expect(Object.keys(parsed).sort()).toEqual(['__proto__', 'model']);
    expect(parsed['__proto__']).toBe('polluted');
  });

  test('the encrypted data keys are copies, not views of the message', async () => {
    const message = await codecMessage();
    const header = parseMessageHeader(message);
    const before = Buffer.from(header.encryptedDataKeys[0]?.encryptedDataKey ?? []);
    message.fill(0);
    expect(Buffer.from(header.encryptedDataKeys[0]?.encryptedDataKey ?? []).equals(before)).toBe(true);
  });

  test.each([
    ['unknown-version', (m: Buffer) => (m[0] = 3)],
    ['unsupported-suite', (m: Buffer) => m.writeUInt16BE(0x0479, 1)],
    ['suite-version-mismatch', (m: Buffer) => m.writeUInt16BE(0x0178, 1)],
    ['encryption-context', (m: Buffer) => m.writeUInt16BE(m.readUInt16BE(35) - 1, 35)],
    ['truncated', (m: Buffer) => m.writeUInt16BE(0xffff, 35)],
    ['unknown-content-type', (m: Buffer, h: { rawHeader: Uint8Array }) => (m[h.rawHeader.length - 37] = 3)],
  ] as const)('refuses a header with %s', async (reason, corrupt) => {
    const message = await codecMessage();
    const header = parseMessageHeader(message);
    corrupt(message, header);
    expect(reasonOf(message)).toBe(reason);
  });

  test('refuses a header without encrypted data keys, and one with a duplicated context key', () => {
    // version, suite, message id, context {a: 'x', a: 'y'}, zero data keys
    const duplicate = Buffer.concat([
      Buffer.from([2, 0x04, 0x78]),
      Buffer.alloc(32),
      Buffer.from([0, 14, 0, 2, 0, 1, 0x61, 0, 1, 0x78, 0, 1, 0x61, 0, 1, 0x79]),
      Buffer.alloc(100),
    ]);
    expect(reasonOf(duplicate)).toBe('duplicate-encryption-context-key');
    const noKeys = Buffer.concat([Buffer.from([2, 0x04, 0x78]), Buffer.alloc(32), Buffer.from([0, 0, 0, 0]), Buffer.alloc(100)]);
    expect(reasonOf(noKeys)).toBe('no-encrypted-data-keys');
  });

  test('refuses a v1 header with non-zero reserved bytes or a wrong IV length', async () => {
    const message = await sdkEncrypt(Buffer.from('x'), { suiteId: 0x0178 });
    const { rawHeader } = parseMessageHeader(message);
    const reserved = Buffer.from(message);
    reserved[rawHeader.length - 9] = 1;
    expect(reasonOf(reserved)).toBe('reserved-bytes');
    const ivLength = Buffer.from(message);
    ivLength[rawHeader.length - 5] = 16;
    expect(reasonOf(ivLength)).toBe('header-iv-length');
  });
});
