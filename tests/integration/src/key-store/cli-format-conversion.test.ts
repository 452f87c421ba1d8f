/**
 * `prisma-kms rotate` converts standalone messages to compact values with no change to the CLI: a compact
 * cipher's current "wrapping key" is its key store's current version, so every message is an other-key
 * value to re-encrypt, with the CLI's usual batched compare-and-set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@prisma-kms/cli';
import { createFieldCipher, createKeyStore, keyStoreAdmin, localAesKeyring } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { clientPool, createTestDatabase } from '../harness';
// Loaded here first so that the CLI's config loader (jiti, native require first) finds it in this
// process's module registry as CommonJS, as the CLI tests do with their config factory.
import { compactConfig, type CompactConfigOptions } from './fixtures/compact-config';

const FACTORY = resolve(__dirname, 'fixtures', 'compact-config.ts');
const ROWS = 300;

async function run(cwd: string, args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const status = await runCli(args, { cwd, stdout: out, stderr: err });
  return { status, stdout: Buffer.concat(chunks.out).toString('utf8'), stderr: Buffer.concat(chunks.err).toString('utf8') };
}

describe.each<CompactConfigOptions['provider']>(['sqlite', 'postgresql'])('rotate from messages to compact values on %s', (provider) => {
  it('every message becomes a compact value under the current key version, and reads back the same', async () => {
    const db = await createTestDatabase(provider);
    const pool = clientPool(db);
    const dir = mkdtempSync(join(tmpdir(), 'pkms-compact-'));
    try {
      const key = randomBytes(32).toString('base64');
      const keyring = localAesKeyring({ key });
      const plain = pool.open();
      const storage = prismaKeyStorage(plain.prismaKmsKey);
      const { id } = await keyStoreAdmin({ name: 'app', storage, keyring }).createKeyVersion();
      const messages = createFieldCipher({ keyring, format: 'message' });
      const payload = { model: 'AuditEntry', field: 'payload' };
      const values = Array.from({ length: ROWS }, (_, i) => `{"event":"login","n":${i}}`);
      const stored = await messages.encryptMany(values.map((value) => ({ value, field: payload })));
      await plain.auditEntry.createMany({ data: stored.map((p, seq) => ({ tenant: 't', seq, payload: p, action: 'login' })) });

      const options: CompactConfigOptions = { provider, url: db.url, key };
      expect(compactConfig(options).fields).toBeDefined();
      writeFileSync(join(dir, 'prisma-kms.config.ts'), `import { compactConfig } from ${JSON.stringify(FACTORY)};\nexport default compactConfig(${JSON.stringify(options)});\n`);
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
