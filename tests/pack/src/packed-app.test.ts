/**
 * A new user's path, from the tarballs: pack every published package, install them with npm into fresh
 * CommonJS and ESM apps outside the workspace, write the README's own files into them, and on a fresh
 * PostgreSQL database with kms-local: `prisma generate` and `db push`, the CLI's status / encrypt /
 * verify on an existing plaintext table, the README's code under tsx and compiled by tsc for plain
 * node, then a move to a new KMS key (`rotate`) and the old key's retirement (DisableKey).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startKmsLocal, type KmsLocal } from '@prisma-kms/kms-local';
import { installDependencies, writeApp, type ModuleSystem } from './harness/fresh-apps';
import { packPublishedPackages, WORKSPACE_ROOT } from './harness/pack-workspace';
import { createPostgresDatabase, type PostgresDatabase } from './harness/postgres-database';
import { readmeFiles } from './harness/readme-files';
import { runCommand, runOrThrow } from './harness/run-command';
import { schemaEngineEnv } from './harness/schema-engine-env';

const SEEDED_USERS = 300;
const README_FILES = readmeFiles(readFileSync(join(WORKSPACE_ROOT, 'README.md'), 'utf8'));

let root: string;
let kms: KmsLocal;
let db: PostgresDatabase;
const apps = new Map<ModuleSystem, string>();
/** The environment a deployment gives the app and the CLI; the test changes keys in it as an operator would. */
const env: NodeJS.ProcessEnv = {};
/** The KMS key the app starts with, retired at the end. */
let oldKey: string | undefined;

const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const inApp = (moduleSystem: ModuleSystem, file: string, args: readonly string[]) => runOrThrow(file, args, { cwd: apps.get(moduleSystem)!, env });
const cli = (...args: string[]) => inApp('module', bin('prisma-kms'), args);
const cliJson = async <T>(...args: string[]) => JSON.parse((await cli(...args, '--json')).stdout) as T;

/** The part of `prisma-kms status --json` the test reads. */
interface FieldStatus { field: string; plaintext: number; current: number; otherKeys: number }

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prisma-kms-pack-'));
  const tarballs = await packPublishedPackages(join(root, 'tarballs'));
  await installDependencies(root, tarballs);
  for (const moduleSystem of ['commonjs', 'module'] as const) apps.set(moduleSystem, writeApp(root, moduleSystem, README_FILES));

  kms = await startKmsLocal({ quiet: true });
  db = await createPostgresDatabase();
  Object.assign(env, {
    // npx and npm scripts put node_modules/.bin on PATH; Prisma finds `prisma-kms-generator` there.
    PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
    HOME: process.env.HOME,
    DATABASE_URL: db.url,
    KMS_KEY_ARN: (await kms.createKey({ alias: 'alias/app-data' })).arn,
    AWS_ENDPOINT_URL_KMS: kms.endpoint,
    AWS_REGION: kms.region,
    AWS_ACCESS_KEY_ID: 'AKIAPACKTEST',
    AWS_SECRET_ACCESS_KEY: 'unused-by-kms-local',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    ...(await schemaEngineEnv()), // the repository's dev-only engine where the native one could not be downloaded
  });
  for (const moduleSystem of apps.keys()) await inApp(moduleSystem, bin('prisma'), ['generate']);
  await inApp('module', bin('prisma'), ['db', 'push']);
  // The existing application's data, in plaintext.
  await db.query(
    `INSERT INTO users (name, email, phone) SELECT 'User ' || i, 'user' || i || '@example.com', CASE WHEN i % 3 = 0 THEN NULL ELSE '+1 555 ' || i END
     FROM generate_series(1, ${SEEDED_USERS}) AS i`,
  );
}, 900_000);

async function countUsers(): Promise<number> {
  const [row] = await db.query<{ n: string }>('SELECT count(*) AS n FROM users');
  return Number(row!.n);
}

afterAll(async () => {
  await db?.drop();
  await kms?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the packed CLI on an existing plaintext table', () => {
  it('status counts the plaintext; keys create-index-key makes the index key the app reads from PRISMA_KMS_INDEX_KEYS', async () => {
    const fields = (await cliJson<{ fields: FieldStatus[] }>('status')).fields;
    expect(fields.find((f) => f.field === 'name')).toMatchObject({ plaintext: SEEDED_USERS, current: 0, otherKeys: 0 });
    env.PRISMA_KMS_INDEX_KEYS = (await cli('keys', 'create-index-key', '--version', '1')).stdout.trim();
    expect(env.PRISMA_KMS_INDEX_KEYS).toMatch(/^[A-Za-z0-9+/=]{100,}$/);
  });

  it('encrypt leaves no plaintext and fills the blind index; verify decrypts every value', async () => {
    await cli('encrypt');
    const [row] = await db.query<{ plain: string; unindexed: string }>(
      "SELECT count(*) FILTER (WHERE name LIKE 'User %') AS plain, count(*) FILTER (WHERE email_hash IS NULL) AS unindexed FROM users",
    );
    expect(row).toEqual({ plain: '0', unindexed: '0' });
    expect((await cli('verify')).status).toBe(0);
  });
});

describe.each([
  ['commonjs', 'tsx'],
  ['commonjs', 'tsc + node'],
  ['module', 'tsx'],
  ['module', 'tsc + node'],
] as const)('the README code in a %s app, run with %s', (moduleSystem, runner) => {
  it('writes ciphertext, reads plaintext, finds a user through the blind index', async () => {
    let out: string;
    if (runner === 'tsx') {
      out = (await inApp(moduleSystem, bin('tsx'), ['main.ts'])).stdout;
    } else {
      await inApp(moduleSystem, bin('tsc'), ['-p', 'tsconfig.json']);
      out = (await inApp(moduleSystem, process.execPath, ['dist/main.js'])).stdout;
    }
    const result = JSON.parse(out.trim().split('\n').pop()!) as { created: number; users: number; found: string };
    expect(result).toEqual({ created: expect.any(Number), users: await countUsers(), found: 'Ada' });
    const [stored] = await db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [result.created]);
    expect(stored?.name).toMatch(/^AgR4/); // an Encryption SDK message (v2 header, committing suite 0x0478), base64
  });
});

describe('moving to a new KMS key and retiring the old one, as the README says', () => {
  it('rotate re-wraps every value under the new key; verify with the new key alone passes', async () => {
    oldKey = env.KMS_KEY_ARN;
    env.KMS_PREVIOUS_KEY_ARNS = oldKey;
    env.KMS_KEY_ARN = (await kms.createKey()).arn;
    await cli('rotate');
    const fields = (await cliJson<{ fields: FieldStatus[] }>('status')).fields;
    expect(fields.map((f) => [f.field, f.plaintext, f.otherKeys])).toEqual(fields.map((f) => [f.field, 0, 0]));
    expect(fields.find((f) => f.field === 'name')?.current).toBe(await countUsers());
    expect((await cli('verify', '--keyring', 'currentKeyOnly')).status).toBe(0);
  });

  it('keys rewrap re-wraps the index keys under the new KMS key, then the old key disabled: the CLI and the app still work', async () => {
    // The index keys live in an environment variable, as the README keeps them: through a file, as the README says.
    const indexKeyFile = join(apps.get('module')!, 'index-keys');
    writeFileSync(indexKeyFile, `${env.PRISMA_KMS_INDEX_KEYS}\n`, { mode: 0o600 });
    expect((await cli('keys', 'rewrap', '--file', indexKeyFile)).status).toBe(0);
    const wrapping = await cliJson<{ wrappingKeysInUse: Array<{ key: string }> }>('status', '--index-keys', indexKeyFile);
    expect(JSON.stringify(wrapping.wrappingKeysInUse)).not.toContain(oldKey);
    env.PRISMA_KMS_INDEX_KEYS = readFileSync(indexKeyFile, 'utf8').trim();
    delete env.KMS_PREVIOUS_KEY_ARNS;
    const kmsClient = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1 });
    await kmsClient.send(new DisableKeyCommand({ KeyId: oldKey }));
    expect((await cli('verify')).status).toBe(0);
    const out = (await inApp('module', bin('tsx'), ['main.ts'])).stdout;
    expect(JSON.parse(out.trim().split('\n').pop()!)).toMatchObject({ users: await countUsers(), found: 'Ada' });
    expect((await runCommand(bin('prisma-kms'), ['status'], { cwd: apps.get('module')!, env })).status).toBe(0);
  });
});

