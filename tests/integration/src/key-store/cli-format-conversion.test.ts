/**
 * `prisma-kms rotate` converts standalone messages to compact values with no change to the CLI: a compact
 * cipher's current "wrapping key" is its key store's current version, so every message is an other-key
 * value to re-encrypt, with the CLI's usual batched compare-and-set: an application writing meanwhile
 * (old instances still writing messages, upgraded ones compact values) loses nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { runCli } from '@prisma-kms/cli';
import { createFieldCipher, createKeyStore, keyStoreAdmin, localAesKeyring } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { clientPool, createTestDatabase, type ClientPool } from '../harness';
import { BIN, finished, writeConfigModule } from '../cli/cli-test-kit';
// Loaded here first so that the CLI's config loader (jiti, native require first) finds it in this
// process's module registry as CommonJS, as the CLI tests do with their config factory.
import { closeKeyStoreClients, compactConfig, type CompactConfigOptions } from './fixtures/compact-config';

const FACTORY = resolve(__dirname, 'fixtures', 'compact-config.ts');
const ROWS = 300;

afterAll(closeKeyStoreClients);
const WRITER_ROWS = 1000;

const payload = { model: 'AuditEntry', field: 'payload' };

/**
 * A key store with version 1 under a fresh local key, and `rows` audit entries whose payloads are
 * standalone messages (what an application wrote before compact values), in the pool's database.
 */
async function seedMessages(pool: ClientPool, rows: number) {
  const key = randomBytes(32).toString('base64');
  const keyring = localAesKeyring({ key });
  const plain = pool.open();
  const storage = prismaKeyStorage(plain.prismaKmsKey);
  const { id } = await keyStoreAdmin({ name: 'app', storage, keyring }).createKeyVersion();
  const messages = createFieldCipher({ keyring, format: 'message' });
  const values = Array.from({ length: rows }, (_, i) => `{"event":"login","n":${i}}`);
  const stored = await messages.encryptMany(values.map((value) => ({ value, field: payload })));
  await plain.auditEntry.createMany({ data: stored.map((p, seq) => ({ tenant: 't', seq, payload: p, action: 'login' })) });
  return { key, keyring, plain, storage, id, messages, values };
}

async function run(cwd: string, args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const status = await runCli(args, { cwd, stdout: out, stderr: err });
  return { status, stdout: Buffer.concat(chunks.out).toString('utf8'), stderr: Buffer.concat(chunks.err).toString('utf8') };
}

describe.each<CompactConfigOptions['provider']>(['sqlite', 'postgresql', 'mysql'])('rotate from messages to compact values on %s', (provider) => {
  it('every message becomes a compact value under the current key version, and reads back the same', async () => {
    const db = await createTestDatabase(provider);
    const pool = clientPool(db);
    const dir = mkdtempSync(join(tmpdir(), 'pkms-compact-'));
    try {
      const { key, keyring, plain, storage, id, values } = await seedMessages(pool, ROWS);

      const options: CompactConfigOptions = { provider, url: db.url, key };
      expect(compactConfig(options).fields).toBeDefined();
      writeConfigModule(dir, FACTORY, 'compactConfig', options);
      const rotate = await run(dir, ['rotate', '--model', 'AuditEntry', '--batch-size', '50', '--json']);
      expect(rotate.stderr).toBe('');
      expect(rotate.status).toBe(0);
      expect(JSON.parse(rotate.stdout).tables[0]).toMatchObject({ rowsWritten: ROWS, failureCount: 0 });

      const reader = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring }) });
      const rows = await plain.auditEntry.findMany({ orderBy: { seq: 'asc' } });
      for (const row of rows) expect(reader.inspect(row.payload)).toMatchObject({ kind: 'compact', keyVersionId: id });
      expect(await reader.decryptMany(rows.map((row) => ({ value: row.payload, field: payload })))).toEqual(values);

      // A second run finds nothing to do.
      const again = await run(dir, ['rotate', '--model', 'AuditEntry', '--json']);
      expect(again.status).toBe(0);
      expect(JSON.parse(again.stdout).tables[0]).toMatchObject({ rowsWritten: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await pool.closeAndDrop();
    }
  }, 120_000);
});

/** Values the application writes while rotate runs: `{"event":"edit",...}`, so they differ from every seeded value. */
const edited = (seq: number, write: number) => `{"event":"edit","n":${seq},"write":${write}}`;

describe.each<CompactConfigOptions['provider']>(['sqlite', 'postgresql', 'mysql'])('rotate from messages to compact values with a writer running, on %s', (provider) => {
  it('nothing the application writes meanwhile is lost, and every value ends compact under the current version', async () => {
    const db = await createTestDatabase(provider);
    const pool = clientPool(db);
    const dir = mkdtempSync(join(tmpdir(), 'pkms-compact-writer-'));
    let stop = false;
    try {
      const { key, keyring, plain, storage, id, values: expected, messages: oldApp } = await seedMessages(pool, WRITER_ROWS);
      const newApp = createFieldCipher({ keyring, keyStore: createKeyStore({ name: 'app', storage, keyring }), format: 'compact' });

      // The application: a random row at a time, alternately from an old instance (a message) and an
      // upgraded one (a compact value); `expected` changes only once the UPDATE has returned.
      let writes = 0;
      let writesDuringRotate = 0;
      let rotating = false;
      const writer = (async () => {
        const app = pool.open();
        while (!stop) {
          const seq = Math.floor(Math.random() * WRITER_ROWS);
          const value = edited(seq, writes);
          const cipher = writes % 2 === 0 ? oldApp : newApp;
          await app.auditEntry.update({ where: { tenant_seq: { tenant: 't', seq } }, data: { payload: await cipher.encrypt(value, payload) } });
          expected[seq] = value;
          writes += 1;
          if (rotating) writesDuringRotate += 1;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();

      const options: CompactConfigOptions = { provider, url: db.url, key };
      writeConfigModule(dir, FACTORY, 'compactConfig', options);
      // The real bin in its own process, as an operator runs it: on SQLite the writer's driver waits for
      // locks synchronously, which would stall a CLI sharing its thread.
      rotating = true;
      const first = await finished(spawn(process.execPath, [BIN, 'rotate', '--model', 'AuditEntry', '--batch-size', '100', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }));
      rotating = false;
      stop = true;
      await writer;
      // Messages the old instances wrote behind the scan are still messages: the final check says so (1).
      expect({ exitedZeroOrOne: first.status === 0 || first.status === 1, stderr: first.stderr }).toMatchObject({ exitedZeroOrOne: true });
      const firstReport = JSON.parse(first.stdout).tables[0];
      expect(firstReport.failureCount).toBe(0);
      expect(firstReport.done).toBe(first.status === 0);
      expect(writesDuringRotate).toBeGreaterThan(0);

      // With the old instances gone, a rerun converts what they left, and finds nothing after that.
      const second = await run(dir, ['rotate', '--model', 'AuditEntry', '--json']);
      expect(second.stderr).toBe('');
      expect(second.status).toBe(0);
      expect(JSON.parse(second.stdout).tables[0]).toMatchObject({ done: true, failureCount: 0 });

      const reader = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage, keyring }) });
      const rows = await plain.auditEntry.findMany({ orderBy: { seq: 'asc' } });
      expect(rows).toHaveLength(WRITER_ROWS);
      for (const row of rows) expect(reader.inspect(row.payload)).toMatchObject({ kind: 'compact', keyVersionId: id });
      expect(await reader.decryptMany(rows.map((row) => ({ value: row.payload, field: payload })))).toEqual(expected);
      expect(expected.filter((value) => value.includes('"edit"')).length).toBeGreaterThan(0);
    } finally {
      stop = true;
      rmSync(dir, { recursive: true, force: true });
      await pool.closeAndDrop();
    }
  }, 180_000);
});
