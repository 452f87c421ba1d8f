import { PrismaKmsErrorCode, UnsupportedQueryError } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { openEncryptedDatabase, type EncryptedDatabase } from './encrypted-database';

// Queries that would make the database compare, sort, group or aggregate ciphertext fail with a typed
// error before anything is sent, instead of silently matching nothing.
describe.each<Provider>(['sqlite', 'postgresql'])('extension refusals on %s', (provider) => {
  let t: EncryptedDatabase;
  let userId: number;

  beforeAll(async () => {
    t = await openEncryptedDatabase(provider);
    const user = await t.prisma.user.create({
      data: { name: 'Ada', email: 'ada@example.com', profile: { create: { ssn: '1' } }, posts: { create: { title: 't', body: 'b' } } },
    });
    userId = user.id;
  });

  afterAll(async () => {
    await t.close();
  });

  async function expectRefused(query: () => Promise<unknown>, model: string, field: string, operator: string): Promise<void> {
    const error = await query().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedQueryError);
    expect(error).toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, model, field, operator });
    expect((error as Error).message).toContain(`${model}.${field}`);
  }

  // Equality on a field with a blind index (User.email, Profile.ssn) is rewritten to its index column,
  // so the equality cases use encrypted fields without one; operators no index can answer stay on email.
  it('refuses where on an encrypted field, with any operator, at any depth', async () => {
    const p = t.prisma;
    await expectRefused(() => p.user.findMany({ where: { name: 'Ada' } }), 'User', 'name', 'equals');
    await expectRefused(() => p.user.findFirst({ where: { name: { contains: 'A' } } }), 'User', 'name', 'contains');
    await expectRefused(() => p.user.findMany({ where: { OR: [{ role: 'x' }, { phone: { startsWith: '+' } }] } }), 'User', 'phone', 'startsWith');
    await expectRefused(() => p.user.findMany({ where: { NOT: { name: { in: ['Ada'] } } } }), 'User', 'name', 'in');
    await expectRefused(() => p.user.findMany({ where: { posts: { some: { body: 'b' } } } }), 'Post', 'body', 'equals');
    await expectRefused(() => p.user.findMany({ where: { posts: { every: { secretNote: { not: 'x' } } } } }), 'Post', 'secretNote', 'not');
    await expectRefused(() => p.user.findMany({ where: { profile: { is: { bio: 'b' } } } }), 'Profile', 'bio', 'equals');
    await expectRefused(() => p.user.findMany({ where: { email: { contains: 'ada' } } }), 'User', 'email', 'contains');
    await expectRefused(() => p.tag.findMany({ where: { posts: { none: { comments: { some: { text: 'x' } } } } } }), 'Comment', 'text', 'equals');
    await expectRefused(() => p.user.findMany({ include: { posts: { where: { body: { endsWith: 'b' } } } } }), 'Post', 'body', 'endsWith');
    await expectRefused(() => p.user.findUnique({ where: { id: userId, name: 'Ada' } }), 'User', 'name', 'equals');
    await expectRefused(() => p.user.count({ where: { email: { gte: 'a' } } }), 'User', 'email', 'gte');
  });

  it('refuses writes filtered on an encrypted field and changes nothing', async () => {
    await expectRefused(() => t.prisma.user.deleteMany({ where: { phone: { in: ['+1 555', 'x'] } } }), 'User', 'phone', 'in');
    await expectRefused(() => t.prisma.user.deleteMany({ where: { id: userId, name: 'Ada' } }), 'User', 'name', 'equals');
    await expectRefused(() => t.prisma.user.updateMany({ where: { name: 'Ada' }, data: { role: 'admin' } }), 'User', 'name', 'equals');
    await expectRefused(
      () => t.prisma.user.update({ where: { id: userId }, data: { posts: { deleteMany: { body: 'b' } } } }),
      'Post',
      'body',
      'equals',
    );
    expect(await t.plain.user.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({ role: 'member' });
    expect(await t.plain.post.count({ where: { authorId: userId } })).toBe(1);
  });

  it('refuses orderBy, cursor and distinct on an encrypted field', async () => {
    await expectRefused(() => t.prisma.user.findMany({ orderBy: { name: 'asc' } }), 'User', 'name', 'orderBy');
    await expectRefused(() => t.prisma.post.findMany({ orderBy: [{ title: 'asc' }, { author: { email: 'desc' } }] }), 'User', 'email', 'orderBy');
    await expectRefused(() => t.prisma.user.findMany({ include: { posts: { orderBy: { body: 'asc' } } } }), 'Post', 'body', 'orderBy');
    await expectRefused(() => t.prisma.post.findMany({ cursor: { id: 'x', body: 'b' } as never }), 'Post', 'body', 'cursor');
    await expectRefused(() => t.prisma.user.findMany({ distinct: ['email'] }), 'User', 'email', 'distinct');
  });

  it('refuses groupBy by/having and aggregates of an encrypted field, but counts rows', async () => {
    await expectRefused(() => t.prisma.user.groupBy({ by: ['name'] }), 'User', 'name', 'by');
    await expectRefused(() => t.prisma.user.groupBy({ by: ['role'], having: { email: { _count: { gt: 1 } } } }), 'User', 'email', 'having');
    await expectRefused(() => t.prisma.user.aggregate({ _max: { name: true } }), 'User', 'name', '_max');
    await expectRefused(() => t.prisma.user.aggregate({ _min: { phone: true } }), 'User', 'phone', '_min');
    await expectRefused(() => t.prisma.user.aggregate({ _count: { email: true } }), 'User', 'email', '_count');
    await expectRefused(() => t.prisma.user.count({ select: { _all: true, name: true } }), 'User', 'name', 'select');
    expect(await t.prisma.user.aggregate({ _count: true })).toEqual({ _count: 1 });
    expect(await t.prisma.user.aggregate({ _count: { _all: true } })).toEqual({ _count: { _all: 1 } });
    expect(await t.prisma.user.count({ select: { _all: true } })).toEqual({ _all: 1 });
  });

  it('lets null checks on encrypted fields through (null is stored as NULL)', async () => {
    expect(await t.prisma.user.findMany({ where: { phone: null }, select: { name: true } })).toEqual([{ name: 'Ada' }]);
    expect(await t.prisma.profile.count({ where: { bio: { equals: null }, ssn: { not: null } } })).toBe(1);
  });
});
