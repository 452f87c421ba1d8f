/**
 * Crypto-shredding against kms-local: `admin.shred(scope)` turns every row of a scope (field and
 * blind-index keys, every version) into a tombstone in one storage call; the scope's values then get
 * KEY_SCOPE_SHREDDED naming model, field and scope (a whole column of them costs one storage read per
 * key version and no KMS call), the scope takes no new values, other scopes are untouched, and no
 * export taken before the shred brings its keys back.
 */
import { describeOnKmsLocal, openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { countingStorage } from '../__tests__/counting-storage';
import { rejection } from '../__tests__/rejection';
import { isBlindIndexError, BlindIndexErrorReason } from '../blind-index';
import { createFieldCipher } from '../cipher/field-cipher';
import { FieldCryptoErrorCode } from '../errors';
import { kmsKeyring } from '../keyrings/kms-keyring';
import { createKeyStore, keyStoreAdmin, KeyStoreError, KeyStoreErrorReason, memoryKeyStorage, type KeyStoreStorage } from './index';

let target: KmsTarget;
let keyArn: string;
beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('shred-test') })).arn;
});
afterAll(() => target.close());

const keyring = () => kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });
const kmsCalls = () => Object.values(target.calls() ?? {}).reduce((a, b) => a + b, 0);
const email = { model: 'User', field: 'email' };
const index = { normalize: [] as const };

/** A store with two scopes written: 'doomed' (two field versions, one index key) and 'kept'. */
async function twoScopes() {
  const storage = memoryKeyStorage();
  const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
  const writer = createKeyStore({ name: 'app', storage, keyring: keyring(), scopes: { createKeys: 'on-first-write' } });
  const cipher = createFieldCipher({ keyStore: writer });
  const doomedV1 = await cipher.encryptMany(Array.from({ length: 500 }, (_, i) => ({ value: `d${i}@doomed.example`, field: email, scope: 'doomed' })));
  await admin.rotate({ scope: 'doomed' });
  writer.clear();
  const doomedV2 = await cipher.encryptMany(Array.from({ length: 500 }, (_, i) => ({ value: `e${i}@doomed.example`, field: email, scope: 'doomed' })));
  const kept = await cipher.encryptMany([{ value: 'k@kept.example', field: email, scope: 'kept' }]);
  const doomedIndex = (await writer.blindIndexer('doomed')).compute(email, 'd0@doomed.example', index);
  const keptIndex = (await writer.blindIndexer('kept')).compute(email, 'k@kept.example', index);
  return { storage, admin, doomed: [...doomedV1, ...doomedV2], kept, doomedIndex, keptIndex };
}

const freshStore = (storage: KeyStoreStorage, createKeys: 'never' | 'on-first-write' = 'on-first-write') =>
  createKeyStore({ name: 'app', storage, keyring: keyring(), scopes: { createKeys } });

describeOnKmsLocal(describe, 'KMS call counts')('shredding a scope', () => {
  it('dry run lists every row of the scope and changes nothing; the shred tombstones exactly those rows in one storage call', async () => {
    const { storage, admin } = await twoScopes();
    const before = await storage.list('app');
    const dry = await admin.shred('doomed', { dryRun: true });
    expect(dry.scope).toBe('doomed');
    expect(dry.rows.map((r) => [r.purpose, r.version, r.status])).toEqual([
      ['blind-index', 1, 'active'],
      ['field', 1, 'active'],
      ['field', 2, 'active'],
    ]);
    expect(dry.rows.every((r) => !('material' in r))).toBe(true);
    expect(await storage.list('app')).toEqual(before);

    let shredCalls = 0;
    const counted: KeyStoreStorage = { ...storage, shred: (...a) => ((shredCalls += 1), storage.shred(...a)) };
    const done = await keyStoreAdmin({ name: 'app', storage: counted, keyring: keyring() }).shred('doomed');
    expect(shredCalls).toBe(1);
    expect(done.rows).toEqual(dry.rows);
    const after = await storage.list('app');
    for (const row of after) {
      const was = before.find((b) => b.id === row.id)!;
      if (row.scope === 'doomed') expect(row).toEqual({ ...was, status: 'shredded', material: '' });
      else expect(row).toEqual(was);
    }
    expect((await admin.shred('doomed')).rows).toEqual([]); // nothing left to destroy
  });

  it('a column of 1,000 shredded values: KEY_SCOPE_SHREDDED naming model, field and scope; one storage read per key version, no KMS call', async () => {
    const { storage, admin, doomed, kept } = await twoScopes();
    await admin.shred('doomed');
    const counted = countingStorage(storage);
    const reader = createKeyStore({ name: 'app', storage: counted, keyring: keyring() });
    const cipher = createFieldCipher({ keyStore: reader });
    target.resetCalls();
    const errors = await Promise.all(doomed.map((value) => rejection(cipher.decrypt(value, email))));
    for (const e of errors) {
      expect(e).toBeInstanceOf(KeyStoreError);
      expect(e).toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, code: FieldCryptoErrorCode.DECRYPTION_FAILED, model: 'User', field: 'email', scope: 'doomed' });
    }
    expect(errors[0]!.message).toMatch(/^User\.email: key version \d+ \(scope "doomed"\): the key scope was shredded/);
    expect(counted.reads).toBe(2); // two key versions, each read once and remembered
    expect(kmsCalls()).toBe(0);
    // The batch fails as a whole with the same error; the other scope reads in the same process.
    await expect(cipher.decryptMany(doomed.slice(0, 10).map((value) => ({ value, field: email })))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    expect(await cipher.decryptMany(kept.map((value) => ({ value, field: email })))).toEqual(['k@kept.example']);
    expect(counted.reads).toBe(3);
  });

  it('a shred remembered for the cache TTL, not only the short negative TTL: it never comes back', async () => {
    const { storage, admin, doomed } = await twoScopes();
    await admin.shred('doomed');
    let now = 0;
    const counted = countingStorage(storage);
    const cipher = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage: counted, keyring: keyring(), cache: { ttlMs: 60_000, negativeTtlMs: 1_000 }, now: () => now }) });
    await rejection(cipher.decrypt(doomed[0]!, email));
    now = 30_000;
    await rejection(cipher.decrypt(doomed[0]!, email));
    expect(counted.reads).toBe(1);
  });

  it('Precondition: a shredded scope takes no new value and gets no new key, even with keys created on first write', async () => {
    const { storage, admin } = await twoScopes();
    await admin.shred('doomed');
    const rows = (await storage.list('app')).length;
    const cipher = createFieldCipher({ keyStore: freshStore(storage) });
    const e = (await rejection(cipher.encryptMany([{ value: 'new@doomed.example', field: email, scope: 'doomed' }]))) as KeyStoreError;
    expect(e).toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'doomed', model: 'User', field: 'email' });
    await expect(Promise.resolve().then(() => freshStore(storage).blindIndexer('doomed'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    await expect(Promise.resolve().then(() => freshStore(storage, 'never').currentKeyVersion('doomed'))).rejects.toMatchObject({
      reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED,
    });
    await expect(admin.createKeyVersion({ scope: 'doomed' })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    await expect(admin.rotate({ scope: 'doomed' })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    const tombstone = (await storage.list('app')).find((r) => r.scope === 'doomed')!;
    await expect(admin.activate(tombstone.id)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'doomed' });
    await expect(admin.retire(tombstone.id)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    expect((await storage.list('app')).length).toBe(rows);
  });

  it('Precondition: a scope shredded before it had an index key (or a field key) gets none afterwards', async () => {
    const storage = memoryKeyStorage();
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
    await freshStore(storage).currentKeyVersion('fields-only');
    await freshStore(storage).blindIndexer('index-only');
    await admin.shred('fields-only');
    await admin.shred('index-only');
    await expect(Promise.resolve().then(() => freshStore(storage).blindIndexer('fields-only'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    await expect(Promise.resolve().then(() => freshStore(storage).currentKeyVersion('index-only'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    await expect(admin.createKeyVersion({ scope: 'fields-only', purpose: 'blind-index' })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    await expect(admin.createKeyVersion({ scope: 'index-only' })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    expect((await storage.list('app')).map((r) => r.status)).toEqual(['shredded', 'shredded']);
  });

  it("blind indexes are per scope: equal values index differently in two scopes, and a shredded scope's index key is gone", async () => {
    const { storage, admin, doomedIndex, keptIndex } = await twoScopes();
    const store = freshStore(storage);
    const [a, b] = [await store.blindIndexer('doomed'), await store.blindIndexer('kept')];
    expect(a.compute(email, 'same@example.com', index)).not.toBe(b.compute(email, 'same@example.com', index));
    expect(a.compute(email, 'd0@doomed.example', index)).toBe(doomedIndex);
    expect(b.compute(email, 'k@kept.example', index)).toBe(keptIndex);
    await admin.shred('doomed');
    const after = freshStore(storage);
    await expect(Promise.resolve().then(() => after.blindIndexer('doomed'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'doomed' });
    expect((await after.blindIndexer('kept')).compute(email, 'k@kept.example', index)).toBe(keptIndex);
  });

  it('Precondition: the application key is never shredded, and a bad scope is refused', async () => {
    const { admin, storage } = await twoScopes();
    const before = await storage.list('app');
    await expect(admin.shred('')).rejects.toMatchObject({ reason: KeyStoreErrorReason.INVALID_SCOPE });
    await expect(admin.shred('a\nb')).rejects.toMatchObject({ reason: KeyStoreErrorReason.INVALID_SCOPE });
    expect(await storage.list('app')).toEqual(before);
  });
});

describeOnKmsLocal(describe, 'KMS call counts')('import after a shred', () => {
  it('an export taken before the shred never resurrects the scope: its ids are refused and counted, the rest imports', async () => {
    const { storage, admin, doomed, kept } = await twoScopes();
    const backup = await admin.exportKeys();
    await admin.shred('doomed');
    const result = await admin.importKeys(JSON.stringify(backup));
    expect(result).toEqual({ imported: 0, unchanged: 2, refusedShredded: 3 });
    // The key table lost every live row but kept the tombstones: the backup restores 'kept' alone.
    const tombstonesOnly = memoryKeyStorage((await storage.list('app')).filter((r) => r.status === 'shredded'));
    expect(await keyStoreAdmin({ name: 'app', storage: tombstonesOnly, keyring: keyring() }).importKeys(backup)).toEqual({ imported: 2, unchanged: 0, refusedShredded: 3 });
    expect((await tombstonesOnly.list('app')).filter((r) => r.status !== 'shredded').map((r) => r.scope)).toEqual(['kept', 'kept']);
    expect((await storage.list('app')).filter((r) => r.scope === 'doomed').every((r) => r.status === 'shredded' && r.material === '')).toBe(true);
    // Values restored from a dump of the data taken before the shred stay unreadable.
    const cipher = createFieldCipher({ keyStore: freshStore(storage) });
    await expect(cipher.decrypt(doomed[0]!, email)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    expect(await cipher.decrypt(kept[0]!, email)).toBe('k@kept.example');
  });

  it('all or nothing: one row that fails verification, and not one row is inserted', async () => {
    const { admin } = await twoScopes();
    const backup = await admin.exportKeys();
    const emptied = memoryKeyStorage();
    const restore = keyStoreAdmin({ name: 'app', storage: emptied, keyring: keyring() });
    const last = backup.rows.at(-1)!;
    const damaged = { ...backup, rows: [...backup.rows.slice(0, -1), { ...last, material: backup.rows[0]!.material }] };
    target.resetCalls();
    const e = (await rejection(restore.importKeys(damaged))) as KeyStoreError;
    expect(e.reason).toBe(KeyStoreErrorReason.KEY_ROW_MISMATCH);
    expect(e.keyVersionId).toBe(last.id);
    expect(await emptied.list('app')).toEqual([]);
    expect(target.calls()?.['Decrypt']).toBe(backup.rows.length); // every row was verified before the verdict

    const duplicated = { ...backup, rows: [...backup.rows, backup.rows[0]] };
    await expect(restore.importKeys(duplicated)).rejects.toMatchObject({ reason: KeyStoreErrorReason.INVALID_INPUT });
    const otherStore = { ...backup, rows: [{ ...backup.rows[0], keyStore: 'other' }] };
    await expect(restore.importKeys(otherStore)).rejects.toMatchObject({ reason: KeyStoreErrorReason.INVALID_INPUT });
    expect(await emptied.list('app')).toEqual([]);
    expect(await restore.importKeys(backup)).toMatchObject({ imported: backup.rows.length, refusedShredded: 0 });
  });
});

describe('an evicted scope indexer', () => {
  it('Precondition: once the cache evicts a scope indexer (zeroing its keys) it throws instead of computing with zero keys', async () => {
    const storage = memoryKeyStorage();
    const store = createKeyStore({ name: 'app', storage, keyring: keyring(), scopes: { createKeys: 'on-first-write' }, cache: { maxEntries: 1 } });
    const first = await store.blindIndexer('one');
    const value = first.compute(email, 'x', index);
    await store.blindIndexer('two'); // evicts 'one'
    const e = await rejection(Promise.resolve().then(() => first.compute(email, 'x', index)));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_EVICTED);
    expect((await store.blindIndexer('one')).compute(email, 'x', index)).toBe(value);
  });
});
