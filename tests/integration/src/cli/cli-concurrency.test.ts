/**
 * The CLI shares the table with the application: a value the application writes between the CLI's
 * read and its write is never overwritten (the compare-and-set UPDATE skips the row, a rerun picks
 * it up), and `--shard i/n` processes running side by side cover every row exactly once.
 */
import { runMigration, selectTargets, dialectFor, CheckpointStore } from '@prisma-kms/cli';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers, isCiphertext } from './cli-test-kit';
import { blindIndexerFor, cipherFor, databaseFor, fieldMapFor } from './fixtures/config-factory';

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('concurrent writes on %s', (provider) => {
  let fx: CliFixture;
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
  });
  afterEach(() => fx.cleanup());

  it('a value written between read and write wins; the row is counted as skipped and a rerun encrypts it', async () => {
    await fx.seedUsers(300);
    const prisma = databaseFor(provider, fx.db.url);
    const cipher = cipherFor(fx.k1);
    const q = fx.db.raw.quote;
    const targets = selectTargets(fieldMapFor(provider) as never, { models: ['User'] });
    const options = {
      db: prisma,
      dialect: dialectFor(provider),
      cipher,
      blindIndexer: await blindIndexerFor(fx.indexKey),
      command: 'encrypt' as const,
      batchSize: 100,
      concurrency: 2,
      checkpoints: new CheckpointStore(`${fx.dir}/.prisma-kms`),
    };
    const appWrites = new Map<number, string>();
    try {
      const first = await runMigration(targets, {
        ...options,
        beforeWrite: async ({ keys }) => {
          // the application updates the first and last row of the batch, one in plaintext, one through the extension
          const firstId = Number(keys[0]![0]);
          const lastId = Number(keys[keys.length - 1]![0]);
          appWrites.set(firstId, `app plaintext ${firstId}`);
          appWrites.set(lastId, `app ciphertext ${lastId}`);
          await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('email')} = ? WHERE ${q('id')} = ?`, [appWrites.get(firstId), firstId]);
          const encrypted = await cipher.encrypt(appWrites.get(lastId)!, { model: 'User', field: 'email' });
          await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('email')} = ? WHERE ${q('id')} = ?`, [encrypted, lastId]);
        },
      });
      // Exactly the rows the application changed are skipped: two per batch (the first batch is small while
      // the CLI learns the row size, so there are at least three batches of at most 100 rows).
      expect(appWrites.size).toBeGreaterThanOrEqual(6);
      expect(first[0]).toMatchObject({ rowsScanned: 300, rowsSkipped: appWrites.size, rowsWritten: 300 - appWrites.size });
      const afterFirst = await fx.users();
      // the application's values survived: one still plaintext, one its own ciphertext
      for (const [id, value] of appWrites) {
        const stored = afterFirst.find((u) => u.id === id)!.email;
        if (value.startsWith('app plaintext')) expect(stored).toBe(value);
        else expect(await cipher.decrypt(stored, { model: 'User', field: 'email' })).toBe(value);
      }

      const second = await runMigration(targets, options);
      expect(second[0]).toMatchObject({ rowsSkipped: 0, failureCount: 0 });
      const expected = expectedUsers(300).map((u) => (appWrites.has(u.id) ? { ...u, email: appWrites.get(u.id)! } : u));
      expect(await fx.decryptedUsers()).toEqual(expected);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('a live writer during encrypt loses nothing', async () => {
    const rows = 4000;
    await fx.seedUsers(rows);
    fx.writeConfig();
    const cipher = cipherFor(fx.k1);
    const q = fx.db.raw.quote;
    const latest = new Map<number, string>();
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const id = 1 + ((i * 7919) % rows);
        const value = `written by app #${i}`;
        // half the writes come from an application that already encrypts, half from one that does not yet
        const stored = i % 2 === 0 ? await cipher.encrypt(value, { model: 'User', field: 'email' }) : value;
        await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('email')} = ? WHERE ${q('id')} = ?`, [stored, id]);
        latest.set(id, value);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const run = await fx.runBin(['encrypt', '--model', 'User', '--batch-size', '50', '--concurrency', '4']);
    stop = true;
    await writer;
    expect([0, 1]).toContain(run.status); // 1 when some rows were skipped for concurrent writes
    expect(latest.size).toBeGreaterThan(10);

    expect(await fx.run(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    const expected = expectedUsers(rows).map((u) => (latest.has(u.id) ? { ...u, email: latest.get(u.id)! } : u));
    expect(await fx.decryptedUsers()).toEqual(expected);
  });

  it('--shard i/n runs in parallel cover the table exactly once (integer and composite keys)', async () => {
    const rows = 3000;
    const audits = 1500;
    await fx.seedUsers(rows);
    await fx.seedAudit(audits);
    fx.writeConfig();
    const before = await fx.audits();
    const runs = await Promise.all(
      [1, 2, 3].map((i) => fx.runBin(['encrypt', '--model', 'User,AuditEntry', '--shard', `${i}/3`, '--batch-size', '200', '--json'])),
    );
    const results = runs.map((run) => {
      expect(run.status).toBe(0);
      return JSON.parse(run.stdout).tables as Array<{ model: string; rowsWritten: number }>;
    });
    const written = (model: string) => results.map((tables) => tables.find((t) => t.model === model)!.rowsWritten);
    // each shard did a share, and the shares add up to the table: no row twice, none missed
    expect(written('User').every((n) => n > 0)).toBe(true);
    expect(written('User').reduce((a, b) => a + b)).toBe(rows);
    expect(written('AuditEntry').every((n) => n > 0)).toBe(true);
    expect(written('AuditEntry').reduce((a, b) => a + b)).toBe(audits);
    expect(await fx.decryptedUsers()).toEqual(expectedUsers(rows));
    const cipher = fx.readerCipher();
    const after = await fx.audits();
    expect(after.every((a) => isCiphertext(a.payload))).toBe(true);
    const decrypted = await Promise.all(after.map(async (a) => ({ ...a, payload: await cipher.decrypt(a.payload, { model: 'AuditEntry', field: 'payload' }) })));
    expect(decrypted).toEqual(before);
  });
});
