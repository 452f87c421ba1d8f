/**
 * Issue 13, items 3 and 4 (CLI): `rotate --scope-by` moves a table written under the application's key
 * into per-tenant scopes while the application keeps writing, and loses nothing; `status` counts values
 * per scope and key version; `keys shred` (dry run, confirmation, audit line) makes one scope's values
 * unreadable while every other scope still verifies. SQLite and PostgreSQL, the real bin for the run
 * with a writer, a key store in the test database.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeyStoreErrorReason, type KeyStore } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { CliFixture, newKey, typedInput, writeConfigModule } from './cli-test-kit';
import { dialectFor, runMigration, selectTargets } from '@prisma-kms/cli';
import { databaseFor, fieldMapFor } from './fixtures/config-factory';
// Loaded here first so the CLI's config loader finds it in this process's module registry (see cli-key-store).
import { appCipher, appKeyStore, scopeConfig, SCOPE_KEY_STORE, type ScopeConfigOptions } from './fixtures/scope-config';

const FACTORY = resolve(__dirname, 'fixtures', 'scope-config.ts');
const TENANTS = ['t1', 't2', 't3'] as const;
const ROWS = 300;
const EMAIL = { model: 'TenantMember', field: 'email' };
const NAME = { model: 'TenantMember', field: 'name' };
const EMAIL_INDEX = { normalize: ['identifier'] } as const;

interface Member {
  tenant: string;
  name: string;
  email: string;
}

interface StoredMember {
  id: number;
  tenant_id: string;
  name: string | null;
  email: string | null;
  email_hash: string | null;
}

interface ListedVersion {
  id: number;
  scope: string;
  purpose: string;
  version: number;
  status: string;
}

/** Status 0; on failure the assertion shows what the command printed. */
function expectOk(result: { status: number | null; stdout: string; stderr: string }): void {
  expect({ status: result.status, stderr: result.stderr, stdout: result.status === 0 ? '' : result.stdout.slice(0, 4000) }).toEqual({ status: 0, stderr: expect.any(String), stdout: '' });
}

describe.each<Provider>(['sqlite', 'postgresql', 'mysql'])('scoped models in the CLI on %s', (provider) => {
  let fx: CliFixture;
  let options: ScopeConfigOptions;
  /** What each row holds in plaintext, as the test and its writer last wrote it. */
  const expected = new Map<number, Member>();

  /** The application: its own client, key store (empty cache) and cipher. */
  function application(): { store: KeyStore; cipher: ReturnType<typeof appCipher>; close(): Promise<void> } {
    const client = databaseFor(provider, fx.db.url);
    const store = appKeyStore(options, prismaKeyStorage(client.prismaKmsKey));
    return { store, cipher: appCipher(options, store), close: () => client.$disconnect() };
  }

  async function members(): Promise<StoredMember[]> {
    const q = fx.db.raw.quote;
    const rows = await fx.db.raw.query<StoredMember>(
      `SELECT ${['id', 'tenant_id', 'name', 'email', 'email_hash'].map(q).join(', ')} FROM ${q('tenant_members')} ORDER BY ${q('id')}`,
    );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async function keyVersions(): Promise<ListedVersion[]> {
    const listed = await fx.run(['keys', 'list', '--json']);
    expectOk(listed);
    return (JSON.parse(listed.stdout) as { versions: ListedVersion[] }).versions;
  }

  async function status(): Promise<Record<string, { scopes: { byScope: Record<string, number>; wrongScope: number; shredded: number; shreddedByScope: Record<string, number> } }>> {
    const result = await fx.run(['status', '--model', 'TenantMember', '--json', '--quiet']);
    expectOk(result);
    const report = JSON.parse(result.stdout) as { fields: Array<{ field: string; scopes: never }> };
    return Object.fromEntries(report.fields.map((f) => [f.field, f]));
  }

  beforeAll(async () => {
    fx = await CliFixture.create(provider);
    options = { provider, url: fx.db.url, storeKey: newKey('store') };
    writeConfigModule(fx.dir, FACTORY, 'scopeConfig', options);
    expect(scopeConfig(options).keyStore?.blindIndexer).toBeDefined();
  }, 60_000);
  afterAll(() => fx.cleanup());

  it('rotate --scope-by moves an application-key table into scopes while the application writes: nothing lost, every value under its row scope\'s key', async () => {
    expect((await fx.run(['keys', 'create'])).status).toBe(0); // the application's key (empty scope)
    const app = application();
    try {
      // The table as an application wrote it before scopes: every value under the application's key, no index entries.
      const seeded: Member[] = Array.from({ length: ROWS }, (_, i) => ({ tenant: TENANTS[i % TENANTS.length]!, name: `Name ${i} Zoë`, email: `user${i}@example.com` }));
      const names = await app.cipher.encryptMany(seeded.map((m) => ({ value: m.name, field: NAME })));
      const emails = await app.cipher.encryptMany(seeded.map((m) => ({ value: m.email, field: EMAIL })));
      const q = fx.db.raw.quote;
      for (let start = 0; start < ROWS; start += 100) {
        const ids = Array.from({ length: Math.min(100, ROWS - start) }, (_, i) => start + i);
        await fx.db.raw.query(
          `INSERT INTO ${q('tenant_members')} (${['id', 'tenant_id', 'name', 'email'].map(q).join(', ')}) VALUES ${ids.map(() => '(?, ?, ?, ?)').join(', ')}`,
          ids.flatMap((i) => [i + 1, seeded[i]!.tenant, names[i]!, emails[i]!]),
        );
      }
      seeded.forEach((m, i) => expected.set(i + 1, m));

      const before = await status();
      expect(before.email!.scopes).toMatchObject({ byScope: { '': ROWS }, wrongScope: ROWS, shredded: 0 });
      const dry = await fx.run(['rotate', '--scope-by', 'tenantId', '--dry-run', '--json', '--quiet']);
      expect(dry.status).toBe(1); // values would need the command
      // tenant_notes is scoped by tenantId too (and empty); no other model is taken by --scope-by
      expect(JSON.parse(dry.stdout).tables).toEqual([
        expect.objectContaining({ model: 'TenantMember', valuesPlanned: 2 * ROWS }),
        expect.objectContaining({ model: 'TenantNote', valuesPlanned: 0 }),
      ]);

      // The application (already scoped) keeps writing: new names in the row's tenant, and rows moved to another tenant.
      let stop = false;
      let writes = 0;
      const writer = (async () => {
        for (let i = 0; !stop; i++) {
          const id = 1 + ((i * 7919) % ROWS);
          const current = expected.get(id)!;
          const otherTenant = TENANTS[(TENANTS.indexOf(current.tenant as (typeof TENANTS)[number]) + 1) % TENANTS.length]!;
          if (i % 4 === 2) {
            // only the scope column changes: the values stay under the old tenant's key (rotate's scope guard
            // skips a row whose scope changed after its read; the rerun moves its values)
            await fx.db.raw.query(`UPDATE ${q('tenant_members')} SET ${q('tenant_id')} = ? WHERE ${q('id')} = ?`, [otherTenant, id]);
            expected.set(id, { ...current, tenant: otherTenant });
            writes++;
            await new Promise((r) => setTimeout(r, 2));
            continue;
          }
          const next: Member = i % 4 === 0 ? { tenant: otherTenant, name: `moved #${i}`, email: `moved${i}@example.com` } : { ...current, name: `renamed #${i}` };
          const [name, email] = await app.cipher.encryptMany([
            { value: next.name, field: NAME, scope: next.tenant },
            { value: next.email, field: EMAIL, scope: next.tenant },
          ]);
          const hash = (await app.store.blindIndexer(next.tenant)).compute(EMAIL, next.email, EMAIL_INDEX);
          await fx.db.raw.query(
            `UPDATE ${q('tenant_members')} SET ${q('tenant_id')} = ?, ${q('name')} = ?, ${q('email')} = ?, ${q('email_hash')} = ? WHERE ${q('id')} = ?`,
            [next.tenant, name, email, hash, id],
          );
          expected.set(id, next);
          writes++;
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const run = await fx.runBin(['rotate', '--scope-by', 'tenantId', '--model', 'TenantMember', '--batch-size', '25', '--concurrency', '3', '--json']);
      stop = true;
      await writer;
      expect(run.stderr).not.toContain('unexpected');
      expect([0, 1]).toContain(run.status); // 1 when rows changed under the run were skipped: the rerun takes them
      expect(writes).toBeGreaterThan(10);

      // The annotation is the default: plain `rotate` of the model is the same run.
      const rerun = await fx.run(['rotate', '--model', 'TenantMember', '--json', '--quiet']);
      expectOk(rerun);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ done: true, tables: [{ model: 'TenantMember', failureCount: 0 }] });

      // Nothing lost, each value under its own row's scope, each index entry under that scope's index key.
      const keys = new Map((await keyVersions()).map((v) => [v.id, v]));
      const fresh = application();
      try {
        const stored = await members();
        expect(stored).toHaveLength(ROWS);
        for (const row of stored) {
          const want = expected.get(row.id)!;
          expect(row.tenant_id).toBe(want.tenant);
          expect(await fresh.cipher.decrypt(row.name!, NAME)).toBe(want.name);
          expect(await fresh.cipher.decrypt(row.email!, EMAIL)).toBe(want.email);
          for (const value of [row.name!, row.email!]) {
            const at = fresh.cipher.inspect(value);
            expect(at.kind).toBe('compact');
            const key = keys.get((at as { keyVersionId: number }).keyVersionId)!;
            expect(key).toMatchObject({ scope: row.tenant_id, purpose: 'field', status: 'active' });
          }
          expect(row.email_hash).toBe((await fresh.store.blindIndexer(row.tenant_id)).compute(EMAIL, want.email, EMAIL_INDEX));
        }
        const distinct = new Set(stored.map((r) => (fresh.cipher.inspect(r.email!) as { keyVersionId: number }).keyVersionId));
        expect(distinct.size).toBe(TENANTS.length); // one key per tenant, none of them the application's
      } finally {
        await fresh.close();
      }

      const after = await status();
      expect(after.email!.scopes.wrongScope).toBe(0);
      expect(after.email!.scopes.byScope['']).toBeUndefined();
      expect(Object.values(after.email!.scopes.byScope).reduce((a, b) => a + b, 0)).toBe(ROWS);
      const text = await fx.run(['status', '--model', 'TenantMember', '--quiet']);
      expect(text.stdout).toMatch(/TenantMember\.email: \d+ under scope "t1"/);
      expect(text.stdout).not.toContain('wrong scope');
    } finally {
      await app.close();
    }
  }, 300_000);

  it('the scope column is part of the compare-and-set: a row whose scope changes between read and write is skipped, its values untouched; the rerun moves them', async () => {
    const q = fx.db.raw.quote;
    // 30 rows of t2 are re-assigned to t3 without re-encrypting (their values are now in the wrong scope)
    const t2 = (await members()).filter((r) => r.tenant_id === 't2').slice(0, 30);
    await fx.db.raw.query(`UPDATE ${q('tenant_members')} SET ${q('tenant_id')} = 't3' WHERE ${q('id')} IN (${t2.map(() => '?').join(', ')})`, t2.map((r) => r.id));
    const client = databaseFor(provider, fx.db.url);
    const storage = prismaKeyStorage(client.prismaKmsKey);
    const store = appKeyStore(options, storage);
    const moved = new Set<number>();
    try {
      const options_ = {
        db: client,
        dialect: dialectFor(provider),
        cipher: appCipher(options, store),
        command: 'rotate' as const,
        batchSize: 10,
        concurrency: 2,
        checkpoints: null,
        scopes: { readKeys: () => storage.list(SCOPE_KEY_STORE), blindIndexer: (scope: string) => store.blindIndexer(scope) },
      };
      const targets = selectTargets(fieldMapFor(provider) as never, { models: ['TenantMember'] });
      const [first] = await runMigration(targets, {
        ...options_,
        beforeWrite: async ({ keys }) => {
          // the application moves the batch's first row to t1 (scope column only) between the CLI's read and write
          const id = Number(keys[0]![0]);
          moved.add(id);
          await fx.db.raw.query(`UPDATE ${q('tenant_members')} SET ${q('tenant_id')} = 't1' WHERE ${q('id')} = ?`, [id]);
          expected.set(id, { ...expected.get(id)!, tenant: 't1' });
        },
      });
      expect(moved.size).toBeGreaterThan(0);
      expect(first).toMatchObject({ rowsSkipped: moved.size, rowsWritten: t2.length - moved.size, failureCount: 0, done: false });
      const after = await members();
      for (const id of moved) {
        // skipped: the values written under t2's key are as they were, the row now says t1
        const before = t2.find((r) => r.id === id)!;
        expect(after.find((r) => r.id === id)).toMatchObject({ tenant_id: 't1', name: before.name, email: before.email });
      }
      for (const r of t2.filter((row) => !moved.has(row.id))) expected.set(r.id, { ...expected.get(r.id)!, tenant: 't3' });

      const [second] = await runMigration(targets, options_);
      expect(second).toMatchObject({ rowsWritten: moved.size, rowsSkipped: 0, done: true });
      const keys = new Map((await storage.list(SCOPE_KEY_STORE)).map((v) => [v.id, v]));
      const reader = appCipher(options, store);
      for (const row of await members()) {
        expect(row.tenant_id).toBe(expected.get(row.id)!.tenant);
        for (const value of [row.email!, row.name!]) {
          expect(keys.get((reader.inspect(value) as { keyVersionId: number }).keyVersionId)).toMatchObject({ scope: row.tenant_id, purpose: 'field' });
        }
        expect(await reader.decrypt(row.name!, NAME)).toBe(expected.get(row.id)!.name);
      }
    } finally {
      await client.$disconnect();
    }
  }, 120_000);

  it('keys shred: a dry run changes nothing, no confirmation refuses, the typed scope id shreds with one audit line; that scope fails verify, the others pass', async () => {
    const before = await keyVersions();
    const t1Rows = before.filter((v) => v.scope === 't1');
    expect(t1Rows.map((v) => v.purpose).sort()).toEqual(['blind-index', 'field']);

    const dry = await fx.run(['keys', 'shred', '--scope', 't1', '--dry-run', '--json']);
    expectOk(dry);
    expect(JSON.parse(dry.stdout)).toMatchObject({ scope: 't1', dryRun: true });
    expect((JSON.parse(dry.stdout) as { rows: ListedVersion[] }).rows.map((r) => r.id).sort()).toEqual(t1Rows.map((r) => r.id).sort());
    expect(await keyVersions()).toEqual(before);

    const notTerminal = await fx.run(['keys', 'shred', '--scope', 't1']);
    expect(notTerminal.status).toBe(2);
    expect(notTerminal.stderr).toContain('stdin is not a terminal');
    const mistyped = await fx.run(['keys', 'shred', '--scope', 't1'], typedInput('t2'));
    expect(mistyped.status).toBe(2);
    expect(mistyped.stderr).toContain('does not match: nothing was shredded');
    expect(await keyVersions()).toEqual(before);
    expect((await fx.run(['keys', 'shred', '--scope', 'no-such-tenant', '--yes'])).status).toBe(2);

    expectOk(await fx.run(['keys', 'export', '--out', 'before-shred.json']));
    const readBefore = await members();
    const shred = await fx.run(['keys', 'shred', '--scope', 't1', '--audit-log', 'shred-audit.log'], typedInput('t1'));
    expectOk(shred);
    const lines = shred.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const audit = JSON.parse(lines[0]!) as { event: string; keyStore: string; scope: string; operator: string | null; time: string; rows: ListedVersion[] };
    expect(audit).toMatchObject({ event: 'prisma-kms.keys.shred', keyStore: 'app', scope: 't1', operator: process.env.USER || null });
    expect(Date.now() - Date.parse(audit.time)).toBeLessThan(60_000);
    expect(audit.rows.map((r) => [r.id, r.purpose, r.version]).sort()).toEqual(t1Rows.map((r) => [r.id, r.purpose, r.version]).sort());
    expect(readFileSync(join(fx.dir, 'shred-audit.log'), 'utf8')).toBe(shred.stdout);
    expect(shred.stdout).not.toMatch(/material/);

    const after = await keyVersions();
    expect(after.filter((v) => v.scope === 't1').every((v) => v.status === 'shredded')).toBe(true);
    expect(after.filter((v) => v.scope !== 't1')).toEqual(before.filter((v) => v.scope !== 't1'));
    expect(await members()).toEqual(readBefore); // the data tables are not touched
    // an export taken before the shred never brings the scope back: its rows are refused and counted
    const restore = await fx.run(['keys', 'import', '--file', 'before-shred.json', '--json']);
    expectOk(restore);
    expect(JSON.parse(restore.stdout)).toEqual({ imported: 0, unchanged: before.length - t1Rows.length, refusedShredded: t1Rows.length });
    expect(await keyVersions()).toEqual(after);

    const verify = await fx.run(['verify', '--model', 'TenantMember', '--json', '--quiet']);
    expect(verify.status).toBe(1);
    const report = JSON.parse(verify.stdout) as { failureCount: number; tables: Array<{ failures: Array<{ key: { id: number }; code: string; reason?: string }> }> };
    const t1Ids = new Set(readBefore.filter((r) => r.tenant_id === 't1').map((r) => r.id));
    expect(report.failureCount).toBe(2 * t1Ids.size);
    expect(new Set(report.tables[0]!.failures.map((f) => `${f.code} ${f.reason}`))).toEqual(new Set(['PRISMA_KMS_DECRYPTION_FAILED KEY_SCOPE_SHREDDED']));
    expect(new Set(report.tables[0]!.failures.map((f) => Number(f.key.id)))).toEqual(t1Ids);

    const app = application();
    try {
      const t1 = readBefore.find((r) => r.tenant_id === 't1')!;
      const t2 = readBefore.find((r) => r.tenant_id === 't2')!;
      await expect(app.cipher.decrypt(t1.email!, EMAIL)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 't1' });
      expect(await app.cipher.decrypt(t2.email!, EMAIL)).toBe(expected.get(t2.id)!.email);
    } finally {
      await app.close();
    }

    const shredded = await status();
    expect(shredded.email!.scopes).toMatchObject({ shredded: t1Ids.size, shreddedByScope: { t1: t1Ids.size }, wrongScope: 0 });
    const text = await fx.run(['status', '--model', 'TenantMember', '--quiet']);
    expect(text.stdout).toContain(`TenantMember.email: ${t1Ids.size} values under shredded keys of scope "t1"`);

    // rotate leaves the shredded scope's values alone (nothing can read them) and finds nothing else to do
    const rotate = await fx.run(['rotate', '--model', 'TenantMember', '--json', '--quiet']);
    expectOk(rotate);
    expect(JSON.parse(rotate.stdout).tables[0]).toMatchObject({ valuesPlanned: 0, failureCount: 0, done: true });
    expect(await members()).toEqual(readBefore);

    const again = await fx.run(['keys', 'shred', '--scope', 't1', '--yes']);
    expect(again).toMatchObject({ status: 0, stdout: '' });
    expect(again.stderr).toContain('already shredded');
  }, 180_000);

  it('request-scoped models need --scope; --scope-by must name the model\'s own scope field', async () => {
    const q = fx.db.raw.quote;
    await fx.db.raw.query(`INSERT INTO ${q('Journal')} (${q('id')}, ${q('entry')}, ${q('topic')}) VALUES (1, ?, ?), (2, ?, NULL)`, ['dear diary', 'Travel', 'second']);
    const refused = await fx.run(['encrypt', '--model', 'Journal']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('give --scope <id>');
    const wrongField = await fx.run(['rotate', '--model', 'TenantMember', '--scope-by', 'email']);
    expect(wrongField.status).toBe(2);
    expect(wrongField.stderr).toContain('@encrypted(scope: tenantId)');
    // without --model, the request-scoped model is named and skipped, the run covers the rest
    const all = await fx.run(['encrypt', '--dry-run', '--json', '--quiet']);
    expectOk(all);
    expect(all.stderr).toContain('skips model "Journal"');
    expect(JSON.parse(all.stdout).skipped).toEqual([{ model: 'Journal', reason: expect.stringContaining('--scope <id>') }]);

    const encrypted = await fx.run(['encrypt', '--model', 'Journal', '--scope', 'j1', '--json', '--quiet']);
    expectOk(encrypted);
    const app = application();
    try {
      const keys = new Map((await keyVersions()).map((v) => [v.id, v]));
      const rows = await fx.db.raw.query<{ id: number; entry: string; topic: string | null; topic_hash: string | null }>(
        `SELECT ${['id', 'entry', 'topic', 'topic_hash'].map(q).join(', ')} FROM ${q('Journal')} ORDER BY ${q('id')}`,
      );
      expect(await app.cipher.decrypt(rows[0]!.entry, { model: 'Journal', field: 'entry' })).toBe('dear diary');
      const at = app.cipher.inspect(rows[0]!.entry) as { keyVersionId: number };
      expect(keys.get(at.keyVersionId)).toMatchObject({ scope: 'j1', purpose: 'field' });
      expect(rows[0]!.topic_hash).toBe((await app.store.blindIndexer('j1')).compute({ model: 'Journal', field: 'topic' }, 'Travel', { normalize: ['trim', 'lowercase'] }));
      expect(rows[1]!.topic).toBeNull();
    } finally {
      await app.close();
    }
  }, 120_000);
});
