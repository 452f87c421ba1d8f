import { randomBytes } from 'node:crypto';
import { kmsKeyring } from '@prisma-kms/field-crypto';
import { encodeMessage } from '@prisma-kms/field-crypto/internal/codec';
import { openKmsTarget, type KmsTarget } from '@prisma-kms/kms-local/testing';
import type { Provider } from '../harness';
import { openEncryptedDatabase, type EncryptedDatabase } from '../extension/encrypted-database';

/**
 * Issue 9, finding 3, end to end: an attacker with write access to the database stores a value whose
 * header names the application's own KMS key many times with junk blobs. Reading it through the
 * extension must not turn into one KMS Decrypt per name on every read (counted by kms-local itself).
 */
describe.each<Provider>(['postgresql', 'sqlite'])('forged values against KMS on %s', (provider) => {
  let target: KmsTarget;
  let t: EncryptedDatabase;
  let generatorKeyId: string;

  beforeAll(async () => {
    target = await openKmsTarget();
    generatorKeyId = (await target.createKey()).arn;
    t = await openEncryptedDatabase(provider, { keyring: kmsKeyring({ generatorKeyId, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } }) });
  });

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await target?.close();
    }
  });

  /** Stores, behind the extension's back, a value with the field's own context and `count` junk EDKs naming the app's key. */
  async function forgeName(count: number): Promise<number> {
    const id = (await t.prisma.user.create({ data: { name: 'Victim', email: `victim-${count}@example.com` } })).id;
    const stored = (await t.plain.user.findUniqueOrThrow({ where: { id } })).name;
    const inspected = t.cipher.inspect(stored);
    if (inspected.kind !== 'ciphertext') throw new Error('expected ciphertext at rest');
    const forged = encodeMessage({
      suiteId: 0x0478,
      dataKey: randomBytes(32),
      plaintext: Buffer.from('attacker text'),
      encryptionContext: inspected.encryptionContext,
      encryptedDataKeys: Array.from({ length: count }, () => ({ providerId: 'aws-kms', providerInfo: generatorKeyId, encryptedDataKey: randomBytes(184) })),
    }).toString('base64');
    await t.plain.user.update({ where: { id }, data: { name: forged } });
    return id;
  }

  const decryptCalls = (): number => target.calls()?.['Decrypt'] ?? 0;

  it('300 encrypted data keys: every read is refused (typed, naming model and field) without a KMS call', async () => {
    const id = await forgeName(300);
    const before = decryptCalls();
    const cipherBefore = t.cipher.stats.keyringDecryptCalls;
    for (let i = 0; i < 5; i++) {
      const error = await t.prisma.user.findUnique({ where: { id } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'EncryptedDataKeyLimitError', code: 'PRISMA_KMS_DECRYPTION_FAILED', model: 'User', field: 'name', count: 300 });
    }
    if (target.calls()) expect(decryptCalls() - before).toBe(0);
    expect(t.cipher.stats.keyringDecryptCalls - cipherBefore).toBe(0);
  });

  it('a hot row with 2 junk data keys costs its 2 KMS Decrypts once, not once per read', async () => {
    const id = await forgeName(2);
    const before = decryptCalls();
    for (let i = 0; i < 20; i++) {
      await expect(t.prisma.user.findUnique({ where: { id } })).rejects.toMatchObject({ code: 'PRISMA_KMS_KEYRING_FAILED', field: 'name' });
    }
    if (target.calls()) expect(decryptCalls() - before).toBe(2);
  });
});
