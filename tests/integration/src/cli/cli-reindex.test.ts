/**
 * `prisma-kms reindex` after an index-key rotation: rows indexed under key v1, a config holding v1 and
 * v2 (current v2); after the rebuild every entry is v2 and equals compute(v2), the extension finds each
 * row by equality with v2 alone, a rerun has nothing left to do, and an application write racing the
 * rebuild is never overwritten by a stale entry.
 */
import { CheckpointStore, dialectFor, runMigration, selectTargets } from '@prisma-kms/cli';
import { createIndexKey, parseIndexValue, type BlindIndexComputeOptions } from '@prisma-kms/field-crypto';
import { fieldEncryption, type FieldMap } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers } from './cli-test-kit';
import { blindIndexerFor, cipherFor, databaseFor, fieldMapFor, keyringOf, type IndexKeyFixture } from './fixtures/config-factory';

const USERS = 150;
const PLAINTEXT_USERS = 5; // inserted after encrypt: plaintext email, no index yet
const email = { model: 'User', field: 'email' };
const userTable = (stdout: string): unknown => (JSON.parse(stdout) as { tables: Array<{ model: string }> }).tables.find((t) => t.model === 'User');

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('prisma-kms reindex on %s', (provider) => {
  let fx: CliFixture;
  let rotated: IndexKeyFixture;
  let onlyV2: IndexKeyFixture;
  const hash = (): BlindIndexComputeOptions =>
    (fieldMapFor(provider) as unknown as { models: { User: { encrypted: { email: { hash: BlindIndexComputeOptions } } } } }).models.User.encrypted.email.hash;
  const indexes = async (): Promise<Array<{ id: number; email_hash: string | null }>> => {
    const q = fx.db.raw.quote;
    const rows = await fx.db.raw.query<{ id: number; email_hash: string | null }>(`SELECT ${q('id')}, ${q('email_hash')} FROM ${q('users')} ORDER BY ${q('id')}`);
    return rows.map((r) => ({ id: Number(r.id), email_hash: r.email_hash }));
  };

  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(USERS);
    fx.writeConfig(); // index key v1 only
    expect(await fx.run(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    await fx.seedUsers(PLAINTEXT_USERS, USERS + 1);
    const v2 = await createIndexKey(keyringOf(fx.indexKey.wrappingKey), { version: 2 });
    rotated = { ...fx.indexKey, extraMessages: [v2] };
    onlyV2 = { wrappingKey: fx.indexKey.wrappingKey, message: v2 };
    fx.writeConfig({ indexKey: rotated });
  });
  afterEach(() => fx.cleanup());

  it('rebuilds every entry under v2; the extension then finds each row with v2 alone; a rerun does nothing', async () => {
    const before = await indexes();
    expect(before.slice(0, USERS).every((r) => parseIndexValue(r.email_hash!)?.version === 1)).toBe(true);
    expect(before.slice(USERS).every((r) => r.email_hash === null)).toBe(true);

    const result = await fx.run(['reindex', '--batch-size', '40', '--json', '--quiet']);
    expect(result.status).toBe(0);
    const tables = (JSON.parse(result.stdout) as { tables: Array<{ model: string; valuesPlanned: number; rowsWritten: number; rowsSkipped: number }> }).tables;
    expect(tables.find((t) => t.model === 'User')).toMatchObject({ valuesPlanned: USERS + PLAINTEXT_USERS, rowsWritten: USERS + PLAINTEXT_USERS, rowsSkipped: 0 });
    expect(tables.filter((t) => t.model !== 'User').every((t) => t.valuesPlanned === 0)).toBe(true); // other indexed models hold no rows

    const v2 = await blindIndexerFor(onlyV2);
    const expected = expectedUsers(USERS + PLAINTEXT_USERS).map((u) => ({ id: u.id, email_hash: v2.compute(email, u.email, hash()) }));
    expect(await indexes()).toEqual(expected);
    // the values themselves are untouched: still ciphertext that decrypts, or the plaintext rows as they were
    expect((await fx.users()).slice(USERS).map((u) => u.email)).toEqual(expectedUsers(PLAINTEXT_USERS, USERS + 1).map((u) => u.email));

    const prisma = databaseFor(provider, fx.db.url).$extends(
      fieldEncryption({ fields: fieldMapFor(provider) as unknown as FieldMap, cipher: cipherFor(fx.k1), blindIndexer: v2 }),
    );
    try {
      for (const user of expectedUsers(USERS).filter((u) => u.id % 7 === 0)) {
        // a different case and padding: the field normalizes with trim and lowercase
        const found = await (prisma as unknown as { user: { findFirst(a: unknown): Promise<{ id: number } | null> } }).user.findFirst({
          where: { email: ` ${user.email.toUpperCase()} ` },
          select: { id: true },
        });
        expect(found?.id).toBe(user.id);
      }
    } finally {
      await prisma.$disconnect();
    }

    const again = await fx.run(['reindex', '--json', '--quiet']);
    expect(userTable(again.stdout)).toMatchObject({ valuesPlanned: 0, rowsWritten: 0 });
    const full = await fx.run(['reindex', '--full', '--json', '--quiet']);
    expect(full.status).toBe(0);
    expect(userTable(full.stdout)).toMatchObject({ valuesPlanned: USERS + PLAINTEXT_USERS, rowsWritten: 0 });
  });

  it('--dry-run counts and writes nothing; naming a field without a blind index is a usage error', async () => {
    const before = await indexes();
    const dry = await fx.run(['reindex', '--dry-run', '--json', '--quiet']);
    expect(userTable(dry.stdout)).toMatchObject({ valuesPlanned: USERS + PLAINTEXT_USERS, rowsWritten: 0 });
    expect(await indexes()).toEqual(before);
    const refused = await fx.run(['reindex', '--field', 'User.name']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('User.name has no blind index');
  });

  it('an application write between read and write wins: value and entry are kept, the row is skipped, a rerun indexes it', async () => {
    const db = databaseFor(provider, fx.db.url);
    const cipher = cipherFor(fx.k1);
    const v1 = await blindIndexerFor(fx.indexKey);
    const q = fx.db.raw.quote;
    const options = {
      db,
      dialect: dialectFor(provider),
      cipher,
      blindIndexer: await blindIndexerFor(rotated),
      command: 'reindex' as const,
      batchSize: 50,
      concurrency: 2,
      checkpoints: new CheckpointStore(`${fx.dir}/.prisma-kms`),
    };
    const targets = selectTargets(fieldMapFor(provider) as never, { models: ['User'], fields: ['email'] });
    const appWrites = new Map<number, { email: string; hash: string }>();
    try {
      const first = await runMigration(targets, {
        ...options,
        beforeWrite: async ({ keys }) => {
          // an instance still on v1 changes the first row of each batch: new ciphertext and its v1 entry
          const id = Number(keys[0]![0]);
          const value = `moved-${id}@example.com`;
          const write = { email: await cipher.encrypt(value, email), hash: v1.compute(email, value, hash()) };
          appWrites.set(id, write);
          await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('email')} = ?, ${q('email_hash')} = ? WHERE ${q('id')} = ?`, [write.email, write.hash, id]);
        },
      });
      expect(first[0]).toMatchObject({ rowsSkipped: appWrites.size, rowsWritten: USERS + PLAINTEXT_USERS - appWrites.size });
      expect(appWrites.size).toBeGreaterThan(1);
      const stored = await fx.users();
      const storedIndexes = await indexes();
      for (const [id, write] of appWrites) {
        expect(stored.find((u) => u.id === id)!.email).toBe(write.email);
        expect(storedIndexes.find((r) => r.id === id)!.email_hash).toBe(write.hash);
      }

      const second = await runMigration(targets, options);
      expect(second[0]).toMatchObject({ valuesPlanned: appWrites.size, rowsWritten: appWrites.size, rowsSkipped: 0 });
      const v2 = await blindIndexerFor(onlyV2);
      for (const { id, email_hash } of await indexes()) {
        const plaintext = appWrites.has(id) ? `moved-${id}@example.com` : expectedUsers(1, id)[0]!.email;
        expect(email_hash).toBe(v2.compute(email, plaintext, hash()));
      }
    } finally {
      await db.$disconnect();
    }
  });
});
