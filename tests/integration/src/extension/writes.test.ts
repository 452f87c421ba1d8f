import { InvalidFieldValueError, UnsupportedQueryError } from '@prisma-kms/prisma';
import { Prisma } from '@prisma-kms/schema/sqlite';
import type { Provider } from '../harness';
import { countStoredValues, findPlaintextAtRest, openEncryptedDatabase, type EncryptedDatabase } from './encrypted-database';

// Every kind of write encrypts every encrypted field it touches, at any depth, and the database never
// sees a plaintext. Strict mode: a plaintext that slipped through would also fail every read back.
describe.each<Provider>(['sqlite', 'postgresql'])('extension writes on %s', (provider) => {
  let t: EncryptedDatabase;
  beforeAll(async () => {
    t = await openEncryptedDatabase(provider, { mode: 'strict' });
  });
  afterAll(async () => {
    try {
      // The at-rest check: after every test of this file, no encrypted column holds a plaintext.
      expect(await countStoredValues(t.db, t.fields)).toBeGreaterThan(40);
      expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  /** What the database holds in one column of one row (quoted identifiers, `?` placeholders). */
  async function stored(table: string, column: string, id: unknown, idColumn = 'id'): Promise<string | null> {
    const q = t.db.raw.quote;
    const rows = await t.db.raw.query<{ v: string | null }>(`SELECT ${q(column)} AS ${q('v')} FROM ${q(table)} WHERE ${q(idColumn)} = ?`, [id]);
    expect(rows).toHaveLength(1);
    return rows[0]!.v;
  }

  function expectCiphertext(value: string | null, model: string, field: string): void {
    expect(typeof value).toBe('string');
    const inspected = t.cipher.inspect(value!);
    expect(inspected.kind).toBe('ciphertext');
    if (inspected.kind === 'ciphertext') {
      expect(inspected.encryptionContext).toMatchObject({ 'prisma-kms:model': model, 'prisma-kms:field': field });
    }
  }

  it('create encrypts every encrypted field, returns plaintext and keeps plain fields plain', async () => {
    const user = await t.prisma.user.create({ data: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 1', role: 'admin' } });
    expect(user).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 1', role: 'admin' });
    expectCiphertext(await stored('users', 'name', user.id), 'User', 'name');
    expectCiphertext(await stored('users', 'email', user.id), 'User', 'email');
    expectCiphertext(await stored('users', 'phone_number', user.id), 'User', 'phone');
    expect(await stored('users', 'role', user.id)).toBe('admin');
    expect(await t.plain.user.findUniqueOrThrow({ where: { id: user.id } })).not.toMatchObject({ name: 'Ada Lovelace' });
  });

  it('keeps null as NULL and encrypts the empty string, which comes back empty', async () => {
    const user = await t.prisma.user.create({ data: { name: '', email: 'e@x', phone: null } });
    expect(user.name).toBe('');
    expect(user.phone).toBeNull();
    expectCiphertext(await stored('users', 'name', user.id), 'User', 'name');
    expect(await stored('users', 'phone_number', user.id)).toBeNull();
    expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).name).toBe('');
  });

  it('never mutates the arguments the caller passed', async () => {
    const args = { data: { name: 'Grace', email: 'grace@example.com', posts: { create: [{ title: 'T', body: 'COBOL' }] } }, include: { posts: true } };
    const before = structuredClone(args);
    const user = await t.prisma.user.create(args);
    expect(args).toEqual(before);
    expect(user.posts[0]!.body).toBe('COBOL');
  });

  it('createMany and createManyAndReturn encrypt every row', async () => {
    const { count } = await t.prisma.user.createMany({ data: [{ name: 'cm1', email: 'cm1@x' }, { name: 'cm2', email: 'cm2@x', phone: '2' }] });
    expect(count).toBe(2);
    const returned = await t.prisma.user.createManyAndReturn({ data: [{ name: 'cmr1', email: 'cmr1@x' }, { name: 'cmr2', email: 'cmr2@x' }] });
    expect(returned.map((user) => user.name)).toEqual(['cmr1', 'cmr2']);
    for (const user of returned) expectCiphertext(await stored('users', 'name', user.id), 'User', 'name');
    const all = await t.prisma.user.findMany({ where: { role: 'member' } });
    expect(all.map((user) => user.name)).toEqual(expect.arrayContaining(['cm1', 'cm2', 'cmr1', 'cmr2']));
  });

  it('update, { set }, updateMany and updateManyAndReturn encrypt the new values', async () => {
    const user = await t.prisma.user.create({ data: { name: 'before', email: 'u@x', role: 'updater' } });
    const updated = await t.prisma.user.update({ where: { id: user.id }, data: { name: 'after', phone: { set: '555' } } });
    expect(updated).toMatchObject({ name: 'after', phone: '555' });
    expectCiphertext(await stored('users', 'phone_number', user.id), 'User', 'phone');

    const { count } = await t.prisma.user.updateMany({ where: { role: 'updater' }, data: { email: 'many@x' } });
    expect(count).toBe(1);
    const returned = await t.prisma.user.updateManyAndReturn({ where: { role: 'updater' }, data: { name: { set: 'returned' } } });
    expect(returned).toEqual([expect.objectContaining({ name: 'returned', email: 'many@x', phone: '555' })]);
    expectCiphertext(await stored('users', 'email', user.id), 'User', 'email');
    expectCiphertext(await stored('users', 'name', user.id), 'User', 'name');

    const cleared = await t.prisma.user.update({ where: { id: user.id }, data: { phone: null } });
    expect(cleared.phone).toBeNull();
    expect(await stored('users', 'phone_number', user.id)).toBeNull();
  });

  it('upsert encrypts its create branch and its update branch', async () => {
    const created = await t.prisma.auditEntry.upsert({
      where: { tenant_seq: { tenant: 'acme', seq: 1 } },
      create: { tenant: 'acme', seq: 1, payload: 'created', action: 'c' },
      update: { payload: 'updated' },
    });
    expect(created.payload).toBe('created');
    const updated = await t.prisma.auditEntry.upsert({
      where: { tenant_seq: { tenant: 'acme', seq: 1 } },
      create: { tenant: 'acme', seq: 1, payload: 'created', action: 'c' },
      update: { payload: 'updated' },
    });
    expect(updated.payload).toBe('updated');
    const q = t.db.raw.quote;
    const rows = await t.db.raw.query<{ payload: string }>(`SELECT ${q('payload')} FROM ${q('audit_entries')} WHERE ${q('tenant')} = ?`, ['acme']);
    expectCiphertext(rows[0]!.payload, 'AuditEntry', 'payload');
  });

  it('nested create, createMany and connectOrCreate encrypt at every depth (1-1, 1-n, m-n, through a model without encrypted fields)', async () => {
    const user = await t.prisma.user.create({
      data: {
        name: 'nested',
        email: 'nested@x',
        profile: { create: { bio: 'profile bio', ssn: '123-45-6789' } },
        posts: {
          create: [
            {
              title: 'p1',
              body: 'post one',
              secretNote: 'note one',
              tags: { connectOrCreate: [{ where: { name: 'crypto' }, create: { name: 'crypto' } }] },
            },
          ],
        },
      },
      include: { profile: true, posts: { include: { tags: true } } },
    });
    expect(user.profile).toMatchObject({ bio: 'profile bio', ssn: '123-45-6789' });
    expect(user.posts[0]).toMatchObject({ body: 'post one', secretNote: 'note one', tags: [{ name: 'crypto' }] });
    const post = user.posts[0]!;
    await t.prisma.post.update({
      where: { id: post.id },
      data: { comments: { createMany: { data: [{ text: 'first comment', authorId: user.id }, { text: 'second comment', authorId: user.id }] } } },
    });
    // m-n through Tag, which has no encrypted field of its own: Tag -> Post -> User -> Profile.
    const tag = await t.prisma.tag.create({
      data: {
        name: 'via-tag',
        posts: {
          create: {
            title: 'tagged',
            body: 'created under a tag',
            author: { connectOrCreate: { where: { id: -1 }, create: { name: 'tag author', email: 't@x', profile: { create: { ssn: 'deep ssn' } } } } },
          },
        },
      },
      include: { posts: { include: { author: { include: { profile: true } } } } },
    });
    expect(tag.posts[0]).toMatchObject({ body: 'created under a tag', author: { name: 'tag author', profile: { ssn: 'deep ssn' } } });

    expectCiphertext(await stored('Profile', 'ssn', user.profile!.id), 'Profile', 'ssn');
    expectCiphertext(await stored('Post', 'secretNote', post.id), 'Post', 'secretNote');
    expectCiphertext(await stored('Post', 'body', tag.posts[0]!.id), 'Post', 'body');
    expectCiphertext(await stored('Profile', 'ssn', tag.posts[0]!.author.profile!.id), 'Profile', 'ssn');
    const comments = await t.prisma.comment.findMany({ where: { postId: post.id }, orderBy: { id: 'asc' } });
    expect(comments.map((comment) => comment.text)).toEqual(['first comment', 'second comment']);
    for (const comment of comments) expectCiphertext(await stored('Comment', 'text', comment.id), 'Comment', 'text');
  });

  it('nested update, updateMany and upsert encrypt on lists and to-one relations', async () => {
    const user = await t.prisma.user.create({
      data: { name: 'nu', email: 'nu@x', profile: { create: { bio: 'old bio' } }, posts: { create: [{ title: 'a', body: 'old a' }, { title: 'b', body: 'old b' }] } },
      include: { posts: { orderBy: { title: 'asc' } } },
    });
    const [a, b] = user.posts;
    const updated = await t.prisma.user.update({
      where: { id: user.id },
      data: {
        profile: { update: { bio: 'new bio' } },
        posts: {
          update: [{ where: { id: a!.id }, data: { body: 'new a' } }],
          updateMany: { where: { title: 'b' }, data: { secretNote: 'many note' } },
          upsert: [
            { where: { id: b!.id }, create: { title: 'never', body: 'never' }, update: { body: { set: 'upserted b' } } },
            { where: { id: 'missing' }, create: { title: 'c', body: 'created c' }, update: { body: 'never' } },
          ],
        },
      },
      include: { profile: true, posts: { orderBy: { title: 'asc' } } },
    });
    expect(updated.profile?.bio).toBe('new bio');
    expect(updated.posts.map((post) => [post.title, post.body, post.secretNote])).toEqual([
      ['a', 'new a', null],
      ['b', 'upserted b', 'many note'],
      ['c', 'created c', null],
    ]);
    // to-one update with the { where, data } envelope, and a to-one upsert.
    const again = await t.prisma.user.update({
      where: { id: user.id },
      data: { profile: { update: { where: { bio: { not: null } }, data: { ssn: 'enveloped' } } } },
      include: { profile: true },
    });
    expect(again.profile?.ssn).toBe('enveloped');
    const viaPost = await t.prisma.post.update({
      where: { id: a!.id },
      data: { author: { update: { profile: { upsert: { create: { bio: 'x' }, update: { bio: 'upserted bio' } } } } } },
      include: { author: { include: { profile: true } } },
    });
    expect(viaPost.author.profile?.bio).toBe('upserted bio');
    for (const post of updated.posts) expectCiphertext(await stored('Post', 'body', post.id), 'Post', 'body');
    expectCiphertext(await stored('Post', 'secretNote', b!.id), 'Post', 'secretNote');
    expectCiphertext(await stored('Profile', 'bio', updated.profile!.id), 'Profile', 'bio');
  });

  it('encrypts inside an array $transaction and an interactive $transaction', async () => {
    const [first, second] = await t.prisma.$transaction([
      t.prisma.user.create({ data: { name: 'tx array 1', email: 'txa1@x' } }),
      t.prisma.user.create({ data: { name: 'tx array 2', email: 'txa2@x' } }),
    ]);
    expect([first.name, second.name]).toEqual(['tx array 1', 'tx array 2']);
    const inside = await t.prisma.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { name: 'tx interactive', email: 'txi@x', posts: { create: { title: 't', body: 'tx body' } } } });
      return tx.user.findUniqueOrThrow({ where: { id: user.id }, include: { posts: true } });
    });
    expect(inside).toMatchObject({ name: 'tx interactive', posts: [{ body: 'tx body' }] });
    for (const id of [first.id, second.id, inside.id]) expectCiphertext(await stored('users', 'name', id), 'User', 'name');
    expectCiphertext(await stored('Post', 'body', inside.posts[0]!.id), 'Post', 'body');
  });

  it('leaves out encrypted fields given Prisma.skip, at the top and nested', async () => {
    // The runtime always has `skip`; its type is only declared with the strictUndefinedChecks preview feature.
    const skip = (Prisma as unknown as { skip: never }).skip;
    const user = await t.prisma.user.create({
      data: { name: 'skip', email: 'skip@x', phone: skip, posts: { create: { title: 't', body: 'b', secretNote: skip } } },
      include: { posts: true },
    });
    expect(user).toMatchObject({ name: 'skip', phone: null, posts: [{ body: 'b', secretNote: null }] });
    const updated = await t.prisma.user.update({ where: { id: user.id }, data: { name: skip, phone: 'set' } });
    expect(updated).toMatchObject({ name: 'skip', phone: 'set' });
  });

  it('refuses a non-string value for an encrypted field, naming model and field, and writes nothing', async () => {
    const before = await t.plain.user.count();
    const attempts: [string, () => Promise<unknown>][] = [
      ['number', () => t.prisma.user.create({ data: { name: 42 as unknown as string, email: 'n@x' } })],
      ['Date', () => t.prisma.user.create({ data: { name: 'n', email: new Date() as unknown as string } })],
      ['object', () => t.prisma.user.create({ data: { name: 'n', email: 'e', posts: { create: { title: 't', body: { html: 'x' } as unknown as string } } } })],
    ];
    for (const [received, attempt] of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidFieldValueError);
      expect(error).toMatchObject({ code: 'PRISMA_KMS_INVALID_FIELD_VALUE', received });
    }
    const nested = await attempts[2]![1]().catch((e: unknown) => e);
    expect(nested).toMatchObject({ model: 'Post', field: 'body' });
    expect(await t.plain.user.count()).toBe(before);
  });

  it('refuses arithmetic update operations on an encrypted field', async () => {
    const user = await t.prisma.user.create({ data: { name: 'arith', email: 'arith@x' } });
    const error = await t.prisma.user
      .update({ where: { id: user.id }, data: { name: { increment: 1 } as unknown as string } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedQueryError);
    expect(error).toMatchObject({ model: 'User', field: 'name', operator: 'increment' });
  });
});
