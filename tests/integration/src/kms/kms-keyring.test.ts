import { createFieldCipher, kmsKeyring } from '@prisma-kms/field-crypto';
import { openKmsTarget, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { fieldEncryption } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { findPlaintextAtRest, openEncryptedDatabase, type EncryptedDatabase } from '../extension/encrypted-database';

const ROWS = 1_000;

/**
 * KMS calls made while `body` ran, counted twice where possible: by the cipher (keyring calls its cache
 * let through: `keyringGenerateCalls` for `GenerateDataKey`, `keyringDecryptCalls` for `Decrypt`) and, on
 * kms-local, by the server (what really arrived, retries included). External targets have only the first.
 */
async function kmsCallsDuring(
  target: KmsTarget,
  stats: () => { readonly keyringGenerateCalls: number; readonly keyringDecryptCalls: number },
  operation: 'GenerateDataKey' | 'Decrypt',
  body: () => Promise<unknown>,
): Promise<number> {
  const count = () => (operation === 'GenerateDataKey' ? stats().keyringGenerateCalls : stats().keyringDecryptCalls);
  const cipherBefore = count();
  const serverBefore = target.calls()?.[operation] ?? 0;
  await body();
  const byCipher = count() - cipherBefore;
  const served = target.calls();
  if (served) expect((served[operation] ?? 0) - serverBefore).toBe(byCipher);
  return byCipher;
}

// The extension with a KMS keyring against the shared KMS test target (kms-local unless PKMS_KMS_ENDPOINT
// or PKMS_KMS_TARGET=aws says otherwise): the data-key cache and its single-flight turn a batch of
// 1,000 rows into one KMS call per field, not one per value.
describe.each<Provider>(['sqlite', 'postgresql'])('extension with a KMS keyring on %s', (provider) => {
  let target: KmsTarget;
  let t: EncryptedDatabase;
  let generatorKeyId: string;

  beforeAll(async () => {
    target = await openKmsTarget();
    generatorKeyId = (await target.createKey()).arn;
    t = await openEncryptedDatabase(provider, { keyring: kmsKeyring({ generatorKeyId, ...target.clientConfig() }) });
  });

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await target?.close();
    }
  });

  it(`writes ${ROWS} rows with 2 encrypted fields through a cold cache with at most 2 GenerateDataKey, and reads them back with at most 2 Decrypt`, async () => {
    // The author's own fields (User.name, User.email) get their data keys before the window measured.
    const author = await t.prisma.user.create({ data: { name: 'Ada', email: 'ada@example.com' }, select: { id: true } });
    const rows = Array.from({ length: ROWS }, (_, i) => ({ title: `t${i}`, body: `body ${i}`, secretNote: `note ${i}`, authorId: author.id }));

    const generated = await kmsCallsDuring(target, () => t.cipher.stats, 'GenerateDataKey', async () => {
      const { count } = await t.prisma.post.createMany({ data: rows });
      expect(count).toBe(ROWS);
    });
    expect(generated).toBeGreaterThanOrEqual(1);
    expect(generated).toBeLessThanOrEqual(2);

    // A new cipher: its cache is cold, so every data key must come from KMS Decrypt.
    const coldCipher = createFieldCipher({ keyring: kmsKeyring({ generatorKeyId, ...target.clientConfig() }) });
    const reader = t.db.client();
    try {
      const extended = reader.$extends(fieldEncryption({ fields: t.fields, cipher: coldCipher, mode: 'strict', blindIndexer: t.blindIndexer }));
      const decrypts = await kmsCallsDuring(target, () => coldCipher.stats, 'Decrypt', async () => {
        const posts = await extended.post.findMany({ where: { authorId: author.id }, orderBy: { title: 'asc' } });
        expect(posts).toHaveLength(ROWS);
        const byTitle = new Map(posts.map((post) => [post.title, post]));
        for (let i = 0; i < ROWS; i += 97) expect(byTitle.get(`t${i}`)).toMatchObject({ body: `body ${i}`, secretNote: `note ${i}` });
      });
      expect(decrypts).toBeGreaterThanOrEqual(1);
      expect(decrypts).toBeLessThanOrEqual(2);
    } finally {
      await reader.$disconnect();
    }

    // Every value is wrapped by the KMS key, and nothing is plaintext.
    const [{ body }] = (await t.db.raw.query<{ body: string }>(`SELECT ${t.db.raw.quote('body')} FROM ${t.db.raw.quote('Post')} LIMIT 1`)) as [{ body: string }];
    const inspected = t.cipher.inspect(body);
    expect(inspected.kind === 'ciphertext' && inspected.wrappingKeys.map((key) => key.keyId)).toEqual([generatorKeyId]);
    expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
  });
});
