/**
 * Issue 11, defects 1 and 2: no command exits 0 while a value of its fields is left in the wrong state.
 * A checkpoint is bound to the database, the configuration and the direction, another command on the
 * same fields deletes it, and every run ends with a final check of the whole table whose count (per
 * field, legacy plaintext writes included) decides the exit status.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore, dialectFor, runMigration, selectTargets } from '@prisma-kms/cli';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers, isCiphertext } from './cli-test-kit';
import { blindIndexerFor, cipherFor, databaseFor, fieldMapFor } from './fixtures/config-factory';

const ROWS = 300;
const BATCH = 50;

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('the final check on %s', (provider) => {
  let fx: CliFixture;
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(ROWS);
    fx.writeConfig();
  });
  afterEach(() => fx.cleanup());

  /** Encrypt dies after `batches` batches (one in flight at a time): a real checkpoint at row `batches * BATCH`. */
  async function crashEncrypt(on: CliFixture, batches: number): Promise<void> {
    const prisma = databaseFor(provider, on.db.url);
    let calls = 0;
    try {
      await expect(
        runMigration(selectTargets(fieldMapFor(provider) as never, { models: ['User'] }), {
          db: prisma,
          dialect: dialectFor(provider),
          cipher: cipherFor(on.k1),
          blindIndexer: await blindIndexerFor(on.indexKey),
          command: 'encrypt',
          batchSize: BATCH,
          concurrency: 1,
          checkpoints: new CheckpointStore(join(on.dir, '.prisma-kms')),
          beforeWrite: async () => {
            if (++calls > batches) throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
    } finally {
      await prisma.$disconnect();
    }
    expect(existsSync(join(on.dir, '.prisma-kms', 'checkpoint-encrypt-User.json'))).toBe(true);
  }

  const plaintextEmails = async (on: CliFixture): Promise<number> => (await on.users()).filter((u) => !isCiphertext(u.email)).length;

  it('decrypt deletes a killed encrypt\'s checkpoint, so the next encrypt covers the whole table', async () => {
    await crashEncrypt(fx, 2);
    expect(await fx.run(['decrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    expect(existsSync(join(fx.dir, '.prisma-kms', 'checkpoint-encrypt-User.json'))).toBe(false);
    const encrypt = await fx.run(['encrypt', '--model', 'User', '--json']);
    expect(encrypt.status).toBe(0);
    expect(JSON.parse(encrypt.stdout)).toMatchObject({ done: true, tables: [{ resumed: false, remaining: { name: 0, email: 0, phone: 0 } }] });
    expect(await plaintextEmails(fx)).toBe(0);
    expect(await fx.decryptedUsers()).toEqual(expectedUsers(ROWS));
  });

  it('a checkpoint that steps over plaintext (decrypted without checkpoints) is caught by the final check and the table rescanned', async () => {
    await crashEncrypt(fx, 2);
    expect(await fx.run(['decrypt', '--model', 'User', '--no-checkpoint', '--quiet'])).toMatchObject({ status: 0 });
    const encrypt = await fx.run(['encrypt', '--model', 'User', '--json']);
    expect(encrypt.status).toBe(0);
    expect(JSON.parse(encrypt.stdout).tables[0]).toMatchObject({ resumed: true, rescanned: true, done: true });
    expect(await plaintextEmails(fx)).toBe(0);
    expect(await fx.decryptedUsers()).toEqual(expectedUsers(ROWS));
  });

  it('a checkpoint from another database (staging) is not resumed', async () => {
    const staging = await CliFixture.create(provider);
    try {
      await staging.seedUsers(ROWS);
      await crashEncrypt(staging, 4);
      mkdirSync(join(fx.dir, '.prisma-kms'), { recursive: true });
      copyFileSync(join(staging.dir, '.prisma-kms', 'checkpoint-encrypt-User.json'), join(fx.dir, '.prisma-kms', 'checkpoint-encrypt-User.json'));
    } finally {
      await staging.cleanup();
    }
    const encrypt = await fx.run(['encrypt', '--model', 'User', '--json']);
    expect(encrypt.status).toBe(0);
    expect(JSON.parse(encrypt.stdout).tables[0]).toMatchObject({ resumed: false, rowsScanned: ROWS, valuesPlanned: expect.any(Number) });
    expect(await plaintextEmails(fx)).toBe(0);
  });

  it('legacy plaintext written behind the scan is counted per field and keeps the exit status at 1 until a rerun', async () => {
    const prisma = databaseFor(provider, fx.db.url);
    const q = fx.db.raw.quote;
    const legacy: number[] = [];
    try {
      const [result] = await runMigration(selectTargets(fieldMapFor(provider) as never, { models: ['User'] }), {
        db: prisma,
        dialect: dialectFor(provider),
        cipher: cipherFor(fx.k1),
        blindIndexer: await blindIndexerFor(fx.indexKey),
        command: 'encrypt',
        batchSize: BATCH,
        concurrency: 1,
        checkpoints: null,
        beforeWrite: async ({ keys }) => {
          // an old application instance writes plaintext into a row of a batch already encrypted
          const id = Number(keys[0]![0]) - BATCH;
          if (id < 1) return;
          legacy.push(id);
          await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [`legacy ${id}`, id]);
        },
      });
      expect(legacy.length).toBe(ROWS / BATCH - 1);
      expect(result).toMatchObject({ rowsSkipped: 0, failureCount: 0, done: false, remaining: { name: legacy.length, email: 0, phone: 0 } });
    } finally {
      await prisma.$disconnect();
    }
    const rerun = await fx.run(['encrypt', '--model', 'User']);
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toContain('User.name: 0 values still plaintext (final check)');
    expect(rerun.stdout).toContain('DONE: no value of the selected fields is left to encrypt.');
  });

  it('exits 1 and says what is left when the final check finds values it could not take (a foreign key on decrypt)', async () => {
    expect(await fx.run(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    const q = fx.db.raw.quote;
    const foreign = await cipherFor(fx.k3).encrypt('under a key the config lacks', { model: 'User', field: 'name' });
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [foreign, 7]);
    const decrypt = await fx.run(['decrypt', '--model', 'User']);
    expect(decrypt.status).toBe(1);
    expect(decrypt.stdout).toContain('User.name: 1 values still encrypted (final check)');
    expect(decrypt.stdout).toContain('NOT DONE: 1 values are left');
  });
});
