/**
 * Key scopes on prismaKeyStorage (the PrismaKmsKey model) on SQLite and PostgreSQL, with a KMS keyring on
 * kms-local: two processes racing for a scope's first key version meet the table's unique constraint and
 * agree on one row; `shred` tombstones exactly the scope's rows in one UPDATE (checked at rest through a
 * raw connection); values restored from a dump taken before the shred stay unreadable while the other
 * scope reads.
 */
import { createFieldCipher, createKeyStore, keyStoreAdmin, kmsKeyring, KeyStoreErrorReason, type KeyStoreStorage } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { clientPool, createTestDatabase, type ClientPool, type Provider, type TestDatabase, type TestPrismaClient } from '../harness';

let target: KmsTarget;
let keyArn: string;
beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('prisma-key-scopes') })).arn;
});
afterAll(() => target.close());

const keyring = () => kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });
const payload = { model: 'AuditEntry', field: 'payload' };

/** The storage of one client, whose inserts wait until `parties` of them are waiting: the race is certain. */
function racingStorage(client: TestPrismaClient, barrier: { waiting: Array<() => void>; parties: number }): KeyStoreStorage {
  const storage = prismaKeyStorage(client.prismaKmsKey);
  return {
    ...storage,
    insert: async (row) => {
      await new Promise<void>((resolve) => {
        barrier.waiting.push(resolve);
        if (barrier.waiting.length === barrier.parties) for (const release of barrier.waiting.splice(0)) release();
      });
      return storage.insert(row);
    },
  };
}

describe.each<Provider>(['sqlite', 'postgresql'])('key scopes on %s', (provider) => {
  let db: TestDatabase;
  let pool: ClientPool;
  let plain: TestPrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase(provider);
    pool = clientPool(db);
    plain = pool.open();
  });
  afterAll(() => pool.closeAndDrop());

  const openStore = (client = pool.open()) =>
    createKeyStore({ name: 'app', storage: prismaKeyStorage(client.prismaKmsKey), keyring: keyring(), scopes: { createKeys: 'on-first-write' } });

  it("two processes write a scope's first value at once: the unique constraint picks one row, both use it", async () => {
    const barrier = { waiting: [] as Array<() => void>, parties: 2 };
    const [a, b] = [pool.open(), pool.open()].map((client) =>
      createKeyStore({ name: 'app', storage: racingStorage(client, barrier), keyring: keyring(), scopes: { createKeys: 'on-first-write' } }),
    );
    const [va, vb] = await Promise.all([a!.currentKeyVersion('race'), b!.currentKeyVersion('race')]);
    expect(va.id).toBe(vb.id);
    expect(a!.stats.keysCreated + b!.stats.keysCreated).toBe(1);
    const rows = await plain.prismaKmsKey.findMany({ where: { keyStore: 'app', scope: 'race' } });
    expect(rows.map((r) => [Number(r.id), r.version, r.purpose, r.status])).toEqual([[va.id, 1, 'field', 'active']]);
  });

  it('shred: one UPDATE tombstones every row of the scope (field and blind-index, every version); the rest of the table is untouched', async () => {
    const writer = openStore();
    const cipher = createFieldCipher({ keyStore: writer });
    const admin = keyStoreAdmin({ name: 'app', storage: prismaKeyStorage(plain.prismaKmsKey), keyring: keyring() });
    await admin.createKeyVersion();
    const values = [
      { value: 'doomed 1', scope: 'doomed' },
      { value: 'kept 1', scope: 'kept' },
      { value: 'application 1', scope: '' },
    ];
    const v1 = await cipher.encryptMany(values.map((v) => ({ ...v, field: payload })));
    await admin.rotate({ scope: 'doomed' });
    writer.clear();
    const [v2] = await cipher.encryptMany([{ value: 'doomed 2', field: payload, scope: 'doomed' }]);
    await writer.blindIndexer('doomed');
    await writer.blindIndexer('kept');
    const data = [...v1, v2!].map((stored, seq) => ({ tenant: 't', seq, payload: stored, action: 'write' }));
    await plain.auditEntry.createMany({ data });
    const dump = await plain.auditEntry.findMany({ orderBy: { seq: 'asc' } });

    const table = db.raw.quote('prisma_kms_keys');
    const atRest = () =>
      db.raw.query<{ scope: string; purpose: string; version: number; status: string; material: string }>(
        `SELECT ${['scope', 'purpose', 'version', 'status', 'material'].map((c) => db.raw.quote(c)).join(', ')} FROM ${table} ORDER BY ${db.raw.quote('scope')}, ${db.raw.quote('purpose')}, ${db.raw.quote('version')}`,
      );
    const before = await atRest();
    const storage = prismaKeyStorage(plain.prismaKmsKey);
    expect((await storage.scopeRows!('app', 'kept')).map((r) => r.purpose).sort()).toEqual(['blind-index', 'field']);
    expect((await admin.shred('doomed', { dryRun: true })).rows.map((r) => [r.purpose, r.version])).toEqual([
      ['blind-index', 1],
      ['field', 1],
      ['field', 2],
    ]);
    expect(await atRest()).toEqual(before);
    expect(await storage.shred('app', 'doomed')).toBe(3);
    const after = await atRest();
    expect(after.filter((r) => r.scope === 'doomed').map((r) => [r.purpose, Number(r.version), r.status, r.material])).toEqual([
      ['blind-index', 1, 'shredded', ''],
      ['field', 1, 'shredded', ''],
      ['field', 2, 'shredded', ''],
    ]);
    expect(after.filter((r) => r.scope !== 'doomed')).toEqual(before.filter((r) => r.scope !== 'doomed'));
    expect(await storage.shred('app', 'doomed')).toBe(0);
    expect(await storage.shred('other-store', 'kept')).toBe(0);
    const tombstone = (await plain.prismaKmsKey.findFirst({ where: { scope: 'doomed' } }))!;
    expect(await storage.setStatus('app', Number(tombstone.id), 'active')).toBe(false);
    expect((await storage.versions!('app', 'default', 'field', 'doomed')).map((r) => [r.version, r.status])).toEqual(
      expect.arrayContaining([
        [1, 'shredded'],
        [2, 'shredded'],
      ]),
    );

    // The data tables restored from the dump taken before the shred: the doomed values stay unreadable.
    await plain.auditEntry.deleteMany({});
    await plain.auditEntry.createMany({ data: dump });
    const reader = createFieldCipher({ keyStore: openStore() });
    const restored = await plain.auditEntry.findMany({ orderBy: { seq: 'asc' } });
    const outcomes = await Promise.all(restored.map((row) => reader.decrypt(row.payload, payload).catch((e: { reason?: string; scope?: string }) => `${e.reason}:${e.scope}`)));
    expect(outcomes).toEqual(['KEY_SCOPE_SHREDDED:doomed', 'kept 1', 'application 1', 'KEY_SCOPE_SHREDDED:doomed']);
    await expect(Promise.resolve().then(() => openStore().blindIndexer('doomed'))).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
  }, 60_000);
});
