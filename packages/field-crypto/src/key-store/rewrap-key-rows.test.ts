/**
 * Retiring a KMS key under a key store, against two kms-local keys (real KMS API over HTTP, real
 * Encryption SDK): after `rewrapKeyRows`, the rows load and the values decrypt with the new key alone,
 * the old key disabled; same ids, versions, statuses and key bytes. A bad row stops it before any write.
 */
import { DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { createFieldCipher } from '../cipher/field-cipher';
import { kmsKeyring } from '../keyrings/kms-keyring';
import { rotationKeyring } from '../keyrings/rotation-keyring';
import { rejection } from '../__tests__/rejection';
import { createKeyStore, keyStoreAdmin, KeyStoreError, KeyStoreErrorReason, memoryKeyStorage, type KeyStoreStorage } from './index';
import { rewrapKeyRows } from './rewrap-key-rows';

let target: KmsTarget;
let oldKey: string;
let newKey: string;

beforeAll(async () => {
  target = await openKmsTarget();
  oldKey = (await target.createKey({ alias: uniqueAlias('rewrap-old') })).arn;
  newKey = (await target.createKey({ alias: uniqueAlias('rewrap-new') })).arn;
});
afterAll(() => target.close());

const settings = () => ({ ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });
const only = (arn: string) => kmsKeyring({ generatorKeyId: arn, ...settings() });
const moving = () => rotationKeyring({ current: only(newKey), previous: [kmsKeyring({ keyIds: [oldKey], ...settings() })] });
const email = { model: 'User', field: 'email' };

/** A store under the old key: versions 1 (retired) and 2 of the field key and a blind-index key, and values under version 2. */
async function storeUnderOldKey(storage: KeyStoreStorage = memoryKeyStorage()) {
  const admin = keyStoreAdmin({ name: 'app', storage, keyring: only(oldKey) });
  const v1 = await admin.createKeyVersion();
  await admin.rotate();
  await admin.retire(v1.id);
  await admin.createKeyVersion({ purpose: 'blind-index' });
  const writer = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring: only(oldKey) }) });
  const plaintexts = ['ada@example.com', 'grace@example.com', ''];
  const values = await writer.encryptMany(plaintexts.map((value) => ({ value, field: email })));
  return { storage, plaintexts, values, before: await storage.list('app') };
}

describe('rewrapKeyRows', () => {
  it('after a rewrap the rows load and the values decrypt with the new key alone, the old key disabled; ids, versions, statuses kept', async () => {
    const { storage, plaintexts, values, before } = await storeUnderOldKey();
    const result = await rewrapKeyRows({ name: 'app', storage, keyring: moving() });
    expect([...result.rewrapped].sort()).toEqual(before.map((row) => row.id).sort());
    expect(result).toMatchObject({ changedMeanwhile: [], skipped: [] });

    const after = await storage.list('app');
    const shape = (rows: typeof before) => rows.map(({ material: _m, ...rest }) => rest).sort((a, b) => a.id - b.id);
    expect(shape(after)).toEqual(shape(before));
    for (const row of after) expect(row.material).not.toBe(before.find((b) => b.id === row.id)?.material);

    // the old key alone no longer reads any row
    const oldOnly = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring: kmsKeyring({ keyIds: [oldKey], ...settings() }) }) });
    expect(await rejection(oldOnly.decrypt(values[0]!, email))).toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE });

    await target.client().send(new DisableKeyCommand({ KeyId: oldKey }));
    try {
      const reader = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring: only(newKey) }) });
      expect(await reader.decryptMany(values.map((value) => ({ value, field: email })))).toEqual(plaintexts);
      // every row, the retired one included, is readable by the new key: an export of them restores
      const restored = memoryKeyStorage();
      const exported = await keyStoreAdmin({ name: 'app', storage, keyring: only(newKey) }).exportKeys();
      expect(await keyStoreAdmin({ name: 'app', storage: restored, keyring: only(newKey) }).importKeys(exported)).toMatchObject({ imported: before.length });
    } finally {
      await target.client().send(new EnableKeyCommand({ KeyId: oldKey }));
    }
  });

  it('a row swapped with another row stops the rewrap before any row is written', async () => {
    const { storage, before } = await storeUnderOldKey();
    const [a, b] = before as [(typeof before)[number], (typeof before)[number]];
    const swapped = memoryKeyStorage(before.map((row) => (row.id === a.id ? { ...row, material: b.material } : row)));
    const error = await rejection(rewrapKeyRows({ name: 'app', storage: swapped, keyring: moving() }));
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error).toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH, keyVersionId: a.id });
    expect(await swapped.list('app')).toEqual(before.map((row) => (row.id === a.id ? { ...row, material: b.material } : row)));
    expect(await storage.list('app')).toEqual(before);
  });

  it('a row that the keyring cannot unwrap (its key not in the keyring) names the row, and nothing is written', async () => {
    const { storage, before } = await storeUnderOldKey();
    const error = await rejection(rewrapKeyRows({ name: 'app', storage, keyring: only(newKey) }));
    expect(error).toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE });
    expect(before.map((row) => row.id)).toContain((error as KeyStoreError).keyVersionId);
    expect(await storage.list('app')).toEqual(before);
  });

  it('a row whose material changed between the read and the write is left as it is and reported', async () => {
    const inner = memoryKeyStorage();
    const { before } = await storeUnderOldKey(inner);
    const first = before[0]!;
    let raced = false;
    const racing: KeyStoreStorage = {
      ...inner,
      // another operator re-wrapped the first row just before this run writes it
      replaceMaterial: async (keyStore, id, expected, material) => {
        if (id === first.id && !raced) {
          raced = true;
          await inner.replaceMaterial(keyStore, id, expected, `${expected}=`);
        }
        return inner.replaceMaterial(keyStore, id, expected, material);
      },
    };
    const result = await rewrapKeyRows({ name: 'app', storage: racing, keyring: moving() });
    expect(result.changedMeanwhile).toEqual([first.id]);
    expect(result.rewrapped).toHaveLength(before.length - 1);
    expect((await inner.get('app', first.id))?.material).toBe(`${first.material}=`);
  });

  it('refuses missing options with a typed error', async () => {
    expect(await rejection(rewrapKeyRows({ name: '', storage: memoryKeyStorage(), keyring: moving() }))).toMatchObject({ reason: KeyStoreErrorReason.INVALID_INPUT });
  });
});

describe('rewrapKeyRows and BYOK scopes', () => {
  it("Precondition: a BYOK scope's rows are re-wrapped with the scope's own keyring, never moved under the store's keyring", async () => {
    const customerKey = (await target.createKey({ alias: uniqueAlias('rewrap-customer') })).arn;
    const storage = memoryKeyStorage();
    const scopeKeyring = (scope: string) => (scope === 'acme' ? only(customerKey) : undefined);
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: only(oldKey), scopeKeyring });
    await admin.createKeyVersion();
    await admin.createKeyVersion({ scope: 'acme' });
    const writer = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring: only(oldKey), scopeKeyring }) });
    const [stored] = await writer.encryptMany([{ value: 'acme secret', field: email, scope: 'acme' }]);

    const result = await rewrapKeyRows({ name: 'app', storage, keyring: moving(), scopeKeyring });
    expect(result.rewrapped).toHaveLength(2);
    // Read by a store whose own keyring is the new key only: the acme row must still need the customer's key.
    const withoutCustomer = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring: only(newKey) }) });
    const refused = (await rejection(withoutCustomer.decrypt(stored!, email))) as KeyStoreError;
    expect(refused).toBeInstanceOf(KeyStoreError);
    expect(refused.reason).toBe(KeyStoreErrorReason.KEY_ROW_UNREADABLE);
    const withCustomer = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring: only(newKey), scopeKeyring }) });
    expect(await withCustomer.decrypt(stored!, email)).toBe('acme secret');
  });
});
