/**
 * Issue 9, finding 3: a stored value cannot make the cipher hammer KMS. A message with more encrypted
 * data keys than `maxEncryptedDataKeys` is refused before any keyring call, and a data key that failed
 * to unwrap is not asked for again for a while. KMS calls are counted by kms-local itself.
 */
import { randomBytes } from 'node:crypto';
import { describeOnKmsLocal, openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { encodeMessage } from '../codec';
import {
  ConfigurationError,
  createFieldCipher,
  DecryptionError,
  EncryptedDataKeyLimitError,
  FIELD_CONTEXT_KEY,
  generateLocalKey,
  KeyringError,
  kmsKeyring,
  localAesKeyring,
  MODEL_CONTEXT_KEY,
  multiKeyring,
  type FieldRef,
} from '../index';
import { CountingKeyring } from '../__tests__/counting-keyring';

const email: FieldRef = { model: 'User', field: 'email' };

/** A value an attacker with write access can forge: the field's context, `count` junk EDKs naming `keyId`. */
function forgedValue(keyId: string, count: number, junk: () => Uint8Array = () => randomBytes(184)): string {
  return encodeMessage({
    suiteId: 0x0478,
    dataKey: randomBytes(32),
    plaintext: Buffer.from('forged'),
    encryptionContext: { [MODEL_CONTEXT_KEY]: email.model, [FIELD_CONTEXT_KEY]: email.field },
    encryptedDataKeys: Array.from({ length: count }, () => ({ providerId: 'aws-kms', providerInfo: keyId, encryptedDataKey: junk() })),
  }).toString('base64');
}

describe('maxEncryptedDataKeys (local keyring)', () => {
  it('Precondition: a value with more EDKs than the limit is refused before any keyring call', async () => {
    const keyring = new CountingKeyring(localAesKeyring({ key: generateLocalKey() }));
    const cipher = createFieldCipher({ keyring });
    const error = await cipher.decrypt(forgedValue('arn:aws:kms:us-east-1:111122223333:key/k', 4), email).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncryptedDataKeyLimitError);
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error).toMatchObject({ model: 'User', field: 'email', count: 4, limit: 3 });
    expect(keyring.decryptCalls).toBe(0);
    expect(cipher.stats.keyringDecryptCalls).toBe(0);
  });

  it('a limit of 4 reads a value of 4 EDKs, and a keyring that wraps 4 times cannot write under the default 3', async () => {
    const keys = Array.from({ length: 4 }, (_, i) => localAesKeyring({ key: generateLocalKey() }, { keyName: `k${i}` }));
    const keyring = multiKeyring({ generator: keys[0], children: keys.slice(1) });
    await expect(createFieldCipher({ keyring }).encrypt('ada', email)).rejects.toThrow(/maxEncryptedDataKeys \(3\)/);
    const four = createFieldCipher({ keyring, maxEncryptedDataKeys: 4 });
    const stored = await four.encrypt('ada', email);
    expect(await four.decrypt(stored, email)).toBe('ada');
    await expect(createFieldCipher({ keyring }).decrypt(stored, email)).rejects.toBeInstanceOf(EncryptedDataKeyLimitError);
  });

  it.each([0, -1, 1.5, 65536, Number.NaN])('refuses maxEncryptedDataKeys %p', (maxEncryptedDataKeys) => {
    expect(() => createFieldCipher({ keyring: localAesKeyring({ key: generateLocalKey() }), maxEncryptedDataKeys })).toThrow(ConfigurationError);
  });

  it.each([{ maxAgeMs: 0 }, { capacity: 0 }, { maxAgeMs: 1.5 }])('refuses failedUnwrapCache %p', (failedUnwrapCache) => {
    expect(() => createFieldCipher({ keyring: localAesKeyring({ key: generateLocalKey() }), failedUnwrapCache })).toThrow(ConfigurationError);
  });
});

describe('failed unwraps are remembered briefly (local keyring)', () => {
  it('a second read of the same bad data keys asks no keyring until maxAgeMs has passed', async () => {
    const key = generateLocalKey();
    const keyring = new CountingKeyring(localAesKeyring({ key }));
    const cipher = createFieldCipher({ keyring, failedUnwrapCache: { maxAgeMs: 300 } });
    // A value written under another key with this key's name: the data key does not authenticate.
    const stored = await createFieldCipher({ keyring: localAesKeyring({ key: generateLocalKey() }) }).encrypt('ada', email);
    const first = await cipher.decrypt(stored, email).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(KeyringError);
    expect(keyring.decryptCalls).toBe(1);
    for (let i = 0; i < 5; i++) await expect(cipher.decrypt(stored, email)).rejects.toBeInstanceOf(KeyringError);
    expect(keyring.decryptCalls).toBe(1);
    expect(cipher.stats).toMatchObject({ keyringDecryptCalls: 1, failedUnwrapRecalls: 5 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(cipher.decrypt(stored, email)).rejects.toBeInstanceOf(KeyringError);
    expect(keyring.decryptCalls).toBe(2);
  });

  it('failedUnwrapCache: false asks the keyring on every read', async () => {
    const keyring = new CountingKeyring(localAesKeyring({ key: generateLocalKey() }));
    const cipher = createFieldCipher({ keyring, failedUnwrapCache: false });
    const stored = await createFieldCipher({ keyring: localAesKeyring({ key: generateLocalKey() }) }).encrypt('ada', email);
    for (let i = 0; i < 3; i++) await expect(cipher.decrypt(stored, email)).rejects.toBeInstanceOf(KeyringError);
    expect(keyring.decryptCalls).toBe(3);
  });
});

describeOnKmsLocal(describe, 'KMS call counting')('forged values against kms-local (KMS calls counted by the server)', () => {
  let target: KmsTarget;
  let keyArn: string;

  beforeAll(async () => {
    target = await openKmsTarget();
    keyArn = (await target.createKey({ alias: uniqueAlias('edk-limits') })).arn;
  });
  afterAll(async () => {
    await target.close();
  });
  beforeEach(() => {
    target.faults?.clear();
    target.resetCalls();
  });

  const keyring = () => kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });

  it("a value naming the application's own KMS key 300 times makes no KMS call, on every read", async () => {
    const cipher = createFieldCipher({ keyring: keyring() });
    const forged = forgedValue(keyArn, 300);
    for (let i = 0; i < 3; i++) await expect(cipher.decrypt(forged, email)).rejects.toBeInstanceOf(EncryptedDataKeyLimitError);
    await expect(cipher.decryptMany(Array.from({ length: 20 }, () => ({ value: forged, field: email })))).rejects.toBeInstanceOf(EncryptedDataKeyLimitError);
    expect(target.calls()?.['Decrypt'] ?? 0).toBe(0);
  });

  it('a hot row with 3 junk EDKs costs 3 KMS Decrypts once, not on every read', async () => {
    const cipher = createFieldCipher({ keyring: keyring() });
    const forged = forgedValue(keyArn, 3);
    for (let i = 0; i < 50; i++) {
      const error = await cipher.decrypt(forged, email).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'KeyringError', awsErrorName: 'InvalidCiphertextException', field: 'email' });
    }
    expect(target.calls()?.['Decrypt']).toBe(3);
    expect(cipher.stats).toMatchObject({ keyringDecryptCalls: 1, failedUnwrapRecalls: 49 });
  });

  it('throttling is not remembered: the next read asks KMS again and succeeds', async () => {
    const stored = await createFieldCipher({ keyring: keyring() }).encrypt('ada', email);
    const reader = createFieldCipher({ keyring: keyring() });
    target.faults!.failNext(1, 'ThrottlingException', 'Decrypt');
    await expect(reader.decrypt(stored, email)).rejects.toMatchObject({ awsErrorName: 'ThrottlingException' });
    expect(await reader.decrypt(stored, email)).toBe('ada');
  });
});
