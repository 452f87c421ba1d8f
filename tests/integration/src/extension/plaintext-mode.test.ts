import { PlaintextValueError, PrismaKmsErrorCode } from '@prisma-kms/prisma';
import type { Provider } from '../harness';
import { findPlaintextAtRest, openEncryptedDatabase, type EncryptedDatabase } from './encrypted-database';

// A table part-way through `prisma-kms encrypt` holds plaintext and ciphertext side by side:
// 'lenient' (the default) returns plaintext as it is, 'strict' refuses to.
describe.each<Provider>(['sqlite', 'postgresql'])('plaintext mid-migration on %s', (provider) => {
  let t: EncryptedDatabase;
  let legacyId: number;
  let encryptedId: number;

  beforeAll(async () => {
    t = await openEncryptedDatabase(provider);
    // Written before the extension was installed: plaintext at rest.
    const legacy = await t.plain.user.create({ data: { name: 'Legacy', email: 'legacy@example.com', posts: { create: { title: 't', body: 'old body' } } } });
    legacyId = legacy.id;
    encryptedId = (await t.prisma.user.create({ data: { name: 'New', email: 'new@example.com' } })).id;
  });

  afterAll(async () => {
    await t.close();
  });

  it('lenient (the default) returns plaintext values as they are, beside decrypted ones', async () => {
    const users = await t.prisma.user.findMany({ orderBy: { id: 'asc' }, include: { posts: true } });
    expect(users.map((user) => [user.id, user.name, user.email])).toEqual([
      [legacyId, 'Legacy', 'legacy@example.com'],
      [encryptedId, 'New', 'new@example.com'],
    ]);
    expect(users[0]!.posts[0]!.body).toBe('old body');
    expect(await t.withMode('lenient').user.findUniqueOrThrow({ where: { id: legacyId } })).toMatchObject({ name: 'Legacy' });
  });

  it('strict throws PlaintextValueError naming model and field, without the value', async () => {
    const strict = t.withMode('strict');
    const error = await strict.user.findUnique({ where: { id: legacyId } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlaintextValueError);
    expect(error).toMatchObject({ code: PrismaKmsErrorCode.PLAINTEXT_VALUE, model: 'User', field: 'name' });
    expect((error as Error).message).not.toContain('Legacy');
    const nested = await strict.post.findFirst({ where: { authorId: legacyId }, select: { title: true } }).catch((e: unknown) => e);
    expect(nested).toEqual({ title: 't' }); // no encrypted field selected: nothing to refuse
    const body = await strict.post.findFirst({ where: { authorId: legacyId } }).catch((e: unknown) => e);
    expect(body).toMatchObject({ code: PrismaKmsErrorCode.PLAINTEXT_VALUE, model: 'Post', field: 'body' });
    expect(await strict.user.findUniqueOrThrow({ where: { id: encryptedId } })).toMatchObject({ name: 'New' });
  });

  it('an update through the extension encrypts the row, after which strict reads it and nothing is plaintext', async () => {
    const legacy = await t.prisma.user.findUniqueOrThrow({ where: { id: legacyId }, include: { posts: true } });
    await t.prisma.user.update({
      where: { id: legacyId },
      data: { name: legacy.name, email: legacy.email, posts: { update: { where: { id: legacy.posts[0]!.id }, data: { body: legacy.posts[0]!.body } } } },
    });
    expect(await t.withMode('strict').user.findUniqueOrThrow({ where: { id: legacyId }, include: { posts: true } })).toMatchObject({
      name: 'Legacy',
      posts: [{ body: 'old body' }],
    });
    expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
  });

  // Issue 9, finding 6: anyone with write access could otherwise turn a ciphertext into "plaintext"
  // that lenient mode hands to the application as data.
  it.each([
    ['a trailing newline', (stored: string) => `${stored}\n`],
    ['a leading space', (stored: string) => ` ${stored}`],
    ['a changed version byte', (stored: string) => { const bytes = Buffer.from(stored, 'base64'); bytes[0] = 3; return bytes.toString('base64'); }],
    ['a changed suite byte', (stored: string) => { const bytes = Buffer.from(stored, 'base64'); bytes[2] = (bytes[2] ?? 0) ^ 1; return bytes.toString('base64'); }],
  ])('lenient throws MalformedCiphertextError on a ciphertext with %s, never returns it as data', async (_name, edit) => {
    const id = (await t.prisma.user.create({ data: { name: 'Edited', email: 'edited@example.com' } })).id;
    const stored = (await t.plain.user.findUniqueOrThrow({ where: { id } })).name;
    await t.plain.user.update({ where: { id }, data: { name: edit(stored) } });
    const error = await t.withMode('lenient').user.findUnique({ where: { id } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PRISMA_KMS_MALFORMED_CIPHERTEXT', model: 'User', field: 'name' });
    await t.plain.user.delete({ where: { id } });
  });

  it('rejects an unknown mode when the extension is created', () => {
    expect(() => t.withMode('loose' as never)).toThrow(expect.objectContaining({ code: PrismaKmsErrorCode.INVALID_CONFIGURATION }));
  });
});
