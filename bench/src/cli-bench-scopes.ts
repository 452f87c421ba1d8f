/**
 * cli-bench's scoped mode (`--scopes <n|per-row>`): the move of an application-key table into key scopes.
 * Seeds TenantMember rows (email with its blind index, name) under the application's key in a key store on
 * PostgreSQL, spread over n tenants or one tenant per row (per-user keys), runs the real bin's
 * `rotate --scope-by tenantId` with scope keys created on first write (local AES keyring), and reports
 * rows/s, scopes created, keyring calls (the CLI's key-store stats) and peak RSS.
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/cli-bench.ts --scopes per-row --rows 5000
 *   pnpm --filter @prisma-kms/bench exec tsx src/cli-bench.ts --scopes 100 --rows 20000
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { createFieldCipher, createKeyStore, keyStoreAdmin, localAesKeyring } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';

/** How many tenants the rows are spread over: a count, or one per row. */
export type ScopeSpread = number | 'per-row';

/** `--scopes <n|per-row>`, or undefined when absent (the unscoped benchmark). */
export function scopesFlag(argv: readonly string[] = process.argv): ScopeSpread | undefined {
  const i = argv.indexOf('--scopes');
  if (i === -1) return undefined;
  const text = argv[i + 1];
  if (text === 'per-row') return 'per-row';
  const value = Number(text);
  if (text === undefined || !Number.isSafeInteger(value) || value < 1) throw new RangeError(`--scopes needs a positive integer or per-row, got ${JSON.stringify(text ?? null)}`);
  return value;
}

type RunChild = (command: string, args: string[], cwd: string) => Promise<{ status: number | null; stdout: string; stderr: string }>;

export interface ScopedRotateOptions {
  readonly rows: number;
  readonly scopes: ScopeSpread;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly run: RunChild;
}

const KEY_STORE = 'app';
const SEED_CHUNK = 1000;
/** The line the config module prints at exit: the CLI process's key-store counters. */
const STATS_LINE = 'prisma-kms-bench:key-store-stats';

export async function scopedRotate(url: string, options: ScopedRotateOptions): Promise<void> {
  const { rows, scopes } = options;
  const dir = mkdtempSync(join(tmpdir(), 'pkms-cli-bench-scopes-'));
  const db = new Client({ connectionString: url });
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  const storeKey = randomBytes(32).toString('base64');
  const keyring = () => localAesKeyring({ key: storeKey }, { keyName: 'store' });
  try {
    await db.connect();
    await db.query(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
    const started = Date.now();
    // The table as an application wrote it before scopes: values under the application's key, no index entries.
    const storage = prismaKeyStorage(prisma.prismaKmsKey);
    await keyStoreAdmin({ name: KEY_STORE, storage, keyring: keyring() }).createKeyVersion();
    const cipher = createFieldCipher({ keyring: keyring(), keyStore: createKeyStore({ name: KEY_STORE, storage, keyring: keyring() }), format: 'compact' });
    const tenantOf = (i: number) => `tenant-${scopes === 'per-row' ? i : i % scopes}`;
    for (let start = 0; start < rows; start += SEED_CHUNK) {
      const ids = Array.from({ length: Math.min(SEED_CHUNK, rows - start) }, (_, k) => start + k + 1);
      const values = await cipher.encryptMany(
        ids.flatMap((i) => [
          { value: `user${i}@example.com`, field: { model: 'TenantMember', field: 'email' } },
          { value: `Name Surname ${i}`, field: { model: 'TenantMember', field: 'name' } },
        ]),
      );
      await db.query(
        'INSERT INTO tenant_members (id, tenant_id, email, name) SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])',
        [ids, ids.map(tenantOf), ids.map((_, k) => values[2 * k]), ids.map((_, k) => values[2 * k + 1])],
      );
    }
    await db.query('VACUUM ANALYZE tenant_members');
    const scopeCount = scopes === 'per-row' ? rows : Math.min(scopes, rows);
    console.log(`seeded ${rows} rows in ${scopeCount} scopes in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const config = join(dir, 'scoped.config.ts');
    writeFileSync(config, configSource(url, storeKey));
    const bin = require.resolve('@prisma-kms/cli/package.json').replace(/package\.json$/, 'bin/prisma-kms.js');
    const runStarted = Date.now();
    const run = await options.run(
      process.execPath,
      [
        ...(process.env.PKMS_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        bin, 'rotate', '--config', config, '--scope-by', 'tenantId', '--model', 'TenantMember',
        '--batch-size', String(options.batchSize), '--concurrency', String(options.concurrency), '--no-checkpoint', '--report-max-rss',
      ],
      join(__dirname, '..'),
    );
    const seconds = (Date.now() - runStarted) / 1000;
    if (run.status !== 0) throw new Error(`rotate --scope-by exited with ${run.status}:\n${run.stderr}`);
    const rss = /prisma-kms:max-rss-bytes (\d+)/.exec(run.stderr)?.[1];
    const statsText = new RegExp(`${STATS_LINE} (\\{.*\\})`).exec(run.stderr)?.[1];
    const stats = statsText ? (JSON.parse(statsText) as { storageReads: number; keyUnwraps: number; keysCreated: number }) : undefined;
    const created = await db.query<{ scopes: string; rows: string }>(
      "SELECT count(DISTINCT scope) AS scopes, count(*) AS rows FROM prisma_kms_keys WHERE key_store = $1 AND scope <> ''",
      [KEY_STORE],
    );
    const lines = run.stdout.trim().split('\n');
    console.log(
      [
        `rows                 ${rows} TenantMember rows x 2 fields (email with blind index, name) on PostgreSQL, ${scopes === 'per-row' ? 'one scope per row' : `${scopeCount} scopes`}`,
        `batch size           ${options.batchSize}, concurrency ${options.concurrency}, scope keys created on first write (local AES keyring)`,
        `rotate --scope-by    wall time ${seconds.toFixed(1)} s (process start to exit), exit status ${run.status}`,
        `throughput           ${Math.round(rows / seconds)} rows/s (${(scopeCount / seconds).toFixed(0)} new scopes/s)`,
        `scopes created       ${created.rows[0]?.scopes} (${created.rows[0]?.rows} key rows)`,
        `keyring calls        ${stats ? `${stats.keysCreated + stats.keyUnwraps} (${stats.keysCreated} keys created, ${stats.keyUnwraps} unwrapped); key-store storage reads ${stats.storageReads}` : '?'}`,
        `peak RSS             ${rss ? (Number(rss) / 2 ** 20).toFixed(0) : '?'} MB   target < 300 MB`,
        `last line            ${lines[lines.length - 1] ?? ''}`,
      ].join('\n'),
    );
    if (!rss || Number(rss) >= 300 * 2 ** 20) process.exitCode = 1;
  } finally {
    await db.end().catch(() => undefined);
    await prisma.$disconnect().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The config module the CLI loads: the application's key store on its client, with its counters printed at exit. */
function configSource(url: string, storeKey: string): string {
  const path = (id: string) => JSON.stringify(require.resolve(id));
  return `
import { createFieldCipher, createKeyStore, localAesKeyring } from ${path('@prisma-kms/field-crypto')};
import { prismaKeyStorage } from ${path('@prisma-kms/prisma')};
import { fieldMap } from ${path('@prisma-kms/schema/postgresql/fields')};
import { PrismaClient } from ${path('@prisma-kms/schema/postgresql')};
import { PrismaPg } from ${path('@prisma/adapter-pg')};
const keyring = () => localAesKeyring({ key: ${JSON.stringify(storeKey)} }, { keyName: 'store' });
const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: ${JSON.stringify(url)} }) });
const keyStore = createKeyStore({ name: ${JSON.stringify(KEY_STORE)}, storage: prismaKeyStorage(prisma.prismaKmsKey), keyring: keyring(), scopes: { createKeys: 'on-first-write' } });
process.on('exit', () => process.stderr.write(${JSON.stringify(STATS_LINE + ' ')} + JSON.stringify(keyStore.stats) + '\\n'));
export default {
  fields: fieldMap,
  database: () => prisma,
  cipher: () => createFieldCipher({ keyring: keyring(), keyStore, format: 'compact' }),
  keyring: keyring(),
  keyStore: { name: ${JSON.stringify(KEY_STORE)}, storage: (db) => prismaKeyStorage(db.prismaKmsKey), blindIndexer: (scope) => keyStore.blindIndexer(scope) },
};
`;
}
