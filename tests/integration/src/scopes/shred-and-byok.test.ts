/**
 * Crypto-shredding and bring-your-own-key through the extension, on SQLite and PostgreSQL. A shredded
 * tenant's values read as a typed error naming model, field and scope (or null with `onShredded:
 * 'null'`), the other tenants are untouched, and rows restored from a dump taken before the shred stay
 * unreadable. A tenant whose own KMS key is disabled on kms-local (DisableKey) becomes unreadable to
 * us, and only that tenant, once the key cache's TTL has passed.
 */
import { DisableKeyCommand } from '@aws-sdk/client-kms';
import { KeyStoreErrorReason } from '@prisma-kms/field-crypto';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import type { Provider } from '../harness';
import { createScopedDatabase, type ScopedDatabase } from './scoped-database';

let target: KmsTarget;
let keyArn: string;
beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('scopes-shred') })).arn;
});
afterAll(() => target.close());

type Row = Record<string, unknown>;

describe.each<Provider>(['sqlite', 'postgresql'])('shredding and BYOK on %s', (provider) => {
  let scoped: ScopedDatabase;
  let byokArn: string;

  beforeAll(async () => {
    byokArn = (await target.createKey({ alias: uniqueAlias(`scopes-byok-${provider}`) })).arn;
    scoped = await createScopedDatabase(provider, target, keyArn, { byok: byokArn });
    const writer = scoped.open();
    for (const tenantId of ['acme', 'globex', 'byok']) {
      await writer.prisma.tenantMember.create({ data: { tenantId, email: `ada@${tenantId}.example`, name: `Ada of ${tenantId}`, notes: { create: { tenantId, text: `note of ${tenantId}` } } } });
    }
  });
  afterAll(() => scoped.close());

  it('a shredded tenant reads as KEY_SCOPE_SHREDDED (or null); the others and rows restored from a dump stay as they were', async () => {
    const tables = ['tenant_members', 'tenant_notes'];
    const dump = await Promise.all(tables.map((name) => scoped.db.raw.query<Row>(`SELECT * FROM ${scoped.db.raw.quote(name)} WHERE tenant_id = ?`, ['globex'])));
    expect(dump.map((rows) => rows.length)).toEqual([1, 1]);

    const dryRun = await scoped.admin.shred('globex', { dryRun: true });
    expect(dryRun.rows.map((row) => row.purpose).sort()).toEqual(['blind-index', 'field']);
    const shredded = await scoped.admin.shred('globex');
    expect(shredded.rows.map((row) => row.id).sort()).toEqual(dryRun.rows.map((row) => row.id).sort());

    // The data tables keep the ciphertext; a dump restored after the shred brings it back, unreadable.
    await scoped.db.raw.query(`DELETE FROM ${scoped.db.raw.quote('tenant_members')} WHERE tenant_id = ?`, ['globex']); // cascades to the notes
    for (const [i, name] of tables.entries()) {
      for (const row of dump[i]!) {
        const columns = Object.keys(row);
        await scoped.db.raw.query(
          `INSERT INTO ${scoped.db.raw.quote(name)} (${columns.map((c) => scoped.db.raw.quote(c)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
          columns.map((c) => row[c]),
        );
      }
    }

    const reader = scoped.open();
    await expect(reader.prisma.tenantMember.findFirst({ where: { tenantId: 'globex' } })).rejects.toMatchObject({
      reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED,
      model: 'TenantMember',
      field: expect.stringMatching(/^(email|name)$/),
      scope: 'globex',
    });
    await expect(reader.prisma.tenantNote.findMany({ where: { tenantId: 'globex' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, model: 'TenantNote', field: 'text', scope: 'globex' });
    // Other tenants as before, and a query across tenants that does not meet the shredded one.
    expect((await reader.prisma.tenantMember.findFirst({ where: { tenantId: 'acme' } }))?.name).toBe('Ada of acme');
    expect((await reader.prisma.tenantMember.findMany({ where: { tenantId: { in: ['acme', 'byok'] } }, orderBy: { id: 'asc' } })).map((m) => m.email)).toEqual([
      'ada@acme.example',
      'ada@byok.example',
    ]);
    // The shredded tenant's blind index takes no lookups, and it takes no new values.
    await expect(reader.prisma.tenantMember.findFirst({ where: { tenantId: 'globex', email: 'ada@globex.example' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    await expect(reader.prisma.tenantMember.create({ data: { tenantId: 'globex', name: 'Back again' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });

    const lenient = scoped.open({ onShredded: 'null' });
    const all = await lenient.prisma.tenantMember.findMany({ orderBy: { tenantId: 'asc' }, include: { notes: true } });
    expect(all.map((m) => [m.tenantId, m.name, m.email])).toEqual([
      ['acme', 'Ada of acme', 'ada@acme.example'],
      ['byok', 'Ada of byok', 'ada@byok.example'],
      ['globex', null, null],
    ]);
    expect(all.map((m) => m.notes.map((n) => n.text))).toEqual([['note of acme'], ['note of byok'], [null]]);
    expect((await lenient.prisma.tenantNote.findMany({ where: { tenantId: 'globex' } })).map((n) => n.text)).toEqual([null]);
  });

  it('BYOK: after DisableKey on the tenant\'s own key, only that tenant is unreadable (once the cache TTL has passed)', async () => {
    let clock = Date.now();
    const running = scoped.open({ now: () => clock });
    expect((await running.prisma.tenantMember.findFirst({ where: { tenantId: 'byok' } }))?.name).toBe('Ada of byok');

    await target.client().send(new DisableKeyCommand({ KeyId: byokArn }));
    // Cached key versions keep working until the TTL: revocation is not instant.
    expect((await running.prisma.tenantMember.findFirst({ where: { tenantId: 'byok' } }))?.name).toBe('Ada of byok');
    clock += 24 * 60 * 60 * 1000;
    await expect(running.prisma.tenantMember.findFirst({ where: { tenantId: 'byok' } })).rejects.toMatchObject({
      reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE,
      model: 'TenantMember',
      scope: 'byok',
    });
    expect((await running.prisma.tenantMember.findFirst({ where: { tenantId: 'acme' } }))?.name).toBe('Ada of acme');

    const fresh = scoped.open();
    await expect(fresh.prisma.tenantNote.findMany({ where: { tenantId: 'byok' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE, scope: 'byok' });
    await expect(fresh.prisma.tenantMember.create({ data: { tenantId: 'byok', name: 'New' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE });
    expect((await fresh.prisma.tenantNote.findMany({ where: { tenantId: 'acme' } })).map((n) => n.text)).toEqual(['note of acme']);
  });
});
