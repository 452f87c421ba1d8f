/**
 * Key scopes in the key store and the cipher, with a real local AES keyring (behind a counter) and the
 * in-memory storage: a scope's current version, keys created on first write (single-flight in a
 * process; two processes racing on one storage agree on the winner's row), scope validation, and
 * values of two scopes under two keys read back by a reader that knows no scope.
 */
import { CountingKeyring } from '../__tests__/counting-keyring';
import { countingStorage } from '../__tests__/counting-storage';
import { rejection } from '../__tests__/rejection';
import { createFieldCipher } from '../cipher/field-cipher';
import { ConfigurationError, FieldCryptoErrorCode } from '../errors';
import { generateLocalKey, localAesKeyring } from '../keyrings/local-aes-keyring';
import { createKeyStore, keyStoreAdmin, KeyStoreError, KeyStoreErrorReason, MAX_SCOPE_LENGTH, memoryKeyStorage, scopeProblem, type KeyStoreStorage } from './index';

const rootKey = generateLocalKey();
const keyring = () => new CountingKeyring(localAesKeyring({ key: rootKey }));
const email = { model: 'User', field: 'email' };

function scopedStore(storage: KeyStoreStorage, createKeys: 'never' | 'on-first-write' = 'on-first-write', ring = keyring()) {
  return { keyring: ring, store: createKeyStore({ name: 'app', storage, keyring: ring, scopes: { createKeys } }) };
}

describe('scope strings', () => {
  it.each([
    ['no character', '', 'must not be empty'],
    ['256 characters', 'a'.repeat(MAX_SCOPE_LENGTH + 1), 'at most 255'],
    ['NUL', 'tenant\u0000', 'control characters'],
    ['a newline', 'tenant\n1', 'control characters'],
    ['a C1 control', 'tenant\u0085', 'control characters'],
    ['a lone surrogate', '\uD800x', 'well-formed'],
  ])('Precondition: a string with %s is not a scope', async (_label, scope, problem) => {
    expect(scopeProblem(scope)).toContain(problem);
    const { store } = scopedStore(memoryKeyStorage());
    if (scope === '') return; // '' is the application's key for currentKeyVersion, not an error there
    const e = (await rejection(Promise.resolve().then(() => store.currentKeyVersion(scope)))) as KeyStoreError;
    expect(e.reason).toBe(KeyStoreErrorReason.INVALID_SCOPE);
    expect(e.code).toBe(FieldCryptoErrorCode.CONFIGURATION);
  });

  it('255 characters (code points, an emoji is one), quotes and non-Latin letters are a scope', () => {
    expect(scopeProblem('😀'.repeat(MAX_SCOPE_LENGTH))).toBeUndefined();
    expect(scopeProblem('tenant "acme" / Zürich / 東京')).toBeUndefined();
    expect(scopeProblem(42)).toBe('must be a string');
  });
});

describe('a scope without keys', () => {
  it("Precondition: with createKeys 'never', a write to a scope without an active key is NO_ACTIVE_KEY naming the scope", async () => {
    const { store } = scopedStore(memoryKeyStorage(), 'never');
    const cipher = createFieldCipher({ keyStore: store });
    const e = (await rejection(cipher.encryptMany([{ value: 'a@b.c', field: email, scope: 'tenant-1' }]))) as KeyStoreError;
    expect(e).toBeInstanceOf(KeyStoreError);
    expect(e.reason).toBe(KeyStoreErrorReason.NO_ACTIVE_KEY);
    expect(e.scope).toBe('tenant-1');
    expect(e.message).toMatch(/^User\.email: scope "tenant-1": the key store "app" has no active version of key "default"/);
  });

  it("Precondition: the application's key is never created on first write", async () => {
    const storage = memoryKeyStorage();
    const { store } = scopedStore(storage);
    await expect(Promise.resolve().then(() => store.currentKeyVersion())).rejects.toMatchObject({ reason: KeyStoreErrorReason.NO_ACTIVE_KEY, scope: undefined });
    expect(await storage.list('app')).toEqual([]);
  });

  it('Precondition: a scope whose versions are all retired gets no new key on first write', async () => {
    const storage = memoryKeyStorage();
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
    await admin.retire((await admin.createKeyVersion({ scope: 't' })).id);
    const { store } = scopedStore(storage);
    await expect(Promise.resolve().then(() => store.currentKeyVersion('t'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.NO_ACTIVE_KEY, scope: 't' });
    expect(await storage.list('app')).toHaveLength(1);
  });
});

describe('keys created on first write', () => {
  it('100 concurrent first writes to a scope in one process: one key version created, one wrap, no unwrap (single-flight)', async () => {
    const storage = countingStorage(memoryKeyStorage());
    const { store, keyring: ring } = scopedStore(storage);
    const cipher = createFieldCipher({ keyStore: store });
    const values = await cipher.encryptMany(Array.from({ length: 100 }, (_, i) => ({ value: `user${i}@example.com`, field: email, scope: 'tenant-1' })));
    const rows = await storage.list('app');
    expect(rows.map((r) => [r.scope, r.purpose, r.version, r.status])).toEqual([['tenant-1', 'field', 1, 'active']]);
    expect(new Set(values.map((v) => (cipher.inspect(v) as { keyVersionId: number }).keyVersionId))).toEqual(new Set([rows[0]!.id]));
    expect(store.stats.keysCreated).toBe(1);
    expect(ring.generateCalls).toBe(1);
    expect(ring.decryptCalls).toBe(0); // the new key's bytes are used as they are, not unwrapped again
    expect(store.stats.keyUnwraps).toBe(0);
    const version = await store.currentKeyVersion('tenant-1');
    expect(version.scope).toBe('tenant-1');
    expect(version.id).toBe(rows[0]!.id);
  });

  it('two processes racing for a scope: the loser of the unique (key, purpose, scope, version) re-reads and uses the winner', async () => {
    const shared = memoryKeyStorage();
    // Both stores read "no version" before either inserts: the race is certain, not a matter of timing.
    const storage = countingStorage(shared, { holdInsertsUntil: 2 });
    const a = scopedStore(storage);
    const b = scopedStore(storage);
    const [va, vb] = await Promise.all([a.store.currentKeyVersion('tenant-1'), b.store.currentKeyVersion('tenant-1')]);
    expect(va.id).toBe(vb.id);
    const rows = await shared.list('app');
    expect(rows).toHaveLength(1);
    expect(a.store.stats.keysCreated + b.store.stats.keysCreated).toBe(1);
    // The loser wrapped a key it threw away, and unwrapped the winner's row once.
    expect(a.keyring.decryptCalls + b.keyring.decryptCalls).toBe(1);
    expect(va.fieldKey(Buffer.from('info')).equals(vb.fieldKey(Buffer.from('info')))).toBe(true);
  });

  it("a scope's index key rotated: writes use the new version, computeAll every active one, a retired one is dropped", async () => {
    const storage = memoryKeyStorage();
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
    const before = await scopedStore(storage).store.blindIndexer('t');
    const old = before.compute(email, 'x', { normalize: [] });
    await admin.rotate({ scope: 't', purpose: 'blind-index' });
    const after = await scopedStore(storage).store.blindIndexer('t');
    expect([after.currentVersion, after.versions]).toEqual([2, [2, 1]]);
    const all = after.computeAll(email, 'x', { normalize: [] });
    expect(all).toHaveLength(2);
    expect(all[1]).toBe(old);
    expect(after.compute(email, 'x', { normalize: [] })).toBe(all[0]);
    expect(all[0]).toMatch(/^v2\$/);
    await admin.retire((await storage.list('app')).find((r) => r.version === 1)!.id);
    expect((await scopedStore(storage).store.blindIndexer('t')).versions).toEqual([2]);
  });

  it("blind-index keys of a scope are created on first use, apart from its field key", async () => {
    const storage = memoryKeyStorage();
    const { store } = scopedStore(storage);
    await store.currentKeyVersion('tenant-1');
    await store.blindIndexer('tenant-1');
    expect((await storage.list('app')).map((r) => r.purpose).sort()).toEqual(['blind-index', 'field']);
  });
});

describe('rows of another scope', () => {
  it("Precondition: a storage that answers for scope A with scope B's row is refused, never used to write A's values", async () => {
    const storage = memoryKeyStorage();
    await keyStoreAdmin({ name: 'app', storage, keyring: keyring() }).createKeyVersion({ scope: 'B' });
    const confused: KeyStoreStorage = { ...storage, latestActive: (s, name, purpose) => storage.latestActive(s, name, purpose, 'B') };
    const { store } = scopedStore(confused, 'never');
    await expect(Promise.resolve().then(() => store.currentKeyVersion('A'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH, scope: 'A' });
  });
});

describe("a new scope's first keys: few storage reads, every guarantee kept", () => {
  it("with scopeRows, a new scope's field key and index key cost three storage reads in all (five before), an existing scope's key one", async () => {
    const storage = memoryKeyStorage();
    const { store } = scopedStore(storage);
    await store.currentKeyVersion('user-1'); // latestActive (none), the scope's rows, insert
    await store.blindIndexer('user-1'); // the scope's rows, insert
    expect(store.stats).toMatchObject({ storageReads: 3, keysCreated: 2 });
    const { store: fresh } = scopedStore(storage);
    await fresh.currentKeyVersion('user-1');
    expect(fresh.stats).toMatchObject({ storageReads: 2, keysCreated: 0 }); // latestActive, then get of the version's row
  });

  it("Precondition: a storage whose scopeRows answers for scope A with scope B's rows is refused (KEY_ROW_MISMATCH), nothing created", async () => {
    const storage = memoryKeyStorage();
    await keyStoreAdmin({ name: 'app', storage, keyring: keyring() }).createKeyVersion({ scope: 'B', purpose: 'blind-index' });
    const confused: KeyStoreStorage = { ...storage, scopeRows: (s) => storage.scopeRows!(s, 'B') };
    const { store } = scopedStore(confused);
    await expect(Promise.resolve().then(() => store.currentKeyVersion('A'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH, scope: 'A' });
    await expect(Promise.resolve().then(() => store.blindIndexer('A'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH, scope: 'A' });
    expect((await storage.list('app')).map((r) => r.scope)).toEqual(['B']);
  });

  it('Precondition: without scopeRows (a storage of its own), a scope shredded before it had a key of one purpose still gets none', async () => {
    const storage = memoryKeyStorage();
    const plain: KeyStoreStorage = { ...storage, scopeRows: undefined };
    await scopedStore(plain).store.currentKeyVersion('fields-only');
    await scopedStore(plain).store.blindIndexer('index-only');
    await storage.shred('app', 'fields-only');
    await storage.shred('app', 'index-only');
    await expect(Promise.resolve().then(() => scopedStore(plain).store.blindIndexer('fields-only'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    await expect(Promise.resolve().then(() => scopedStore(plain).store.currentKeyVersion('index-only'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    expect((await storage.list('app')).map((r) => r.status)).toEqual(['shredded', 'shredded']);
  });
});

describe('the cipher with scopes', () => {
  it('values of two scopes are under two key versions; a reader that knows no scope reads both (cross-scope query)', async () => {
    const storage = memoryKeyStorage();
    const writer = createFieldCipher({ keyStore: scopedStore(storage).store });
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
    await admin.createKeyVersion();
    const items = [
      { value: 'ada@a.example', field: email, scope: 'tenant-a' },
      { value: 'bob@b.example', field: email, scope: 'tenant-b' },
      { value: 'app@example.com', field: email },
      { value: 'cy@a.example', field: email, scope: 'tenant-a' },
    ];
    const stored = await writer.encryptMany(items);
    const ids = stored.map((v) => (writer.inspect(v) as { keyVersionId: number }).keyVersionId);
    expect(ids[0]).toBe(ids[3]);
    expect(new Set(ids).size).toBe(3);
    const byId = new Map((await storage.list('app')).map((r) => [r.id, r.scope]));
    expect(ids.map((id) => byId.get(id))).toEqual(['tenant-a', 'tenant-b', '', 'tenant-a']);
    expect(await writer.encrypt('one', email, 'tenant-b').then((v) => (writer.inspect(v) as { keyVersionId: number }).keyVersionId)).toBe(ids[1]);

    const reader = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring: keyring() }) });
    expect(await reader.decryptMany(stored.map((value) => ({ value, field: email })))).toEqual(items.map((i) => i.value));
  });

  it('Precondition: a scoped value is never written as a standalone message', async () => {
    const cipher = createFieldCipher({ keyring: keyring(), keyStore: scopedStore(memoryKeyStorage()).store, format: 'message' });
    const e = await rejection(cipher.encryptMany([{ value: 'x', field: email, scope: 'tenant-1' }]));
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e.message).toContain('User.email');
    await expect(createFieldCipher({ keyring: keyring() }).encrypt('x', email, 'tenant-1')).rejects.toBeInstanceOf(ConfigurationError);
    await expect(cipher.encrypt('x', email, '')).resolves.toMatch(/^A/); // '' is the application's key: a message as before
  });

  it('Precondition: an invalid scope fails the write with INVALID_SCOPE naming model and field', async () => {
    const cipher = createFieldCipher({ keyStore: scopedStore(memoryKeyStorage()).store });
    const e = (await rejection(cipher.encrypt('x', email, 'bad\u0007scope'))) as KeyStoreError;
    expect(e.reason).toBe(KeyStoreErrorReason.INVALID_SCOPE);
    expect([e.model, e.field]).toEqual(['User', 'email']);
    expect(e.message).not.toContain('bad');
  });
});

describe('a cold read across many scopes', () => {
  it('Precondition: at most maxConcurrentKeyringCalls keyring calls are in flight; the rest wait their turn and all values decrypt', async () => {
    const storage = memoryKeyStorage();
    const { store: writer } = scopedStore(storage);
    const cipher = createFieldCipher({ keyStore: writer });
    const items = Array.from({ length: 40 }, (_, i) => ({ value: `user-${i}@example.com`, field: email, scope: `user-${i}` }));
    const stored = await cipher.encryptMany(items);

    const gated = keyring();
    const reader = createKeyStore({ name: 'app', storage, keyring: gated, maxConcurrentKeyringCalls: 6 });
    gated.close();
    const reading = createFieldCipher({ keyStore: reader }).decryptMany(stored.map((value) => ({ value, field: email })));
    for (let tick = 0; tick < 20; tick += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(gated.decryptCalls).toBe(6);
    gated.open();
    expect(await reading).toEqual(items.map((item) => item.value));
    expect(gated.decryptCalls).toBe(40);
  });

  it('Precondition: maxConcurrentKeyringCalls must be a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createKeyStore({ name: 'app', storage: memoryKeyStorage(), keyring: keyring(), maxConcurrentKeyringCalls: bad })).toThrow(
        /maxConcurrentKeyringCalls must be a positive integer/,
      );
    }
  });
});

describe('acceptScopes on decrypt (a value copied between tenants)', () => {
  it('Precondition: a value under a key of a scope its reader does not accept is KEY_SCOPE_MISMATCH, before any decryption', async () => {
    const { store } = scopedStore(memoryKeyStorage());
    const cipher = createFieldCipher({ keyStore: store });
    const [acme, globex] = await cipher.encryptMany([
      { value: 'acme secret', field: email, scope: 'acme' },
      { value: 'globex secret', field: email, scope: 'globex' },
    ]);
    expect(await cipher.decryptMany([{ value: acme!, field: email, acceptScopes: ['acme'] }])).toEqual(['acme secret']);
    const e = (await rejection(cipher.decryptMany([{ value: globex!, field: email, acceptScopes: ['acme', ''] }]))) as KeyStoreError;
    expect(e).toBeInstanceOf(KeyStoreError);
    expect(e.reason).toBe(KeyStoreErrorReason.KEY_SCOPE_MISMATCH);
    expect(e.code).toBe(FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH);
    expect([e.model, e.field, e.scope]).toEqual(['User', 'email', 'globex']);
    expect(e.message).toContain(`accepts "acme" or the application's key`);
    expect(e.message).not.toContain('globex secret');
    // Without acceptScopes: a read across scopes.
    expect(await cipher.decryptMany([{ value: globex!, field: email }])).toEqual(['globex secret']);
  });

  it("Precondition: the application's key is scope '' for compact values and Encryption SDK messages alike", async () => {
    const storage = memoryKeyStorage();
    await keyStoreAdmin({ name: 'app', storage, keyring: keyring() }).createKeyVersion();
    const { store } = scopedStore(storage);
    const compact = createFieldCipher({ keyStore: store });
    const message = createFieldCipher({ keyStore: store, format: 'message' });
    for (const cipher of [compact, message]) {
      const stored = await cipher.encrypt('app value', email);
      expect(await cipher.decryptMany([{ value: stored, field: email, acceptScopes: ['acme', ''] }])).toEqual(['app value']);
      const e = (await rejection(cipher.decryptMany([{ value: stored, field: email, acceptScopes: ['acme'] }]))) as KeyStoreError;
      expect([e.reason, e.scope]).toEqual([KeyStoreErrorReason.KEY_SCOPE_MISMATCH, '']);
    }
  });
});
