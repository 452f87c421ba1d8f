/**
 * The commands end to end on each database: encrypt, status, verify, rotate, decrypt, with the real
 * cipher (local AES keys) and the shared schema's generated field map and client.
 */
import { writeFileSync } from 'node:fs';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers, isCiphertext } from './cli-test-kit';
import { blindIndexerFor, cipherFor, fieldMapFor } from './fixtures/config-factory';

const USERS = 250;
const AUDITS = 120;
const PROVIDERS: Provider[] = ['postgresql', 'sqlite', 'mysql'];

describe.each(PROVIDERS)('prisma-kms on %s', (provider) => {
  let fx: CliFixture;

  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(USERS);
    await fx.seedAudit(AUDITS);
  });
  afterEach(() => fx.cleanup());

  it('encrypts every value in place, and decrypt gives back the original bytes of every value', async () => {
    fx.writeConfig();
    const before = await fx.users();
    const auditsBefore = await fx.audits();
    expect(before).toEqual(expectedUsers(USERS));

    const encrypt = await fx.run(['encrypt', '--model', 'User,AuditEntry', '--batch-size', '64', '--quiet']);
    expect(encrypt).toMatchObject({ status: 0 });
    const stored = await fx.users();
    for (const user of stored) {
      expect(isCiphertext(user.name)).toBe(true);
      expect(isCiphertext(user.email)).toBe(true);
      expect(user.phone_number === null ? null : isCiphertext(user.phone_number)).toBe(before.find((u) => u.id === user.id)!.phone_number === null ? null : true);
    }
    expect((await fx.audits()).every((a) => isCiphertext(a.payload))).toBe(true);
    expect(await fx.decryptedUsers()).toEqual(before);

    const decrypt = await fx.run(['decrypt', '--model', 'User,AuditEntry', '--batch-size', '64', '--quiet']);
    expect(decrypt).toMatchObject({ status: 0 });
    const after = await fx.users();
    expect(after).toEqual(before);
    after.forEach((user, i) => expect(Buffer.from(user.name, 'utf8').equals(Buffer.from(before[i]!.name, 'utf8'))).toBe(true));
    expect(await fx.audits()).toEqual(auditsBefore);
  });

  it('fills the blind index of a field that has one, so the rows stay findable by equality', async () => {
    fx.writeConfig();
    expect(await fx.run(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    const q = fx.db.raw.quote;
    const hashes = await fx.db.raw.query<{ id: number; email_hash: string | null }>(
      `SELECT ${q('id')}, ${q('email_hash')} FROM ${q('users')} ORDER BY ${q('id')}`,
    );
    const indexer = await blindIndexerFor(fx.indexKey);
    const hash = (fieldMapFor(provider) as unknown as { models: { User: { encrypted: { email: { hash: { normalize: never; bytes: number } } } } } }).models.User
      .encrypted.email.hash;
    expect(hashes.map((h) => h.email_hash)).toEqual(
      expectedUsers(USERS).map((u) => indexer.compute({ model: 'User', field: 'email' }, u.email, { normalize: hash.normalize, bytes: hash.bytes })),
    );
  });

  it('refuses to encrypt a blind-indexed field without a blind indexer, but encrypts the others', async () => {
    fx.writeConfig({ indexKey: undefined as never });
    const refused = await fx.run(['encrypt', '--model', 'User']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('User.email has a blind index');
    expect(await fx.users()).toEqual(expectedUsers(USERS));
    expect(await fx.run(['encrypt', '--field', 'User.name', '--quiet'])).toMatchObject({ status: 0 });
    expect((await fx.users()).every((u) => isCiphertext(u.name) && !isCiphertext(u.email))).toBe(true);
  });

  it('gives the same results with the crypto in worker threads (--crypto-workers)', async () => {
    fx.writeConfig();
    const before = await fx.users();
    expect(await fx.run(['encrypt', '--model', 'User', '--batch-size', '40', '--crypto-workers', '2', '--quiet'])).toMatchObject({ status: 0 });
    expect(await fx.decryptedUsers()).toEqual(before);
    expect(await fx.run(['verify', '--model', 'User', '--crypto-workers', '1', '--quiet'])).toMatchObject({ status: 0 });
    expect(await fx.run(['decrypt', '--model', 'User', '--crypto-workers', '2', '--quiet'])).toMatchObject({ status: 0 });
    expect(await fx.users()).toEqual(before);
  });

  it('is idempotent: a second encrypt changes nothing', async () => {
    fx.writeConfig();
    await fx.run(['encrypt', '--model', 'User', '--quiet']);
    const once = await fx.users();
    const again = await fx.run(['encrypt', '--model', 'User', '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).tables[0]).toMatchObject({ model: 'User', rowsScanned: USERS, valuesPlanned: 0, rowsWritten: 0 });
    expect(await fx.users()).toEqual(once);
  });

  it('status counts plaintext, current-key, other-key and null values per field, also as --json', async () => {
    fx.writeConfig();
    const nullPhones = expectedUsers(USERS).filter((u) => u.phone_number === null).length;
    const plain = await fx.run(['status', '--model', 'User', '--json']);
    expect(plain.status).toBe(0);
    const report = JSON.parse(plain.stdout);
    expect(report.currentKey).toBe('prisma-kms:k1');
    expect(report.fields).toEqual([
      expect.objectContaining({ model: 'User', field: 'name', rows: USERS, null: 0, plaintext: USERS, current: 0, otherKeys: 0 }),
      expect.objectContaining({ model: 'User', field: 'email', rows: USERS, plaintext: USERS }),
      expect.objectContaining({ model: 'User', field: 'phone', rows: USERS, null: nullPhones, plaintext: USERS - nullPhones }),
    ]);

    await fx.run(['encrypt', '--model', 'User', '--field', 'email', '--quiet']);
    fx.writeConfig({ generator: fx.k2, decryptOnly: [fx.k1] });
    const mixed = JSON.parse((await fx.run(['status', '--model', 'User', '--json'])).stdout);
    expect(mixed.currentKey).toBe('prisma-kms:k2');
    expect(mixed.fields[0]).toMatchObject({ field: 'name', plaintext: USERS, otherKeys: 0 });
    expect(mixed.fields[1]).toMatchObject({ field: 'email', plaintext: 0, current: 0, otherKeys: USERS, byWrappingKey: { 'prisma-kms:k1': USERS } });

    const text = await fx.run(['status', '--model', 'User', '--quiet']);
    expect(text.stdout).toContain('current generator key: prisma-kms:k2');
    expect(text.stdout).toMatch(/User\s+email\s+250\s+0\s+0\s+0\s+250/);
  });

  it('rotates to a new generator key, keeping the old one for decryption, touching only old-key values', async () => {
    fx.writeConfig();
    await fx.run(['encrypt', '--model', 'User', '--quiet']);
    fx.writeConfig({ generator: fx.k2, decryptOnly: [fx.k1] });
    // a value already under the new key must be left as it is
    const q = fx.db.raw.quote;
    const newKeyCipher = cipherFor(fx.k2);
    const fresh = await newKeyCipher.encrypt('fresh under k2', { model: 'User', field: 'name' });
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [fresh, 1]);

    const rotate = await fx.run(['rotate', '--model', 'User', '--batch-size', '50', '--concurrency', '3', '--json']);
    expect(rotate.status).toBe(0);
    const result = JSON.parse(rotate.stdout).tables[0];
    const nonNull = expectedUsers(USERS).reduce((n, u) => n + 2 + (u.phone_number === null ? 0 : 1), 0);
    expect(result).toMatchObject({ valuesPlanned: nonNull - 1, rowsWritten: USERS, rowsSkipped: 0, failureCount: 0 });
    expect((await fx.users())[0]!.name).toBe(fresh);

    // every value now decrypts with k2 alone
    fx.writeConfig({ generator: fx.k2, keyrings: { onlyOld: [fx.k1], onlyNew: [fx.k2] } });
    expect(await fx.run(['verify', '--model', 'User', '--keyring', 'onlyNew', '--quiet'])).toMatchObject({ status: 0 });
    const old = await fx.run(['verify', '--model', 'User', '--keyring', 'onlyOld', '--json']);
    expect(old.status).toBe(1);
    expect(JSON.parse(old.stdout)).toMatchObject({ ok: false, failureCount: nonNull });
    const expected = expectedUsers(USERS);
    expected[0]!.name = 'fresh under k2';
    expect(await fx.decryptedUsers()).toEqual(expected);
  });

  it('verify reports each failure by model, field and primary key, and changes nothing', async () => {
    fx.writeConfig();
    await fx.run(['encrypt', '--model', 'User,AuditEntry', '--quiet']);
    const q = fx.db.raw.quote;
    const [u5] = await fx.db.raw.query<{ email: string }>(`SELECT ${q('email')} FROM ${q('users')} WHERE ${q('id')} = ?`, [5]);
    // a ciphertext moved from email into name (wrong encryption context) and a value left in plaintext
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [u5!.email, 5]);
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('phone_number')} = ? WHERE ${q('id')} = ?`, ['555 plaintext', 7]);
    await fx.db.raw.query(`UPDATE ${q('audit_entries')} SET ${q('payload')} = ? WHERE ${q('tenant')} = ? AND ${q('seq')} = ?`, ['plain', 'tenant-2', 3]);
    const snapshot = await fx.users();

    const verify = await fx.run(['verify', '--model', 'User,AuditEntry', '--json']);
    expect(verify.status).toBe(1);
    const report = JSON.parse(verify.stdout);
    expect(report).toMatchObject({ ok: false, failureCount: 3 });
    const failures = report.tables.flatMap((t: { failures: unknown[] }) => t.failures);
    expect(failures).toEqual(
      expect.arrayContaining([
        { model: 'User', field: 'name', key: { id: 5 }, code: 'PRISMA_KMS_ENCRYPTION_CONTEXT_MISMATCH' },
        { model: 'User', field: 'phone', key: { id: 7 }, code: 'PLAINTEXT' },
        { model: 'AuditEntry', field: 'payload', key: { tenant: 'tenant-2', seq: 3 }, code: 'PLAINTEXT' },
      ]),
    );
    expect(await fx.users()).toEqual(snapshot);
    const text = await fx.run(['verify', '--model', 'User', '--quiet']);
    expect(text.stdout).toContain('User.name [id=5]: PRISMA_KMS_ENCRYPTION_CONTEXT_MISMATCH');
    expect(text.stdout).toContain('FAILED: 2 values do not decrypt.');
  });

  it('encrypts and decrypts a composite primary key table (AuditEntry)', async () => {
    fx.writeConfig();
    const before = await fx.audits();
    expect(await fx.run(['encrypt', '--model', 'AuditEntry', '--batch-size', '7', '--quiet'])).toMatchObject({ status: 0 });
    const encrypted = await fx.audits();
    expect(encrypted.map((a) => [a.tenant, a.seq])).toEqual(before.map((a) => [a.tenant, a.seq]));
    expect(encrypted.every((a) => isCiphertext(a.payload))).toBe(true);
    expect(await fx.run(['verify', '--model', 'AuditEntry', '--quiet'])).toMatchObject({ status: 0 });
    expect(await fx.run(['decrypt', '--model', 'AuditEntry', '--batch-size', '7', '--quiet'])).toMatchObject({ status: 0 });
    expect(await fx.audits()).toEqual(before);
  });

  it('decrypts only the fields named, and a dry run writes nothing', async () => {
    fx.writeConfig();
    await fx.run(['encrypt', '--model', 'User', '--quiet']);
    const encrypted = await fx.users();
    const dry = await fx.run(['decrypt', '--field', 'User.phone', '--dry-run', '--json']);
    expect(dry.status).toBe(1); // work is left: a dry run's status says whether the fields are done
    const nonNullPhones = expectedUsers(USERS).filter((u) => u.phone_number !== null).length;
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, tables: [{ model: 'User', fields: ['phone'], valuesPlanned: nonNullPhones, rowsWritten: 0 }] });
    expect(await fx.users()).toEqual(encrypted);

    expect(await fx.run(['decrypt', '--field', 'User.phone', '--quiet'])).toMatchObject({ status: 0 });
    const after = await fx.users();
    expect(after.map((u) => u.phone_number)).toEqual(expectedUsers(USERS).map((u) => u.phone_number));
    expect(after.map((u) => u.name)).toEqual(encrypted.map((u) => u.name));
  });
});

describe('prisma-kms usage and configuration errors (exit status 2)', () => {
  let fx: CliFixture;
  beforeAll(async () => {
    fx = await CliFixture.create('sqlite');
  });
  afterAll(() => fx.cleanup());

  it('no config file', async () => {
    const result = await fx.run(['status']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[CONFIG_NOT_FOUND]');
  });

  it('a config without a cipher names the missing key', async () => {
    const path = `${fx.dir}/bad.config.ts`;
    writeFileSync(path, `export default { fields: { provider: 'sqlite', models: {} }, database: {} };\n`);
    const result = await fx.run(['status', '--config', path]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[CONFIG_INVALID]');
    expect(result.stderr).toContain('cipher');
  });

  it('an unknown model or a bad flag', async () => {
    fx.writeConfig();
    expect(await fx.run(['encrypt', '--model', 'Nope'])).toMatchObject({ status: 2, stderr: expect.stringContaining('[UNKNOWN_SELECTION]') });
    expect(await fx.run(['encrypt', '--batch-size', 'many'])).toMatchObject({ status: 2 });
    expect(await fx.run(['encrypt', '--shard', '3/2'])).toMatchObject({ status: 2, stderr: expect.stringContaining('[USAGE]') });
    expect(await fx.run(['frobnicate'])).toMatchObject({ status: 2 });
  });

  it('refuses a model with encrypted fields and no primary key', async () => {
    const path = `${fx.dir}/nopk.config.ts`;
    writeFileSync(
      path,
      `export default { fields: { provider: 'sqlite', models: { Log: { dbName: 'logs', primaryKey: [], encrypted: { line: { name: 'line', dbName: 'line', type: 'String' } } } } }, cipher: {}, database: {} };\n`,
    );
    const result = await fx.run(['encrypt', '--config', path]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[NO_PRIMARY_KEY]');
    expect(result.stderr).toContain('"Log"');
  });
});
