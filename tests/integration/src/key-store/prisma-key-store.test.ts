/**
 * The key store in the application's database (prismaKeyStorage on the PrismaKmsKey model) on SQLite,
 * PostgreSQL and MariaDB, with a KMS keyring on kms-local: the control plane, compact values written
 * and read through the extension, one KMS Decrypt for a fresh process reading 5,000 rows, what is at
 * rest, and a backup restored after the key table was emptied.
 */
import { createFieldCipher, createKeyStore, keyStoreAdmin, kmsKeyring, KeyStoreErrorReason, type KeyStoreAdmin } from '@prisma-kms/field-crypto';
import { fieldEncryption, prismaKeyStorage, type FieldMap } from '@prisma-kms/prisma';
import { fieldMap as sqliteFields } from '@prisma-kms/schema/sqlite/fields';
import { fieldMap as postgresFields } from '@prisma-kms/schema/postgresql/fields';
import { fieldMap as mysqlFields } from '@prisma-kms/schema/mysql/fields';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { clientPool, createTestDatabase, type ClientPool, type Provider, type TestDatabase, type TestPrismaClient } from '../harness';
import { newBlindIndexer } from '../extension/encrypted-database';

const FIELDS: Record<Provider, FieldMap> = { sqlite: sqliteFields, postgresql: postgresFields, mysql: mysqlFields };
const ROWS = 5000;

let target: KmsTarget;
let keyArn: string;
beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('prisma-key-store') })).arn;
});
afterAll(() => target.close());

const keyring = () => kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });

describe.each<Provider>(['sqlite', 'postgresql', 'mysql'])('key store on %s', (provider) => {
  let db: TestDatabase;
  let pool: ClientPool;
  let plain: TestPrismaClient;
  let admin: KeyStoreAdmin;

  beforeAll(async () => {
    db = await createTestDatabase(provider);
    pool = clientPool(db);
    plain = pool.open();
    admin = keyStoreAdmin({ name: 'app', storage: prismaKeyStorage(plain.prismaKmsKey), keyring: keyring() });
  });
  afterAll(() => pool.closeAndDrop());

  /** A process: an unextended client, a key store on it, and the extension with a compact cipher. */
  async function openProcess() {
    const client = pool.open();
    const keyStore = createKeyStore({ name: 'app', storage: prismaKeyStorage(client.prismaKmsKey), keyring: keyring() });
    const cipher = createFieldCipher({ keyStore });
    const prisma = client.$extends(fieldEncryption({ fields: FIELDS[provider], cipher, blindIndexer: await newBlindIndexer(keyring()) }));
    return { prisma, keyStore, cipher };
  }

  it('control plane: create, rotate, list, retire and activate; a second create is refused', async () => {
    const first = await admin.createKeyVersion();
    await expect(admin.createKeyVersion()).rejects.toMatchObject({ reason: KeyStoreErrorReason.CONFLICT });
    const second = await admin.rotate();
    expect((await admin.list()).map((v) => [v.id, v.version, v.status])).toEqual([
      [first.id, 1, 'active'],
      [second.id, 2, 'active'],
    ]);
    await admin.retire(first.id);
    expect((await admin.list())[0]?.status).toBe('retired');
    await admin.activate(first.id);
    expect(await prismaKeyStorage(plain.prismaKmsKey).insert({ ...first, material: 'AAAA', keyName: 'other' })).toBe(false);
  });

  it(`${ROWS} rows written as compact values; a fresh process reads them all with one KMS Decrypt`, async () => {
    const writer = await openProcess();
    await writer.prisma.auditEntry.createMany({
      data: Array.from({ length: ROWS }, (_, seq) => ({ tenant: 't1', seq, payload: `event ${seq}`, action: 'login' })),
    });
    const current = (await admin.list()).at(-1)!;
    const atRest = await db.raw.query<{ payload: string }>(`SELECT payload FROM ${db.raw.quote('audit_entries')} WHERE seq < 3`);
    for (const { payload } of atRest) {
      expect(payload.startsWith('/')).toBe(true);
      expect(writer.cipher.inspect(payload)).toMatchObject({ kind: 'compact', keyVersionId: current.id });
    }
    target.resetCalls();
    const reader = await openProcess();
    target.resetCalls(); // the blind indexer's key load is not what is measured
    const rows = await reader.prisma.auditEntry.findMany({ orderBy: { seq: 'asc' } });
    expect(rows).toHaveLength(ROWS);
    expect(rows[ROWS - 1]?.payload).toBe(`event ${ROWS - 1}`);
    expect(target.calls()?.['Decrypt'] ?? 0).toBe(1);
    expect(reader.keyStore.stats).toEqual({ storageReads: 1, statusReads: 0, keyUnwraps: 1, keysCreated: 0 });
  }, 120_000);

  it('a backup restores the key table: export, empty the table, import, read again', async () => {
    const backup = JSON.stringify(await admin.exportKeys());
    expect(backup).not.toContain('event'); // rows only, and their material is wrapped
    await plain.prismaKmsKey.deleteMany({});
    const lost = await openProcess();
    await expect(lost.prisma.auditEntry.findFirst({ where: { seq: 1 } })).rejects.toMatchObject({
      reason: KeyStoreErrorReason.KEY_VERSION_UNKNOWN,
      model: 'AuditEntry',
      field: 'payload',
    });
    expect(await admin.importKeys(backup)).toEqual({ imported: 2, unchanged: 0, refusedShredded: 0 });
    const restored = await openProcess();
    expect((await restored.prisma.auditEntry.findFirst({ where: { seq: 1 } }))?.payload).toBe('event 1');
  }, 60_000);
});
