import { fieldEncryption, PrismaKmsErrorCode } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { openIndexedDatabase, type IndexedDatabase } from '../blind-index/indexed-database';
import { countStoredValues, findPlaintextAtRest } from './encrypted-database';

// Issue 9 (findings 1, 2, 4, 7, 8) and issue 11 (defect 8), end to end through the public API. Settings
// has fields named `data`, `set`, `where`, `is` and `settings` (like the relation that leads to it);
// Note.label has a 2-byte blind index. The client is strict: a plaintext that slipped through would
// also fail every read back, and the file ends with a scan of every encrypted column.
describe.each<Provider>(['sqlite', 'postgresql'])('query-grammar attacks on %s', (provider) => {
  let t: IndexedDatabase;
  beforeAll(async () => {
    t = await openIndexedDatabase(provider);
  });
  afterAll(async () => {
    try {
      expect(await countStoredValues(t.db, t.fields)).toBeGreaterThan(5);
      expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  async function storedSettings(accountId: number): Promise<Record<string, string | null>> {
    const q = t.db.raw.quote;
    const rows = await t.db.raw.query<Record<string, string | null>>(
      `SELECT ${q('secret')}, ${q('settings')}, ${q('data')}, ${q('set')}, ${q('where')} FROM ${q('Settings')} WHERE ${q('accountId')} = ?`,
      [accountId],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  function expectCiphertext(value: string | null | undefined, field: string): void {
    const inspected = t.cipher.inspect(value ?? '');
    expect(inspected).toMatchObject({ kind: 'ciphertext', encryptionContext: { 'prisma-kms:model': 'Settings', 'prisma-kms:field': field } });
  }

  async function newAccount(owner: string) {
    return t.prisma.account.create({ data: { owner, settings: { create: { secret: 's0', settings: 'theme0', where: 'w0', data: 'd0' } } } });
  }

  it('#1 a to-one update `{ data: {...} }` into a model with a `data` field is the envelope, and its fields are encrypted', async () => {
    const account = await newAccount('one');
    // Prisma reads this as { where?, data }: before the fix the walker took it for Settings data and left it unwalked.
    await t.prisma.account.update({ where: { id: account.id }, data: { settings: { update: { data: { secret: 'S1', settings: 'dark', where: 'W1' } } } } });
    const stored = await storedSettings(account.id);
    expectCiphertext(stored.secret, 'secret');
    expectCiphertext(stored.settings, 'settings');
    expectCiphertext(stored.where, 'where');
    expect(await t.prisma.settings.findUniqueOrThrow({ where: { accountId: account.id } })).toMatchObject({ secret: 'S1', settings: 'dark', where: 'W1', data: 'd0' });
    // The data reading still works where only it fits: `data` and `where` as Settings' own fields.
    await t.prisma.account.update({ where: { id: account.id }, data: { settings: { update: { data: 'd2', where: 'W2' } } } });
    expectCiphertext((await storedSettings(account.id)).where, 'where');
    expect(await t.prisma.settings.findUniqueOrThrow({ where: { accountId: account.id } })).toMatchObject({ data: 'd2', where: 'W2' });
  });

  it('#1 a node that fits both readings is refused before anything is sent', async () => {
    const account = await newAccount('both');
    // Envelope setting Settings.set, or data setting Settings.data: refused, nothing written.
    const update = await t.prisma.account
      .update({ where: { id: account.id }, data: { settings: { update: { data: { set: 'x' } } } } })
      .catch((e: unknown) => e);
    expect(update).toMatchObject({ code: PrismaKmsErrorCode.AMBIGUOUS_QUERY, model: 'Settings' });
    expect((await storedSettings(account.id)).set).toBeNull();
    // `is` is a Settings field: `{ is: { equals } }` is a wrapper or a filter on that field.
    const filter = await t.prisma.account.findMany({ where: { settings: { is: { equals: 'x' } } } as never }).catch((e: unknown) => e);
    expect(filter).toMatchObject({ code: PrismaKmsErrorCode.AMBIGUOUS_QUERY, model: 'Settings' });
    expect(await t.prisma.account.count({ where: { id: account.id, settings: { is: { secret: null } } } })).toBe(0);
  });

  it('#2 an own __proto__ key (JSON.parse of a request body) is refused anywhere; nothing is written', async () => {
    const body = JSON.parse('{"data":{"owner":"x","settings":{"create":{"__proto__":{"secret":"LEAKED"}}}}}') as never;
    await expect(t.prisma.account.create(body)).rejects.toMatchObject({ code: PrismaKmsErrorCode.FORBIDDEN_KEY, model: 'Account', path: ['data', 'settings', 'create', '__proto__'] });
    const top = JSON.parse('{"data":{"__proto__":{"owner":"LEAKED"}}}') as never;
    await expect(t.prisma.account.create(top)).rejects.toMatchObject({ code: PrismaKmsErrorCode.FORBIDDEN_KEY });
    // At the root, Prisma's client assigns the key before any extension runs: the arguments arrive
    // inheriting from it (found by the adversarial property).
    const root = JSON.parse('{"__proto__":{"owner":"LEAKED"},"data":{"name":"n","email":"root@example.com"}}') as never;
    await expect(t.prisma.user.create(root)).rejects.toMatchObject({ code: PrismaKmsErrorCode.FORBIDDEN_KEY, path: ['__proto__'] });
    const where = JSON.parse('{"where":{"constructor":{"owner":"x"}}}') as never;
    await expect(t.prisma.account.findMany(where)).rejects.toMatchObject({ code: PrismaKmsErrorCode.FORBIDDEN_KEY });
    expect(await t.plain.account.count({ where: { owner: 'x' } })).toBe(0);
    expect(await t.plain.settings.count({ where: { secret: 'LEAKED' } })).toBe(0);
  });

  it('#4 the fluent API decrypts a related row that has a field named like the relation, in strict mode', async () => {
    const account = await newAccount('fluent');
    const settings = await t.prisma.account.findUnique({ where: { id: account.id } }).settings();
    expect(settings).toMatchObject({ secret: 's0', settings: 'theme0', where: 'w0' });
    const only = await t.prisma.account.findUnique({ where: { id: account.id } }).settings({ select: { settings: true } });
    expect(only).toEqual({ settings: 'theme0' });
    // The parent reading still holds for a plain select of the relation.
    expect(await t.prisma.account.findUnique({ where: { id: account.id }, select: { settings: true } })).toMatchObject({ settings: { secret: 's0' } });
  });

  it('#7 a relation count compares a truncated index with an exact scope: refused, not counted with collisions', async () => {
    const account = await t.prisma.account.create({ data: { owner: 'counts', notes: { create: [{ label: 'a' }, { label: 'b' }] } } });
    const counted = await t.prisma.account
      .findMany({ where: { id: account.id }, select: { _count: { select: { notes: { where: { label: 'a' } } } } } })
      .catch((e: unknown) => e);
    expect(counted).toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, model: 'Note', field: 'label' });
    // Null checks need no index and still count.
    expect(await t.prisma.account.findUnique({ where: { id: account.id }, select: { _count: { select: { notes: { where: { label: null } } } } } })).toEqual({ _count: { notes: 0 } });
  });

  it("#8 a unique lookup through the pre-read keeps the caller's other conditions next to the primary key", async () => {
    const user = await t.prisma.user.create({ data: { name: 'Admin', email: 'admin@example.com', role: 'admin' } });
    // A client during an index-key rotation (v2 current, v1 held): unique lookups by email pre-read the row.
    // Below the extension, the pre-read is followed by another writer demoting the user.
    let demote = true;
    const racing = t.plain
      .$extends({
        query: {
          user: {
            async findMany({ args, query }) {
              const rows = await query(args);
              if (demote) await t.plain.user.update({ where: { id: user.id }, data: { role: 'member' } });
              demote = false;
              return rows;
            },
          },
        },
      })
      .$extends(fieldEncryption({ fields: t.fields, cipher: t.cipher, mode: 'strict', blindIndexer: await t.indexerFor([2, 1]) }));
    const deleted = await racing.user.delete({ where: { email: 'admin@example.com', role: 'admin' } as never }).catch((e: unknown) => e);
    expect(demote).toBe(false); // the pre-read ran
    expect(deleted).toMatchObject({ code: 'P2025' });
    expect(await t.prisma.user.findUnique({ where: { id: user.id } })).toMatchObject({ name: 'Admin', role: 'member' });
    // A condition on the primary key itself is satisfied by the row found and replaced by its primary key.
    expect(await racing.user.findUnique({ where: { email: 'admin@example.com', id: user.id } as never, select: { id: true } })).toEqual({ id: user.id });
    expect(await racing.user.findUnique({ where: { email: 'admin@example.com', id: -1 } as never })).toBeNull();
    // Without a race the same call deletes the row.
    await t.plain.user.update({ where: { id: user.id }, data: { role: 'admin' } });
    expect(await racing.user.delete({ where: { email: 'admin@example.com', role: 'admin' } as never, select: { id: true } })).toEqual({ id: user.id });
  });

  it('issue 11 #8 a damaged value in a findMany of many rows still throws, naming its row by primary key', async () => {
    const accounts = [];
    for (let i = 0; i < 30; i++) accounts.push(await t.prisma.account.create({ data: { owner: `owner ${i}` } }));
    const damaged = accounts[17]!;
    const q = t.db.raw.quote;
    const [donor] = await t.db.raw.query<{ owner: string }>(`SELECT ${q('owner')} FROM ${q('Account')} WHERE ${q('id')} = ?`, [accounts[3]!.id]);
    // A ciphertext moved to another row of the same column decrypts (same context): damage it instead.
    const bytes = Buffer.from(donor!.owner, 'base64');
    bytes[bytes.length - 5]! ^= 1;
    await t.db.raw.query(`UPDATE ${q('Account')} SET ${q('owner')} = ? WHERE ${q('id')} = ?`, [bytes.toString('base64'), damaged.id]);
    const error = await t.prisma.account.findMany({ orderBy: { id: 'asc' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ model: 'Account', field: 'owner', row: { id: damaged.id } });
    expect((error as Error).message).toContain(`{"id":${damaged.id}}`);
    // Without the primary key in the result the error says so instead.
    const unnamed = await t.prisma.account.findMany({ select: { owner: true } }).catch((e: unknown) => e);
    expect((unnamed as Error).message).toContain('primary key was not selected');
    await t.db.raw.query(`DELETE FROM ${q('Account')} WHERE ${q('id')} = ?`, [damaged.id]);
  });
});
