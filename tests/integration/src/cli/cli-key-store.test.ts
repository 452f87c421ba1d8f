/**
 * Issue 12, items 1 and 5: `prisma-kms keys create | rotate | list | retire | export | import` on a key
 * store in the test database (SQLite, PostgreSQL), rows wrapped by a KMS key on kms-local. Losing the
 * key rows loses the data until `keys import` restores them from a `keys export` file.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isKeyStoreError, KeyStoreErrorReason, type KeyStoreExport } from '@prisma-kms/field-crypto';
import { openKmsTarget, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { clientPool, type ClientPool, type TestDatabase } from '../harness';
import { CliFixture, writeConfigModule } from './cli-test-kit';
// Loaded here first so that the CLI's config loader (jiti, native require first) finds it in this
// process's module registry, as the other CLI tests do with their config factories.
import { appCipher, keyStoreConfig, type KeyStoreConfigOptions } from './fixtures/key-store-config';

const FACTORY = resolve(__dirname, 'fixtures', 'key-store-config.ts');
const PAYLOAD = { model: 'AuditEntry', field: 'payload' };
const VALUES = Array.from({ length: 20 }, (_, i) => `{"event":"login","n":${i}}`);

interface ListedVersion {
  id: number;
  keyName: string;
  version: number;
  purpose: string;
  status: string;
  createdAt: string;
  material?: unknown;
}

describe.each<KeyStoreConfigOptions['provider']>(['sqlite', 'postgresql'])('prisma-kms keys (key store) on %s', (provider) => {
  let target: KmsTarget;
  let fx: CliFixture;
  let db: TestDatabase;
  let pool: ClientPool;
  let options: KeyStoreConfigOptions;

  function writeConfig(config: KeyStoreConfigOptions, name = 'prisma-kms.config.ts'): string {
    return writeConfigModule(fx.dir, FACTORY, 'keyStoreConfig', config, name);
  }

  async function list(): Promise<ListedVersion[]> {
    const result = await fx.run(['keys', 'list', '--json']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const parsed = JSON.parse(result.stdout) as { keyStore: string; versions: ListedVersion[] };
    expect(parsed.keyStore).toBe('app');
    return parsed.versions;
  }

  /** Reads the stored payloads with a fresh application cipher (no cached key versions). */
  async function readBack(): Promise<string[]> {
    const plain = pool.open();
    const rows = await plain.auditEntry.findMany({ orderBy: { seq: 'asc' } });
    const cipher = appCipher(options, prismaKeyStorage(plain.prismaKmsKey));
    return cipher.decryptMany(rows.map((row) => ({ value: row.payload, field: PAYLOAD })));
  }

  beforeAll(async () => {
    target = await openKmsTarget();
    fx = await CliFixture.create(provider);
    db = fx.db;
    pool = clientPool({ ...db, drop: async () => undefined });
    options = { provider, url: db.url, kms: target.clientConfig(), keyId: (await target.createKey()).arn };
    expect(keyStoreConfig(options).keyStore).toBeDefined();
    writeConfig(options);
  }, 60_000);
  afterAll(async () => {
    await pool.closeAndDrop();
    await fx.cleanup();
    await target.close();
  });

  it('create -> compact values -> export -> key rows deleted: reads fail typed -> import -> reads work again', async () => {
    expect(await list()).toEqual([]);
    const created = await fx.run(['keys', 'create']);
    expect(created).toMatchObject({ status: 0, stderr: '' });
    expect(created.stdout).toMatch(/^created version 1 of key "default" \(field\), key-version id \d+\n$/);
    const again = await fx.run(['keys', 'create']);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already has active version 1');
    expect(again.stderr).toContain('[KEY_STORE_REFUSED]');

    const plain = pool.open();
    const writer = appCipher(options, prismaKeyStorage(plain.prismaKmsKey));
    const stored = await writer.encryptMany(VALUES.map((value) => ({ value, field: PAYLOAD })));
    expect(writer.inspect(stored[0]!)).toMatchObject({ kind: 'compact' });
    await plain.auditEntry.createMany({ data: stored.map((payload, seq) => ({ tenant: 't', seq, payload, action: 'login' })) });
    expect(await readBack()).toEqual(VALUES);

    const exported = await fx.run(['keys', 'export', '--out', 'keys.json']);
    expect(exported).toMatchObject({ status: 0, stdout: '' });
    expect(exported.stderr).toContain('1 key-store rows exported to');
    const file = join(fx.dir, 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const backup = JSON.parse(readFileSync(file, 'utf8')) as KeyStoreExport;
    expect(backup).toMatchObject({ format: 'prisma-kms-key-store-export/1', keyStore: 'app', rows: [{ version: 1, status: 'active' }] });
    expect(backup.rows[0]!.material.length).toBeGreaterThan(100); // still wrapped: an Encryption SDK message, not 32 bytes
    const overwrite = await fx.run(['keys', 'export', '--out', 'keys.json']);
    expect(overwrite.status).toBe(2);
    expect(overwrite.stderr).toContain('exists');
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(backup, null, 2) + '\n');
    expect((await fx.run(['keys', 'export', '--out', 'keys.json', '--force'])).status).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    await db.raw.query(`DELETE FROM ${db.raw.quote('prisma_kms_keys')}`);
    const lost = await readBack().catch((e: unknown) => e);
    expect(isKeyStoreError(lost)).toBe(true);
    expect(lost).toMatchObject({ reason: KeyStoreErrorReason.KEY_VERSION_UNKNOWN, message: expect.stringContaining('AuditEntry') });

    // A keyring that cannot decrypt the rows imports nothing.
    const otherKey = { ...options, keyId: (await target.createKey()).arn };
    const wrongKeyring = await fx.run(['keys', 'import', '--file', 'keys.json', '--config', writeConfig(otherKey, 'other-key.config.ts')]);
    expect(wrongKeyring.status).toBe(3);
    expect(wrongKeyring.stderr).toContain('KEY_ROW_UNREADABLE');
    expect(await list()).toEqual([]);

    const imported = await fx.run(['keys', 'import', '--file', 'keys.json', '--json']);
    expect(imported).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(imported.stdout)).toEqual({ imported: 1, unchanged: 0, refusedShredded: 0 });
    expect(await readBack()).toEqual(VALUES);
    const rerun = await fx.run(['keys', 'import', '--file', 'keys.json']);
    expect(rerun).toMatchObject({ status: 0, stdout: '0 key-store rows imported, 1 already present\n' });

    expect((await fx.run(['keys', 'import', '--file', 'missing.json'])).status).toBe(2);
    writeFileSync(join(fx.dir, 'not-an-export.json'), '{"rows": []}');
    const invalid = await fx.run(['keys', 'import', '--file', 'not-an-export.json']);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain('not a key-store export');
  }, 120_000);

  it('rotate adds a version and keeps the old one readable; list shows no material; retire refuses the current version', async () => {
    const before = await list();
    expect(before).toHaveLength(1);
    const rotated = await fx.run(['keys', 'rotate', '--json']);
    expect(rotated).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(rotated.stdout)).toMatchObject({ keyName: 'default', version: 2, purpose: 'field', status: 'active' });

    const versions = await list();
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'active'],
      [2, 'active'],
    ]);
    expect(versions.every((v) => v.material === undefined && !Number.isNaN(Date.parse(v.createdAt)))).toBe(true);
    const table = await fx.run(['keys', 'list']);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^key\s+purpose\s+scope\s+version\s+id\s+status\s+created\n/);
    expect(table.stdout).toMatch(/default\s+field\s+-\s+2\s+\d+\s+active \(current\)/);
    expect(table.stdout).not.toContain(readFileSync(join(fx.dir, 'keys.json'), 'utf8').match(/"material": "([^"]+)"/)![1]!);
    expect(await readBack()).toEqual(VALUES); // written under version 1, still readable

    const current = await fx.run(['keys', 'retire', '2']);
    expect(current.status).toBe(2);
    expect(current.stderr).toContain('is the active one new values are written with');
    expect((await fx.run(['keys', 'retire', '7'])).status).toBe(2);
    expect((await fx.run(['keys', 'retire', 'one'])).status).toBe(2);

    const retired = await fx.run(['keys', 'retire', '1']);
    expect(retired).toMatchObject({ status: 0, stderr: '' });
    expect(retired.stdout).toMatch(/^retired version 1 of key "default"/);
    expect((await list()).map((v) => [v.version, v.status])).toEqual([
      [1, 'retired'],
      [2, 'active'],
    ]);
    const refused = await readBack().catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: KeyStoreErrorReason.KEY_VERSION_RETIRED });

    // create: refused while version 2 is active, --force makes version 3
    expect((await fx.run(['keys', 'create'])).status).toBe(2);
    const forced = await fx.run(['keys', 'create', '--force', '--json']);
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ version: 3 });

    // retiring a retired version changes nothing; another purpose is another key with its own versions
    expect((await fx.run(['keys', 'retire', '1'])).status).toBe(0);
    expect((await fx.run(['keys', 'rotate', '--purpose', 'blind-index'])).status).toBe(2);
    const blindIndexKey = await fx.run(['keys', 'create', '--purpose', 'blind-index', '--json']);
    expect(JSON.parse(blindIndexKey.stdout)).toMatchObject({ purpose: 'blind-index', version: 1 });
    expect((await fx.run(['keys', 'create', '--purpose', 'nope'])).status).toBe(2);
    await db.raw.query(`DELETE FROM ${db.raw.quote('prisma_kms_keys')} WHERE ${db.raw.quote('purpose')} = ?`, ['blind-index']);
  }, 120_000);

  it('import is all or nothing: one tampered row of three and nothing is written; the good file restores all three with their statuses', async () => {
    expect((await fx.run(['keys', 'export', '--out', 'three.json'])).status).toBe(0);
    const good = JSON.parse(readFileSync(join(fx.dir, 'three.json'), 'utf8')) as KeyStoreExport;
    expect(good.rows.map((r) => [r.version, r.status])).toEqual([
      [1, 'retired'],
      [2, 'active'],
      [3, 'active'],
    ]);
    // The last row carries the first row's (valid) key message: it decrypts, but names another row.
    const tampered = { ...good, rows: good.rows.map((r, i) => (i === 2 ? { ...r, material: good.rows[0]!.material } : r)) };
    writeFileSync(join(fx.dir, 'tampered.json'), JSON.stringify(tampered));
    await db.raw.query(`DELETE FROM ${db.raw.quote('prisma_kms_keys')}`);

    const refused = await fx.run(['keys', 'import', '--file', 'tampered.json']);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('KEY_ROW_MISMATCH');
    expect(await list()).toEqual([]);

    const restored = await fx.run(['keys', 'import', '--file', 'three.json', '--json']);
    expect(restored.status).toBe(0);
    expect(JSON.parse(restored.stdout)).toEqual({ imported: 3, unchanged: 0, refusedShredded: 0 });
    expect((await list()).map((v) => [v.version, v.status])).toEqual([
      [1, 'retired'],
      [2, 'active'],
      [3, 'active'],
    ]);
  }, 120_000);

  it('the real bin lists the store and exits; a config without keyStore is a config error (status 2)', async () => {
    const bin = await fx.runBin(['keys', 'list']);
    expect(bin).toMatchObject({ status: 0, signal: null });
    expect(bin.stdout).toContain('active (current)');

    const path = join(fx.dir, 'no-key-store.config.ts');
    writeFileSync(path, `import base from './prisma-kms.config';\nconst { keyStore: _k, ...rest } = base;\nexport default rest;\n`);
    const missing = await fx.run(['keys', 'list', '--config', path]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("needs the config's keyStore");

    const throwing = join(fx.dir, 'throwing-storage.config.ts');
    writeFileSync(
      throwing,
      `import base from './prisma-kms.config';\nexport default { ...base, keyStore: { name: 'app', storage: () => { throw new Error('no delegate'); } } };\n`,
    );
    const factory = await fx.run(['keys', 'list', '--config', throwing]);
    expect(factory.status).toBe(2);
    expect(factory.stderr).toContain('keyStore.storage factory threw');
    expect(factory.stderr).not.toContain('no delegate');
  }, 60_000);
});
