import { createHash } from 'node:crypto';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import type { Provider } from '../harness';
import { openIndexedDatabase, storedEmailHashes, type IndexedDatabase } from './indexed-database';

const EMAIL = { normalize: ['lowercase', 'trim'] as const, bytes: 32 };

describe.each<Provider>(['sqlite', 'postgresql'])('index-key rotation and what is at rest on %s', (provider) => {
  let t: IndexedDatabase;
  afterAll(() => t.close());
  beforeAll(async () => {
    t = await openIndexedDatabase(provider);
  });

  it('during a rotation rows indexed under v1 and v2 are both found; writes use v2', async () => {
    const old = (await t.prisma.user.create({ data: { name: 'Old', email: 'old@example.com' } })).id; // indexed under v1
    const v2 = t.withIndexer(await t.indexerFor([1, 2]));
    const fresh = (await v2.user.create({ data: { name: 'New', email: 'new@example.com' } })).id;
    const hashes = await storedEmailHashes(t);
    expect(hashes.get(old)).toMatch(/^v1\$/);
    expect(hashes.get(fresh)).toMatch(/^v2\$/);

    expect((await v2.user.findMany({ where: { email: { in: ['old@example.com', 'new@example.com'] } }, orderBy: { id: 'asc' } })).map((u) => u.id)).toEqual([old, fresh]);
    expect(await v2.user.findFirst({ where: { email: 'OLD@example.com' }, select: { id: true } })).toEqual({ id: old });
    expect(await v2.user.findUnique({ where: { email: 'old@example.com' } as never, select: { id: true } })).toEqual({ id: old });
    expect(await v2.user.findUnique({ where: { email: 'new@example.com' } as never, select: { id: true } })).toEqual({ id: fresh });
    expect(await v2.user.findUnique({ where: { email: 'none@example.com' } as never })).toBeNull();
    const post = await v2.post.create({ data: { title: 't', body: 'b', author: { connect: { email: 'old@example.com' } as never } }, select: { authorId: true } });
    expect(post.authorId).toBe(old);

    // An update of a v1 row through a unique lookup rewrites its index under v2.
    await v2.user.update({ where: { email: 'old@example.com' } as never, data: { email: 'old@example.com', name: 'Old 2' } });
    expect((await storedEmailHashes(t)).get(old)).toBe((await t.indexerFor([2])).compute({ model: 'User', field: 'email' }, 'old@example.com', EMAIL));
    // upsert during the rotation: an existing v1 row takes the update branch, not a duplicate create.
    const v1Only = (await t.prisma.user.create({ data: { name: 'V1', email: 'v1@example.com' } })).id;
    const upserted = await v2.user.upsert({ where: { email: 'v1@example.com' } as never, create: { name: 'dup', email: 'v1@example.com' }, update: { name: 'V1 updated' } });
    expect(upserted).toMatchObject({ id: v1Only, name: 'V1 updated' });
    // The old client (v1 only) no longer finds the row moved to v2: why every instance must hold both keys first.
    expect(await t.prisma.user.findFirst({ where: { email: 'new@example.com' } })).toBeNull();
  });

  it('no stored index equals an unkeyed SHA-256 of the plaintext or its normalized form', async () => {
    await t.prisma.profile.create({ data: { ssn: '078-05-1120', user: { create: { name: 'S', email: ' Sha@Example.com' } } } });
    const users = await t.prisma.user.findMany({ select: { email: true } });
    const profiles = await t.prisma.profile.findMany({ select: { ssn: true } });
    const plaintexts = [...users.map((u) => u.email), ...profiles.map((p) => p.ssn!)].flatMap((v) => [v, v.trim(), v.trim().toLowerCase()]);
    const unkeyed = new Set<string>();
    for (const value of plaintexts) {
      const digest = createHash('sha256').update(value, 'utf8').digest();
      for (const encoded of [digest.toString('hex'), digest.toString('base64'), digest.toString('base64url')]) {
        for (const length of [4, 8, 16, encoded.length]) unkeyed.add(encoded.slice(0, length));
      }
    }
    const stored = [...(await t.plain.user.findMany({ select: { emailHash: true } })).map((u) => u.emailHash), ...(await t.plain.profile.findMany({ select: { ssnHash: true } })).map((p) => p.ssnHash)];
    expect(stored.length).toBeGreaterThan(3);
    for (const index of stored) {
      expect(index).not.toBeNull();
      const digest = index!.slice(index!.indexOf('$') + 1);
      expect(unkeyed.has(digest)).toBe(false);
      expect(unkeyed.has(index!)).toBe(false);
      expect(plaintexts).not.toContain(index);
    }
  });

  it('the index key is an Encryption SDK message and never appears at rest', async () => {
    const message = t.indexKeyMessages.get(1)!;
    const { plaintext, messageHeader } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(t.keyring, Buffer.from(message, 'base64'));
    expect(messageHeader.encryptionContext).toMatchObject({ 'prisma-kms:purpose': 'blind-index-key', 'prisma-kms:index-key-version': '1' });
    expect(plaintext).toHaveLength(32);
    const forms = [plaintext.toString('hex'), plaintext.toString('base64'), plaintext.toString('base64url')];
    expect(forms.some((form) => message.includes(form))).toBe(false);
    const q = t.db.raw.quote;
    for (const table of ['users', 'Profile', 'Post', 'Comment']) {
      const dump = JSON.stringify(await t.db.raw.query(`SELECT * FROM ${q(table)}`));
      for (const form of forms) expect(dump.includes(form)).toBe(false);
    }
  });
});
