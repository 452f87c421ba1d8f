import type { Provider } from '../harness';
import { findPlaintextAtRest, openEncryptedDatabase, type EncryptedDatabase } from './encrypted-database';

// Every read decrypts every encrypted value it returns, wherever it sits in the result.
describe.each<Provider>(['sqlite', 'postgresql'])('extension reads on %s', (provider) => {
  let t: EncryptedDatabase;
  let ada: { id: number; profileId: string; postIds: string[] };

  beforeAll(async () => {
    t = await openEncryptedDatabase(provider, { mode: 'strict' });
    const user = await t.prisma.user.create({
      data: {
        name: 'Ada',
        email: 'ada@example.com',
        phone: null,
        profile: { create: { bio: 'Analyst', ssn: '078-05-1120' } },
        posts: {
          create: [
            { title: 'first', body: 'Notes on the engine', secretNote: 'draft', tags: { create: [{ name: 'math' }] } },
            { title: 'second', body: 'On Bernoulli numbers' },
          ],
        },
      },
      include: { profile: true, posts: { orderBy: { title: 'asc' } } },
    });
    ada = { id: user.id, profileId: user.profile!.id, postIds: user.posts.map((post) => post.id) };
    await t.prisma.comment.create({ data: { text: 'Brilliant', postId: ada.postIds[0]!, authorId: user.id } });
    await t.prisma.user.create({ data: { name: 'Charles', email: 'charles@example.com', phone: '+44 2' } });
  });

  afterAll(async () => {
    try {
      expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('findUnique, findUniqueOrThrow, findFirst and findFirstOrThrow decrypt; null stays null', async () => {
    const expected = { id: ada.id, name: 'Ada', email: 'ada@example.com', phone: null };
    expect(await t.prisma.user.findUnique({ where: { id: ada.id } })).toMatchObject(expected);
    expect(await t.prisma.user.findUniqueOrThrow({ where: { id: ada.id } })).toMatchObject(expected);
    expect(await t.prisma.user.findFirst({ where: { id: ada.id } })).toMatchObject(expected);
    expect(await t.prisma.user.findFirstOrThrow({ where: { role: 'member' }, orderBy: { id: 'asc' } })).toMatchObject(expected);
    expect(await t.prisma.user.findUnique({ where: { id: -1 } })).toBeNull();
  });

  it('findMany decrypts every row, and a select of some fields decrypts only those', async () => {
    const users = await t.prisma.user.findMany({ orderBy: { id: 'asc' } });
    expect(users.map((user) => [user.name, user.email, user.phone])).toEqual([
      ['Ada', 'ada@example.com', null],
      ['Charles', 'charles@example.com', '+44 2'],
    ]);
    expect(await t.prisma.user.findMany({ select: { email: true }, orderBy: { id: 'asc' } })).toEqual([
      { email: 'ada@example.com' },
      { email: 'charles@example.com' },
    ]);
  });

  it('decrypts nested include and select at any depth, through a model without encrypted fields', async () => {
    const user = await t.prisma.user.findUniqueOrThrow({
      where: { id: ada.id },
      include: {
        profile: true,
        posts: {
          orderBy: { title: 'asc' },
          select: { body: true, secretNote: true, comments: { select: { text: true, author: { select: { name: true } } } }, tags: { include: { posts: { select: { body: true } } } } },
        },
        _count: { select: { posts: true } },
      },
    });
    expect(user).toMatchObject({
      name: 'Ada',
      profile: { bio: 'Analyst', ssn: '078-05-1120' },
      _count: { posts: 2 },
      posts: [
        {
          body: 'Notes on the engine',
          secretNote: 'draft',
          comments: [{ text: 'Brilliant', author: { name: 'Ada' } }],
          tags: [{ name: 'math', posts: [{ body: 'Notes on the engine' }] }],
        },
        { body: 'On Bernoulli numbers', secretNote: null, comments: [], tags: [] },
      ],
    });
    const tags = await t.prisma.tag.findMany({ include: { posts: { include: { author: { include: { profile: true } } } } } });
    expect(tags[0]!.posts[0]!.author.profile!.ssn).toBe('078-05-1120');
  });

  it('decrypts through the fluent API, including nested chains and fluent arguments', async () => {
    const posts = await t.prisma.user.findUnique({ where: { id: ada.id } }).posts({ orderBy: { title: 'asc' } });
    expect(posts?.map((post) => post.body)).toEqual(['Notes on the engine', 'On Bernoulli numbers']);
    expect(await t.prisma.user.findUnique({ where: { id: ada.id } }).profile()).toMatchObject({ ssn: '078-05-1120' });
    expect(await t.prisma.user.findUniqueOrThrow({ where: { id: ada.id } }).profile().user()).toMatchObject({ name: 'Ada', email: 'ada@example.com' });
    const withComments = await t.prisma.user.findUnique({ where: { id: ada.id } }).posts({ where: { title: 'first' }, include: { comments: true } });
    expect(withComments).toMatchObject([{ body: 'Notes on the engine', comments: [{ text: 'Brilliant' }] }]);
    expect(await t.prisma.post.findFirst({ where: { title: 'second' } }).author().profile()).toMatchObject({ bio: 'Analyst' });
    expect(await t.prisma.comment.findFirstOrThrow().post().author()).toMatchObject({ name: 'Ada' });
  });

  it('decrypts the rows returned by create, update, upsert and delete, and by *AndReturn', async () => {
    const created = await t.prisma.post.create({ data: { title: 'tmp', body: 'temporary', authorId: ada.id }, include: { author: true } });
    expect(created).toMatchObject({ body: 'temporary', author: { name: 'Ada' } });
    const updated = await t.prisma.post.update({ where: { id: created.id }, data: { title: 'tmp2' }, select: { body: true, author: { select: { email: true } } } });
    expect(updated).toEqual({ body: 'temporary', author: { email: 'ada@example.com' } });
    const upserted = await t.prisma.post.upsert({ where: { id: created.id }, create: { title: 'x', body: 'x', authorId: ada.id }, update: { title: 'tmp3' } });
    expect(upserted.body).toBe('temporary');
    const returned = await t.prisma.post.updateManyAndReturn({ where: { title: 'tmp3' }, data: { published: true } });
    expect(returned.map((post) => post.body)).toEqual(['temporary']);
    const deleted = await t.prisma.post.delete({ where: { id: created.id }, include: { author: { include: { profile: true } } } });
    expect(deleted).toMatchObject({ body: 'temporary', author: { profile: { ssn: '078-05-1120' } } });
    const batch = await t.prisma.comment.createManyAndReturn({ data: [{ text: 'c1', postId: ada.postIds[1]!, authorId: ada.id }], include: { post: true } });
    expect(batch).toMatchObject([{ text: 'c1', post: { body: 'On Bernoulli numbers' } }]);
    const { count } = await t.prisma.comment.deleteMany({ where: { id: batch[0]!.id } });
    expect(count).toBe(1);
  });

  it('decrypts inside array and interactive transactions', async () => {
    const [user, posts] = await t.prisma.$transaction([
      t.prisma.user.findUniqueOrThrow({ where: { id: ada.id } }),
      t.prisma.post.findMany({ where: { authorId: ada.id }, orderBy: { title: 'asc' } }),
    ]);
    expect(user.email).toBe('ada@example.com');
    expect(posts.map((post) => post.body)).toEqual(['Notes on the engine', 'On Bernoulli numbers']);
    const profile = await t.prisma.$transaction((tx) => tx.profile.findUniqueOrThrow({ where: { id: ada.profileId }, include: { user: true } }));
    expect(profile).toMatchObject({ ssn: '078-05-1120', user: { name: 'Ada' } });
  });

  it('counts and aggregates that do not touch encrypted fields still work', async () => {
    expect(await t.prisma.user.count()).toBe(2);
    expect(await t.prisma.user.count({ where: { phone: null } })).toBe(1);
    expect(await t.prisma.user.count({ where: { phone: { not: null } } })).toBe(1);
    const aggregate = await t.prisma.user.aggregate({ _count: { _all: true }, _max: { id: true } });
    expect(aggregate._count._all).toBe(2);
    const groups = await t.prisma.post.groupBy({ by: ['authorId'], _count: true });
    expect(groups).toEqual([{ authorId: ada.id, _count: 2 }]);
  });
});
