/**
 * A shred reaching processes that already hold the scope's key, on SQLite and PostgreSQL: two running
 * processes (one `onShredded: 'throw'`, one `'null'`) with warm key caches, the scope shredded by the
 * control plane from another client. Within the status interval (`cache.statusTtlMs`, small here, moved
 * by the key stores' clocks) the cached key is still used, as documented; once it has passed, a write to
 * the scope fails with KEY_SCOPE_SHREDDED and writes nothing, a read throws or reads null, and the other
 * tenant is untouched. Key-store queries stay bounded (one status read per scope in use per interval) and
 * no KMS call is made after the shred.
 */
import { KeyStoreErrorReason } from '@prisma-kms/field-crypto';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import type { Provider } from '../harness';
import { createScopedDatabase, type ScopedDatabase, type ScopedProcess } from './scoped-database';

let target: KmsTarget;
let keyArn: string;
beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('scopes-shred-running') })).arn;
});
afterAll(() => target.close());

const INTERVAL_MS = 2_000;
const total = (queries: Record<string, number>) => Object.values(queries).reduce((a, b) => a + b, 0);
const kmsCalls = () => Object.values(target.calls() ?? {}).reduce((a, b) => a + b, 0);
/** Keyring calls a process made (KMS Decrypt to load a key, GenerateDataKey to create one): counted on any KMS target. */
const keyringCalls = (p: ScopedProcess) => p.keyStore.stats.keyUnwraps + p.keyStore.stats.keysCreated;

describe.each<Provider>(['sqlite', 'postgresql'])('a shred and running processes on %s', (provider) => {
  let scoped: ScopedDatabase;
  let clock = Date.now();
  let app: ScopedProcess;
  let lenient: ScopedProcess;

  beforeAll(async () => {
    scoped = await createScopedDatabase(provider, target, keyArn);
    const options = { now: () => clock, statusTtlMs: INTERVAL_MS };
    app = scoped.open(options);
    lenient = scoped.open({ ...options, onShredded: 'null' });
  });
  afterAll(() => scoped.close());

  const membersOf = async (tenantId: string) =>
    Number((await scoped.db.raw.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${scoped.db.raw.quote('tenant_members')} WHERE tenant_id = ?`, [tenantId]))[0]?.n);

  it('within the interval the warm key is still used; after it, writes fail typed and write nothing, reads throw or read null, with bounded key-store queries and no KMS call', async () => {
    const ids: Record<string, number> = {};
    for (const tenantId of ['doomed', 'kept']) {
      ids[tenantId] = (await app.prisma.tenantMember.create({ data: { tenantId, email: `ada@${tenantId}.example`, name: `Ada of ${tenantId}`, notes: { create: { tenantId, text: `note of ${tenantId}` } } } })).id;
    }
    // Both processes warm: every key of both tenants in their caches.
    expect((await lenient.prisma.tenantMember.findMany({ orderBy: { tenantId: 'asc' } })).map((m) => m.name)).toEqual(['Ada of doomed', 'Ada of kept']);
    expect((await lenient.prisma.tenantMember.findFirst({ where: { tenantId: 'doomed', email: 'ada@doomed.example' } }))?.name).toBe('Ada of doomed');

    const shredded = await scoped.admin.shred('doomed');
    expect(shredded.rows.map((row) => row.purpose).sort()).toEqual(['blind-index', 'field']);
    const kmsBefore = kmsCalls();
    const keyringBefore = [keyringCalls(app), keyringCalls(lenient)];

    // Within the interval (the documented window): the cached key still writes and reads, with no key-store query.
    clock += INTERVAL_MS - 1;
    const queriesBefore = total(app.keyStoreQueries);
    await app.prisma.tenantMember.create({ data: { tenantId: 'doomed', name: 'Written in the window' } });
    expect((await app.prisma.tenantMember.findMany({ where: { tenantId: 'doomed' }, orderBy: { id: 'asc' } })).map((m) => m.name)).toEqual(['Ada of doomed', 'Written in the window']);
    expect(total(app.keyStoreQueries)).toBe(queriesBefore);
    expect(app.keyStore.stats.statusReads).toBe(0);

    // The interval has passed.
    clock += 1;
    const doomedRows = await membersOf('doomed');
    await expect(app.prisma.tenantMember.create({ data: { tenantId: 'doomed', name: 'Too late' } })).rejects.toMatchObject({
      reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED,
      model: 'TenantMember',
      scope: 'doomed',
    });
    await expect(app.prisma.tenantNote.create({ data: { tenantId: 'doomed', text: 'too late', memberId: ids['doomed']! } })).rejects.toMatchObject({
      reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED,
    });
    expect(await membersOf('doomed')).toBe(doomedRows);
    await expect(app.prisma.tenantMember.findFirst({ where: { tenantId: 'doomed' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'doomed' });
    expect((await app.prisma.tenantMember.findFirst({ where: { tenantId: 'kept' }, include: { notes: true } }))?.notes.map((n) => n.text)).toEqual(['note of kept']);

    // The lenient process: the shredded tenant's fields read as null (the value written in the window too), its index matches nothing.
    const all = await lenient.prisma.tenantMember.findMany({ orderBy: { id: 'asc' }, include: { notes: true } });
    expect(all.map((m) => [m.tenantId, m.name, m.email, m.notes.map((n) => n.text)])).toEqual([
      ['doomed', null, null, [null]],
      ['kept', 'Ada of kept', 'ada@kept.example', ['note of kept']],
      ['doomed', null, null, []],
    ]);
    expect(await lenient.prisma.tenantMember.findFirst({ where: { tenantId: 'doomed', email: 'ada@doomed.example' } })).toBeNull();
    await expect(lenient.prisma.tenantMember.create({ data: { tenantId: 'doomed', name: 'Too late' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });

    // One status read per scope used; the refusals are remembered, so more requests add no key-store query.
    expect(app.keyStore.stats.statusReads).toBe(2); // doomed, kept
    expect(lenient.keyStore.stats.statusReads).toBe(2);
    const settled = [total(app.keyStoreQueries), total(lenient.keyStoreQueries)];
    for (let i = 0; i < 10; i += 1) {
      await expect(app.prisma.tenantMember.create({ data: { tenantId: 'doomed', name: 'Again' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
      await expect(app.prisma.tenantMember.findMany({ where: { tenantId: 'doomed' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
      expect((await lenient.prisma.tenantMember.findMany({ where: { tenantId: 'doomed' } })).map((m) => m.name)).toEqual([null, null]);
      await app.prisma.tenantMember.findMany({ where: { tenantId: 'kept' } });
    }
    expect([total(app.keyStoreQueries), total(lenient.keyStoreQueries)]).toEqual(settled);
    // The next interval: one more status read for the tenant still in use, none for the shredded one.
    clock += INTERVAL_MS;
    await app.prisma.tenantMember.findMany({ where: { tenantId: { in: ['kept'] } } });
    await expect(app.prisma.tenantMember.findMany({ where: { tenantId: 'doomed' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
    expect(app.keyStore.stats.statusReads).toBe(3);
    expect(total(app.keyStoreQueries)).toBe(settled[0]! + 1);

    // No KMS call since the shred: the status read never unwraps a key.
    expect([keyringCalls(app), keyringCalls(lenient)]).toEqual(keyringBefore);
    if (target.calls()) expect(kmsCalls()).toBe(kmsBefore);
  });
});
