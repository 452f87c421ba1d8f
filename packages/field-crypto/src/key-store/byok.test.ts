/**
 * Bring your own key, against kms-local (real KMS API over HTTP, real Encryption SDK): a scope whose
 * rows are wrapped by its own KMS key and by nothing else. Disabling that key (the customer revoking
 * us) makes that scope's values unreadable once the key cache is gone, with a typed error naming the
 * scope, while every other scope still reads. Rows planted by someone who can write the database but
 * not use our KMS keys are refused, whichever key wraps them.
 */
import { KMS } from '@aws-sdk/client-kms';
import { describeOnKmsLocal, openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { rejection } from '../__tests__/rejection';
import { createFieldCipher } from '../cipher/field-cipher';
import { kmsKeyring } from '../keyrings/kms-keyring';
import { createKeyStore, keyStoreAdmin, KeyStoreError, KeyStoreErrorReason, memoryKeyStorage, type KeyRow } from './index';

let target: KmsTarget;
let kms: KMS;
let appKey: string;
let acmeKey: string;
let attackerKey: string;

beforeAll(async () => {
  target = await openKmsTarget();
  kms = new KMS({ ...target.clientConfig(), maxAttempts: 1 });
  appKey = (await target.createKey({ alias: uniqueAlias('byok-app') })).arn;
  acmeKey = (await target.createKey({ alias: uniqueAlias('byok-acme') })).arn;
  attackerKey = (await target.createKey({ alias: uniqueAlias('byok-attacker') })).arn;
});
afterAll(async () => {
  kms.destroy();
  await target.close();
});

const ring = (arn: string) => kmsKeyring({ generatorKeyId: arn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });
/** The application's configuration: acme brings its own key, every other scope uses the store's. */
const scopeKeyring = (scope: string) => (scope === 'acme' ? ring(acmeKey) : undefined);
const email = { model: 'User', field: 'email' };

function openStore(storage = memoryKeyStorage()) {
  const keyStore = createKeyStore({ name: 'app', storage, keyring: ring(appKey), scopes: { createKeys: 'on-first-write' }, scopeKeyring });
  return { storage, keyStore, cipher: createFieldCipher({ keyStore }) };
}

/** The key ARNs that wrap a row, read from its message header (no KMS call). */
function wrappingKeysOf(row: KeyRow): string[] {
  const cipher = createFieldCipher({ keyring: ring(appKey) });
  const stored = cipher.inspect(row.material);
  return stored.kind === 'ciphertext' ? stored.wrappingKeys.map((k) => k.keyId) : [];
}

describeOnKmsLocal(describe, 'BYOK revocation drills')('bring your own key', () => {
  it("a BYOK scope's rows are wrapped by its key alone; other scopes' by the store's key alone", async () => {
    const { storage, cipher, keyStore } = openStore();
    await cipher.encryptMany([
      { value: 'a@acme.example', field: email, scope: 'acme' },
      { value: 'b@beta.example', field: email, scope: 'beta' },
    ]);
    await keyStore.blindIndexer('acme');
    const rows = await storage.list('app');
    expect(rows.filter((r) => r.scope === 'acme').map(wrappingKeysOf)).toEqual([[acmeKey], [acmeKey]]);
    expect(rows.filter((r) => r.scope === 'beta').map(wrappingKeysOf)).toEqual([[appKey]]);
  });

  it('DisableKey on the BYOK key: after the cache is gone that scope fails with a typed error naming it; the other scope still reads', async () => {
    const { storage, cipher } = openStore();
    const items = [
      { value: 'a@acme.example', field: email, scope: 'acme' },
      { value: 'b@beta.example', field: email, scope: 'beta' },
    ];
    const [acmeValue, betaValue] = await cipher.encryptMany(items);
    const ownKey = (await target.createKey({ alias: uniqueAlias('byok-revoked') })).arn; // a key of this test alone
    const revocable = createKeyStore({ name: 'app', storage, keyring: ring(appKey), scopeKeyring: (s) => (s === 'gamma' ? ring(ownKey) : undefined), scopes: { createKeys: 'on-first-write' } });
    const [gammaValue] = await createFieldCipher({ keyStore: revocable }).encryptMany([{ value: 'g@gamma.example', field: email, scope: 'gamma' }]);

    let now = 0;
    const reader = createKeyStore({ name: 'app', storage, keyring: ring(appKey), scopeKeyring: (s) => (s === 'gamma' ? ring(ownKey) : undefined), cache: { ttlMs: 1000 }, now: () => now });
    const readCipher = createFieldCipher({ keyStore: reader });
    expect(await readCipher.decrypt(gammaValue!, email)).toBe('g@gamma.example');

    await kms.disableKey({ KeyId: ownKey });
    expect(await readCipher.decrypt(gammaValue!, email)).toBe('g@gamma.example'); // cached until the TTL: revocation is not instant
    now = 2000; // the TTL has passed
    target.resetCalls();
    const e = (await rejection(readCipher.decrypt(gammaValue!, email))) as KeyStoreError;
    expect(e).toBeInstanceOf(KeyStoreError);
    expect(e.reason).toBe(KeyStoreErrorReason.KEY_ROW_UNREADABLE);
    expect([e.model, e.field, e.scope]).toEqual(['User', 'email', 'gamma']);
    expect(e.message).toContain('scope "gamma"');
    expect(target.calls()?.['Decrypt']).toBe(1);
    // Other scopes, BYOK or not, are untouched.
    expect(await readCipher.decryptMany([{ value: betaValue!, field: email }])).toEqual(['b@beta.example']);
    const acmeReader = createFieldCipher({ keyStore: openStore(storage).keyStore });
    expect(await acmeReader.decrypt(acmeValue!, email)).toBe('a@acme.example');
    // Re-enabling the key brings the scope back (after the negative cache): nothing was destroyed.
    await kms.enableKey({ KeyId: ownKey });
    reader.clear();
    expect(await readCipher.decrypt(gammaValue!, email)).toBe('g@gamma.example');
  });

  it('Precondition: a row planted for a BYOK scope, wrapped by another key (the attacker\'s, or even ours), is refused', async () => {
    const { cipher } = openStore();
    // The attacker has database write access and a KMS key of their own: they plant a key version for acme
    // wrapped by their key (or, copying our keyring's output from another scope, by the store's key).
    for (const plantedWith of [attackerKey, appKey]) {
      const planted = memoryKeyStorage();
      const planter = keyStoreAdmin({ name: 'app', storage: planted, keyring: ring(plantedWith) });
      const row = (await planted.get('app', (await planter.createKeyVersion({ scope: 'acme' })).id))!;
      const victim = openStore(memoryKeyStorage([row]));
      // Writes would use the planted key if it loaded: they must fail instead.
      const e = (await rejection(victim.cipher.encrypt('secret', email, 'acme'))) as KeyStoreError;
      expect(e.reason).toBe(KeyStoreErrorReason.KEY_ROW_UNREADABLE);
      expect(e.scope).toBe('acme');
      await expect(victim.cipher.decrypt((await createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage: planted, keyring: ring(plantedWith) }) }).encrypt('x', email, 'acme')), email)).rejects.toMatchObject({
        reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE,
      });
    }
    expect(await cipher.encrypt('fine', email, 'acme')).toMatch(/^\//); // the genuine configuration still works
  });

  it('Precondition: and vice versa, a row of a non-BYOK scope wrapped by a BYOK key is refused', async () => {
    const planted = memoryKeyStorage();
    const planter = keyStoreAdmin({ name: 'app', storage: planted, keyring: ring(appKey) });
    await planter.createKeyVersion({ scope: 'beta', keyring: ring(acmeKey) });
    const victim = openStore(planted);
    await expect(victim.cipher.encrypt('secret', email, 'beta')).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE, scope: 'beta' });
  });

  it('the control plane wraps a BYOK scope with its keyring: explicitly, or through scopeKeyring', async () => {
    const storage = memoryKeyStorage();
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: ring(appKey), scopeKeyring });
    const explicit = await admin.createKeyVersion({ scope: 'delta', keyring: ring(acmeKey) });
    const configured = await admin.createKeyVersion({ scope: 'acme' });
    const rotated = await admin.rotate({ scope: 'acme' });
    const wrapped = async (id: number) => wrappingKeysOf((await storage.get('app', id))!);
    expect(await wrapped(explicit.id)).toEqual([acmeKey]);
    expect(await wrapped(configured.id)).toEqual([acmeKey]);
    expect(await wrapped(rotated.id)).toEqual([acmeKey]);
    // An export of BYOK rows is verified with each scope's keyring.
    const restored = keyStoreAdmin({ name: 'app', storage: memoryKeyStorage(), keyring: ring(appKey), scopeKeyring });
    const exported = await keyStoreAdmin({ name: 'app', storage, keyring: ring(appKey) }).exportKeys();
    const withoutDelta = { ...exported, rows: exported.rows.filter((r) => r.scope !== 'delta') };
    expect(await restored.importKeys(withoutDelta)).toEqual({ imported: 2, unchanged: 0, refusedShredded: 0 });
    // delta is not configured as BYOK, so its row (wrapped by acme's key) fails verification: nothing imported.
    const again = keyStoreAdmin({ name: 'app', storage: memoryKeyStorage(), keyring: ring(appKey), scopeKeyring });
    await expect(again.importKeys(exported)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE, scope: 'delta' });
    expect(await again.list()).toEqual([]);
  });
});
