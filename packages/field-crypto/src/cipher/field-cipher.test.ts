import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import {
  ConfigurationError,
  createFieldCipher,
  DecryptionError,
  EncryptionContextMismatchError,
  FieldCryptoErrorCode,
  generateLocalKey,
  isFieldCryptoError,
  KeyringError,
  localAesKeyring,
  MalformedCiphertextError,
  type FieldRef,
} from '../index';
import { CountingKeyring } from '../__tests__/counting-keyring';
import { rejection } from '../__tests__/rejection';
import { parseMessageHeader } from '../codec';

const email: FieldRef = { model: 'User', field: 'email' };
const ssn: FieldRef = { model: 'User', field: 'ssn' };
const adminEmail: FieldRef = { model: 'Admin', field: 'email' };
const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

function setup(options: { cache?: Parameters<typeof createFieldCipher>[0]['cache']; encryptionContext?: Record<string, string> } = {}) {
  const key = generateLocalKey();
  const keyring = new CountingKeyring(localAesKeyring({ key }));
  const cipher = createFieldCipher({ keyring, ...options });
  return { key, keyring, cipher };
}

/** Flips one bit of byte `index` (negative: from the end). */
function flipByte(stored: string, index: number): string {
  const bytes = Buffer.from(stored, 'base64');
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('round trip', () => {
  it.each([
    ['ascii', 'ada@example.com'],
    ['empty string', ''],
    ['unicode', 'Zoë 李小龍 🙂 \u0000 ﷽'],
    ['longer than one 4096-byte frame', 'x'.repeat(10_000)],
  ])('%s comes back unchanged', async (_name, plaintext) => {
    const { cipher } = setup();
    const stored = await cipher.encrypt(plaintext, email);
    expect(stored).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(stored).not.toContain(plaintext || '\u0001');
    expect(await cipher.decrypt(stored, email)).toBe(plaintext);
  });

  it('encrypts the same plaintext to a different message every time (random message id)', async () => {
    const { cipher } = setup();
    const [a, b] = await cipher.encryptMany([
      { value: 'same', field: email },
      { value: 'same', field: email },
    ]);
    expect(a).not.toBe(b);
  });

  it('writes messages the SDK decrypts with the same keyring, with the field context', async () => {
    const { cipher, key } = setup({ encryptionContext: { app: 'billing' } });
    const stored = await cipher.encrypt('ada@example.com', email);
    const { plaintext, messageHeader } = await sdk.decrypt(localAesKeyring({ key }), Buffer.from(stored, 'base64'));
    expect(plaintext.toString('utf8')).toBe('ada@example.com');
    expect(messageHeader.encryptionContext).toEqual({ 'prisma-kms:model': 'User', 'prisma-kms:field': 'email', app: 'billing' });
    expect(messageHeader.suiteId).toBe(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
  });

  it("reads messages the SDK's encrypt wrote (fast path)", async () => {
    const { cipher, key } = setup();
    const { result } = await sdk.encrypt(localAesKeyring({ key }), Buffer.from('from the SDK'), {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: { 'prisma-kms:model': 'User', 'prisma-kms:field': 'email' },
    });
    expect(await cipher.decrypt(result.toString('base64'), email)).toBe('from the SDK');
    expect(cipher.stats.fastDecrypts).toBe(1);
  });

  it('keeps order in encryptMany/decryptMany across fields', async () => {
    const { cipher } = setup();
    const items = Array.from({ length: 50 }, (_, i) => ({ value: `value ${i}`, field: i % 2 ? email : ssn }));
    const stored = await cipher.encryptMany(items);
    const back = await cipher.decryptMany(stored.map((value, i) => ({ value, field: items[i]!.field })));
    expect(back).toEqual(items.map((item) => item.value));
  });
});

describe('encryption context check', () => {
  it('rejects a value copied to another field of the same model', async () => {
    const { cipher } = setup();
    const stored = await cipher.encrypt('123-45-6789', ssn);
    const error = await rejection(cipher.decrypt(stored, email));
    expect(error).toBeInstanceOf(EncryptionContextMismatchError);
    expect((error as EncryptionContextMismatchError).code).toBe(FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH);
    expect((error as EncryptionContextMismatchError).mismatchedKeys).toEqual(['prisma-kms:field']);
    expect((error as EncryptionContextMismatchError).model).toBe('User');
    expect((error as EncryptionContextMismatchError).field).toBe('email');
    expect(error.message).toContain('User.email');
    expect(error.message).not.toContain('123-45-6789');
  });

  it('rejects a value copied to the same field of another model', async () => {
    const { cipher } = setup();
    const stored = await cipher.encrypt('ada@example.com', email);
    const error = await rejection(cipher.decrypt(stored, adminEmail));
    expect(error).toBeInstanceOf(EncryptionContextMismatchError);
    expect((error as EncryptionContextMismatchError).mismatchedKeys).toEqual(['prisma-kms:model']);
  });

  it('rejects a value whose static context is missing or different', async () => {
    const key = generateLocalKey();
    const tenantA = createFieldCipher({ keyring: localAesKeyring({ key }), encryptionContext: { tenant: 'a' } });
    const tenantB = createFieldCipher({ keyring: localAesKeyring({ key }), encryptionContext: { tenant: 'b' } });
    const none = createFieldCipher({ keyring: localAesKeyring({ key }) });
    const stored = await tenantA.encrypt('secret', email);
    expect(await rejection(tenantB.decrypt(stored, email))).toBeInstanceOf(EncryptionContextMismatchError);
    expect(await rejection(tenantA.decrypt(await none.encrypt('secret', email), email))).toBeInstanceOf(
      EncryptionContextMismatchError,
    );
    // Extra pairs in the message are fine: the reader's static context is a subset.
    expect(await none.decrypt(stored, email)).toBe('secret');
  });

  it('checks the context before asking the keyring for anything', async () => {
    const { cipher, keyring } = setup();
    const stored = await cipher.encrypt('x', ssn);
    const calls = keyring.decryptCalls;
    await expect(cipher.decrypt(stored, email)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    expect(keyring.decryptCalls).toBe(calls);
  });
});

describe('tampering and malformed values', () => {
  it('rejects a flipped bit in the body, the header tag and the commitment', async () => {
    const { cipher } = setup();
    const stored = await cipher.encrypt('ada@example.com', email);
    const { headerLength } = parseMessageHeader(Buffer.from(stored, 'base64'));
    const places = {
      bodyTag: -1,
      bodyCiphertext: -20,
      frameIv: headerLength + 10,
      headerAuthTag: headerLength - 1,
      commitment: headerLength - 16 - 1,
      messageId: 10,
    };
    for (const index of Object.values(places)) {
      const error = await rejection(cipher.decrypt(flipByte(stored, index), email));
      expect(isFieldCryptoError(error)).toBe(true);
      expect([FieldCryptoErrorCode.DECRYPTION_FAILED, FieldCryptoErrorCode.MALFORMED_CIPHERTEXT]).toContain(
        (error as DecryptionError).code,
      );
      expect(error.message).not.toContain('ada@example.com');
    }
    expect(await cipher.decrypt(stored, email)).toBe('ada@example.com');
  });

  it('reports a failed tag as DecryptionError naming the field', async () => {
    const { cipher } = setup();
    const stored = await cipher.encrypt('ada@example.com', email);
    const error = await rejection(cipher.decrypt(flipByte(stored, -1), email));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error.message).toMatch(/^User\.email: /);
  });

  it.each([
    ['plaintext', 'Ada Lovelace'],
    ['not base64', '!!!!'],
    ['empty', ''],
    ['base64 of garbage', Buffer.from('hello world, not a message at all, really not one '.repeat(3)).toString('base64')],
  ])('rejects %s as MalformedCiphertextError', async (_name, value) => {
    const { cipher } = setup();
    const error = await rejection(cipher.decrypt(value, email));
    expect(error).toBeInstanceOf(MalformedCiphertextError);
    expect((error as MalformedCiphertextError).code).toBe(FieldCryptoErrorCode.MALFORMED_CIPHERTEXT);
    if (value) expect(error.message).not.toContain(value);
  });

  it('rejects a truncated message', async () => {
    const { cipher } = setup();
    const bytes = Buffer.from(await cipher.encrypt('ada@example.com', email), 'base64');
    const truncated = bytes.subarray(0, bytes.length - 3).toString('base64');
    const error = await rejection(cipher.decrypt(truncated, email));
    expect([MalformedCiphertextError, DecryptionError].some((type) => error instanceof type)).toBe(true);
  });

  it('fails with KeyringError when no key in the keyring can decrypt the data key', async () => {
    const writer = setup().cipher;
    const reader = setup().cipher; // another random key, same names
    const stored = await writer.encrypt('ada@example.com', email);
    const error = await rejection(reader.decrypt(stored, email));
    expect(error).toBeInstanceOf(KeyringError);
    expect((error as KeyringError).model).toBe('User');
    expect(error.message).not.toContain('ada@example.com');
  });
});

describe('data-key cache', () => {
  it('a cold encryptMany of 1,000 values x 2 fields makes 2 generate calls; decryptMany 2 decrypt calls', async () => {
    const { cipher, keyring, key } = setup();
    const items = Array.from({ length: 2000 }, (_, i) => ({ value: `person ${i}`, field: i % 2 ? email : ssn }));
    const stored = await cipher.encryptMany(items);
    expect(keyring.generateCalls).toBe(2);
    expect(cipher.stats.keyringGenerateCalls).toBe(2);

    const reader = new CountingKeyring(localAesKeyring({ key }));
    const readerCipher = createFieldCipher({ keyring: reader });
    const back = await readerCipher.decryptMany(stored.map((value, i) => ({ value, field: items[i]!.field })));
    expect(back).toEqual(items.map((item) => item.value));
    expect(reader.decryptCalls).toBe(2);
    expect(readerCipher.stats).toMatchObject({ decrypted: 2000, fastDecrypts: 2000, keyringDecryptCalls: 2 });
  });

  it('serves warm values from the cache', async () => {
    const { cipher, keyring } = setup();
    const stored = await cipher.encrypt('a', email);
    await cipher.decrypt(stored, email);
    await cipher.encrypt('b', email);
    await cipher.decrypt(stored, email);
    expect(keyring.generateCalls).toBe(1);
    expect(keyring.decryptCalls).toBe(1);
    expect(cipher.stats).toMatchObject({ cacheHits: 2, cacheMisses: 2 });
  });

  it('maxMessages forces a new data key', async () => {
    const { cipher, keyring } = setup({ cache: { maxMessages: 10 } });
    const stored: string[] = [];
    for (let i = 0; i < 25; i += 1) stored.push(await cipher.encrypt(`v${i}`, email));
    expect(keyring.generateCalls).toBe(3);
    expect(new Set(stored.map(edkOf)).size).toBe(3);
  });

  it('maxMessages holds under concurrency: every data key encrypts at most maxMessages values', async () => {
    const { cipher, keyring } = setup({ cache: { maxMessages: 5 } });
    const stored = await cipher.encryptMany(Array.from({ length: 23 }, (_, i) => ({ value: `v${i}`, field: email })));
    expect(keyring.generateCalls).toBe(5);
    const perDataKey = new Map<string, number>();
    for (const value of stored) {
      const edk = edkOf(value);
      perDataKey.set(edk, (perDataKey.get(edk) ?? 0) + 1);
    }
    expect(perDataKey.size).toBe(5);
    expect(Math.max(...perDataKey.values())).toBeLessThanOrEqual(5);
  });

  it('keeps values under different data keys apart in the decrypt cache', async () => {
    const { cipher, key } = setup({ cache: { maxMessages: 1 } });
    const stored: string[] = [];
    for (let i = 0; i < 5; i += 1) stored.push(await cipher.encrypt(`v${i}`, email));
    expect(new Set(stored.map(edkOf)).size).toBe(5);
    const reader = new CountingKeyring(localAesKeyring({ key }));
    const readerCipher = createFieldCipher({ keyring: reader });
    for (let round = 0; round < 2; round += 1) {
      expect(await readerCipher.decryptMany(stored.map((value) => ({ value, field: email })))).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    }
    expect(reader.decryptCalls).toBe(5);
  });

  it('maxBytes forces a new data key', async () => {
    const { cipher, keyring } = setup({ cache: { maxBytes: 100 } });
    for (let i = 0; i < 5; i += 1) await cipher.encrypt('x'.repeat(40), email); // 40, 80, (120 > 100) ...
    expect(keyring.generateCalls).toBe(3);
  });

  it('a value larger than maxBytes is encrypted with a data key that is never cached', async () => {
    const { cipher, keyring } = setup({ cache: { maxBytes: 10 } });
    await cipher.encrypt('x'.repeat(11), email);
    await cipher.encrypt('x'.repeat(11), email);
    expect(keyring.generateCalls).toBe(2);
  });

  it('maxAge expires data keys', async () => {
    const { cipher, keyring } = setup({ cache: { maxAgeMs: 30 } });
    const stored = await cipher.encrypt('a', email);
    await cipher.decrypt(stored, email);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await cipher.encrypt('b', email);
    await cipher.decrypt(stored, email);
    expect(keyring.generateCalls).toBe(2);
    expect(keyring.decryptCalls).toBe(2);
  });

  it('capacity evicts the least recently used data key', async () => {
    const { cipher, keyring } = setup({ cache: { capacity: 1 } });
    await cipher.encrypt('a', email);
    await cipher.encrypt('b', ssn);
    await cipher.encrypt('c', email);
    expect(keyring.generateCalls).toBe(3);
  });

  it('cache: false asks the keyring for every value', async () => {
    const { cipher, keyring } = setup({ cache: false });
    const stored = await cipher.encryptMany([
      { value: 'a', field: email },
      { value: 'b', field: email },
      { value: 'c', field: email },
    ]);
    await cipher.decryptMany(stored.map((value) => ({ value, field: email })));
    expect(keyring.generateCalls).toBe(3);
    expect(keyring.decryptCalls).toBe(3);
  });
});

describe('single-flight', () => {
  it('concurrent misses for one field share one keyring call', async () => {
    const { cipher, keyring, key } = setup();
    keyring.close();
    const writes = Array.from({ length: 50 }, (_, i) => cipher.encrypt(`v${i}`, email));
    await new Promise((resolve) => setImmediate(resolve));
    expect(keyring.generateCalls).toBe(1);
    keyring.open();
    const stored = await Promise.all(writes);
    expect(new Set(stored.map(edkOf)).size).toBe(1);

    const reader = new CountingKeyring(localAesKeyring({ key }));
    const readerCipher = createFieldCipher({ keyring: reader });
    reader.close();
    const reads = stored.map((value) => readerCipher.decrypt(value, email));
    await new Promise((resolve) => setImmediate(resolve));
    reader.open();
    expect(await Promise.all(reads)).toEqual(stored.map((_, i) => `v${i}`));
    expect(reader.decryptCalls).toBe(1);
  });

  it('a failed flight fails every waiter with a KeyringError, and the next request flies again', async () => {
    const { cipher, keyring } = setup();
    keyring.failWith = Object.assign(new Error('KMS said no'), { name: 'AccessDeniedException' });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => cipher.encrypt('secret value', email)));
    expect(keyring.generateCalls).toBe(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as KeyringError;
      expect(error).toBeInstanceOf(KeyringError);
      expect(error.code).toBe(FieldCryptoErrorCode.KEYRING_FAILED);
      expect(error.awsErrorName).toBe('AccessDeniedException');
      expect(error.model).toBe('User');
      expect(error.field).toBe('email');
      expect(error.message).not.toContain('secret value');
    }
    keyring.failWith = undefined;
    expect(await cipher.decrypt(await cipher.encrypt('ok', email), email)).toBe('ok');
    expect(keyring.generateCalls).toBe(2);
  });
});

describe('SDK fallback', () => {
  it('a signing suite is written and read by the SDK, with the same context check', async () => {
    const key = generateLocalKey();
    const cipher = createFieldCipher({
      keyring: localAesKeyring({ key }),
      suite: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    });
    const stored = await cipher.encrypt('signed', email);
    expect(await cipher.decrypt(stored, email)).toBe('signed');
    expect(cipher.stats).toMatchObject({ sdkEncrypts: 1, sdkDecrypts: 1, fastEncrypts: 0, fastDecrypts: 0 });
    expect(await rejection(cipher.decrypt(stored, ssn))).toBeInstanceOf(EncryptionContextMismatchError);
    expect(await rejection(cipher.decrypt(flipByte(stored, -10), email))).toBeInstanceOf(DecryptionError);
  });

  it('multi-frame messages written by the SDK are read by the SDK', async () => {
    const { cipher, key } = setup();
    const { result } = await sdk.encrypt(localAesKeyring({ key }), Buffer.from('y'.repeat(300)), {
      encryptionContext: { 'prisma-kms:model': 'User', 'prisma-kms:field': 'email' },
      frameLength: 128,
    });
    expect(await cipher.decrypt(result.toString('base64'), email)).toBe('y'.repeat(300));
    expect(cipher.stats.sdkDecrypts).toBe(1);
  });
});

describe('inspect and currentWrappingKey', () => {
  it('inspect tells plaintext from ciphertext by parsing the header', async () => {
    const { cipher } = setup({ encryptionContext: { app: 'billing' } });
    expect(cipher.inspect('Ada Lovelace')).toEqual({ kind: 'plaintext' });
    expect(cipher.inspect('')).toEqual({ kind: 'plaintext' });
    expect(cipher.inspect('QUFBQQ==')).toEqual({ kind: 'plaintext' });
    const stored = await cipher.encrypt('Ada', email);
    expect(cipher.inspect(stored)).toEqual({
      kind: 'ciphertext',
      version: 2,
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: { 'prisma-kms:model': 'User', 'prisma-kms:field': 'email', app: 'billing' },
      wrappingKeys: [{ providerId: 'prisma-kms', keyId: 'local-key' }],
    });
  });

  it('currentWrappingKey names the local key, once', async () => {
    const key = generateLocalKey();
    const keyring = new CountingKeyring(localAesKeyring({ key }, { keyNamespace: 'acme', keyName: 'dev-2024' }));
    const cipher = createFieldCipher({ keyring });
    expect(await cipher.currentWrappingKey()).toEqual({ providerId: 'acme', keyId: 'dev-2024' });
    expect(await cipher.currentWrappingKey()).toEqual({ providerId: 'acme', keyId: 'dev-2024' });
    expect(keyring.generateCalls).toBe(1);
  });
});

describe('configuration', () => {
  const keyring = localAesKeyring({ key: generateLocalKey() });

  it.each([
    [{ 'prisma-kms:model': 'x' }],
    [{ 'aws-crypto-public-key': 'x' }],
    [{ '': 'x' }],
    [{ app: 1 as unknown as string }],
  ])('rejects the static context %j', (encryptionContext) => {
    expect(() => createFieldCipher({ keyring, encryptionContext })).toThrow(ConfigurationError);
  });

  it.each([[{ maxAgeMs: 0 }], [{ maxMessages: 2 ** 33 }], [{ maxBytes: -1 }], [{ capacity: 1.5 }]])(
    'rejects the cache limits %j',
    (cache) => {
      expect(() => createFieldCipher({ keyring, cache })).toThrow(ConfigurationError);
    },
  );

  it('rejects a non-committing suite, and a missing keyring', () => {
    expect(() => createFieldCipher({ keyring, suite: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256 })).toThrow(
      ConfigurationError,
    );
    expect(() => createFieldCipher({ keyring: {} as never })).toThrow(ConfigurationError);
  });

  it('rejects an empty field reference and a non-string value', async () => {
    const cipher = createFieldCipher({ keyring });
    expect(await rejection(cipher.encrypt('x', { model: '', field: 'email' }))).toBeInstanceOf(ConfigurationError);
    const error = await rejection(cipher.encrypt(42 as unknown as string, email));
    expect((error as DecryptionError).code).toBe(FieldCryptoErrorCode.ENCRYPTION_FAILED);
  });
});

/** The first encrypted data key of a stored value: equal for values that share a data key. */
function edkOf(stored: string): string {
  const [edk] = parseMessageHeader(Buffer.from(stored, 'base64')).encryptedDataKeys;
  return Buffer.from(edk!.encryptedDataKey).toString('base64');
}
