/**
 * The encoder: a pinned vector the SDK decrypts, fresh message ids, and the inputs it refuses.
 */
import {
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  buildClient,
} from '@aws-crypto/client-node';
import { CodecInputError, decodeMessage, encodeMessage, parseMessageHeader, type CodecInputReason, type EncodeMessageInput } from './index';
import { encryptionMaterials } from './__tests__/sdk-oracle';
import vector from './__fixtures__/v2-committing-single-frame.json';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');
const vectorInput: EncodeMessageInput = {
  suiteId: 0x0478,
  dataKey: hex(vector.dataKeyHex),
  encryptedDataKeys: [
    {
      providerId: vector.encryptedDataKey.providerId,
      providerInfo: hex(vector.encryptedDataKey.rawInfoHex).toString('utf8'),
      rawInfo: hex(vector.encryptedDataKey.rawInfoHex),
      encryptedDataKey: hex(vector.encryptedDataKey.encryptedDataKeyHex),
    },
  ],
  encryptionContext: vector.encryptionContext,
  plaintext: Buffer.from(vector.plaintext, 'utf8'),
};

describe('the pinned vector', () => {
  test('the codec writes exactly its bytes given its message id', () => {
    const message = encodeMessage(vectorInput, { unsafeFixedMessageIdForTests: hex(vector.messageIdHex) });
    expect(message.toString('hex')).toBe(vector.messageHex);
  });

  test('the SDK decrypts it with the fixed raw AES key', async () => {
    const keyring = new RawAesKeyringNode({
      keyNamespace: vector.keyNamespace,
      keyName: vector.keyName,
      unencryptedMasterKey: Uint8Array.from(hex(vector.masterKeyHex)),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    const { plaintext, messageHeader } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(
      keyring,
      hex(vector.messageHex),
    );
    expect(plaintext.toString('utf8')).toBe(vector.plaintext);
    expect({ ...messageHeader.encryptionContext }).toEqual(vector.encryptionContext);
  });

  test('the codec decrypts it', () => {
    const message = hex(vector.messageHex);
    expect(decodeMessage(message, parseMessageHeader(message), hex(vector.dataKeyHex)).toString('utf8')).toBe(vector.plaintext);
  });
});

test('two encodes of the same value never share a message id or a ciphertext', () => {
  const ids = new Set<string>();
  const messages = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const message = encodeMessage(vectorInput);
    ids.add(Buffer.from(parseMessageHeader(message).messageId).toString('hex'));
    messages.add(message.toString('hex'));
  }
  expect(ids.size).toBe(2000);
  expect(messages.size).toBe(2000);
});

test('the caller data key is read, not modified', () => {
  const dataKey = hex(vector.dataKeyHex);
  encodeMessage({ ...vectorInput, dataKey });
  expect(dataKey.toString('hex')).toBe(vector.dataKeyHex);
});

describe('refused inputs', () => {
  const refusal = (input: Partial<EncodeMessageInput>): CodecInputReason | 'accepted' => {
    try {
      encodeMessage({ ...vectorInput, ...input });
      return 'accepted';
    } catch (error) {
      expect(error).toBeInstanceOf(CodecInputError);
      return (error as CodecInputError).reason;
    }
  };

  test.each([
    ['a v1 suite', { suiteId: 0x0178 }, 'unsupported-encrypt-suite'],
    ['a signed suite', { suiteId: 0x0578 }, 'unsupported-encrypt-suite'],
    ['a 16-byte data key', { dataKey: new Uint8Array(16) }, 'data-key-length'],
    ['frame length 0', { frameLength: 0 }, 'frame-length'],
    ['frame length 2^32', { frameLength: 2 ** 32 }, 'frame-length'],
    ['a fractional frame length', { frameLength: 1.5 }, 'frame-length'],
    ['no encrypted data keys', { encryptedDataKeys: [] }, 'encrypted-data-key-count'],
    ['a context value that is not a string', { encryptionContext: { a: 1 as unknown as string } }, 'encryption-context-value'],
    ['a context over 64 KiB', { encryptionContext: { big: 'x'.repeat(70000) } }, 'encryption-context-too-large'],
  ] as const)('%s', (_name, input, reason) => {
    expect(refusal(input as Partial<EncodeMessageInput>)).toBe(reason);
  });

  test('a KeyObject data key of the wrong size', async () => {
    const materials = await encryptionMaterials();
    const { createSecretKey } = await import('node:crypto');
    expect(refusal({ ...materials, dataKey: createSecretKey(new Uint8Array(16)) })).toBe('data-key-length');
  });
});
