/**
 * Retiring a KMS key under a key store (docs/operations.md, "Retire a KMS key"), on SQLite, PostgreSQL
 * and MariaDB with two kms-local keys: `prisma-kms keys rewrap` re-wraps every key-store row under the
 * new key (same ids, versions and statuses), after which the old key can be disabled and an application
 * holding only the new key reads every compact value, through prismaKeyStorage's compare-and-set writes.
 */
import { resolve } from 'node:path';
import { DisableKeyCommand } from '@aws-sdk/client-kms';
import { openKmsTarget, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { clientPool, type ClientPool, type Provider } from '../harness';
import { CliFixture, writeConfigModule } from './cli-test-kit';
// Loaded here first so that the CLI's config loader (jiti, native require first) finds it in this
// process's module registry, as the other CLI tests do with their config factories.
import { appCipher, keyStoreConfig, type KeyStoreConfigOptions } from './fixtures/key-store-config';

const FACTORY = resolve(__dirname, 'fixtures', 'key-store-config.ts');
const PAYLOAD = { model: 'AuditEntry', field: 'payload' };
const VALUES = Array.from({ length: 20 }, (_, i) => `{"event":"login","n":${i}}`);

interface ListedVersion {
  id: number;
  version: number;
  purpose: string;
  status: string;
}

describe.each<Provider>(['sqlite', 'postgresql', 'mysql'])('prisma-kms keys rewrap on a key store on %s', (provider) => {
  let target: KmsTarget;
  let fx: CliFixture;
  let pool: ClientPool;

  function writeConfig(options: KeyStoreConfigOptions): void {
    expect(keyStoreConfig(options).keyStore).toBeDefined();
    writeConfigModule(fx.dir, FACTORY, 'keyStoreConfig', options);
  }

  async function list(): Promise<ListedVersion[]> {
    const result = await fx.run(['keys', 'list', '--json']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    return (JSON.parse(result.stdout) as { versions: ListedVersion[] }).versions;
  }

  /** A fresh application (empty key cache) holding `options`' keys reads every stored payload. */
  async function readBack(options: KeyStoreConfigOptions): Promise<string[]> {
    const plain = pool.open();
    const rows = await plain.auditEntry.findMany({ orderBy: { seq: 'asc' } });
    return appCipher(options, prismaKeyStorage(plain.prismaKmsKey)).decryptMany(rows.map((row) => ({ value: row.payload, field: PAYLOAD })));
  }

  beforeAll(async () => {
    target = await openKmsTarget();
    fx = await CliFixture.create(provider);
    pool = clientPool({ ...fx.db, drop: async () => undefined });
  }, 60_000);
  afterAll(async () => {
    await pool.closeAndDrop();
    await fx.cleanup();
    await target.close();
  });

  it('re-wraps every row under the new key; with the old key disabled, the new key alone reads every value', async () => {
    const oldKey = (await target.createKey()).arn;
    const newKey = (await target.createKey()).arn;
    const before: KeyStoreConfigOptions = { provider, url: fx.db.url, kms: target.clientConfig(), keyId: oldKey };
    writeConfig(before);
    expect((await fx.run(['keys', 'create'])).status).toBe(0);
    const plain = pool.open();
    const stored = await appCipher(before, prismaKeyStorage(plain.prismaKmsKey)).encryptMany(VALUES.map((value) => ({ value, field: PAYLOAD })));
    await plain.auditEntry.createMany({ data: stored.map((payload, seq) => ({ tenant: 't', seq, payload, action: 'login' })) });
    // A retired version of another key and a blind-index key: every row is re-wrapped, whatever its status or purpose.
    for (const args of [['create', '--key', 'archive'], ['rotate', '--key', 'archive'], ['retire', '1', '--key', 'archive'], ['create', '--purpose', 'blind-index']]) {
      expect((await fx.run(['keys', ...args])).status).toBe(0);
    }
    const versionsBefore = await list();
    expect(versionsBefore.map((v) => [v.purpose, v.version, v.status])).toEqual([
      ['field', 1, 'retired'],
      ['field', 2, 'active'],
      ['blind-index', 1, 'active'],
      ['field', 1, 'active'],
    ]);

    // The new key as generator, the old one as previous: rewrap.
    const moving: KeyStoreConfigOptions = { ...before, keyId: newKey, previousKeyIds: [oldKey] };
    writeConfig(moving);
    const rewrap = await fx.run(['keys', 'rewrap', '--json']);
    expect(rewrap.status).toBe(0);
    expect(rewrap.stderr).toBe('prisma-kms: 4 key-store rows re-wrapped in key store "app"\n');
    const report = JSON.parse(rewrap.stdout) as { keyStore: { keyStore: string; rewrapped: number[]; changedMeanwhile: number[]; skipped: number[] } };
    expect([...report.keyStore.rewrapped].sort()).toEqual(versionsBefore.map((v) => v.id).sort());
    expect(report.keyStore).toMatchObject({ keyStore: 'app', changedMeanwhile: [], skipped: [] });
    expect(await list()).toEqual(versionsBefore);
    // The old key alone (still enabled) no longer unwraps the rows: none is wrapped by it any more.
    expect(await readBack(before).catch((e: unknown) => e)).toMatchObject({ reason: 'KEY_ROW_UNREADABLE' });

    // Retire the old key: the new key alone reads every row and value.
    await target.client().send(new DisableKeyCommand({ KeyId: oldKey }));
    const after: KeyStoreConfigOptions = { ...before, keyId: newKey };
    expect(await readBack(after)).toEqual(VALUES);
    writeConfig(after);
    const again = await fx.run(['keys', 'rewrap']);
    expect(again).toMatchObject({ status: 0, stderr: 'prisma-kms: 4 key-store rows re-wrapped in key store "app"\n' });
  }, 180_000);

  it('without the old key in the keyring, rewrap fails naming a row (exit 3) and changes nothing', async () => {
    const unrelated = (await target.createKey()).arn;
    const options: KeyStoreConfigOptions = { provider, url: fx.db.url, kms: target.clientConfig(), keyId: unrelated };
    const rows = await pool.open().prismaKmsKey.findMany({ orderBy: { id: 'asc' } });
    writeConfig(options);
    const refused = await fx.run(['keys', 'rewrap']);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('KEY_ROW_UNREADABLE');
    expect(refused.stderr).toMatch(/key version \d+/);
    expect(await pool.open().prismaKmsKey.findMany({ orderBy: { id: 'asc' } })).toEqual(rows);
  }, 120_000);
});
