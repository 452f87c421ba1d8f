/**
 * Issue 10, blocker 3: moving `email @unique` to `@encrypted(hash: emailHash)` on a live table. The index
 * column is added (NULL everywhere), the application is deployed with the extension in lenient mode,
 * and `prisma-kms encrypt` runs while the application looks users up by email. In lenient mode an
 * equality through the blind index also matches rows not yet encrypted (index NULL, plaintext in the
 * column), so every lookup finds its user before, during and after `encrypt`; strict mode, once
 * `encrypt` is done, needs no such branch. The old unique index on the plaintext column stays until the
 * end, as in the docs (docs/blind-indexes.md, "Migrating an existing column").
 */
import { createFieldCipher } from '@prisma-kms/field-crypto';
import { fieldEncryption } from '@prisma-kms/prisma';
import type { PrismaClient as PostgresClient } from '@prisma-kms/schema/postgresql';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers } from '../cli/cli-test-kit';
import { blindIndexerFor, databaseFor, keyringOf } from '../cli/fixtures/config-factory';
import { fieldMapFor } from '../extension/encrypted-database';

const USERS = 600;

describe.each<Provider>(['postgresql', 'sqlite'])('migrating a unique plaintext column to a blind index on %s', (provider) => {
  let fx: CliFixture;
  const clients: { $disconnect(): Promise<void> }[] = [];

  async function app(mode: 'lenient' | 'strict') {
    const client = databaseFor(provider, fx.db.url) as unknown as PostgresClient;
    clients.push(client);
    const fields = fieldMapFor(provider);
    return client.$extends(fieldEncryption({ fields, mode, cipher: createFieldCipher({ keyring: keyringOf(fx.k1) }), blindIndexer: await blindIndexerFor(fx.indexKey) }));
  }
  type App = Awaited<ReturnType<typeof app>>;

  /** Each of `ids` found by email (findFirst with the address as a user types it, findUnique, count); the ids that were not. */
  async function missedLookups(prisma: App, ids: readonly number[]): Promise<number[]> {
    const missed: number[] = [];
    for (const id of ids) {
      const email = `user${id}@example.com`;
      const first = await prisma.user.findFirst({ where: { email: ` USER${id}@Example.com` }, select: { id: true } });
      const unique = await prisma.user.findUnique({ where: { email } as never, select: { id: true, email: true } });
      const count = await prisma.user.count({ where: { email } });
      if (first?.id !== id || unique?.id !== id || unique.email !== email || count !== 1) missed.push(id);
    }
    return missed;
  }

  beforeAll(async () => {
    fx = await CliFixture.create(provider);
    fx.writeConfig();
    await fx.seedUsers(USERS);
    // The old `email @unique`, still in place while the migration runs.
    const q = fx.db.raw.quote;
    await fx.db.raw.query(`CREATE UNIQUE INDEX ${q('users_email_old_unique')} ON ${q('users')} (${q('email')})`);
  });
  afterAll(async () => {
    for (const client of clients) await client.$disconnect();
    await fx.cleanup();
  });

  jest.setTimeout(240_000);

  it('before encrypt: lenient lookups find the plaintext rows; strict ones do not (no fallback branch)', async () => {
    const lenient = await app('lenient');
    expect(await missedLookups(lenient, [1, 2, 299, USERS])).toEqual([]);
    // "Does this email exist?" before creating: a duplicate is seen, so the old unique is never hit.
    expect(await lenient.user.count({ where: { email: { in: ['user5@example.com', 'nobody@example.com'] } } })).toBe(1);
    const strict = await app('strict');
    expect(await strict.user.findFirst({ where: { email: 'user1@example.com' } })).toBeNull();
  });

  it('a truncated (non-unique) index too: a row not yet encrypted is found, and only the true match', async () => {
    const q = fx.db.raw.quote;
    await fx.db.raw.query(`INSERT INTO ${q('Profile')} (${q('id')}, ${q('ssn')}, ${q('userId')}) VALUES (?, ?, ?), (?, ?, ?)`, [
      'p-1', '123-45-6789', 1, 'p-2', '987-65-4321', 2,
    ]);
    const lenient = await app('lenient');
    expect(await lenient.profile.findMany({ where: { ssn: ' 123-45-6789 ' }, select: { id: true, ssn: true } })).toEqual([{ id: 'p-1', ssn: '123-45-6789' }]);
    expect(await (await app('strict')).profile.findMany({ where: { ssn: '123-45-6789' } })).toEqual([]);
  });

  async function unindexedRows(): Promise<number> {
    const q = fx.db.raw.quote;
    const [row] = await fx.db.raw.query<{ n: number | string }>(`SELECT COUNT(*) AS ${q('n')} FROM ${q('users')} WHERE ${q('email_hash')} IS NULL`);
    return Number(row!.n);
  }

  it('on a mixed table (encrypt --shard 1/2 done): every user is found, encrypted or not', async () => {
    expect((await fx.run(['encrypt', '--shard', '1/2', '--quiet'])).status).toBe(0);
    const unindexed = await unindexedRows();
    expect(unindexed).toBeGreaterThan(0);
    expect(unindexed).toBeLessThan(USERS);
    const lenient = await app('lenient');
    expect(await missedLookups(lenient, Array.from({ length: USERS / 6 }, (_, i) => 1 + i * 6 + (i % 6)))).toEqual([]);
  });

  const whileEncrypting = provider === 'postgresql' ? 'while the rest is encrypted (a writer in another process)' : 'after the rest is encrypted';
  it(`${whileEncrypting}: every lookup finds its user; then strict mode finds everyone through the index alone`, async () => {
    const lenient = await app('lenient');
    const missed: number[] = [];
    if (provider === 'postgresql') {
      const encrypt = fx.runBin(['encrypt', '--batch-size', '25', '--concurrency', '1', '--quiet']);
      let running = true;
      void encrypt.then(() => (running = false));
      let rounds = 0;
      while (running || rounds === 0) {
        missed.push(...(await missedLookups(lenient, Array.from({ length: 10 }, () => 1 + Math.floor(Math.random() * USERS)))));
        rounds++;
      }
      expect(await encrypt).toMatchObject({ status: 0 });
    } else {
      // SQLite has one writer at a time: lookups between runs (above) instead of during one.
      expect((await fx.run(['encrypt', '--quiet'])).status).toBe(0);
    }
    expect(missed).toEqual([]);
    expect(await unindexedRows()).toBe(0);

    // Done: every row indexed; the strict application finds everyone, and reads back every value.
    const strict = await app('strict');
    expect(await missedLookups(strict, [1, 2, 299, USERS])).toEqual([]);
    const users = await strict.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, email: true, phone: true } });
    expect(users.map((u) => ({ id: u.id, name: u.name, email: u.email, phone_number: u.phone }))).toEqual(expectedUsers(USERS));
  });
});
