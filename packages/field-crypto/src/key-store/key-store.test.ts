/**
 * The key store against kms-local (real KMS API over HTTP, real Encryption SDK): one KMS Decrypt per key
 * version per process per TTL, single-flight, zeroing on eviction, typed errors with a negative cache,
 * tampered and swapped rows refused, export/import, and interop with the official SDK's decrypt.
 */
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { describeOnKmsLocal, openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { kmsKeyring } from '../keyrings/kms-keyring';
import { rejection } from '../__tests__/rejection';
import {
  createKeyStore,
  keyStoreAdmin,
  KeyStoreError,
  KeyStoreErrorReason,
  memoryKeyStorage,
  ROW_CONTEXT_KEYS,
  type KeyRow,
  type KeyStoreStorage,
} from './index';
import { FieldCryptoErrorCode } from '../errors';

let target: KmsTarget;
let keyArn: string;

beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('key-store-test') })).arn;
});
afterAll(() => target.close());
beforeEach(() => target.resetCalls());

const keyring = () => kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });
const kmsDecrypts = () => target.calls()?.['Decrypt'] ?? 0;

/** A storage that counts reads: the negative cache must keep them flat. */
function counting(storage: KeyStoreStorage): KeyStoreStorage & { reads: number } {
  const counted = {
    reads: 0,
    get: (s: string, id: number) => ((counted.reads += 1), storage.get(s, id)),
    latestActive: (...a: Parameters<KeyStoreStorage['latestActive']>) => ((counted.reads += 1), storage.latestActive(...a)),
    list: storage.list,
    insert: storage.insert,
    setStatus: storage.setStatus,
    replaceMaterial: storage.replaceMaterial,
  };
  return counted;
}

async function storeWithOneKey({ now, ...cache }: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
  const storage = counting(memoryKeyStorage());
  const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
  const created = await admin.createKeyVersion();
  const store = createKeyStore({ name: 'app', storage, keyring: keyring(), cache, ...(now ? { now } : {}) });
  target.resetCalls();
  storage.reads = 0;
  return { storage, admin, store, id: created.id };
}

describeOnKmsLocal(describe, 'KMS call counts')('loading key versions', () => {
  it('1,000 concurrent loads of one key version: one storage read, one KMS Decrypt (single-flight)', async () => {
    const { storage, store, id } = await storeWithOneKey();
    const loaded = await Promise.all(Array.from({ length: 1000 }, () => store.keyVersion(id)));
    expect(new Set(loaded).size).toBe(1);
    expect(kmsDecrypts()).toBe(1);
    expect(storage.reads).toBe(1);
    expect(store.keyVersion(id)).toBe(loaded[0]); // synchronous once cached
  });

  it('after the TTL the version is loaded again (one more Decrypt) and the old copy is zeroed', async () => {
    let now = 0;
    const { store, id } = await storeWithOneKey({ ttlMs: 1000, now: () => now });
    const first = await store.keyVersion(id);
    const fieldKey = first.fieldKey(Buffer.from('info'));
    now = 999;
    expect(store.keyVersion(id)).toBe(first);
    now = 1001;
    const second = await store.keyVersion(id);
    expect(second).not.toBe(first);
    expect(first.destroyed).toBe(true);
    expect(fieldKey.every((b) => b === 0)).toBe(true);
    expect(kmsDecrypts()).toBe(2);
  });

  it('the size bound evicts (and zeroes) the oldest version', async () => {
    const { admin, store, id } = await storeWithOneKey({ maxEntries: 1 });
    const second = await admin.rotate();
    const a = await store.keyVersion(id);
    await store.keyVersion(second.id);
    expect(a.destroyed).toBe(true);
  });

  it('currentKeyVersion is the newest active version; rotation shows after the TTL', async () => {
    let now = 0;
    const { admin, store, id } = await storeWithOneKey({ ttlMs: 1000, now: () => now });
    expect((await store.currentKeyVersion()).id).toBe(id);
    const next = await admin.rotate();
    expect((await store.currentKeyVersion()).id).toBe(id);
    now = 2000;
    expect((await store.currentKeyVersion()).id).toBe(next.id);
  });
});

describe('refusals', () => {
  it('Precondition: an unknown key id is a typed error, remembered: 100 reads make one storage read and no KMS call', async () => {
    const { storage, store } = await storeWithOneKey();
    const errors = await Promise.all(Array.from({ length: 100 }, () => rejection(Promise.resolve().then(() => store.keyVersion(12345)))));
    for (const e of errors) {
      expect(e).toBeInstanceOf(KeyStoreError);
      expect((e as KeyStoreError).reason).toBe(KeyStoreErrorReason.KEY_VERSION_UNKNOWN);
      expect((e as KeyStoreError).code).toBe(FieldCryptoErrorCode.DECRYPTION_FAILED);
    }
    await rejection(Promise.resolve().then(() => store.keyVersion(12345)));
    expect(storage.reads).toBe(1);
    expect(kmsDecrypts()).toBe(0);
    expect((errors[0] as KeyStoreError).at('User', 'email').message).toBe('User.email: key version 12345: the key store "app" has no such key version (restore it from a key export)');
  });

  it('Precondition: a retired key version is refused without a KMS call', async () => {
    const { admin, store, id } = await storeWithOneKey();
    await admin.retire(id);
    const e = await rejection(Promise.resolve().then(() => store.keyVersion(id)));
    expect((e as KeyStoreError).reason).toBe(KeyStoreErrorReason.KEY_VERSION_RETIRED);
    expect(kmsDecrypts()).toBe(0);
    await expect(Promise.resolve().then(() => store.currentKeyVersion())).rejects.toMatchObject({ reason: KeyStoreErrorReason.NO_ACTIVE_KEY });
  });

  it('Precondition: a row swapped onto another id (or store, version, purpose) is refused', async () => {
    const storage = memoryKeyStorage();
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
    const a = (await storage.get('app', (await admin.createKeyVersion()).id))!;
    const b = (await storage.get('app', (await admin.rotate()).id))!;
    const swaps: KeyRow[] = [
      { ...a, material: b.material },
      { ...a, version: 7, id: 77 },
      { ...a, keyStore: 'other' },
      { ...a, purpose: 'blind-index', id: 78 },
    ];
    for (const row of swaps) {
      const store = createKeyStore({ name: row.keyStore, storage: memoryKeyStorage([row]), keyring: keyring() });
      const e = await rejection(Promise.resolve().then(() => store.keyVersion(row.id)));
      expect(e).toBeInstanceOf(KeyStoreError);
    }
    const swapped = createKeyStore({ name: 'app', storage: memoryKeyStorage([{ ...a, material: b.material }]), keyring: keyring() });
    const e = (await rejection(Promise.resolve().then(() => swapped.keyVersion(a.id)))) as KeyStoreError;
    expect(e.reason).toBe(KeyStoreErrorReason.KEY_ROW_MISMATCH);
    expect(e.message).toContain(ROW_CONTEXT_KEYS.id);
  });

  it('Precondition: a tampered row (one flipped byte of its message) is refused as unreadable', async () => {
    const storage = memoryKeyStorage();
    const admin = keyStoreAdmin({ name: 'app', storage, keyring: keyring() });
    const row = (await storage.get('app', (await admin.createKeyVersion()).id))!;
    const bytes = Buffer.from(row.material, 'base64');
    bytes[bytes.length - 5]! ^= 1;
    const store = createKeyStore({ name: 'app', storage: memoryKeyStorage([{ ...row, material: bytes.toString('base64') }]), keyring: keyring() });
    const e = (await rejection(Promise.resolve().then(() => store.keyVersion(row.id)))) as KeyStoreError;
    expect(e.reason).toBe(KeyStoreErrorReason.KEY_ROW_UNREADABLE);
    expect(e.message).not.toContain(row.material.slice(0, 20));
  });
});

describe('control plane', () => {
  it('create refuses a second create; rotate numbers versions; list shows no key material', async () => {
    const admin = keyStoreAdmin({ name: 'app', storage: memoryKeyStorage(), keyring: keyring() });
    await expect(admin.rotate()).rejects.toMatchObject({ reason: KeyStoreErrorReason.CONFLICT });
    await admin.createKeyVersion();
    await expect(admin.createKeyVersion()).rejects.toMatchObject({ reason: KeyStoreErrorReason.CONFLICT });
    await admin.rotate();
    const listed = await admin.list();
    expect(listed.map((r) => r.version)).toEqual([1, 2]);
    expect(listed.every((r) => !('material' in r))).toBe(true);
  });

  it('export, then import into an empty store: the same keys read back; a conflicting import is refused', async () => {
    const admin = keyStoreAdmin({ name: 'app', storage: memoryKeyStorage(), keyring: keyring() });
    const { id } = await admin.createKeyVersion();
    const exported = JSON.stringify(await admin.exportKeys());
    const restoredStorage = memoryKeyStorage();
    const restored = keyStoreAdmin({ name: 'app', storage: restoredStorage, keyring: keyring() });
    expect(await restored.importKeys(exported)).toEqual({ imported: 1, unchanged: 0 });
    expect(await restored.importKeys(exported)).toEqual({ imported: 0, unchanged: 1 });
    const original = await createKeyStore({ name: 'app', storage: memoryKeyStorage((await admin.exportKeys()).rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }))), keyring: keyring() }).keyVersion(id);
    const back = await createKeyStore({ name: 'app', storage: restoredStorage, keyring: keyring() }).keyVersion(id);
    expect(back.fieldKey(Buffer.from('x')).equals(original.fieldKey(Buffer.from('x')))).toBe(true);
    const other = JSON.parse(exported);
    other.rows[0].material = (await keyStoreAdmin({ name: 'app', storage: memoryKeyStorage(), keyring: keyring() }).exportKeys()).rows[0]?.material ?? 'AAAA';
    await expect(restored.importKeys(other)).rejects.toMatchObject({ reason: KeyStoreErrorReason.CONFLICT });
    await expect(restored.importKeys('{"format":"nope"}')).rejects.toMatchObject({ reason: KeyStoreErrorReason.INVALID_INPUT });
  });

  it('interop: the official SDK decrypts a key-store row with a plain KMS keyring, to 32 bytes under the row context', async () => {
    const storage = memoryKeyStorage();
    const { id } = await keyStoreAdmin({ name: 'app', storage, keyring: keyring() }).createKeyVersion();
    const row = (await storage.get('app', id))!;
    const settings = target.clientConfig();
    const client = new KMS({ ...settings });
    const official = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => client });
    const { plaintext, messageHeader } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(official, Buffer.from(row.material, 'base64'));
    expect(plaintext).toHaveLength(32);
    expect(messageHeader.encryptionContext).toMatchObject({ [ROW_CONTEXT_KEYS.id]: String(id), [ROW_CONTEXT_KEYS.keyStore]: 'app', [ROW_CONTEXT_KEYS.purpose]: 'field' });
    client.destroy();
  });
});
