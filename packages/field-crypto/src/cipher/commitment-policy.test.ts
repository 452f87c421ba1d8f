/**
 * Legacy reads: v1 messages (no key commitment) written by another Encryption SDK, read under each
 * commitment policy the cipher offers.
 */
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import {
  CommitmentPolicyError,
  ConfigurationError,
  createFieldCipher,
  DecryptionError,
  FieldCryptoErrorCode,
  FIELD_CONTEXT_KEY,
  generateLocalKey,
  localAesKeyring,
  MODEL_CONTEXT_KEY,
  type FieldCommitmentPolicy,
  type FieldRef,
} from '../index';
import { CountingKeyring } from '../__tests__/counting-keyring';

const email: FieldRef = { model: 'User', field: 'email' };
const context = { [MODEL_CONTEXT_KEY]: email.model, [FIELD_CONTEXT_KEY]: email.field };
/** The only policy under which an Encryption SDK still writes v1 (non-committing) messages. */
const legacyWriter = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

async function v1Message(
  keyring: ReturnType<typeof localAesKeyring>,
  plaintext: string,
  suiteId: AlgorithmSuiteIdentifier,
  frameLength?: number,
): Promise<string> {
  const { result, messageHeader } = await legacyWriter.encrypt(keyring, plaintext, {
    suiteId,
    encryptionContext: context,
    ...(frameLength === undefined ? {} : { frameLength }),
  });
  expect(messageHeader.version).toBe(1);
  return result.toString('base64');
}

function reader(key: string, commitmentPolicy?: FieldCommitmentPolicy) {
  const keyring = new CountingKeyring(localAesKeyring({ key }));
  return { keyring, cipher: createFieldCipher({ keyring, ...(commitmentPolicy ? { commitmentPolicy } : {}) }) };
}

describe('commitmentPolicy', () => {
  const key = generateLocalKey();
  const writerKeyring = localAesKeyring({ key });

  it.each([
    ['HKDF-SHA256, not signed (fast path)', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256, undefined, 'fast'],
    ['no KDF (fast path, never cached)', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16, undefined, 'fast'],
    ['signed (SDK fallback)', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, undefined, 'sdk'],
    ['several frames (SDK fallback)', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256, 8, 'sdk'],
  ] as const)('a v1 message (%s) decrypts under REQUIRE_ENCRYPT_ALLOW_DECRYPT', async (_name, suiteId, frameLength, path) => {
    const stored = await v1Message(writerKeyring, 'ada@example.com', suiteId, frameLength);
    const { cipher } = reader(key, 'REQUIRE_ENCRYPT_ALLOW_DECRYPT');
    expect(await cipher.decrypt(stored, email)).toBe('ada@example.com');
    expect(path === 'fast' ? cipher.stats.fastDecrypts : cipher.stats.sdkDecrypts).toBe(1);
  });

  it.each([undefined, 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT'] as const)(
    'a v1 message is refused under %s (the default), with a CommitmentPolicyError naming the policy, before any key is asked',
    async (policy) => {
      const stored = await v1Message(writerKeyring, 'ada@example.com', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256);
      const { cipher, keyring } = reader(key, policy);
      const error = await cipher.decrypt(stored, email).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CommitmentPolicyError);
      expect(error).toBeInstanceOf(DecryptionError);
      const refusal = error as CommitmentPolicyError;
      expect(refusal.code).toBe(FieldCryptoErrorCode.DECRYPTION_FAILED);
      expect(refusal.policy).toBe('REQUIRE_ENCRYPT_REQUIRE_DECRYPT');
      expect(refusal.message).toContain('REQUIRE_ENCRYPT_REQUIRE_DECRYPT');
      expect(refusal.message).toContain('REQUIRE_ENCRYPT_ALLOW_DECRYPT');
      expect(refusal.message).not.toContain('ada@example.com');
      expect(refusal.field).toBe('email');
      expect(keyring.decryptCalls).toBe(0);
      expect(cipher.stats.decrypted).toBe(0);
    },
  );

  it('a signed v1 message is refused under the default policy too (not handed to the SDK)', async () => {
    const stored = await v1Message(
      writerKeyring,
      'ada',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    );
    await expect(reader(key).cipher.decrypt(stored, email)).rejects.toBeInstanceOf(CommitmentPolicyError);
  });

  it('under ALLOW, writes still commit (v2) and v1 values still get the context check and tag checks', async () => {
    const { cipher } = reader(key, 'REQUIRE_ENCRYPT_ALLOW_DECRYPT');
    const written = cipher.inspect(await cipher.encrypt('x', email));
    expect(written.kind === 'ciphertext' && written.version).toBe(2);

    const stored = await v1Message(writerKeyring, 'ada', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256);
    await expect(cipher.decrypt(stored, { model: 'User', field: 'ssn' })).rejects.toMatchObject({
      code: FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH,
    });
    const bytes = Buffer.from(stored, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await expect(cipher.decrypt(bytes.toString('base64'), email)).rejects.toBeInstanceOf(DecryptionError);
  });

  it.each(['FORBID_ENCRYPT_ALLOW_DECRYPT', 'require', 42])('refuses commitmentPolicy %p', (policy) => {
    expect(() =>
      createFieldCipher({ keyring: localAesKeyring({ key: generateLocalKey() }), commitmentPolicy: policy as FieldCommitmentPolicy }),
    ).toThrow(ConfigurationError);
  });
});
