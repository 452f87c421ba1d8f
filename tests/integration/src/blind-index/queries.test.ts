import { PrismaKmsErrorCode } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { openIndexedDatabase, storedEmailHashes, type IndexedDatabase } from './indexed-database';

// Every query form the extension rewrites to User.emailHash (full-length, @unique, normalize: [trim, lowercase]).
describe.each<Provider>(['sqlite', 'postgresql'])('blind-index queries on %s', (provider) => {
  let t: IndexedDatabase;
  let ada: number;
  let bob: number;
  let eve: number;
  const emailsOf = (rows: { email: string }[]) => rows.map((row) => row.email).sort();

  beforeAll(async () => {
    t = await openIndexedDatabase(provider);
    ada = (await t.prisma.user.create({ data: { name: 'Ada', email: 'ada@example.com', role: 'admin' } })).id;
    bob = (await t.prisma.user.create({ data: { name: 'Bob', email: 'bob@example.com' } })).id;
    eve = (await t.prisma.user.create({ data: { name: 'Eve', email: 'eve@example.com' } })).id;
  });
  afterAll(() => t.close());

  it('create fills the index column with the current version; the index is not the plaintext', async () => {
    const hashes = await storedEmailHashes(t);
    expect(hashes.get(ada)).toBe(t.indexer.compute({ model: 'User', field: 'email' }, 'ada@example.com', { normalize: ['lowercase', 'trim'], bytes: 32 }));
    expect(hashes.get(ada)).toMatch(/^v1\$[A-Za-z0-9_-]{43}$/);
    expect(new Set(hashes.values()).size).toBe(3);
  });

  it('equality, equals, in, notIn, not, and AND/OR/NOT', async () => {
    expect(emailsOf(await t.prisma.user.findMany({ where: { email: 'ada@example.com' } }))).toEqual(['ada@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { email: { equals: 'bob@example.com' } } }))).toEqual(['bob@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { email: { in: ['ada@example.com', 'eve@example.com', 'nobody@x'] } } }))).toEqual(['ada@example.com', 'eve@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { email: { notIn: ['ada@example.com'] } } }))).toEqual(['bob@example.com', 'eve@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { email: { not: 'ada@example.com' } } }))).toEqual(['bob@example.com', 'eve@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { email: { not: { in: ['ada@example.com', 'bob@example.com'] } } } }))).toEqual(['eve@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { OR: [{ email: 'ada@example.com' }, { id: bob }] } }))).toEqual(['ada@example.com', 'bob@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { AND: [{ email: { in: ['ada@example.com', 'bob@example.com'] } }, { role: 'member' }] } }))).toEqual(['bob@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { NOT: { email: 'eve@example.com' } } }))).toEqual(['ada@example.com', 'bob@example.com']);
    expect(emailsOf(await t.prisma.user.findMany({ where: { email: { equals: 'ada@example.com', mode: 'default' } as never } }))).toEqual(['ada@example.com']);
  });

  it('normalization: " Ada@Example.COM " finds ada@example.com; the value keeps its case', async () => {
    expect(await t.prisma.user.findFirst({ where: { email: ' Ada@Example.COM ' }, select: { id: true } })).toEqual({ id: ada });
    const mixed = await t.prisma.user.create({ data: { name: 'Zed', email: 'Zed@Example.com' } });
    expect((await t.prisma.user.findFirstOrThrow({ where: { email: 'zed@example.com' } })).email).toBe('Zed@Example.com');
    await t.prisma.user.delete({ where: { id: mixed.id } });
  });

  it('uniqueness holds after normalization: two emails equal once normalized violate @unique (P2002)', async () => {
    await expect(t.prisma.user.create({ data: { name: 'Ada 2', email: 'ADA@example.com ' } })).rejects.toMatchObject({ code: 'P2002' });
  });

  it('findUnique(OrThrow) through the @unique index column (the generated types want a cast)', async () => {
    expect(await t.prisma.user.findUnique({ where: { email: 'bob@example.com' } as never })).toMatchObject({ id: bob, name: 'Bob' });
    expect(await t.prisma.user.findUniqueOrThrow({ where: { email: 'BOB@example.com' } as never, select: { name: true } })).toEqual({ name: 'Bob' });
    expect(await t.prisma.user.findUnique({ where: { email: 'nobody@example.com' } as never })).toBeNull();
    await expect(t.prisma.user.findUniqueOrThrow({ where: { email: 'nobody@example.com' } as never })).rejects.toMatchObject({ code: 'P2025' });
  });

  it('count, cursor, update, updateMany, upsert (both branches), delete and deleteMany by email', async () => {
    expect(await t.prisma.user.count({ where: { email: { in: ['ada@example.com', 'bob@example.com'] } } })).toBe(2);
    const page = await t.prisma.user.findMany({ cursor: { email: 'bob@example.com' } as never, orderBy: { id: 'asc' }, select: { id: true } });
    expect(page.map((row) => row.id)).toEqual([bob, eve]);

    expect((await t.prisma.user.update({ where: { email: 'eve@example.com' } as never, data: { name: 'Eve 2' } })).name).toBe('Eve 2');
    expect(await t.prisma.user.updateMany({ where: { email: 'eve@example.com' }, data: { role: 'auditor' } })).toEqual({ count: 1 });

    const updated = await t.prisma.user.upsert({ where: { email: 'eve@example.com' } as never, create: { name: 'x', email: 'eve@example.com' }, update: { email: 'eve@example.org' } });
    expect(updated).toMatchObject({ id: eve, email: 'eve@example.org' });
    expect((await storedEmailHashes(t)).get(eve)).toBe(t.indexer.compute({ model: 'User', field: 'email' }, 'eve@example.org', { normalize: ['lowercase', 'trim'], bytes: 32 }));
    const created = await t.prisma.user.upsert({ where: { email: 'new@example.com' } as never, create: { name: 'New', email: 'new@example.com' }, update: { name: 'never' } });
    expect(created.name).toBe('New');
    expect(await t.prisma.user.findFirst({ where: { email: 'new@example.com' }, select: { id: true } })).toEqual({ id: created.id });

    expect((await t.prisma.user.delete({ where: { email: 'new@example.com' } as never })).id).toBe(created.id);
    const temp = await t.prisma.user.create({ data: { name: 'Tmp', email: 'tmp@example.com' } });
    expect(await t.prisma.user.deleteMany({ where: { email: 'tmp@example.com' } })).toEqual({ count: 1 });
    expect(await t.plain.user.findUnique({ where: { id: temp.id } })).toBeNull();
    await t.prisma.user.update({ where: { id: eve }, data: { email: { set: 'eve@example.com' }, name: 'Eve', role: 'member' } });
  });

  it('nested writes fill indexes at any depth; connect and connectOrCreate go through the index', async () => {
    const post = await t.prisma.post.create({
      data: { title: 'p', body: 'b', author: { connect: { email: 'ada@example.com' } as never } },
      select: { authorId: true },
    });
    expect(post.authorId).toBe(ada);
    const viaExisting = await t.prisma.post.create({
      data: { title: 'q', body: 'b', author: { connectOrCreate: { where: { email: 'bob@example.com' } as never, create: { name: 'x', email: 'bob@example.com' } } } },
      select: { authorId: true },
    });
    expect(viaExisting.authorId).toBe(bob);
    const viaCreate = await t.prisma.post.create({
      data: { title: 'r', body: 'b', author: { connectOrCreate: { where: { email: 'cy@example.com' } as never, create: { name: 'Cy', email: 'cy@example.com' } } } },
      select: { authorId: true },
    });
    expect(await t.prisma.user.findFirst({ where: { email: 'cy@example.com' }, select: { id: true } })).toEqual({ id: viaCreate.authorId });

    // Two levels deep: Post -> comment -> author (created), then the author found by email.
    await t.prisma.post.create({
      data: { title: 's', body: 'b', authorId: ada, comments: { create: { text: 'hi', author: { create: { name: 'Deep', email: 'deep@example.com' } } } } },
    });
    expect(await t.prisma.user.findFirst({ where: { email: 'deep@example.com' }, select: { name: true } })).toEqual({ name: 'Deep' });

    // Nested update and upsert of a to-one relation write the new index.
    const profile = await t.prisma.profile.create({ data: { ssn: '111-11-1111', user: { connect: { email: 'cy@example.com' } as never } }, select: { id: true } });
    await t.prisma.profile.update({ where: { id: profile.id }, data: { user: { update: { email: 'cy@example.org' } } } });
    expect(await t.prisma.user.findFirst({ where: { email: 'cy@example.org' }, select: { id: true } })).toEqual({ id: viaCreate.authorId });
    await t.prisma.profile.update({ where: { id: profile.id }, data: { user: { upsert: { create: { name: 'n', email: 'n@x' }, update: { email: 'cy@example.net' } } } } });
    expect(await t.prisma.user.count({ where: { email: 'cy@example.net' } })).toBe(1);

    // createMany and createManyAndReturn; null clears nothing it should not.
    await t.prisma.user.createMany({ data: [{ name: 'M1', email: 'm1@example.com' }, { name: 'M2', email: 'm2@example.com' }] });
    const returned = await t.prisma.user.createManyAndReturn({ data: [{ name: 'M3', email: 'M3@example.com' }] });
    expect(returned.map((row) => row.email)).toEqual(['M3@example.com']);
    expect(await t.prisma.user.count({ where: { email: { in: ['m1@example.com', 'm2@example.com', 'm3@example.com'] } } })).toBe(3);
    expect(await t.prisma.user.updateManyAndReturn({ where: { email: 'm1@example.com' }, data: { email: 'm1@example.org' } })).toMatchObject([{ email: 'm1@example.org' }]);
    expect(await t.prisma.user.count({ where: { email: 'm1@example.org' } })).toBe(1);
  });

  it('relation filters (some/every/none/is/isNot, to-one shorthand), include where and relation counts', async () => {
    const posts = await t.prisma.post.findMany({ where: { author: { email: 'ada@example.com' } }, select: { title: true } });
    expect(posts.map((p) => p.title).sort()).toEqual(['p', 's']);
    expect(await t.prisma.post.count({ where: { author: { is: { email: 'bob@example.com' } } } })).toBe(1);
    expect(await t.prisma.post.count({ where: { author: { isNot: { email: 'ada@example.com' } } } })).toBe(2);
    const withComments = await t.prisma.post.findMany({ where: { comments: { some: { author: { email: 'deep@example.com' } } } }, select: { title: true } });
    expect(withComments).toEqual([{ title: 's' }]);
    const withoutDeepComments = await t.prisma.post.count({ where: { comments: { none: { author: { email: 'deep@example.com' } } } } });
    expect(withoutDeepComments).toBe(3);
    const users = await t.prisma.user.findMany({ where: { posts: { every: { author: { email: 'ada@example.com' } } }, email: 'ada@example.com' }, select: { id: true } });
    expect(users).toEqual([{ id: ada }]);
    const adaWithPosts = await t.prisma.user.findFirstOrThrow({
      where: { email: 'ada@example.com' },
      include: { _count: { select: { comments: { where: { author: { email: 'deep@example.com' } } } } } },
    });
    expect(adaWithPosts._count.comments).toBe(0);
  });

  it('null checks stay on the field; null writes clear the index', async () => {
    const profile = await t.prisma.profile.create({ data: { ssn: '222-22-2222', user: { create: { name: 'Ssn', email: 'ssn@example.com' } } } });
    await t.prisma.profile.update({ where: { id: profile.id }, data: { ssn: null } });
    const stored = await t.plain.profile.findUniqueOrThrow({ where: { id: profile.id } });
    expect([stored.ssn, stored.ssnHash]).toEqual([null, null]);
    expect(await t.prisma.profile.count({ where: { ssn: null, id: profile.id } })).toBe(1);
  });

  it('refuses what an index cannot answer, and writes to the index column', async () => {
    await expect(t.prisma.user.findMany({ where: { email: { contains: 'ada' } } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, operator: 'contains' });
    await expect(t.prisma.user.findMany({ where: { email: { equals: 'a', mode: 'insensitive' } as never } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, operator: 'mode' });
    await expect(t.prisma.user.findMany({ where: { email: { gt: 'a' } } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY });
    await expect(t.prisma.user.findMany({ orderBy: { email: 'asc' } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY });
    await expect(t.prisma.user.findMany({ where: { name: 'Ada' } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY });
    await expect(t.prisma.user.create({ data: { name: 'x', email: 'x@x', emailHash: 'forged' } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.INVALID_FIELD_VALUE, field: 'emailHash' });
    await expect(t.prisma.user.update({ where: { id: ada }, data: { emailHash: null } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.INVALID_FIELD_VALUE, field: 'emailHash' });
  });

  it('without a blind indexer: writes and lookups of an indexed field are refused; other queries work', async () => {
    const bare = t.withIndexer(undefined);
    await expect(bare.user.create({ data: { name: 'x', email: 'x@example.com' } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.MISSING_BLIND_INDEXER, model: 'User', field: 'email' });
    await expect(bare.user.findFirst({ where: { email: 'ada@example.com' } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.MISSING_BLIND_INDEXER });
    await expect(bare.user.update({ where: { id: ada }, data: { email: { set: 'y@example.com' } } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.MISSING_BLIND_INDEXER });
    expect((await bare.user.findUniqueOrThrow({ where: { id: ada } })).email).toBe('ada@example.com');
    expect((await bare.user.update({ where: { id: ada }, data: { name: 'Ada' } })).name).toBe('Ada');
    expect(await bare.profile.count({ where: { ssn: null } })).toBeGreaterThan(0);
    expect(await t.plain.user.count({ where: { email: 'x@example.com' } })).toBe(0);
  });
});

// Issue 9, finding 5: `lowercase` maps KELVIN SIGN to 'k' and `trim` drops U+3000, so the exact
// index of User.email (normalize: [trim, lowercase]) gives a look-alike the row of the real value.
// After decryption the extension keeps the row only if the values differ in ASCII case or ASCII
// white space at the ends: a look-alike finds nothing.
describe.each<Provider>(['sqlite', 'postgresql'])('look-alike lookups through a normalizing index on %s', (provider) => {
  let t: IndexedDatabase;
  let kate: number;

  beforeAll(async () => {
    t = await openIndexedDatabase(provider);
    kate = (await t.prisma.user.create({ data: { name: 'Kate', email: 'kate@corp.com' } })).id;
  });
  afterAll(() => t.close());

  it.each([
    ['KELVIN SIGN', '\u212Aate@corp.com'],
    ['a trailing U+3000', 'kate@corp.com\u3000'],
    ['a trailing EM SPACE', 'kate@corp.com\u2003'],
  ])('findUnique/findFirst with %s return null; the OrThrow forms throw not found', async (_name, lookAlike) => {
    expect(await t.prisma.user.findUnique({ where: { email: lookAlike } as never })).toBeNull();
    expect(await t.prisma.user.findFirst({ where: { email: { equals: lookAlike } }, select: { id: true } })).toBeNull();
    await expect(t.prisma.user.findUniqueOrThrow({ where: { email: lookAlike } as never })).rejects.toMatchObject({ code: 'P2025' });
    await expect(t.prisma.user.findFirstOrThrow({ where: { email: lookAlike } as never })).rejects.toMatchObject({ code: 'P2025' });
  });

  it('what the normalization is for still works: ASCII case and ASCII spaces; a select without the field gets no extra key', async () => {
    expect(await t.prisma.user.findUnique({ where: { email: ' KATE@Corp.com ' } as never, select: { id: true } })).toEqual({ id: kate });
    expect(await t.prisma.user.findFirstOrThrow({ where: { email: 'Kate@corp.com' }, omit: { email: true } })).not.toHaveProperty('email');
    expect((await t.prisma.user.findUniqueOrThrow({ where: { email: 'kate@corp.com' } as never })).email).toBe('kate@corp.com');
  });
});
