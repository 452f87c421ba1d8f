/**
 * The CLI on a big table: seeds N users (default 1,000,000) with two encrypted fields (name, phone)
 * on a fresh PostgreSQL database, runs `prisma-kms encrypt` as a child process (the real bin, a
 * local AES key), and reports rows/s and the CLI process's peak RSS. Then checks no plaintext is left.
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/cli-bench.ts [--rows N] [--batch-size N] [--concurrency N]
 *
 * Target (issue 4): at least 10,000 rows/s on a 2-core machine, peak RSS under 300 MB.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { withScratchDatabases } from './scratch-databases';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

const rows = flag('rows', 1_000_000);
const batchSize = flag('batch-size', 1000);
const concurrency = flag('concurrency', 4);

async function main(): Promise<void> {
  await withScratchDatabases(1, ([url]) => encryptBigTable(url as string));
}

async function encryptBigTable(url: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pkms-cli-bench-'));
  const db = new Client({ connectionString: url });
  try {
    await db.connect();
    // The shared schema's users table: id, name, email, email_hash, phone_number, role, createdAt.
    await db.query(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
    let started = Date.now();
    await db.query(
      `INSERT INTO users (id, name, email, phone_number) SELECT g, 'Name Surname ' || g, 'user' || g || '@example.com', '+1 555 ' || lpad(g::text, 7, '0') FROM generate_series(1, $1::int) g`,
      [rows],
    );
    await db.query('VACUUM ANALYZE users');
    console.log(`seeded ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const config = join(dir, 'prisma-kms.config.ts');
    writeFileSync(config, configSource(url, randomBytes(32).toString('base64')));
    const bin = require.resolve('@prisma-kms/cli/package.json').replace(/package\.json$/, 'bin/prisma-kms.js');
    started = Date.now();
    const nodeFlags = (process.env.PKMS_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const run = await runChild(process.execPath, [
      ...nodeFlags,
      bin, 'encrypt', '--config', config, '--model', 'User', '--field', 'name,phone', // email has a blind index: see the CLI README
      '--batch-size', String(batchSize), '--concurrency', String(concurrency), '--no-checkpoint', '--report-max-rss',
    ], join(__dirname, '..')); // the bench package: where the driver adapter resolves from
    const seconds = (Date.now() - started) / 1000;
    if (run.status !== 0) throw new Error(`encrypt exited with ${run.status}:\n${run.stderr}`);
    const rss = /prisma-kms:max-rss-bytes (\d+)/.exec(run.stderr)?.[1];
    const { rows: left } = await db.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM users WHERE phone_number LIKE '+1 %' OR name LIKE 'Name %'`,
    );
    console.log(run.stdout.trim());
    console.log(
      [
        `rows                 ${rows}`,
        `batch size           ${batchSize}, concurrency ${concurrency}`,
        `encrypt wall time    ${seconds.toFixed(1)} s (process start to exit)`,
        `throughput           ${Math.round(rows / seconds)} rows/s (${Math.round((2 * rows) / seconds)} values/s)   target >= 10,000 rows/s`,
        `peak RSS of the CLI  ${rss ? (Number(rss) / 2 ** 20).toFixed(0) : '?'} MB   target < 300 MB`,
        `plaintext left       ${left[0]!.n}`,
      ].join('\n'),
    );
    if (Number(left[0]!.n) !== 0) process.exitCode = 1;
  } finally {
    await db.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The config module the CLI loads: absolute paths, because it lives in a temporary directory. */
function configSource(url: string, key: string): string {
  const path = (id: string) => JSON.stringify(require.resolve(id));
  return `
import { createFieldCipher, localAesKeyring } from ${path('@prisma-kms/field-crypto')};
import { fieldMap } from ${path('@prisma-kms/schema/postgresql/fields')};
import { PrismaClient } from ${path('@prisma-kms/schema/postgresql')};
import { PrismaPg } from ${path('@prisma/adapter-pg')};
export default {
  fields: fieldMap,
  cipher: () => createFieldCipher({ keyring: localAesKeyring({ key: ${JSON.stringify(key)} }) }),
  database: () => new PrismaClient({ adapter: new PrismaPg({ connectionString: ${JSON.stringify(url)} }) }),
};
`;
}

function runChild(command: string, args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
