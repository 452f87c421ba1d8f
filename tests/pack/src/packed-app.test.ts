/**
 * A new user's path, from the tarballs: pack every published package, install them with npm into fresh
 * CommonJS and ESM apps outside the workspace, write the README's own files into them, and on a fresh
 * PostgreSQL database with kms-local: `prisma generate` and `db push`, the CLI's keys create / status /
 * encrypt / verify on an existing plaintext table (compact values under the key store), the README's
 * code under tsx and compiled by tsc for plain node, then a move to a new KMS key (`keys rewrap` of the
 * key store's rows and the index keys) and the old key's retirement (DisableKey).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { ModuleSystem } from './harness/fresh-apps';
import { APP_RUNS, setUpPackedApps, type PackedApps } from './harness/packed-apps';
import { WORKSPACE_ROOT } from './harness/pack-workspace';
import { readmeFiles } from './harness/readme-files';
import { runCommand } from './harness/run-command';

const SEEDED_USERS = 300;
const README_FILES = readmeFiles(readFileSync(join(WORKSPACE_ROOT, 'README.md'), 'utf8'));

let packed: PackedApps;
/** The KMS key the app starts with, retired at the end. */
let oldKey: string | undefined;

const bin = (name: string) => packed.bin(name);
const inApp = (moduleSystem: ModuleSystem, file: string, args: readonly string[]) => packed.inApp(moduleSystem, file, args);
const cli = (...args: string[]) => inApp('module', bin('prisma-kms'), args);
const cliJson = async <T>(...args: string[]) => JSON.parse((await cli(...args, '--json')).stdout) as T;

/** The part of `prisma-kms status --json` the test reads. */
interface FieldStatus { field: string; plaintext: number; current: number; otherKeys: number }

beforeAll(async () => {
  packed = await setUpPackedApps('prisma-kms-pack-', README_FILES);
  // The existing application's data, in plaintext.
  await packed.db.query(
    `INSERT INTO users (name, email, phone) SELECT 'User ' || i, 'user' || i || '@example.com', CASE WHEN i % 3 = 0 THEN NULL ELSE '+1 555 ' || i END
     FROM generate_series(1, ${SEEDED_USERS}) AS i`,
  );
}, 900_000);

/** A compact value (docs/format.md): base64 whose first byte is the format byte 0xFC. */
function isCompact(stored: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(stored) && Buffer.from(stored, 'base64')[0] === 0xfc;
}

async function countUsers(): Promise<number> {
  const [row] = await packed.db.query<{ n: string }>('SELECT count(*) AS n FROM users');
  return Number(row!.n);
}

afterAll(async () => {
  await packed?.close();
});

describe('the packed CLI on an existing plaintext table', () => {
  it('keys create makes the key store\'s first version; status counts the plaintext; keys create-index-key makes the index key the app reads from PRISMA_KMS_INDEX_KEYS', async () => {
    expect(await cliJson<{ keyName: string; version: number; status: string }>('keys', 'create')).toMatchObject({ keyName: 'default', version: 1, status: 'active' });
    const [keyRows] = await packed.db.query<{ n: string }>('SELECT count(*) AS n FROM prisma_kms_keys');
    expect(keyRows?.n).toBe('1');
    const fields = (await cliJson<{ fields: FieldStatus[] }>('status')).fields;
    expect(fields.find((f) => f.field === 'name')).toMatchObject({ plaintext: SEEDED_USERS, current: 0, otherKeys: 0 });
    packed.env.PRISMA_KMS_INDEX_KEYS = (await cli('keys', 'create-index-key', '--version', '1')).stdout.trim();
    expect(packed.env.PRISMA_KMS_INDEX_KEYS).toMatch(/^[A-Za-z0-9+/=]{100,}$/);
  });

  it('encrypt leaves no plaintext, writes compact values and fills the blind index; verify decrypts every value', async () => {
    await cli('encrypt');
    const [row] = await packed.db.query<{ plain: string; unindexed: string }>(
      "SELECT count(*) FILTER (WHERE name LIKE 'User %') AS plain, count(*) FILTER (WHERE email_hash IS NULL) AS unindexed FROM users",
    );
    expect(row).toEqual({ plain: '0', unindexed: '0' });
    const names = await packed.db.query<{ name: string }>('SELECT name FROM users');
    expect(names.filter(({ name }) => !isCompact(name))).toEqual([]);
    expect((await cli('verify')).status).toBe(0);
  });
});

describe.each(APP_RUNS)('the README code in a %s app, run with %s', (moduleSystem, runner) => {
  it('writes ciphertext, reads plaintext, finds a user through the blind index', async () => {
    const result = (await packed.runMain(moduleSystem, runner)) as { created: number; users: number; found: string };
    expect(result).toEqual({ created: expect.any(Number), users: await countUsers(), found: 'Ada' });
    const [stored] = await packed.db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [result.created]);
    expect(isCompact(stored!.name)).toBe(true);
    expect(stored!.name).toHaveLength(48); // 'Ada': 3 bytes + 33 of format byte, key-version id, IV and tag, in base64
  });
});

describe('moving to a new KMS key and retiring the old one, as the README says', () => {
  let indexKeyFile: string;

  it('keys rewrap re-wraps the key store\'s rows and the index keys under the new key; verify with the new key alone passes', async () => {
    oldKey = packed.env.KMS_KEY_ARN;
    packed.env.KMS_PREVIOUS_KEY_ARNS = oldKey;
    packed.env.KMS_KEY_ARN = (await packed.kms.createKey()).arn;
    const keyRowsBefore = await packed.db.query<{ id: string; material: string }>('SELECT id, material FROM prisma_kms_keys');
    // The index keys live in an environment variable, as the README keeps them: through a file, as the README says.
    indexKeyFile = join(packed.apps.get('module')!, 'index-keys');
    writeFileSync(indexKeyFile, `${packed.env.PRISMA_KMS_INDEX_KEYS}\n`, { mode: 0o600 });
    const rewrap = await cli('keys', 'rewrap', '--file', indexKeyFile);
    expect(rewrap.status).toBe(0);
    expect(rewrap.stderr).toContain('1 key-store rows re-wrapped in key store "app"');
    const keyRowsAfter = await packed.db.query<{ id: string; material: string }>('SELECT id, material FROM prisma_kms_keys');
    expect(keyRowsAfter.map((r) => r.id)).toEqual(keyRowsBefore.map((r) => r.id));
    expect(keyRowsAfter[0]?.material).not.toBe(keyRowsBefore[0]?.material);
    // compact values keep their key version: nothing to re-encrypt
    const fields = (await cliJson<{ fields: FieldStatus[] }>('status')).fields;
    expect(fields.map((f) => [f.field, f.plaintext])).toEqual(fields.map((f) => [f.field, 0]));
    expect((await cli('verify', '--keyring', 'currentKeyOnly')).status).toBe(0);
  });

  it('with the old key disabled, the CLI and the app still work', async () => {
    const wrapping = await cliJson<{ wrappingKeysInUse: Array<{ key: string }> }>('status', '--index-keys', indexKeyFile);
    expect(JSON.stringify(wrapping.wrappingKeysInUse)).not.toContain(oldKey);
    packed.env.PRISMA_KMS_INDEX_KEYS = readFileSync(indexKeyFile, 'utf8').trim();
    delete packed.env.KMS_PREVIOUS_KEY_ARNS;
    const kmsClient = new KMSClient({ ...packed.kms.clientConfig(), maxAttempts: 1 });
    await kmsClient.send(new DisableKeyCommand({ KeyId: oldKey }));
    expect((await cli('verify')).status).toBe(0);
    expect(await packed.runMain('module', 'tsx')).toMatchObject({ users: await countUsers(), found: 'Ada' });
    expect((await runCommand(bin('prisma-kms'), ['status'], { cwd: packed.apps.get('module')!, env: packed.env })).status).toBe(0);
  });
});

