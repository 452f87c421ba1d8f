/**
 * Bounded staleness of a scope's key status (`cache.statusTtlMs`), with a real local AES keyring behind a
 * counter and the in-memory storage: a process with warm scope keys keeps using them until the interval
 * has passed (the documented window), then reads the scope's status once (single-flight, no keyring call)
 * and stops using what was shredded or retired: writes fail with KEY_SCOPE_SHREDDED, reads meet the
 * tombstone, indexers are zeroed. What a database writer can and cannot do with the status read.
 */
import { CountingKeyring } from '../__tests__/counting-keyring';
import { rejection } from '../__tests__/rejection';
import { isBlindIndexError, BlindIndexErrorReason } from '../blind-index';
import { createFieldCipher } from '../cipher/field-cipher';
import { generateLocalKey, localAesKeyring } from '../keyrings/local-aes-keyring';
import { createKeyStore, DEFAULT_KEY_CACHE_LIMITS, keyStoreAdmin, KeyStoreErrorReason, memoryKeyStorage, type KeyRow, type KeyStoreStorage } from './index';
import { scopeStatusOf } from './scope-status';

const rootKey = generateLocalKey();
const email = { model: 'User', field: 'email' };
const index = { normalize: [] as const };
const INTERVAL = 1_000;
const keyringCalls = (k: CountingKeyring) => k.generateCalls + k.decryptCalls;

/** A storage and its admin, and a "process": a key store with a clock the test moves, and its cipher. */
function world(storage: KeyStoreStorage = memoryKeyStorage()) {
  const admin = keyStoreAdmin({ name: 'app', storage, keyring: localAesKeyring({ key: rootKey }) });
  let clock = 1_000_000;
  const keyring = new CountingKeyring(localAesKeyring({ key: rootKey }));
  const store = createKeyStore({ name: 'app', storage, keyring, scopes: { createKeys: 'on-first-write' }, cache: { statusTtlMs: INTERVAL }, now: () => clock });
  const cipher = createFieldCipher({ keyStore: store });
  const write = (scope: string, n = 1) => cipher.encryptMany(Array.from({ length: n }, (_, i) => ({ value: `v${i}@${scope}.example`, field: email, scope })));
  const read = (values: readonly string[]) => cipher.decryptMany(values.map((value) => ({ value, field: email })));
  return { storage, admin, keyring, store, cipher, write, read, tick: (ms: number) => void (clock += ms) };
}

describe('the status interval of scope keys', () => {
  it('default 30 s, configurable, validated', () => {
    expect(DEFAULT_KEY_CACHE_LIMITS.statusTtlMs).toBe(30_000);
    const keyring = localAesKeyring({ key: rootKey });
    expect(() => createKeyStore({ name: 'app', storage: memoryKeyStorage(), keyring, cache: { statusTtlMs: -1 } })).toThrow(/cache\.statusTtlMs must be a non-negative number/);
    expect(() => createKeyStore({ name: 'app', storage: memoryKeyStorage(), keyring, cache: { statusTtlMs: Number.NaN } })).toThrow(/statusTtlMs/);
  });

  it('a shred reaches a warm process within the interval: before it the cached key is used (the documented window), after it writes fail and reads meet the tombstone, with one status read and no keyring call', async () => {
    const p = world();
    const before = await p.write('doomed', 3);
    const kept = await p.write('kept');
    const loaded = await p.store.currentKeyVersion('doomed');
    expect(keyringCalls(p.keyring)).toBe(2); // one key created per scope

    await p.admin.shred('doomed');
    p.tick(INTERVAL - 1);
    // Within the interval: the warm key still writes and reads, without a storage read.
    const reads = p.store.stats.storageReads;
    const late = await p.write('doomed');
    expect(await p.read(before)).toEqual(['v0@doomed.example', 'v1@doomed.example', 'v2@doomed.example']);
    expect(p.store.stats).toMatchObject({ storageReads: reads, statusReads: 0 });

    p.tick(1);
    const writes = await Promise.all(Array.from({ length: 200 }, () => rejection(p.write('doomed'))));
    for (const e of writes) expect(e).toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'doomed', model: 'User', field: 'email' });
    expect(p.store.stats.statusReads).toBe(1); // 200 concurrent writes, one status read
    expect(loaded.destroyed).toBe(true); // the key bytes are zeroed
    await expect(p.read([...before, ...late])).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'doomed' });
    expect(await p.read(kept)).toEqual(['v0@kept.example']);
    expect(keyringCalls(p.keyring)).toBe(2);
    // The refusal is remembered (for the TTL): more writes and reads cost nothing more.
    const settled = p.store.stats.storageReads;
    await rejection(p.write('doomed'));
    await rejection(p.read(before));
    expect(p.store.stats.storageReads).toBe(settled);
  });

  it('without a status change: at most one status read per scope in use per interval, none for the application key, no keyring call', async () => {
    const p = world();
    await p.admin.createKeyVersion();
    const values = [...(await p.write('a', 2)), ...(await p.write('b', 2))];
    const app = await p.cipher.encryptMany([{ value: 'app@example.com', field: email }]);
    const calls = keyringCalls(p.keyring);
    for (let interval = 1; interval <= 3; interval += 1) {
      p.tick(INTERVAL);
      for (let i = 0; i < 5; i += 1) {
        await p.write('a', 100);
        await p.write('b', 100);
        await p.read([...values, ...app]);
        await p.cipher.encryptMany([{ value: 'app@example.com', field: email }]);
      }
      expect(p.store.stats.statusReads).toBe(2 * interval);
    }
    expect(keyringCalls(p.keyring)).toBe(calls);
  });

  it('a retired write key: after the interval new values go under the next active version, and values under the retired one are refused', async () => {
    const p = world();
    const old = await p.write('t', 2);
    const v1 = (await p.admin.list()).find((r) => r.scope === 't' && r.purpose === 'field')!;
    await p.admin.rotate({ scope: 't' });
    await p.admin.retire(v1.id);
    expect(await p.read(old)).toEqual(['v0@t.example', 'v1@t.example']); // within the interval
    p.tick(INTERVAL);
    const fresh = await p.write('t');
    const v2 = (await p.admin.list()).find((r) => r.scope === 't' && r.purpose === 'field' && r.version === 2)!;
    expect(p.cipher.inspect(fresh[0]!)).toMatchObject({ keyVersionId: v2.id });
    expect(await p.read(fresh)).toEqual(['v0@t.example']);
    await expect(p.read(old)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_VERSION_RETIRED, keyVersionId: v1.id });
    expect(p.store.stats.statusReads).toBe(1);
  });

  it("a shredded scope's cached indexer is zeroed after the interval, and the scope's indexer is refused", async () => {
    const p = world();
    const indexer = await p.store.blindIndexer('doomed');
    const keptIndexer = await p.store.blindIndexer('kept');
    const hash = indexer.compute(email, 'x', index);
    await p.admin.shred('doomed');
    expect((await p.store.blindIndexer('doomed')).compute(email, 'x', index)).toBe(hash); // within the interval
    p.tick(INTERVAL);
    await expect(Promise.resolve().then(() => p.store.blindIndexer('doomed'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'doomed' });
    const e = await rejection(Promise.resolve().then(() => indexer.compute(email, 'x', index)));
    expect(isBlindIndexError(e) && e.reason).toBe(BlindIndexErrorReason.INDEX_KEY_EVICTED);
    expect(await p.store.blindIndexer('kept')).toBe(keptIndexer);
  });

  it('a failed status read fails the use (never the stale key), is not remembered, and the next use reads again', async () => {
    const inner = memoryKeyStorage();
    let down = false;
    const storage: KeyStoreStorage = {
      ...inner,
      scopeRows: (keyStore, scope) => (down ? Promise.reject(new Error('connection refused')) : inner.scopeRows!(keyStore, scope)),
    };
    const p = world(storage);
    await p.write('t');
    p.tick(INTERVAL);
    down = true;
    await expect(p.write('t')).rejects.toMatchObject({ reason: KeyStoreErrorReason.STORAGE_FAILED });
    down = false;
    expect(await p.write('t')).toHaveLength(1);
    expect(p.store.stats.statusReads).toBe(2);
  });

  it('statusTtlMs 0 reads the status before each use, and terminates', async () => {
    const storage = memoryKeyStorage();
    const store = createKeyStore({ name: 'app', storage, keyring: localAesKeyring({ key: rootKey }), scopes: { createKeys: 'on-first-write' }, cache: { statusTtlMs: 0 } });
    const cipher = createFieldCipher({ keyStore: store });
    const [value] = await cipher.encryptMany([{ value: 'x', field: email, scope: 't' }]);
    expect(await cipher.decrypt(value!, email)).toBe('x');
    expect(await cipher.decrypt(value!, email)).toBe('x');
    expect(store.stats.statusReads).toBe(2);
  });
});

describe('a database writer and the status read', () => {
  it('can plant a tombstone (denial of service, within the interval) but cannot un-shred: a tombstone flipped back to active is refused, with no keyring call', async () => {
    const p = world();
    const values = await p.write('victim', 2);
    const [row] = (await p.storage.scopeRows!('app', 'victim')).filter((r) => r.purpose === 'field');
    // Planted tombstone: the process stops using the key after the interval.
    await p.storage.shred('app', 'victim');
    p.tick(INTERVAL);
    await expect(p.read(values)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    // Flipped back (the material is gone, so only the status can be): refused, and no key comes back.
    const flipped: KeyRow = { ...row!, status: 'active', material: '' };
    const forged = world(memoryKeyStorage([flipped]));
    const calls = keyringCalls(forged.keyring);
    await expect(forged.read(values)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH });
    await expect(forged.write('victim')).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH });
    expect(keyringCalls(forged.keyring)).toBe(calls);
    // And the status read never vouches for such a row.
    expect(scopeStatusOf([flipped], 'app', 'victim')).toEqual({ active: new Set(), inactive: [row!.id] });
  });

  it('Precondition: a status read answering with a row of another scope is refused, and the cached key is not used', async () => {
    const inner = memoryKeyStorage();
    let lie = false;
    const storage: KeyStoreStorage = {
      ...inner,
      scopeRows: async (keyStore, scope) => (await inner.scopeRows!(keyStore, lie ? 'other' : scope)),
    };
    const p = world(storage);
    await p.write('t');
    await p.write('other');
    lie = true;
    p.tick(INTERVAL);
    await expect(p.write('t')).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH, scope: 't' });
  });
});
