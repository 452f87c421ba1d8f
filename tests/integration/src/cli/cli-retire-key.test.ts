/**
 * Issue 10, blocker 2: retiring the old KMS key after a rotation, exactly as docs/operations.md
 * ("Retire a KMS key") says, on PostgreSQL with kms-local: new key as generator and the old one as
 * previous -> `rotate` -> `keys rewrap` -> `status` names the old key nowhere -> config with the new key
 * alone -> app and CLI work -> DisableKey on the old key -> everything still reads. Both keys are named by
 * alias, the way the README names them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DisableKeyCommand } from '@aws-sdk/client-kms';
import { createFieldCipher, kmsKeyring } from '@prisma-kms/field-crypto';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { CliFixture, expectedUsers, writeConfigModule } from './cli-test-kit';
import { startKmsApp, type KmsFixtureOptions } from './fixtures/kms-config-factory';

const FACTORY = resolve(__dirname, 'fixtures', 'kms-config-factory.ts');
const USERS = 30;

describe('retiring a KMS key (docs/operations.md runbook) on postgresql', () => {
  let target: KmsTarget;
  let fx: CliFixture;
  let oldKey: { alias: string; arn: string };
  let newKey: { alias: string; arn: string };
  let base: Omit<KmsFixtureOptions, 'generatorKeyId'>;

  function writeConfig(options: Pick<KmsFixtureOptions, 'generatorKeyId' | 'previousKeyIds'>): void {
    const full: KmsFixtureOptions = { ...base, ...options };
    writeConfigModule(fx.dir, FACTORY, 'kmsFixtureConfig', full);
  }

  async function statusJson(): Promise<{ wrappingKeysInUse: { key: string; values: number; indexKeys: number }[]; indexKeys: { keys: { wrappingKeys: string[] }[] } }> {
    const result = await fx.run(['status', '--json']);
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout);
  }

  /** The app starts (index keys load), reads every user back and finds each one by email through the blind index. */
  async function appReadsEverything(options: Pick<KmsFixtureOptions, 'generatorKeyId' | 'previousKeyIds'>): Promise<void> {
    const app = await startKmsApp({ ...base, ...options });
    try {
      const users = await app.prisma.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, email: true, phone: true } });
      expect(users.map((u) => ({ id: u.id, name: u.name, email: u.email, phone_number: u.phone }))).toEqual(expectedUsers(USERS));
      for (const id of [1, 17, USERS]) {
        expect(await app.prisma.user.findFirst({ where: { email: ` USER${id}@example.com ` }, select: { id: true } })).toEqual({ id });
      }
    } finally {
      await app.close();
    }
  }

  beforeAll(async () => {
    target = await openKmsTarget();
    const oldAlias = uniqueAlias('app-data-2025');
    const newAlias = uniqueAlias('app-data-2026');
    oldKey = { alias: oldAlias, arn: (await target.createKey({ alias: oldAlias })).arn };
    newKey = { alias: newAlias, arn: (await target.createKey({ alias: newAlias })).arn };
    fx = await CliFixture.create('postgresql');
    base = { url: fx.db.url, kms: target.clientConfig(), indexKeyFile: join(fx.dir, 'index-keys') };
  });
  afterAll(async () => {
    await fx.cleanup();
    await target.close();
  });

  // Two CLI runs in child processes (each loads the config with jiti) on a shared 2-core machine.
  jest.setTimeout(180_000);

  it('runs the whole sequence; the old key can be disabled and everything still reads', async () => {
    // Before: everything under the old key, index key included.
    writeConfig({ generatorKeyId: oldKey.alias });
    expect((await fx.run(['keys', 'create-index-key', '--out', 'index-keys'])).status).toBe(0);
    await fx.seedUsers(USERS);
    expect((await fx.run(['encrypt', '--quiet'])).status).toBe(0);
    await appReadsEverything({ generatorKeyId: oldKey.alias });

    // 1. New key as generator, old key as previous; 2. rotate.
    writeConfig({ generatorKeyId: newKey.alias, previousKeyIds: [oldKey.alias] });
    expect((await fx.run(['rotate', '--quiet'])).status).toBe(0);
    // The values have left the old key, the index key has not: this is what broke the app in issue 10.
    const afterRotate = await statusJson();
    expect(afterRotate.wrappingKeysInUse).toContainEqual({ key: `aws-kms:${oldKey.arn}`, values: 0, indexKeys: 1 });
    await expect(startKmsApp({ ...base, generatorKeyId: newKey.alias })).rejects.toThrow(/index key #1 could not be decrypted/);

    // 3. keys rewrap: same key, new envelope (no reindex needed: the stored hashes still match, see the lookups below).
    const before = readFileSync(base.indexKeyFile, 'utf8');
    const rewrap = await fx.run(['keys', 'rewrap']);
    expect(rewrap).toMatchObject({ status: 0, stdout: '' });
    expect(rewrap.stderr).toContain('1 index keys re-wrapped');
    expect(readFileSync(base.indexKeyFile, 'utf8')).not.toBe(before);
    expect(readFileSync(base.indexKeyFile, 'utf8')).toMatch(/^# prisma-kms index key version 1/);

    // 4. status names the old key nowhere, in text or JSON.
    const text = await fx.run(['status', '--quiet']);
    expect(text.status).toBe(0);
    expect(text.stdout).not.toContain(oldKey.arn);
    expect(text.stdout).toContain(`version 1 under aws-kms:${newKey.arn}`);
    expect((await statusJson()).wrappingKeysInUse).toEqual([{ key: `aws-kms:${newKey.arn}`, values: USERS * 2 + expectedUsers(USERS).filter((u) => u.phone_number !== null).length, indexKeys: 1 }]);

    // 5. Config with the new key alone: app and CLI (in a fresh process) work.
    writeConfig({ generatorKeyId: newKey.alias });
    await appReadsEverything({ generatorKeyId: newKey.alias });
    expect(await fx.runBin(['verify', '--quiet'])).toMatchObject({ status: 0 });

    // 6. Disable the old key: nothing needs it any more.
    await target.client().send(new DisableKeyCommand({ KeyId: oldKey.arn }));
    await appReadsEverything({ generatorKeyId: newKey.alias });
    expect(await fx.runBin(['verify', '--quiet'])).toMatchObject({ status: 0 });
    expect((await fx.run(['status', '--quiet'])).status).toBe(0);
    // ...and the disable took effect: the old key no longer wraps anything new.
    const onOldKey = createFieldCipher({ keyring: kmsKeyring({ generatorKeyId: oldKey.alias, ...base.kms }) });
    await expect(onOldKey.encrypt('x', { model: 'User', field: 'name' })).rejects.toMatchObject({ awsErrorName: 'DisabledException' });
  });
});
