import { PrismaKmsErrorCode } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { openIndexedDatabase, type IndexedDatabase } from './indexed-database';

// Profile.ssn has a 2-byte index (hashBytes: 2, not unique): 65,536 buckets, so collisions are easy to
// force. The extension must never return, count, update or delete the row of a colliding value.
describe.each<Provider>(['sqlite', 'postgresql'])('truncated blind index with forced collisions on %s', (provider) => {
  let t: IndexedDatabase;
  let a: string;
  let b: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await openIndexedDatabase(provider);
    // Search for two distinct SSNs whose 2-byte indexes collide, with the very indexer the client uses.
    const indexer = t.indexer;
    const seen = new Map<string, string>();
    for (let i = 0; ; i++) {
      const ssn = `900-00-${String(i).padStart(4, '0')}`;
      const index = indexer.compute({ model: 'Profile', field: 'ssn' }, ssn, { normalize: ['trim'], bytes: 2 });
      const other = seen.get(index);
      if (other !== undefined) {
        [a, b] = [other, ssn];
        break;
      }
      seen.set(index, ssn);
    }
    for (const [name, ssn] of [['a', a], ['b', b], ['c', '123-45-6789']] as const) {
      const profile = await t.prisma.profile.create({ data: { ssn, bio: name, user: { create: { name, email: `${name}@example.com` } } } });
      ids[name] = profile.id;
    }
  });
  afterAll(() => t.close());

  it('the two values really share their stored index (the database alone cannot tell them apart)', async () => {
    const rows = await t.plain.profile.findMany({ where: { id: { in: [ids.a!, ids.b!] } }, select: { ssnHash: true } });
    expect(rows[0]!.ssnHash).toMatch(/^v1\$[A-Za-z0-9_-]{3}$/);
    expect(rows[0]!.ssnHash).toBe(rows[1]!.ssnHash);
    expect(await t.plain.profile.count({ where: { ssnHash: rows[0]!.ssnHash } })).toBe(2);
  });

  it('findMany and findFirst return exactly the row asked for, keeping take/skip/orderBy semantics', async () => {
    expect((await t.prisma.profile.findMany({ where: { ssn: a } })).map((p) => p.id)).toEqual([ids.a]);
    expect((await t.prisma.profile.findMany({ where: { ssn: ` ${b} ` }, select: { bio: true } }))).toEqual([{ bio: 'b' }]);
    expect((await t.prisma.profile.findMany({ where: { ssn: { in: [a, b] } }, orderBy: { userId: 'desc' }, take: 1 })).map((p) => p.bio)).toEqual(['b']);
    expect((await t.prisma.profile.findMany({ where: { ssn: { in: [a, b] } }, orderBy: { userId: 'asc' }, skip: 1 })).map((p) => p.bio)).toEqual(['b']);
    // b sorts first by userId desc, but only a matches: findFirst must still find a.
    expect(await t.prisma.profile.findFirst({ where: { ssn: a }, orderBy: { userId: 'desc' }, select: { bio: true } })).toEqual({ bio: 'a' });
    expect(await t.prisma.profile.findFirst({ where: { ssn: '900-99-9999' } })).toBeNull();
    await expect(t.prisma.profile.findFirstOrThrow({ where: { ssn: '900-99-9999' } })).rejects.toMatchObject({ code: 'P2025' });
    expect(await t.prisma.profile.findFirstOrThrow({ where: { OR: [{ ssn: b }, { userId: -1 }] }, select: { bio: true } })).toEqual({ bio: 'b' });
  });

  it('count, aggregate, updateMany and deleteMany touch only the right row', async () => {
    expect(await t.prisma.profile.count({ where: { ssn: a } })).toBe(1);
    expect(await t.prisma.profile.aggregate({ where: { ssn: b }, _count: { _all: true } })).toEqual({ _count: { _all: 1 } });
    expect(await t.prisma.profile.updateMany({ where: { ssn: a }, data: { bio: 'a2' } })).toEqual({ count: 1 });
    expect((await t.prisma.profile.findUniqueOrThrow({ where: { id: ids.b! } })).bio).toBe('b');
    expect(await t.prisma.profile.updateManyAndReturn({ where: { ssn: b }, data: { bio: 'b2' }, select: { id: true } })).toEqual([{ id: ids.b }]);
    expect((await t.prisma.profile.findUniqueOrThrow({ where: { id: ids.a! } })).bio).toBe('a2');
    expect(await t.prisma.profile.deleteMany({ where: { ssn: b } })).toEqual({ count: 1 });
    expect(await t.plain.profile.findUnique({ where: { id: ids.a! } })).not.toBeNull();
    expect(await t.plain.profile.findUnique({ where: { id: ids.b! } })).toBeNull();
    // Put b back for the other tests.
    ids.b = (await t.prisma.profile.create({ data: { ssn: b, bio: 'b', user: { create: { name: 'b2', email: 'b2@example.com' } } } })).id;
  });

  it('refuses negations and positions where false positives cannot be removed', async () => {
    await expect(t.prisma.profile.findMany({ where: { ssn: { not: a } } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, name: 'TruncatedIndexNegationError' });
    await expect(t.prisma.profile.count({ where: { NOT: { ssn: a } } })).rejects.toMatchObject({ name: 'TruncatedIndexNegationError' });
    await expect(t.prisma.user.findMany({ where: { profile: { ssn: a } } })).rejects.toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, name: 'TruncatedIndexPositionError' });
    await expect(t.prisma.user.update({ where: { email: 'a@example.com' } as never, data: { profile: { update: { where: { ssn: a }, data: { bio: 'x' } } } } })).rejects.toMatchObject({
      name: 'TruncatedIndexPositionError',
    });
    // A full-length index compares exactly wherever it appears; the truncated one works at the top level.
    expect(await t.prisma.user.count({ where: { profile: { ssn: null } } })).toBe(0);
  });
});
