/**
 * The whole life of encrypted columns on PostgreSQL, step by step, as an operator runs it:
 *   1. an existing app with a plaintext `users` table (migrations, then rows written without prisma-kms);
 *   2. the extension added: the key store's first key version (`keys create`, then `keys export`),
 *      `prisma-kms encrypt` on the existing rows (compact values), `verify`;
 *   3. a move to a new KMS key: `keys rewrap` (the key store's rows and the index keys), `verify` with the
 *      new key alone;
 *   4. the old key retired (disabled), and the app and the CLI still read everything.
 *
 * KMS: kms-local in this process by default. For LocalStack set AWS_ENDPOINT_URL_KMS, for AWS nothing;
 * then give KMS_KEY_ARN and NEW_KMS_KEY_ARN (two symmetric keys you may disable).
 * Database: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/prisma_kms_example).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startKmsLocal } from '@prisma-kms/kms-local';
import { Client } from 'pg';

const appDir = join(__dirname, '..');
const bin = (name: string) => join(appDir, 'node_modules', '.bin', name);
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/prisma_kms_example' };

function step(title: string): void {
  console.log(`\n=== ${title}`);
}
/**
 * Runs a command of the app (prisma, prisma-kms, tsx), printing its output; resolves to its stdout when
 * `capture`. Asynchronous: kms-local runs in this process and must keep answering meanwhile.
 */
function run(name: string, args: string[], capture = false): Promise<string> {
  console.log(`$ ${name} ${args.join(' ')}`);
  const child = spawn(bin(name), args, { cwd: appDir, env, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject).on('close', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`${name} ${args.join(' ')} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const kmsLocal = env.KMS_KEY_ARN ? undefined : await startKmsLocal({ quiet: true });
  if (kmsLocal) {
    Object.assign(env, { AWS_ENDPOINT_URL_KMS: kmsLocal.endpoint, AWS_REGION: kmsLocal.region, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'unused' });
    env.KMS_KEY_ARN = (await kmsLocal.createKey({ description: 'app data, first key' })).arn;
    env.NEW_KMS_KEY_ARN = (await kmsLocal.createKey({ description: 'app data, second key' })).arn;
    console.log(`kms-local at ${kmsLocal.endpoint}`);
  }
  if (!env.NEW_KMS_KEY_ARN) throw new Error('Set NEW_KMS_KEY_ARN (the key to rotate to) along with KMS_KEY_ARN.');
  try {
    step('1. The existing app: its migrations, and plaintext rows written without prisma-kms');
    await run('prisma', ['migrate', 'deploy']);
    await seedPlaintextUsers(env.DATABASE_URL!, 1_000);

    step('2. Add the extension: the key store\'s first key version, an index key for the blind index, then encrypt the existing rows');
    await run('prisma-kms', ['keys', 'create']);
    // the key rows, still wrapped, in a file outside the database (here a temporary one)
    const backup = join(process.cwd(), '.keys.json');
    await run('prisma-kms', ['keys', 'export', '--out', backup, '--force']);
    env.PRISMA_KMS_INDEX_KEYS = await run('prisma-kms', ['keys', 'create-index-key'], true);
    await run('prisma-kms', ['status']);
    await run('prisma-kms', ['encrypt']);
    await run('prisma-kms', ['verify']);
    await run('tsx', ['main.ts']);

    step('3. Move to a new KMS key: the old one only unwraps; keys rewrap re-wraps the key store and the index keys under the new one');
    Object.assign(env, { KMS_PREVIOUS_KEY_ARNS: env.KMS_KEY_ARN, KMS_KEY_ARN: env.NEW_KMS_KEY_ARN });
    // The key store's rows and the index keys are Encryption SDK messages under the old key: re-wrap them
    // under the new one (same key bytes, ids and versions: no value re-encrypted, no reindex).
    const indexKeyFile = join(process.cwd(), '.index-keys');
    writeFileSync(indexKeyFile, `${env.PRISMA_KMS_INDEX_KEYS}\n`, { mode: 0o600 });
    await run('prisma-kms', ['keys', 'rewrap', '--file', indexKeyFile]);
    await run('prisma-kms', ['verify', '--keyring', 'currentKeyOnly']);
    await run('prisma-kms', ['status', '--index-keys', indexKeyFile]);
    await run('prisma-kms', ['keys', 'export', '--out', backup, '--force']); // the previous export needs the old key
    rmSync(backup);
    const rewrapped = readFileSync(indexKeyFile, 'utf8').trim();
    rmSync(indexKeyFile);

    step('4. Retire the old key: deploy without it, disable it; everything still reads');
    const oldKey = env.KMS_PREVIOUS_KEY_ARNS!;
    env.PRISMA_KMS_INDEX_KEYS = rewrapped;
    delete env.KMS_PREVIOUS_KEY_ARNS;
    await new KMSClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: kmsLocal?.clientConfig().credentials })
      .send(new DisableKeyCommand({ KeyId: oldKey }));
    console.log(`disabled ${oldKey}`);
    await run('prisma-kms', ['verify']);
    await run('tsx', ['main.ts']);
  } finally {
    await kmsLocal?.close();
  }
}

/** Rows as the app wrote them before prisma-kms: plaintext, no blind index. Only into an empty table. */
async function seedPlaintextUsers(url: string, count: number): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM users');
    if (rows[0]?.n !== '0') return console.log('users is not empty: not seeding');
    await db.query(
      `INSERT INTO users (name, email, phone) SELECT 'User ' || i, 'user' || i || '@example.com', '+1 555 01' || lpad(i::text, 4, '0')
       FROM generate_series(1, $1::int) AS i`,
      [count],
    );
    console.log(`seeded ${count} plaintext users`);
  } finally {
    await db.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
