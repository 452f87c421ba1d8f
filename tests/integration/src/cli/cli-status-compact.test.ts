/**
 * Issue 12: `status` on an unscoped model whose cipher writes compact values under the key store. The
 * current key is the key store's current version of the application's key, read from the store's rows
 * (no KMS call): values under it count as current, values under an older version as other keys (what
 * `rotate` re-encrypts), named with their version. Then `rotate`, `encrypt` and `verify` agree with it.
 * And the application's blind-index key in the same store: `encrypt` and `reindex` with the config's
 * `blindIndexer: () => keyStore.blindIndexer(APPLICATION_SCOPE)`, the application's lookups with the same.
 * SQLite and PostgreSQL, a key store in the test database wrapped by a local key.
 */
import { resolve } from 'node:path';
import { APPLICATION_SCOPE } from '@prisma-kms/field-crypto';
import { fieldEncryption, prismaKeyStorage, type FieldMap } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { CliFixture, newKey, writeConfigModule } from './cli-test-kit';
import { databaseFor, fieldMapFor } from './fixtures/config-factory';
// Loaded here first so the CLI's config loader finds it in this process's module registry (see cli-key-store).
import { appCipher, appKeyStore, scopeConfig, type ScopeConfigOptions } from './fixtures/scope-config';

const FACTORY = resolve(__dirname, 'fixtures', 'scope-config.ts');
const PAYLOAD = { model: 'AuditEntry', field: 'payload' };
const ROWS = 30;

interface PayloadStatus {
  rows: number;
  plaintext: number;
  current: number;
  otherKeys: number;
  byWrappingKey: Record<string, number>;
}

interface StatusJson {
  currentKey: string;
  currentKeyVersion?: number;
  fields: PayloadStatus[];
}

describe.each<Provider>(['sqlite', 'postgresql'])('status of compact values under the key store on %s', (provider) => {
  let fx: CliFixture;
  let options: ScopeConfigOptions;

  async function status(): Promise<{ json: StatusJson; text: string }> {
    const json = await fx.run(['status', '--model', 'AuditEntry', '--json']);
    const text = await fx.run(['status', '--model', 'AuditEntry', '--quiet']);
    expect([json.status, text.status]).toEqual([0, 0]);
    return { json: JSON.parse(json.stdout) as StatusJson, text: text.stdout };
  }

  async function keyIds(): Promise<Record<number, number>> {
    const listed = await fx.run(['keys', 'list', '--json']);
    const versions = (JSON.parse(listed.stdout) as { versions: Array<{ id: number; version: number; purpose: string }> }).versions;
    return Object.fromEntries(versions.filter((v) => v.purpose === 'field').map((v) => [v.version, v.id]));
  }

  beforeAll(async () => {
    fx = await CliFixture.create(provider);
    options = { provider, url: fx.db.url, storeKey: newKey('store') };
    expect(scopeConfig(options).keyStore).toBeDefined();
    writeConfigModule(fx.dir, FACTORY, 'scopeConfig', options);
  }, 60_000);
  afterAll(() => fx.cleanup());

  it('values under the current key-store version are current; after keys rotate they need rotate, named by version; rotate, encrypt and verify agree', async () => {
    expect((await fx.run(['keys', 'create'])).status).toBe(0);
    const client = databaseFor(provider, fx.db.url);
    try {
      // the application writes compact values (and two rows it has not encrypted yet)
      const cipher = appCipher(options, appKeyStore(options, prismaKeyStorage(client.prismaKmsKey)));
      const payloads = Array.from({ length: ROWS }, (_, i) => `{"event":"login","n":${i}}`);
      const stored = await cipher.encryptMany(payloads.map((value) => ({ value, field: PAYLOAD })));
      expect(cipher.inspect(stored[0]!)).toMatchObject({ kind: 'compact' });
      const rows = [...stored, 'plain 1', 'plain 2'];
      const q = fx.db.raw.quote;
      await fx.db.raw.query(
        `INSERT INTO ${q('audit_entries')} (${['tenant', 'seq', 'payload', 'action'].map(q).join(', ')}) VALUES ${rows.map(() => "('t', ?, ?, 'login')").join(', ')}`,
        rows.flatMap((payload, seq) => [seq, payload]),
      );
    } finally {
      await client.$disconnect();
    }
    const v1 = (await keyIds())[1]!;

    const before = await status();
    expect(before.json.currentKey).toBe(`prisma-kms-key-store:${v1}`);
    expect(before.json.currentKeyVersion).toBe(1);
    expect(before.json.fields[0]).toMatchObject({ rows: ROWS + 2, plaintext: 2, current: ROWS, otherKeys: 0, byWrappingKey: {} });
    expect(before.text).toContain(`current generator key: prisma-kms-key-store:${v1} (key store, version 1)`);
    expect(before.text).toMatch(new RegExp(`AuditEntry\\s+payload\\s+${ROWS + 2}\\s+0\\s+2\\s+${ROWS}\\s+0\\s+0`));

    expect((await fx.run(['keys', 'rotate'])).status).toBe(0);
    const v2 = (await keyIds())[2]!;
    const rotated = await status();
    expect(rotated.json).toMatchObject({ currentKey: `prisma-kms-key-store:${v2}`, currentKeyVersion: 2 });
    expect(rotated.json.fields[0]).toMatchObject({ current: 0, otherKeys: ROWS, byWrappingKey: { [`prisma-kms-key-store:${v1}`]: ROWS } });
    expect(rotated.text).toContain(`AuditEntry.payload: ${ROWS} under prisma-kms-key-store:${v1} (key store version 1, active)`);

    const rotate = await fx.run(['rotate', '--model', 'AuditEntry', '--quiet']);
    expect(rotate.status).toBe(0);
    expect(rotate.stdout).toContain(`${ROWS} values re-encrypted`);
    expect((await status()).json.fields[0]).toMatchObject({ plaintext: 2, current: ROWS, otherKeys: 0, byWrappingKey: {} });
    expect((await fx.run(['encrypt', '--model', 'AuditEntry', '--quiet'])).status).toBe(0);
    expect((await status()).json.fields[0]).toMatchObject({ plaintext: 0, current: ROWS + 2, otherKeys: 0 });
    const verify = await fx.run(['verify', '--model', 'AuditEntry', '--quiet']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain(`${ROWS + 2} values checked, 0 failed`);
  }, 120_000);

  it("the application's blind-index key in the store: encrypt fills the index, keys rotate --purpose blind-index + reindex move it to version 2, the application finds every row", async () => {
    const withIndexKey = { ...options, applicationIndexKey: true };
    writeConfigModule(fx.dir, FACTORY, 'scopeConfig', withIndexKey, 'index-key.config.ts');
    const cli = (args: string[]) => fx.run([...args, '--config', 'index-key.config.ts']);
    expect((await cli(['keys', 'create', '--purpose', 'blind-index'])).status).toBe(0);
    const q = fx.db.raw.quote;
    const emails = Array.from({ length: ROWS }, (_, i) => `user${i}@example.com`);
    await fx.db.raw.query(
      `INSERT INTO ${q('users')} (${['id', 'name', 'email'].map(q).join(', ')}) VALUES ${emails.map(() => '(?, ?, ?)').join(', ')}`,
      emails.flatMap((email, i) => [i + 1, `Name ${i}`, email]),
    );
    const indexVersions = async () => {
      const json = JSON.parse((await cli(['status', '--model', 'User', '--json'])).stdout) as { fields: Array<{ field: string; blindIndex?: { empty: number; byVersion: Record<string, number> } }> };
      return json.fields.find((f) => f.field === 'email')!.blindIndex;
    };
    /** The application: the extension with the store's index key, as a function. */
    const lookUp = async (email: string) => {
      const client = databaseFor(provider, fx.db.url);
      try {
        const store = appKeyStore(options, prismaKeyStorage(client.prismaKmsKey));
        const prisma = client.$extends(
          fieldEncryption({ fields: fieldMapFor(provider) as unknown as FieldMap, cipher: appCipher(options, store), blindIndexer: () => store.blindIndexer(APPLICATION_SCOPE) }),
        ) as unknown as { user: { findFirst(args: unknown): Promise<{ id: number; email: string } | null> } };
        return (await prisma.user.findFirst({ where: { email }, select: { id: true, email: true } })) ?? undefined;
      } finally {
        await client.$disconnect();
      }
    };

    expect((await cli(['encrypt', '--model', 'User', '--quiet'])).status).toBe(0);
    expect(await indexVersions()).toEqual({ column: 'email_hash', empty: 0, byVersion: { v1: ROWS } });
    expect(await lookUp('USER7@example.com')).toEqual({ id: 8, email: 'user7@example.com' });

    expect((await cli(['keys', 'rotate', '--purpose', 'blind-index'])).status).toBe(0);
    const reindex = await cli(['reindex', '--model', 'User', '--quiet']);
    expect(reindex.status).toBe(0);
    expect(reindex.stdout).toContain(`${ROWS} values reindexed`);
    expect(await indexVersions()).toEqual({ column: 'email_hash', empty: 0, byVersion: { v2: ROWS } });
    expect(await lookUp('user29@example.com')).toEqual({ id: 30, email: 'user29@example.com' });
  }, 120_000);
});
