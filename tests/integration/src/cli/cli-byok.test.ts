/**
 * Issue 13, item 2 (CLI): `keys create | rotate --scope <id> --kms-key-id <arn>` wraps a scope's key-store
 * rows with the config's `keyStore.scopeKeyring(scope)` (the customer's KMS key) alone, and refuses a key
 * the configuration does not name for the scope, since the application unwraps a scope's rows with that
 * keyring only. Two KMS keys on kms-local; SQLite and PostgreSQL.
 */
import { resolve } from 'node:path';
import { isKeyStoreError } from '@prisma-kms/field-crypto';
import { openKmsTarget, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { clientPool, type ClientPool } from '../harness';
import { CliFixture, writeConfigModule } from './cli-test-kit';
// Loaded here first so the CLI's config loader finds it in this process's module registry (see cli-key-store).
import { appCipher, keyStoreConfig, type KeyStoreConfigOptions } from './fixtures/key-store-config';

const FACTORY = resolve(__dirname, 'fixtures', 'key-store-config.ts');
const FIELD = { model: 'AuditEntry', field: 'payload' };

describe.each<KeyStoreConfigOptions['provider']>(['sqlite', 'postgresql'])('keys create --scope --kms-key-id (BYOK) on %s', (provider) => {
  let target: KmsTarget;
  let fx: CliFixture;
  let pool: ClientPool;
  let options: KeyStoreConfigOptions;
  let customerKey: string;

  beforeAll(async () => {
    target = await openKmsTarget();
    fx = await CliFixture.create(provider);
    pool = clientPool({ ...fx.db, drop: async () => undefined });
    customerKey = (await target.createKey()).arn;
    options = { provider, url: fx.db.url, kms: target.clientConfig(), keyId: (await target.createKey()).arn, scopeKeys: { acme: customerKey } };
    expect(keyStoreConfig(options).keyStore?.scopeKeyring).toBeDefined();
    writeConfigModule(fx.dir, FACTORY, 'keyStoreConfig', options);
  }, 60_000);
  afterAll(async () => {
    await pool.closeAndDrop();
    await fx.cleanup();
    await target.close();
  });

  it("wraps the scope's rows with the customer's key alone and refuses a --kms-key-id the config does not name for the scope", async () => {
    expect((await fx.run(['keys', 'create'])).status).toBe(0); // the application's key, under the store's KMS key

    const storeKey = await fx.run(['keys', 'create', '--scope', 'acme', '--kms-key-id', options.keyId]);
    expect(storeKey.status).toBe(2);
    expect(storeKey.stderr).toContain('is not that KMS key alone');
    expect(storeKey.stderr).toContain(customerKey);
    const unconfigured = await fx.run(['keys', 'create', '--scope', 'globex', '--kms-key-id', customerKey]);
    expect(unconfigured.status).toBe(2);
    expect(unconfigured.stderr).toContain('gives no keyring for scope "globex"');
    const appKey = await fx.run(['keys', 'create', '--force', '--kms-key-id', customerKey]);
    expect(appKey.status).toBe(2);
    expect(appKey.stderr).toContain('--kms-key-id needs --scope');
    const listed = JSON.parse((await fx.run(['keys', 'list', '--json'])).stdout) as { versions: Array<{ scope: string }> };
    expect(listed.versions.map((v) => v.scope)).toEqual(['']); // nothing was created by the refusals

    const created = await fx.run(['keys', 'create', '--scope', 'acme', '--kms-key-id', customerKey, '--json']);
    expect(created.status).toBe(0);
    const acme = JSON.parse(created.stdout) as { id: number; scope: string; version: number };
    expect(acme).toMatchObject({ scope: 'acme', version: 1, purpose: 'field' });

    // The application, configured with the same scopeKeyring, writes and reads the scope under that row.
    const plain = pool.open();
    const app = appCipher(options, prismaKeyStorage(plain.prismaKmsKey));
    const stored = await app.encryptMany([{ value: 'acme secret', field: FIELD, scope: 'acme' }]);
    expect(app.inspect(stored[0]!)).toMatchObject({ kind: 'compact', keyVersionId: acme.id });
    expect(await app.decrypt(stored[0]!, FIELD)).toBe('acme secret');

    // A store that unwraps with its own KMS key cannot load the row: the customer's key alone wraps it.
    const withoutByok = appCipher({ ...options, scopeKeys: {} }, prismaKeyStorage(plain.prismaKmsKey));
    const refused = await withoutByok.decrypt(stored[0]!, FIELD).catch((e: unknown) => e);
    expect(isKeyStoreError(refused) || (refused as Error).name === 'KeyStoreError').toBe(true);
    expect(refused).toMatchObject({ scope: 'acme' });

    // rotate without --kms-key-id uses the configured scopeKeyring too
    const rotated = await fx.run(['keys', 'rotate', '--scope', 'acme', '--json']);
    expect(rotated.status).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ scope: 'acme', version: 2 });
    const fresh = appCipher(options, prismaKeyStorage(plain.prismaKmsKey));
    const next = await fresh.encryptMany([{ value: 'after rotate', field: FIELD, scope: 'acme' }]);
    expect(await fresh.decrypt(next[0]!, FIELD)).toBe('after rotate');
    expect(await fresh.decrypt(stored[0]!, FIELD)).toBe('acme secret');
    const again = appCipher({ ...options, scopeKeys: {} }, prismaKeyStorage(plain.prismaKmsKey));
    await expect(again.decrypt(next[0]!, FIELD)).rejects.toMatchObject({ scope: 'acme' });
  }, 120_000);
});
