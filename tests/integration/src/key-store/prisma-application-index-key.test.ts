/**
 * Issue 12: the application's blind-index key in the key store (purpose `blind-index`, the application's
 * scope) instead of an index key file: `fieldEncryption({ blindIndexer: () => keyStore.blindIndexer(APPLICATION_SCOPE) })`.
 * Operations that cannot need an index never load it; equality lookups work through it; a rotated index
 * key is picked up once the cache lets go of the old set, and rows indexed under the old version are
 * still found. SQLite and PostgreSQL, a key store in the test database wrapped by a local key.
 */
import { APPLICATION_SCOPE, createFieldCipher, createKeyStore, generateLocalKey, keyStoreAdmin, KeyStoreErrorReason, localAesKeyring, parseIndexValue } from '@prisma-kms/field-crypto';
import { fieldEncryption, prismaKeyStorage, type FieldMap } from '@prisma-kms/prisma';
import { fieldMap as sqliteFields } from '@prisma-kms/schema/sqlite/fields';
import { fieldMap as postgresFields } from '@prisma-kms/schema/postgresql/fields';
import { clientPool, createTestDatabase, type ClientPool, type TestDatabase } from '../harness';

const FIELDS: Record<'sqlite' | 'postgresql', FieldMap> = { sqlite: sqliteFields, postgresql: postgresFields };

describe.each<'sqlite' | 'postgresql'>(['sqlite', 'postgresql'])('the application blind-index key in the key store on %s', (provider) => {
  let db: TestDatabase;
  let pool: ClientPool;

  beforeAll(async () => {
    db = await createTestDatabase(provider);
    pool = clientPool(db);
  });
  afterAll(() => pool.closeAndDrop());

  it('loaded only when an operation may need it; lookups through it; a rotated index key used for new rows, old rows still found', async () => {
    const keyring = localAesKeyring({ key: generateLocalKey() }, { keyName: 'store' });
    const client = pool.open();
    const storage = prismaKeyStorage(client.prismaKmsKey);
    const admin = keyStoreAdmin({ name: 'app', storage, keyring });
    await admin.createKeyVersion(); // the field key only, no index key yet
    const keyStore = createKeyStore({ name: 'app', storage, keyring });
    const cipher = createFieldCipher({ keyStore });
    let loads = 0;
    const prisma = client.$extends(
      fieldEncryption({
        fields: FIELDS[provider],
        cipher,
        blindIndexer: () => {
          loads += 1;
          return keyStore.blindIndexer(APPLICATION_SCOPE);
        },
      }),
    );

    // AuditEntry has no blind index and no relation to one: the index key is not needed, not loaded
    await prisma.auditEntry.create({ data: { tenant: 't', seq: 1, payload: 'login', action: 'login' } });
    expect(loads).toBe(0);
    const missing = await prisma.user.create({ data: { name: 'Ada', email: 'ada@example.com' } }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ reason: KeyStoreErrorReason.NO_ACTIVE_KEY });
    expect(loads).toBe(1);

    await admin.createKeyVersion({ purpose: 'blind-index' });
    keyStore.clear(); // the remembered NO_ACTIVE_KEY (negativeTtlMs) forgotten
    const ada = await prisma.user.create({ data: { name: 'Ada', email: 'ada@example.com' } });
    expect((await prisma.user.findFirst({ where: { email: ' ADA@Example.com ' } }))?.id).toBe(ada.id);
    expect(await prisma.user.findFirst({ where: { email: 'grace@example.com' } })).toBeNull();
    const hashOf = async (id: number) => (await client.user.findUniqueOrThrow({ where: { id } })).emailHash!;
    expect(parseIndexValue(await hashOf(ada.id))).toMatchObject({ version: 1 });

    await admin.rotate({ purpose: 'blind-index' });
    keyStore.clear(); // as the key cache's TTL would, later
    const grace = await prisma.user.create({ data: { name: 'Grace', email: 'grace@example.com' } });
    expect(parseIndexValue(await hashOf(grace.id))).toMatchObject({ version: 2 });
    expect((await prisma.user.findFirst({ where: { email: 'grace@example.com' } }))?.id).toBe(grace.id);
    expect((await prisma.user.findFirst({ where: { email: 'ada@example.com' } }))?.id).toBe(ada.id); // still under version 1
    expect((await prisma.user.findUnique({ where: { emailHash: await hashOf(ada.id) } }))?.email).toBe('ada@example.com');
  }, 60_000);
});
