/**
 * Key scopes through the extension on SQLite and PostgreSQL: values of two tenants under different key
 * versions (checked at rest through the raw connection), one findMany reading both, writes whose scope
 * cannot be determined refused with nothing written, per-scope blind indexes, and the request scope
 * (`$forScope`, the resolver) with extensions after ours, in interactive transactions and under
 * concurrent requests.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { PrismaKmsErrorCode, ScopeMismatchError, ScopeRequiredError } from '@prisma-kms/prisma';
import { openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import type { Provider } from '../harness';
import { createScopedDatabase, type ScopedDatabase, type ScopedProcess } from './scoped-database';

let target: KmsTarget;
let keyArn: string;
beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('scopes-writes') })).arn;
});
afterAll(() => target.close());

interface MemberAtRest {
  id: number;
  tenant_id: string;
  email: string | null;
  email_hash: string | null;
  name: string | null;
}

describe.each<Provider>(['sqlite', 'postgresql'])('key scopes on %s', (provider) => {
  let scoped: ScopedDatabase;
  let app: ScopedProcess;

  beforeAll(async () => {
    scoped = await createScopedDatabase(provider, target, keyArn);
    app = scoped.open();
  });
  afterAll(() => scoped.close());

  const members = () => scoped.db.raw.query<MemberAtRest>(`SELECT * FROM ${scoped.db.raw.quote('tenant_members')} ORDER BY id`);
  const count = async (table: string) => Number((await scoped.db.raw.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${scoped.db.raw.quote(table)}`))[0]?.n);
  const keyVersionOf = (stored: string | null) => {
    const seen = app.cipher.inspect(stored ?? '');
    if (seen.kind !== 'compact') throw new Error(`not a compact value: ${seen.kind}`);
    return seen.keyVersionId;
  };

  it('writes two tenants\' values under their own key versions, and one findMany reads both', async () => {
    await app.prisma.tenantMember.create({ data: { tenantId: 'acme', email: 'ada@example.com', name: 'Ada' } });
    await app.prisma.tenantMember.create({ data: { tenantId: 'globex', email: 'ada@example.com', name: 'Ada G.' } });

    const [acme, globex] = await members();
    const scopes = await scoped.scopesById();
    expect(scopes.get(keyVersionOf(acme!.name))).toBe('acme');
    expect(scopes.get(keyVersionOf(acme!.email))).toBe('acme');
    expect(scopes.get(keyVersionOf(globex!.name))).toBe('globex');
    expect(keyVersionOf(acme!.name)).not.toBe(keyVersionOf(globex!.name));
    // The same email in two tenants: different index values at rest (per-scope index keys).
    expect(acme!.email_hash).toEqual(expect.any(String));
    expect(acme!.email_hash).not.toBe(globex!.email_hash);

    const all = await app.prisma.tenantMember.findMany({ orderBy: { id: 'asc' } });
    expect(all.map((m) => [m.tenantId, m.email, m.name])).toEqual([
      ['acme', 'ada@example.com', 'Ada'],
      ['globex', 'ada@example.com', 'Ada G.'],
    ]);
  });

  it('per-scope blind indexes: a lookup in one tenant never finds another\'s row; without a scope it is refused', async () => {
    await app.prisma.tenantMember.create({ data: { tenantId: 'globex', email: 'bob@example.com', name: 'Bob' } });
    const found = await app.prisma.tenantMember.findFirst({ where: { tenantId: 'acme', email: 'ADA@example.com' } });
    expect([found?.tenantId, found?.name]).toEqual(['acme', 'Ada']);
    expect(await app.prisma.$forScope('acme').tenantMember.findMany({ where: { email: 'bob@example.com' } })).toEqual([]);
    expect((await app.prisma.$forScope('globex').tenantMember.findMany({ where: { email: 'bob@example.com' } })).map((m) => m.name)).toEqual(['Bob']);
    await expect(app.prisma.tenantMember.findMany({ where: { email: 'bob@example.com' } })).rejects.toMatchObject({
      code: PrismaKmsErrorCode.SCOPE_REQUIRED,
      model: 'TenantMember',
      field: 'email',
      scopeField: 'tenantId',
    });
  });

  it('refuses writes without a determinable scope, or with two scopes, and writes nothing', async () => {
    const before = { members: await members(), journals: await count('Journal') };
    const refusals: [Promise<unknown>, typeof ScopeRequiredError | typeof ScopeMismatchError][] = [
      [app.prisma.tenantMember.create({ data: { name: 'No tenant' } } as never), ScopeRequiredError],
      [app.prisma.tenantMember.updateMany({ data: { name: 'Everyone' } }), ScopeRequiredError],
      [app.prisma.tenantMember.update({ where: { id: before.members[0]!.id }, data: { name: 'By id only' } }), ScopeRequiredError],
      [app.prisma.journal.create({ data: { entry: 'whose?' } }), ScopeRequiredError],
      // A create takes its scope from its data, even under $forScope.
      [app.prisma.$forScope('acme').tenantMember.create({ data: { name: 'Implicit' } } as never), ScopeRequiredError],
      [app.prisma.$forScope('acme').tenantMember.create({ data: { tenantId: 'globex', name: 'Crossed' } }), ScopeMismatchError],
      [app.prisma.tenantMember.updateMany({ where: { tenantId: 'acme' }, data: { tenantId: 'globex', name: 'Moved' } }), ScopeMismatchError],
      [app.prisma.$forScope('acme').tenantMember.deleteMany({ where: { tenantId: 'globex' } }), ScopeMismatchError],
    ];
    for (const [query, type] of refusals) await expect(query).rejects.toBeInstanceOf(type);
    expect(await members()).toEqual(before.members);
    expect(await count('Journal')).toBe(before.journals);
  });

  it('$forScope narrows updates and deletes to its tenant\'s rows, and encrypts under its key', async () => {
    const before = await members();
    const updated = await app.prisma.$forScope('globex').tenantMember.updateMany({ data: { name: 'Renamed' } });
    expect(updated.count).toBe(before.filter((m) => m.tenant_id === 'globex').length);
    const after = await members();
    const scopes = await scoped.scopesById();
    for (const row of after) {
      if (row.tenant_id === 'acme') expect(row).toEqual(before.find((m) => m.id === row.id));
      else expect(scopes.get(keyVersionOf(row.name))).toBe('globex');
    }
    await app.prisma.$forScope('acme').tenantMember.deleteMany();
    expect((await members()).map((m) => m.tenant_id)).not.toContain('acme');
    expect((await members()).filter((m) => m.tenant_id === 'globex')).toHaveLength(updated.count);
  });

  it('nested writes take each row\'s own scope', async () => {
    const member = await app.prisma.tenantMember.create({
      data: { tenantId: 'initech', name: 'Peter', notes: { create: [{ tenantId: 'initech', text: 'TPS report' }] } },
      include: { notes: true },
    });
    expect(member.notes.map((n) => n.text)).toEqual(['TPS report']);
    const [note] = await scoped.db.raw.query<{ text: string }>(`SELECT text FROM ${scoped.db.raw.quote('tenant_notes')}`);
    expect((await scoped.scopesById()).get(keyVersionOf(note!.text))).toBe('initech');
  });

  it('a request scope works after other extensions, inside interactive transactions, and never crosses between concurrent requests', async () => {
    // An extension added after ours (it runs first) still sees its queries run in the scope.
    const later = app.prisma.$extends({ query: { journal: { create: ({ args, query }) => query(args) } } });
    await later.$forScope('u-later').journal.create({ data: { entry: 'after another extension', topic: 'ext' } });
    await app.prisma.$forScope('u-tx').$transaction(async (tx) => {
      await tx.journal.create({ data: { entry: 'in a scoped transaction', topic: 'tx' } });
    });
    await app.prisma.$transaction(async (tx) => {
      await tx.$forScope('u-tx2').journal.create({ data: { entry: 'scoped inside a transaction', topic: 'tx' } });
    });
    // A batch transaction takes the scoped client's lazy queries.
    await app.prisma.$transaction([app.prisma.$forScope('u-batch').journal.create({ data: { entry: 'in a batch', topic: 'tx' } })]);

    // Concurrent requests, half through $forScope, half through the application's resolver.
    const requestContext = new AsyncLocalStorage<string>();
    const resolving = scoped.open({ scope: () => requestContext.getStore() });
    const users = Array.from({ length: 12 }, (_, i) => `u-${i % 4}`);
    await Promise.all(
      users.map(async (user, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
        const entry = `entry of ${user} #${i}`;
        if (i % 2 === 0) return app.prisma.$forScope(user).journal.create({ data: { entry, topic: 'mine' } });
        return requestContext.run(user, async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return resolving.prisma.journal.create({ data: { entry, topic: 'mine' } });
        });
      }),
    );

    const scopes = await scoped.scopesById();
    const atRest = await scoped.db.raw.query<{ entry: string; topic_hash: string }>(`SELECT entry, topic_hash FROM ${scoped.db.raw.quote('Journal')} ORDER BY id`);
    const read = await app.prisma.journal.findMany({ orderBy: { id: 'asc' } });
    expect(read).toHaveLength(4 + users.length);
    read.forEach((row, i) => {
      const scope = scopes.get(keyVersionOf(atRest[i]!.entry));
      const expected = row.entry.startsWith('entry of ') ? row.entry.slice('entry of '.length).split(' ')[0] : undefined;
      if (expected !== undefined) expect(scope).toBe(expected);
    });
    expect(read.slice(0, 4).map((_row, i) => scopes.get(keyVersionOf(atRest[i]!.entry)))).toEqual(['u-later', 'u-tx', 'u-tx2', 'u-batch']);
    // Each user's blind index finds exactly that user's entries.
    const mine = await app.prisma.$forScope('u-1').journal.findMany({ where: { topic: ' MINE ' } });
    expect(mine.map((row) => row.entry).sort()).toEqual(users.flatMap((user, i) => (user === 'u-1' ? [`entry of u-1 #${i}`] : [])).sort());
  });

  it('refuses an invalid request scope before any query, and two nested scopes that differ', async () => {
    for (const bad of ['', 'a\u0000b', 'x'.repeat(256)]) {
      expect(() => app.prisma.$forScope(bad)).toThrow(expect.objectContaining({ code: PrismaKmsErrorCode.INVALID_SCOPE }));
    }
    const before = await count('Journal');
    expect(() => app.prisma.$forScope('u-a').$forScope('u-b')).toThrow(ScopeMismatchError);
    await expect(app.prisma.$forScope('u-b').$transaction((tx) => tx.$forScope('u-a').journal.create({ data: { entry: 'which?' } }))).rejects.toBeInstanceOf(ScopeMismatchError);
    expect(await count('Journal')).toBe(before);
  });
});
