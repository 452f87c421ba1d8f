import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { FieldCryptoErrorCode, isFieldCryptoError } from '../errors';
import { BlindIndexErrorReason, isBlindIndexError } from './errors';
import {
  createIndexKey,
  INDEX_KEY_BYTES,
  INDEX_KEY_CONTEXT,
  indexKeyBytes,
  indexKeyWrappingKeys,
  loadIndexKeys,
  rewrapIndexKeys,
  splitIndexKeyMessages,
} from './index-key';
import { multiKeyring } from '../keyrings/multi-keyring';
import { rotationKeyring } from '../keyrings/rotation-keyring';
import { randomAesKeyring } from './__tests__/keyrings';
import { rejection } from '../__tests__/rejection';

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const keyring = randomAesKeyring();

describe('createIndexKey', () => {
  test('returns a base64 Encryption SDK message that the SDK decrypts with the same keyring to a 32-byte key', async () => {
    const message = await createIndexKey(keyring, { version: 1 });
    expect(message).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const { plaintext, messageHeader } = await sdk.decrypt(keyring, Buffer.from(message, 'base64'));
    expect(plaintext).toHaveLength(INDEX_KEY_BYTES);
    expect(messageHeader.encryptionContext).toEqual({
      [INDEX_KEY_CONTEXT.purposeKey]: 'blind-index-key',
      [INDEX_KEY_CONTEXT.versionKey]: '1',
    });
    expect(messageHeader.suiteId).toBe(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
  });

  test('the message does not fail to decrypt only by accident: another keyring cannot decrypt it', async () => {
    const message = await createIndexKey(keyring, { version: 1 });
    await expect(sdk.decrypt(randomAesKeyring(), Buffer.from(message, 'base64'))).rejects.toThrow();
  });

  test('every call makes a new random key', async () => {
    const a = await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]);
    const b = await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]);
    expect(indexKeyBytes(a, 1).equals(indexKeyBytes(b, 1))).toBe(false);
  });

  test('the key bytes never appear in the message (it is encrypted, not encoded)', async () => {
    const message = await createIndexKey(keyring, { version: 1 });
    const keys = await loadIndexKeys(keyring, [message]);
    expect(Buffer.from(message, 'base64').includes(indexKeyBytes(keys, 1))).toBe(false);
  });

  test.each([0, -1, 1.5, Number.NaN, 2 ** 31])('Precondition: version %p is refused', async (version) => {
    const e = await rejection(createIndexKey(keyring, { version }));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_VERSIONS);
  });

  test('Precondition: extra encryption context may not use the reserved prefixes', async () => {
    const e = await rejection(createIndexKey(keyring, { version: 1, encryptionContext: { 'prisma-kms:purpose': 'x' } }));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INVALID_OPTIONS);
  });
});

describe('loadIndexKeys', () => {
  test('loads one key: current is its version', async () => {
    const keys = await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 3 })]);
    expect(keys.current).toBe(3);
    expect(keys.versions).toEqual([3]);
    expect(indexKeyBytes(keys, 3)).toHaveLength(32);
  });

  test('several versions in any order: current is the highest, versions are current first then descending', async () => {
    const messages = await Promise.all([2, 5, 1].map((version) => createIndexKey(keyring, { version })));
    const keys = await loadIndexKeys(keyring, messages);
    expect(keys.current).toBe(5);
    expect(keys.versions).toEqual([5, 2, 1]);
  });

  test('a named current version (a new key loaded everywhere before writes switch to it)', async () => {
    const messages = await Promise.all([1, 2].map((version) => createIndexKey(keyring, { version })));
    const keys = await loadIndexKeys(keyring, messages, { current: 1 });
    expect(keys.current).toBe(1);
    expect(keys.versions).toEqual([1, 2]);
  });

  test('Precondition: the named current version must be loaded', async () => {
    const e = await rejection(loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })], { current: 2 }));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_VERSIONS);
  });

  test('Precondition: at least one key', async () => {
    const e = await rejection(loadIndexKeys(keyring, []));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_VERSIONS);
  });

  test('Precondition: one key per version', async () => {
    const messages = await Promise.all([1, 1].map((version) => createIndexKey(keyring, { version })));
    const e = await rejection(loadIndexKeys(keyring, messages));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_VERSIONS);
  });

  test('a message from another keyring fails with INDEX_KEY_UNREADABLE and a DECRYPTION_FAILED code', async () => {
    const message = await createIndexKey(randomAesKeyring('other'), { version: 1 });
    const e = await rejection(loadIndexKeys(keyring, [message]));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_UNREADABLE);
    expect(isFieldCryptoError(e) && e.code).toBe(FieldCryptoErrorCode.DECRYPTION_FAILED);
  });

  test('garbage and a tampered message are unreadable', async () => {
    const message = Buffer.from(await createIndexKey(keyring, { version: 1 }), 'base64');
    message[message.length - 5]! ^= 1;
    for (const bad of ['not a message', message.toString('base64')]) {
      const e = await rejection(loadIndexKeys(keyring, [bad]));
      expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_UNREADABLE);
    }
  });

  test('a message of the same keyring with another encryption context (an encrypted field value) is refused', async () => {
    const { result } = await sdk.encrypt(keyring, randomBytes(32), {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: { 'prisma-kms:model': 'User', 'prisma-kms:field': 'email' },
    });
    const e = await rejection(loadIndexKeys(keyring, [result.toString('base64')]));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_CONTEXT);
    expect(isFieldCryptoError(e) && e.code).toBe(FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH);
  });

  test('a message with the index key context but a bad version or extra keys is refused', async () => {
    const contexts: Record<string, string>[] = [
      { [INDEX_KEY_CONTEXT.purposeKey]: 'blind-index-key', [INDEX_KEY_CONTEXT.versionKey]: '01' },
      { [INDEX_KEY_CONTEXT.purposeKey]: 'blind-index-key' },
      { [INDEX_KEY_CONTEXT.purposeKey]: 'blind-index-key', [INDEX_KEY_CONTEXT.versionKey]: '1', tenant: 'a' },
    ];
    for (const context of contexts) {
      const { result } = await sdk.encrypt(keyring, randomBytes(32), { encryptionContext: context });
      const e = await rejection(loadIndexKeys(keyring, [result.toString('base64')]));
      expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_CONTEXT);
    }
  });

  test('a message with the right context but not 32 bytes inside is refused', async () => {
    const { result } = await sdk.encrypt(keyring, randomBytes(16), {
      encryptionContext: { [INDEX_KEY_CONTEXT.purposeKey]: 'blind-index-key', [INDEX_KEY_CONTEXT.versionKey]: '1' },
    });
    const e = await rejection(loadIndexKeys(keyring, [result.toString('base64')]));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_LENGTH);
  });

  test('static encryption context must match in both directions', async () => {
    const withTenant = await createIndexKey(keyring, { version: 1, encryptionContext: { app: 'billing' } });
    await expect(loadIndexKeys(keyring, [withTenant], { encryptionContext: { app: 'billing' } })).resolves.toMatchObject({ current: 1 });
    const wrongApp = await rejection(loadIndexKeys(keyring, [withTenant], { encryptionContext: { app: 'crm' } }));
    expect(isBlindIndexError(wrongApp) && wrongApp.reason).toBe(BlindIndexErrorReason.INDEX_KEY_CONTEXT);
    const missing = await rejection(loadIndexKeys(keyring, [withTenant]));
    expect(isBlindIndexError(missing) && missing.reason).toBe(BlindIndexErrorReason.INDEX_KEY_CONTEXT);
  });

  test('surrounding white space (a trailing newline from a file) is ignored', async () => {
    const message = await createIndexKey(keyring, { version: 1 });
    await expect(loadIndexKeys(keyring, [`\n${message}\n`])).resolves.toMatchObject({ current: 1 });
  });

  test('a key set shows versions only: no key bytes when printed or serialized', async () => {
    const keys = await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]);
    const key = indexKeyBytes(keys, 1);
    const printed = JSON.stringify(keys) + inspect(keys, { showHidden: true, depth: 10 });
    for (const encoding of ['hex', 'base64'] as const) expect(printed).not.toContain(key.toString(encoding));
    expect(JSON.parse(JSON.stringify(keys))).toEqual({ current: 1, versions: [1] });
  });

  test('Precondition: only sets made by loadIndexKeys hold keys', () => {
    expect(() => indexKeyBytes({ current: 1, versions: [1] }, 1)).toThrow(expect.objectContaining({ reason: BlindIndexErrorReason.INDEX_KEY_VERSIONS }));
  });
});

describe('splitIndexKeyMessages', () => {
  test('one message per line; blank lines, comments and CRLF ignored', () => {
    expect(splitIndexKeyMessages('# index keys\r\nAAA=\r\n\n  BBB=  \n#old\n')).toEqual(['AAA=', 'BBB=']);
  });
});

describe('rewrapIndexKeys', () => {
  const oldKey = randomAesKeyring('old-key');
  const newKey = randomAesKeyring('new-key');
  const retiring = rotationKeyring({ current: newKey, previous: [oldKey] });

  test('moves every message to the current key alone, keeping the key bytes, versions and order', async () => {
    const messages = [await createIndexKey(oldKey, { version: 2 }), await createIndexKey(oldKey, { version: 1 })];
    const before = await loadIndexKeys(oldKey, messages);
    const rewrapped = await rewrapIndexKeys(retiring, messages);
    expect(rewrapped.map((m) => indexKeyWrappingKeys(m))).toEqual([
      { version: 2, wrappingKeys: [{ providerId: 'prisma-kms-test', keyId: 'new-key' }] },
      { version: 1, wrappingKeys: [{ providerId: 'prisma-kms-test', keyId: 'new-key' }] },
    ]);
    // The new key alone loads them, and they are the same keys: no blind index needs rebuilding.
    const after = await loadIndexKeys(newKey, rewrapped);
    expect(after.versions).toEqual([2, 1]);
    for (const version of [1, 2]) expect(indexKeyBytes(after, version).equals(indexKeyBytes(before, version))).toBe(true);
    await expect(loadIndexKeys(oldKey, rewrapped)).rejects.toThrow(/could not be decrypted/);
  });

  test('keeps the extra encryption context', async () => {
    const encryptionContext = { app: 'billing' };
    const message = await createIndexKey(oldKey, { version: 1, encryptionContext });
    const [rewrapped] = await rewrapIndexKeys(retiring, [message], { encryptionContext });
    expect((await loadIndexKeys(newKey, [rewrapped!], { encryptionContext })).versions).toEqual([1]);
  });

  test('refuses two messages of one version, and a message the keyring cannot read, naming its position', async () => {
    const one = await createIndexKey(oldKey, { version: 1 });
    const e = await rejection(rewrapIndexKeys(retiring, [one, await createIndexKey(oldKey, { version: 1 })]));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_VERSIONS);
    const unreadable = await rejection(rewrapIndexKeys(retiring, [one, await createIndexKey(randomAesKeyring('other'), { version: 2 })]));
    expect(isBlindIndexError(unreadable) && unreadable.message).toMatch(/index key #2 could not be decrypted/);
  });
});

describe('indexKeyWrappingKeys', () => {
  test('reads the version and wrapping keys from the header; refuses text that is not a message', async () => {
    const both = multiKeyring({ generator: randomAesKeyring('a'), children: [randomAesKeyring('b')] });
    expect(indexKeyWrappingKeys(await createIndexKey(both, { version: 3 }))).toEqual({
      version: 3,
      wrappingKeys: [{ providerId: 'prisma-kms-test', keyId: 'a' }, { providerId: 'prisma-kms-test', keyId: 'b' }],
    });
    const e = (() => { try { indexKeyWrappingKeys('bm90IGEgbWVzc2FnZQ=='); } catch (error) { return error; } })();
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_UNREADABLE);
  });
});
