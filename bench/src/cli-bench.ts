/**
 * The CLI on a big table: seeds N users (default 1,000,000) with two encrypted fields (name, phone)
 * on a fresh PostgreSQL database, runs `prisma-kms encrypt` and then `prisma-kms rotate` (to a second
 * key) as child processes (the real bin, local AES keys), optionally with a writer updating random
 * rows all the while (`--writer`: an old application writing plaintext during encrypt, an upgraded one
 * writing ciphertext under the new key during rotate), and reports rows/s and each run's peak RSS.
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/cli-bench.ts [--rows N] [--batch-size N] [--concurrency N] [--writer] [--encrypt-only] [--no-compact]
 *
 * Then, on a second table seeded the same way, `prisma-kms encrypt` writing compact values under a key
 * store in that database (the format the README sets up; `--no-compact` skips it).
 *
 * With `--scopes <n|per-row>` it measures the move into key scopes instead (issue 13): N TenantMember rows
 * (email with its blind index, name) under the application's key in a key store, spread over n tenants or
 * one tenant per row (per-user keys), then `rotate --scope-by tenantId` with scope keys created on first
 * write; reports rows/s, scopes created, keyring calls and peak RSS (./cli-bench-scopes.ts).
 *
 * Targets (issues 4 and 11): at least 10,000 rows/s on a 2-core machine; peak RSS under 300 MB for every command.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { createFieldCipher, keyStoreAdmin, localAesKeyring } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
import { positiveIntegerFlag } from './flags';
import { withScratchDatabases } from './scratch-databases';
import { scopedRotate, scopesFlag } from './cli-bench-scopes';

const rows = positiveIntegerFlag('rows', 1_000_000);
const batchSize = positiveIntegerFlag('batch-size', 1000);
const concurrency = positiveIntegerFlag('concurrency', 4);
const withWriter = process.argv.includes('--writer');
const encryptOnly = process.argv.includes('--encrypt-only');
const withCompact = !process.argv.includes('--no-compact');

interface Measured {
  readonly command: string;
  readonly seconds: number;
  readonly rssMb: number | undefined;
  readonly status: number | null;
  readonly summary: string;
  readonly writes: number;
}

async function main(): Promise<void> {
  const scopes = scopesFlag();
  if (scopes !== undefined) {
    await withScratchDatabases(1, ([url]) => scopedRotate(url as string, { rows, scopes, batchSize, concurrency, run: runChild }));
    return;
  }
  await withScratchDatabases(1, ([url]) => encryptBigTable(url as string));
  if (withCompact) await withScratchDatabases(1, ([url]) => encryptCompact(url as string));
}

/** The users table of the shared schema (and its prisma_kms_keys), with `rows` plaintext users. */
async function seedUsers(db: Client): Promise<void> {
  // The shared schema's users table: id, name, email, email_hash, phone_number, role, createdAt.
  await db.query(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
  const started = Date.now();
  await db.query(
    `INSERT INTO users (id, name, email, phone_number) SELECT g, 'Name Surname ' || g, 'user' || g || '@example.com', '+1 555 ' || lpad(g::text, 7, '0') FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await db.query('VACUUM ANALYZE users');
  console.log(`seeded ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** One measured command as lines of the report. */
function reportLines(m: Measured): string[] {
  return [
    `${m.command.padEnd(8)} wall time     ${m.seconds.toFixed(1)} s (process start to exit), exit status ${m.status}${withWriter ? `, ${m.writes} concurrent writes` : ''}`,
    `${m.command.padEnd(8)} throughput    ${Math.round(rows / m.seconds)} rows/s (${Math.round((2 * rows) / m.seconds)} values/s)   target >= 10,000 rows/s`,
    `${m.command.padEnd(8)} peak RSS      ${m.rssMb?.toFixed(0) ?? '?'} MB   target < 300 MB`,
    `${m.command.padEnd(8)} last line     ${m.summary}`,
  ];
}

/**
 * `prisma-kms encrypt` writing compact values: the key store's version 1 created first (as `prisma-kms
 * keys create` would), the config's cipher reading it through prismaKeyStorage on its own client.
 */
async function encryptCompact(url: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pkms-cli-bench-compact-'));
  const db = new Client({ connectionString: url });
  const key = randomBytes(32).toString('base64');
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  try {
    await db.connect();
    await seedUsers(db);
    await keyStoreAdmin({ name: 'bench', storage: prismaKeyStorage(prisma.prismaKmsKey), keyring: localAesKeyring({ key }) }).createKeyVersion();
    const config = join(dir, 'compact.config.ts');
    writeFileSync(config, configSource(url, `localAesKeyring({ key: ${JSON.stringify(key)} })`, 'compact'));
    const measured = await runCommand('encrypt', config, url, withWriter ? async () => 'legacy plaintext' : undefined);
    console.log([`compact values under a key store (PostgreSQL, ${rows} x 2 fields):`, ...reportLines(measured)].join('\n'));
    if (measured.rssMb === undefined || measured.rssMb >= 300) process.exitCode = 1;
  } finally {
    await prisma.$disconnect();
    await db.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function encryptBigTable(url: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pkms-cli-bench-'));
  const db = new Client({ connectionString: url });
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  const measured: Measured[] = [];
  try {
    await db.connect();
    await seedUsers(db);

    const encryptConfig = join(dir, 'encrypt.config.ts');
    writeFileSync(encryptConfig, configSource(url, `localAesKeyring({ key: ${JSON.stringify(oldKey)} }, { keyName: 'old' })`));
    measured.push(await runCommand('encrypt', encryptConfig, url, withWriter ? async () => 'legacy plaintext' : undefined));
    if (!encryptOnly) {
      const rotateConfig = join(dir, 'rotate.config.ts');
      writeFileSync(
        rotateConfig,
        configSource(
          url,
          `rotationKeyring({ current: localAesKeyring({ key: ${JSON.stringify(newKey)} }, { keyName: 'new' }), previous: [localAesKeyring({ key: ${JSON.stringify(oldKey)} }, { keyName: 'old' })] })`,
        ),
      );
      // an upgraded application writes ciphertext under the new key while rotate runs
      const appCipher = createFieldCipher({ keyring: localAesKeyring({ key: newKey }, { keyName: 'new' }) });
      measured.push(await runCommand('rotate', rotateConfig, url, withWriter ? (id) => appCipher.encrypt(`app ${id}`, { model: 'User', field: 'name' }) : undefined));
    }
    console.log(
      [
        `rows                 ${rows} x 2 fields (name, phone) on PostgreSQL`,
        `batch size           ${batchSize}, concurrency ${concurrency}, writer ${withWriter ? 'on' : 'off'}`,
        ...measured.flatMap(reportLines),
      ].join('\n'),
    );
    if (measured.some((m) => m.rssMb === undefined || m.rssMb >= 300)) process.exitCode = 1;
  } finally {
    await db.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one command of the real bin, with a writer updating random rows' `name` until it exits. */
async function runCommand(command: string, config: string, url: string, writeValue: ((id: number) => Promise<string>) | undefined): Promise<Measured> {
  const bin = require.resolve('@prisma-kms/cli/package.json').replace(/package\.json$/, 'bin/prisma-kms.js');
  const nodeFlags = (process.env.PKMS_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  let stop = false;
  let writes = 0;
  const writer = writeValue
    ? (async () => {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          while (!stop) {
            const id = 1 + Math.floor(Math.random() * rows);
            await client.query('UPDATE users SET name = $1 WHERE id = $2', [await writeValue(id), id]);
            writes++;
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
        } finally {
          await client.end();
        }
      })()
    : undefined;
  const started = Date.now();
  const run = await runChild(process.execPath, [
    ...nodeFlags,
    bin, command, '--config', config, '--model', 'User', '--field', 'name,phone', // email has a blind index: see the CLI README
    '--batch-size', String(batchSize), '--concurrency', String(concurrency), '--no-checkpoint', '--report-max-rss',
  ], join(__dirname, '..')); // the bench package: where the driver adapter resolves from
  const seconds = (Date.now() - started) / 1000;
  stop = true;
  await writer;
  // with a writer, exit status 1 is expected: the final check finds the writes that landed behind the scan
  if (run.status !== 0 && !(writeValue && run.status === 1)) throw new Error(`${command} exited with ${run.status}:\n${run.stderr}`);
  const rss = /prisma-kms:max-rss-bytes (\d+)/.exec(run.stderr)?.[1];
  const lines = run.stdout.trim().split('\n');
  return { command, seconds, rssMb: rss ? Number(rss) / 2 ** 20 : undefined, status: run.status, summary: lines[lines.length - 1] ?? '', writes };
}

/** The config module the CLI loads: absolute paths, because it lives in a temporary directory. */
function configSource(url: string, keyring: string, format: 'message' | 'compact' = 'message'): string {
  const path = (id: string) => JSON.stringify(require.resolve(id));
  const client = `new PrismaClient({ adapter: new PrismaPg({ connectionString: ${JSON.stringify(url)} }) })`;
  // compact: the key store's rows through their own client (the CLI owns and closes `database` only)
  const cipher =
    format === 'message'
      ? `createFieldCipher({ keyring: ${keyring} })`
      : `createFieldCipher({ keyStore: createKeyStore({ name: 'bench', storage: prismaKeyStorage(${client}.prismaKmsKey), keyring: ${keyring} }), format: 'compact' })`;
  return `
import { createFieldCipher, createKeyStore, localAesKeyring, rotationKeyring } from ${path('@prisma-kms/field-crypto')};
import { prismaKeyStorage } from ${path('@prisma-kms/prisma')};
import { fieldMap } from ${path('@prisma-kms/schema/postgresql/fields')};
import { PrismaClient } from ${path('@prisma-kms/schema/postgresql')};
import { PrismaPg } from ${path('@prisma/adapter-pg')};
export default {
  fields: fieldMap,
  cipher: () => ${cipher},
  database: () => ${client},
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
