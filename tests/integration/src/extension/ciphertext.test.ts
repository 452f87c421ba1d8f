import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { FieldCryptoErrorCode, isFieldCryptoError } from '@prisma-kms/field-crypto';
import type { Provider } from '../harness';
import { countStoredValues, encryptedColumns, findPlaintextAtRest, openEncryptedDatabase, storedValues, type EncryptedDatabase } from './encrypted-database';

// What is at rest, read through a raw connection: AWS Encryption SDK messages that the SDK itself
// decrypts, bound to their column, and never readable once moved or altered.
describe.each<Provider>(['sqlite', 'postgresql'])('ciphertext at rest on %s', (provider) => {
  let t: EncryptedDatabase;
  const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

  beforeAll(async () => {
    t = await openEncryptedDatabase(provider);
    await t.prisma.user.create({
      data: {
        name: 'Ada',
        email: 'ada@example.com',
        phone: '+44 20 7946 0000',
        profile: { create: { bio: 'Analyst', ssn: '078-05-1120' } },
        posts: { create: { title: 't', body: 'Notes on the engine', secretNote: 'draft', comments: { create: { text: 'Brilliant', authorId: 1 } } } },
      },
    });
    await t.prisma.auditEntry.create({ data: { tenant: 'acme', seq: 1, payload: '{"op":"login"}', action: 'login' } });
    await t.prisma.account.create({
      data: { owner: 'Acme Ltd', settings: { create: { secret: 'pin 1234', settings: 'dark', where: 'Paris' } }, notes: { create: { label: 'urgent' } } },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  const q = (identifier: string) => t.db.raw.quote(identifier);

  it('stores in every encrypted column an Encryption SDK message that the SDK decrypts, with the column in its context', async () => {
    const plaintexts: Record<string, string> = {
      'User.name': 'Ada',
      'User.email': 'ada@example.com',
      'User.phone': '+44 20 7946 0000',
      'Profile.bio': 'Analyst',
      'Profile.ssn': '078-05-1120',
      'Post.body': 'Notes on the engine',
      'Post.secretNote': 'draft',
      'Comment.text': 'Brilliant',
      'AuditEntry.payload': '{"op":"login"}',
      'Account.owner': 'Acme Ltd',
      'Settings.secret': 'pin 1234',
      'Settings.settings': 'dark',
      'Settings.where': 'Paris',
      'Note.label': 'urgent',
    };
    // Models with a key scope (TenantMember, TenantNote, Journal) hold compact values under a key store,
    // never Encryption SDK messages: their values at rest are checked in src/scopes.
    const columns = encryptedColumns(t.fields).filter((column) => t.fields.models[column.model]?.scope === undefined);
    expect(columns.map((column) => `${column.model}.${column.field}`).sort()).toEqual(Object.keys(plaintexts).sort());
    for (const column of columns) {
      const [stored] = await storedValues(t.db, column);
      const expected = plaintexts[`${column.model}.${column.field}`]!;
      expect(stored).not.toContain(expected);
      const { plaintext, messageHeader } = await sdk.decrypt(t.keyring, Buffer.from(stored!, 'base64'));
      expect(plaintext.toString('utf8')).toBe(expected);
      expect(messageHeader.encryptionContext).toMatchObject({ 'prisma-kms:model': column.model, 'prisma-kms:field': column.field });
    }
  });

  it('finds no plaintext in any encrypted column of the database', async () => {
    expect(await countStoredValues(t.db, t.fields)).toBe(14);
    expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
  });

  it('fails to read a value copied into another column of the same row', async () => {
    const user = await t.prisma.user.create({ data: { name: 'Mallory', email: 'mallory@example.com' } });
    await t.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ${q('email')} WHERE ${q('id')} = ?`, [user.id]);
    const error = await t.prisma.user.findUnique({ where: { id: user.id } }).catch((e: unknown) => e);
    expect(isFieldCryptoError(error)).toBe(true);
    expect(error).toMatchObject({ code: FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH, model: 'User', field: 'name' });
    expect((error as Error).message).not.toContain('mallory@example.com');
    await t.prisma.user.delete({ where: { id: user.id }, select: { id: true } });
  });

  it('fails to read a value copied from another model', async () => {
    const post = await t.prisma.post.findFirstOrThrow({ select: { id: true, authorId: true } });
    const comment = await t.prisma.comment.create({ data: { text: 'harmless', postId: post.id, authorId: post.authorId } });
    const [{ body }] = (await t.db.raw.query<{ body: string }>(`SELECT ${q('body')} FROM ${q('Post')} WHERE ${q('id')} = ?`, [post.id])) as [
      { body: string },
    ];
    await t.db.raw.query(`UPDATE ${q('Comment')} SET ${q('text')} = ? WHERE ${q('id')} = ?`, [body, comment.id]);
    const error = await t.prisma.comment.findUnique({ where: { id: comment.id } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH, model: 'Comment', field: 'text' });
    // The same failure when the row is reached through a relation.
    const nested = await t.prisma.post.findUnique({ where: { id: post.id }, include: { comments: true } }).catch((e: unknown) => e);
    expect(nested).toMatchObject({ code: FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH, model: 'Comment', field: 'text' });
    await t.plain.comment.delete({ where: { id: comment.id } });
  });

  it('fails to read tampered ciphertext, in lenient mode too, and never returns it as data', async () => {
    const user = await t.prisma.user.create({ data: { name: 'Eve', email: 'eve@example.com' } });
    const [{ name }] = (await t.db.raw.query<{ name: string }>(`SELECT ${q('name')} FROM ${q('users')} WHERE ${q('id')} = ?`, [user.id])) as [
      { name: string },
    ];
    const bytes = Buffer.from(name, 'base64');
    bytes[bytes.length - 1]! ^= 0x01; // the last byte of the authentication tag
    await t.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [bytes.toString('base64'), user.id]);
    for (const client of [t.prisma, t.withMode('lenient'), t.withMode('strict')]) {
      const error = await client.user.findUnique({ where: { id: user.id } }).catch((e: unknown) => e);
      expect(isFieldCryptoError(error)).toBe(true);
      expect(error).toMatchObject({ code: FieldCryptoErrorCode.DECRYPTION_FAILED, model: 'User', field: 'name' });
    }
    // A message cut short after its header is still recognised as ciphertext and fails, in both modes.
    const truncated = bytes.subarray(0, bytes.length - 10);
    await t.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [truncated.toString('base64'), user.id]);
    for (const client of [t.withMode('lenient'), t.withMode('strict')]) {
      const error = await client.user.findUnique({ where: { id: user.id } }).catch((e: unknown) => e);
      expect(isFieldCryptoError(error)).toBe(true);
      expect(error).toMatchObject({ model: 'User', field: 'name' });
    }
    await t.plain.user.delete({ where: { id: user.id } });
  });
});
