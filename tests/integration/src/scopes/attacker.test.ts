/**
 * Key scopes against an attacker who reads and writes the database but cannot use our KMS key, on
 * SQLite and PostgreSQL (SCOPES.md, issue 13). Each case shows what happens:
 * a) a key-store row planted for a tenant (a higher version wrapped by the attacker's own KMS key, or our
 *    key's row copied from another tenant with its context) is never used, to write or to read;
 * b) a tenant's value copied into another tenant's row is refused when the row's scope field is read
 *    (KEY_SCOPE_MISMATCH naming model, field and row), and so is a row whose tenant changed without its
 *    values being re-encrypted;
 * c) a value under the application's key in a scoped row reads in lenient mode (a model being moved into
 *    scopes) and is refused in strict mode; a scoped value in another model fails authentication;
 * d) scope strings from the row (empty, too long, control characters, lone surrogates) are typed errors,
 *    never a write under the application's key; odd but valid strings are scopes of their own.
 * And a shredded tenant's blind indexes match nothing with `onShredded: 'null'` (issue 13 item 3).
 */
import { createFieldCipher, createKeyStore, keyStoreAdmin, kmsKeyring, KeyStoreErrorReason, MAX_SCOPE_LENGTH } from '@prisma-kms/field-crypto';
import { InvalidScopeError, PrismaKmsErrorCode, ScopeRequiredError, prismaKeyStorage } from '@prisma-kms/prisma';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import type { Provider } from '../harness';
import { createScopedDatabase, type ScopedDatabase, type ScopedProcess } from './scoped-database';

let target: KmsTarget;
let keyArn: string;
let attackerArn: string;
beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('scopes-attacker-ours') })).arn;
  // A KMS key the attacker controls (in the same kms-local account: our keyring names its key, so an
  // account boundary is not what stops the planted row).
  attackerArn = (await target.createKey({ alias: uniqueAlias('scopes-attacker-theirs') })).arn;
});
afterAll(() => target.close());

type Row = Record<string, unknown>;

describe.each<Provider>(['sqlite', 'postgresql'])('key scopes under attack on %s', (provider) => {
  let scoped: ScopedDatabase;
  let app: ScopedProcess;
  const q = (name: string) => scoped.db.raw.quote(name);
  const sql = <R = Row>(text: string, params: unknown[] = []) => scoped.db.raw.query<R>(text, params);
  const memberRows = () => sql<{ id: number; tenant_id: string; email: string | null; name: string | null }>(`SELECT id, tenant_id, email, name FROM ${q('tenant_members')} ORDER BY id`);
  const memberOf = async (tenantId: string) => (await memberRows()).find((m) => m.tenant_id === tenantId)!;
  const keyRows = () => sql<Row>(`SELECT * FROM ${q('prisma_kms_keys')}`);
  const keyVersionOf = (stored: string | null) => {
    const seen = app.cipher.inspect(stored ?? '');
    if (seen.kind !== 'compact') throw new Error(`not a compact value: ${seen.kind}`);
    return seen.keyVersionId;
  };
  const insertRow = async (table: string, row: Row) => {
    const columns = Object.keys(row);
    await sql(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c]));
  };

  beforeAll(async () => {
    scoped = await createScopedDatabase(provider, target, keyArn);
    // The application's own key exists: a refused scope must not fall back to it.
    await scoped.admin.createKeyVersion();
    app = scoped.open();
    for (const tenantId of ['acme', 'globex']) {
      await app.prisma.tenantMember.create({ data: { tenantId, email: `ada@${tenantId}.example`, name: `Ada of ${tenantId}` } });
    }
  });
  afterAll(() => scoped.close());

  describe('a) a key-store row planted for a tenant', () => {
    it('a higher version wrapped by the attacker\'s KMS key is refused (KEY_ROW_UNREADABLE) for writes and reads, and writes nothing', async () => {
      // The attacker's row: a well-formed version 2 of acme's field key, context and all, under their key.
      const theirs = kmsKeyring({ generatorKeyId: attackerArn, ...target.clientConfig() });
      const attackerStore = scoped.pool.open();
      const planted = await keyStoreAdmin({ name: 'app', storage: prismaKeyStorage(attackerStore.prismaKmsKey), keyring: theirs }).rotate({ scope: 'acme' });
      expect(planted.version).toBe(2);
      // The attacker also encrypts a value under it (they know its key) and plants it in acme's row.
      const attackerCipher = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage: prismaKeyStorage(attackerStore.prismaKmsKey), keyring: theirs }) });
      const forged = await attackerCipher.encrypt('forged name', { model: 'TenantMember', field: 'name' }, 'acme');
      expect(keyVersionOf(forged)).toBe(planted.id);

      const before = await memberRows();
      const fresh = scoped.open();
      await expect(fresh.prisma.tenantMember.create({ data: { tenantId: 'acme', name: 'Written under the planted key?' } })).rejects.toMatchObject({
        reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE,
        keyVersionId: planted.id,
        scope: 'acme',
      });
      expect(await memberRows()).toEqual(before);
      // acme's values under its real version 1 still read; the forged value does not.
      expect((await fresh.prisma.tenantMember.findFirst({ where: { tenantId: 'acme' } }))?.name).toBe('Ada of acme');
      const acme = await memberOf('acme');
      await sql(`UPDATE ${q('tenant_members')} SET name = ? WHERE id = ?`, [forged, acme.id]);
      await expect(fresh.prisma.tenantMember.findFirst({ where: { id: acme.id } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_UNREADABLE, model: 'TenantMember', field: 'name', scope: 'acme' });

      // Clean up: the operator deletes the planted row (and restores the value); acme writes again.
      await sql(`DELETE FROM ${q('prisma_kms_keys')} WHERE id = ?`, [planted.id]);
      await sql(`UPDATE ${q('tenant_members')} SET name = ? WHERE id = ?`, [acme.name, acme.id]);
    });

    it('our key\'s row copied from another tenant (material and context) as a higher version is refused (KEY_ROW_MISMATCH)', async () => {
      const globexKey = (await keyRows()).find((r) => r.scope === 'globex' && r.purpose === 'field')!;
      const copy = { ...globexKey, id: 4_242_421, scope: 'acme', version: 7 };
      await insertRow('prisma_kms_keys', copy);
      const before = await memberRows();
      const fresh = scoped.open();
      await expect(fresh.prisma.tenantMember.create({ data: { tenantId: 'acme', name: 'Under globex\'s key?' } })).rejects.toMatchObject({
        reason: KeyStoreErrorReason.KEY_ROW_MISMATCH,
        keyVersionId: 4_242_421,
        scope: 'acme',
      });
      expect(await memberRows()).toEqual(before);
      // A globex value relabelled with the copy's id: the copy does not load (the failure is remembered, thrown at once).
      await expect(async () => fresh.keyStore.keyVersion(4_242_421)).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_ROW_MISMATCH });
      await sql(`DELETE FROM ${q('prisma_kms_keys')} WHERE id = ?`, [4_242_421]);
      expect((await scoped.open().prisma.tenantMember.create({ data: { tenantId: 'acme', name: 'After clean-up' } })).name).toBe('After clean-up');
    });
  });

  describe('b) a value copied from one tenant\'s row into another\'s', () => {
    it('is refused with KEY_SCOPE_MISMATCH naming model, field and row when the row\'s tenantId is read', async () => {
      const acme = await memberOf('acme');
      const globex = await memberOf('globex');
      await sql(`UPDATE ${q('tenant_members')} SET name = ? WHERE id = ?`, [globex.name, acme.id]);
      const error = await app.prisma.tenantMember.findUnique({ where: { id: acme.id } }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'PRISMA_KMS_ENCRYPTION_CONTEXT_MISMATCH',
        reason: KeyStoreErrorReason.KEY_SCOPE_MISMATCH,
        model: 'TenantMember',
        field: 'name',
        scope: 'globex',
        row: { id: acme.id },
      });
      expect((error as Error).message).toContain('"acme"');
      expect((error as Error).message).not.toContain('Ada of globex');
      // A read across tenants meets the copy too: the whole query is refused, not answered with globex's name.
      await expect(app.prisma.tenantMember.findMany()).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_MISMATCH });
      // A selection without tenantId gets it for the check (and not in the result); so does an omit of it.
      await expect(app.prisma.tenantMember.findUnique({ where: { id: acme.id }, select: { name: true } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_MISMATCH });
      await expect(app.prisma.tenantMember.findMany({ omit: { tenantId: true } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_MISMATCH });
      const globexOnly = await app.prisma.tenantMember.findMany({ where: { tenantId: 'globex' }, select: { name: true } });
      expect(globexOnly).toEqual([{ name: 'Ada of globex' }]);
      expect(await app.prisma.tenantMember.findMany({ where: { tenantId: 'globex' }, omit: { tenantId: true, email: true } })).toEqual([{ id: globex.id, name: 'Ada of globex', emailHash: expect.any(String) }]);
      // Known limit: a nested selection without the scope field is not checked.
      const note = await app.prisma.tenantNote.create({ data: { tenantId: 'acme', text: 'a note', member: { connect: { id: acme.id } } } });
      const nested = await app.prisma.tenantNote.findUnique({ where: { id: note.id }, select: { member: { select: { name: true } } } });
      expect(nested?.member.name).toBe('Ada of globex');
      await app.prisma.tenantNote.delete({ where: { id: note.id } });
      await sql(`UPDATE ${q('tenant_members')} SET name = ? WHERE id = ?`, [acme.name, acme.id]);
    });

    it('a row whose tenantId the application changed without re-encrypting reads as KEY_SCOPE_MISMATCH; rewriting its values with the move fixes it', async () => {
      const moved = await app.prisma.tenantMember.create({ data: { tenantId: 'acme', email: 'mover@acme.example', name: 'Mover' } });
      // Moving the row by id alone is allowed (nothing pins its old tenant); its values stay under acme's key.
      await app.prisma.tenantMember.update({ where: { id: moved.id }, data: { tenantId: 'globex' }, select: { id: true } });
      await expect(app.prisma.tenantMember.findUnique({ where: { id: moved.id } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_MISMATCH, scope: 'acme', row: { id: moved.id } });
      // The fix: move a row with its values (or run `prisma-kms rotate --scope-by tenantId`).
      await app.prisma.tenantMember.update({ where: { id: moved.id }, data: { tenantId: 'globex', email: 'mover@acme.example', name: 'Mover' } });
      const row = (await memberRows()).find((m) => m.id === moved.id)!;
      const scopes = await scoped.scopesById();
      expect([scopes.get(keyVersionOf(row.name)), scopes.get(keyVersionOf(row.email))]).toEqual(['globex', 'globex']);
      expect(await app.prisma.tenantMember.findUnique({ where: { id: moved.id } })).toMatchObject({ tenantId: 'globex', name: 'Mover' });
      await app.prisma.tenantMember.delete({ where: { id: moved.id } });
    });
  });

  describe('c) values under the application key and scoped values across models', () => {
    it('a value under the application key in a scoped row reads in lenient mode (migration) and is refused in strict mode', async () => {
      const acme = await memberOf('acme');
      const appKeyed = await app.cipher.encrypt('under the app key', { model: 'TenantMember', field: 'name' });
      expect((await scoped.scopesById()).get(keyVersionOf(appKeyed))).toBe('');
      await sql(`UPDATE ${q('tenant_members')} SET name = ? WHERE id = ?`, [appKeyed, acme.id]);
      expect((await app.prisma.tenantMember.findUnique({ where: { id: acme.id } }))?.name).toBe('under the app key');
      const strict = scoped.open({ mode: 'strict' });
      await expect(strict.prisma.tenantMember.findUnique({ where: { id: acme.id } })).rejects.toMatchObject({
        reason: KeyStoreErrorReason.KEY_SCOPE_MISMATCH,
        model: 'TenantMember',
        field: 'name',
        scope: '',
        row: { id: acme.id },
      });
      // A row whose tenantId names no scope (set to '' by hand) accepts no scoped value, in either mode.
      await sql(`UPDATE ${q('tenant_members')} SET tenant_id = ?, name = ? WHERE id = ?`, ['', acme.name, acme.id]);
      await expect(app.prisma.tenantMember.findUnique({ where: { id: acme.id } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_MISMATCH, scope: 'acme' });
      await sql(`UPDATE ${q('tenant_members')} SET tenant_id = ? WHERE id = ?`, ['acme', acme.id]);
      expect((await strict.prisma.tenantMember.findUnique({ where: { id: acme.id } }))?.name).toBe('Ada of acme');
    });

    it('a scoped value planted into another model (unscoped User, request-scoped Journal) fails authentication', async () => {
      const acme = await memberOf('acme');
      await insertRow('users', { name: acme.name, email: acme.email });
      await expect(app.prisma.user.findFirst({ select: { name: true } })).rejects.toMatchObject({ code: 'PRISMA_KMS_DECRYPTION_FAILED', model: 'User', field: 'name' });
      await sql(`DELETE FROM ${q('users')}`);
      await insertRow('Journal', { entry: acme.name });
      await expect(app.prisma.$forScope('acme').journal.findFirst()).rejects.toMatchObject({ code: 'PRISMA_KMS_DECRYPTION_FAILED', model: 'Journal', field: 'entry' });
      await sql(`DELETE FROM ${q('Journal')}`);
    });
  });

  describe('d) scope strings an attacker controls through the row', () => {
    const appKeyValues = async () => {
      const scopes = await scoped.scopesById();
      return (await memberRows()).flatMap((m) => [m.email, m.name]).filter((v) => v !== null && scopes.get(keyVersionOf(v)) === '');
    };

    it.each<[string, string]>([
      ['empty', ''],
      ['too long', 'x'.repeat(MAX_SCOPE_LENGTH + 1)],
      ['a control character', 'acme\n'],
      ['a DEL', 'acme\u007f'],
      ['a lone surrogate', 'acme\uD800'],
    ])('a tenantId that is %s: InvalidScopeError on write, never the application key', async (_what, tenantId) => {
      const before = await memberRows();
      await expect(app.prisma.tenantMember.create({ data: { tenantId, name: 'Refused' } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.INVALID_SCOPE, model: 'TenantMember' });
      await expect(app.prisma.tenantMember.create({ data: { tenantId, name: 'Refused' } })).rejects.toBeInstanceOf(InvalidScopeError);
      // A row read back with such a tenantId and written again with it: refused the same way.
      const acme = await memberOf('acme');
      await expect(app.prisma.tenantMember.update({ where: { id: acme.id }, data: { tenantId, name: 'Moved' } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.INVALID_SCOPE });
      // An update pinning it in the where pins nothing: without a request scope it is refused.
      await expect(app.prisma.tenantMember.updateMany({ where: { tenantId }, data: { name: 'Pinned' } })).rejects.toBeInstanceOf(ScopeRequiredError);
      // $forScope with it is refused before any query.
      expect(() => app.prisma.$forScope(tenantId)).toThrow(InvalidScopeError);
      expect(await memberRows()).toEqual(before);
      expect(await appKeyValues()).toEqual([]);
    });

    it('a row moved by hand to tenant_id \'\' is outside every scope: a scoped update does not touch it, an update by id is refused', async () => {
      const row = await app.prisma.tenantMember.create({ data: { tenantId: 'acme', name: 'Hidden' } });
      await sql(`UPDATE ${q('tenant_members')} SET tenant_id = ? WHERE id = ?`, ['', row.id]);
      expect((await app.prisma.$forScope('acme').tenantMember.updateMany({ where: { id: row.id }, data: { name: 'Touched' } })).count).toBe(0);
      await expect(app.prisma.tenantMember.update({ where: { id: row.id }, data: { name: 'By id' } })).rejects.toBeInstanceOf(ScopeRequiredError);
      expect(await appKeyValues()).toEqual([]);
      await sql(`DELETE FROM ${q('tenant_members')} WHERE id = ?`, [row.id]);
    });

    it.each<[string, string]>([
      ['quotes and SQL', `acme'; DROP TABLE "tenant_members"; --`],
      ['a leading space', ' acme'],
      ['a trailing space', 'acme '],
      ['upper case', 'ACME'],
      ['non-ASCII', 'ünïcødé-租户-🙂'],
      ['a numeric id', '42'],
      ['a numeric id with a leading zero', '042'],
      ['exactly the longest scope', 'y'.repeat(MAX_SCOPE_LENGTH)],
    ])('a tenantId with %s is a scope of its own, exactly as written', async (_what, tenantId) => {
      const created = await app.prisma.tenantMember.create({ data: { tenantId, email: 'odd@example.com', name: 'Odd' } });
      const row = (await memberRows()).find((m) => m.id === created.id)!;
      expect(row.tenant_id).toBe(tenantId);
      expect((await scoped.scopesById()).get(keyVersionOf(row.name))).toBe(tenantId);
      expect((await app.prisma.$forScope(tenantId).tenantMember.findMany({ where: { email: 'odd@example.com' } })).map((m) => m.id)).toEqual([created.id]);
      expect(await app.prisma.$forScope('acme').tenantMember.findMany({ where: { email: 'odd@example.com' } })).toEqual([]);
      await app.prisma.tenantMember.delete({ where: { id: created.id } });
    });
  });

  describe('a shredded tenant\'s blind indexes', () => {
    it('match nothing with onShredded: \'null\' (findUnique null, findFirst null, findMany [], count 0); with \'throw\' they throw KEY_SCOPE_SHREDDED', async () => {
      await app.prisma.tenantMember.create({ data: { tenantId: 'shredme', email: 'gone@example.com', name: 'Gone' } });
      const [row] = (await memberRows()).filter((m) => m.tenant_id === 'shredme');
      await scoped.admin.shred('shredme');

      const lenient = scoped.open({ onShredded: 'null' });
      const where = { tenantId: 'shredme', email: 'gone@example.com' };
      expect(await lenient.prisma.tenantMember.findUnique({ where: { id: row!.id, ...where } })).toBeNull();
      expect(await lenient.prisma.tenantMember.findFirst({ where })).toBeNull();
      expect(await lenient.prisma.tenantMember.findMany({ where })).toEqual([]);
      expect(await lenient.prisma.$forScope('shredme').tenantMember.findMany({ where: { email: { in: ['gone@example.com', 'x@example.com'] } } })).toEqual([]);
      expect(await lenient.prisma.tenantMember.count({ where })).toBe(0);
      await expect(lenient.prisma.tenantMember.findFirstOrThrow({ where })).rejects.toMatchObject({ code: 'P2025' });
      // The row is still there (read without the index: its values are null), and the scope takes no writes.
      expect((await lenient.prisma.tenantMember.findMany({ where: { tenantId: 'shredme' } })).map((m) => [m.id, m.email, m.name])).toEqual([[row!.id, null, null]]);
      await expect(lenient.prisma.tenantMember.create({ data: { tenantId: 'shredme', email: 'gone@example.com' } })).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED });
      expect((await memberRows()).filter((m) => m.tenant_id === 'shredme')).toHaveLength(1);
      // Other tenants' lookups in the same process are unaffected.
      expect((await lenient.prisma.tenantMember.findFirst({ where: { tenantId: 'globex', email: 'ada@globex.example' } }))?.name).toBe('Ada of globex');

      const throwing = scoped.open();
      for (const query of [throwing.prisma.tenantMember.findUnique({ where: { id: row!.id, ...where } }), throwing.prisma.tenantMember.findMany({ where }), throwing.prisma.tenantMember.count({ where })]) {
        await expect(query).rejects.toMatchObject({ reason: KeyStoreErrorReason.KEY_SCOPE_SHREDDED, scope: 'shredme' });
      }
    });
  });
});

// MariaDB compares strings case- and pad-insensitively under its default collation: the key store's
// scope and the scope fields are utf8mb4_bin (prisma/mysql/schema.sql), so look-alike tenants stay apart.
describe('look-alike scopes on mysql (MariaDB)', () => {
  let scoped: ScopedDatabase;
  beforeAll(async () => {
    scoped = await createScopedDatabase('mysql', target, keyArn);
  });
  afterAll(() => scoped.close());

  it("'acme', 'ACME' and 'acme ' have their own keys and rows: a scoped update and a shred touch one of them, and a 255-character scope fits", async () => {
    const app = scoped.open();
    const tenants = ['acme', 'ACME', 'acme ', 'z'.repeat(MAX_SCOPE_LENGTH)];
    for (const tenantId of tenants) await app.prisma.tenantMember.create({ data: { tenantId, email: 'same@example.com', name: `of [${tenantId}]` } });
    const scopes = [...(await scoped.scopesById()).values()];
    for (const tenantId of tenants) expect(scopes.filter((s) => s === tenantId)).toHaveLength(2); // field and blind-index keys

    expect((await app.prisma.$forScope('acme').tenantMember.updateMany({ data: { name: 'renamed' } })).count).toBe(1);
    expect((await app.prisma.$forScope('ACME').tenantMember.findMany({ where: { email: 'same@example.com' } })).map((m) => m.name)).toEqual(['of [ACME]']);
    const shredded = await scoped.admin.shred('acme');
    expect(shredded.rows.map((r) => r.scope)).toEqual(['acme', 'acme']);
    const reader = scoped.open({ onShredded: 'null' });
    const names = (await reader.prisma.tenantMember.findMany({ orderBy: { id: 'asc' } })).map((m) => [m.tenantId, m.name]);
    expect(names).toEqual([['acme', null], ['ACME', 'of [ACME]'], ['acme ', 'of [acme ]'], [tenants[3], `of [${tenants[3]}]`]]);
  });
});
