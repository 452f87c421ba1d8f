/**
 * Fault drills through the extension on real databases, with a KMS keyring against kms-local: KMS down,
 * throttled, refusing a principal, or hung. In every case the application gets field-crypto's typed
 * `KeyringError`, and nothing is lost or half-written: a failed write leaves no row, a failed read
 * returns no value at all (never ciphertext, never some values and not others).
 *
 * The drills need kms-local's fault injection, so against LocalStack or AWS (PKMS_KMS_ENDPOINT,
 * PKMS_KMS_TARGET=aws) they are skipped, with the reason printed.
 */
import {
  createFieldCipher,
  FieldCryptoErrorCode,
  KeyringError,
  kmsKeyring,
  type DataKeyCacheOptions,
  type KeyringNode,
  type KmsKeyringOptions,
} from '@prisma-kms/field-crypto';
import type { KmsLocalFaults } from '@prisma-kms/kms-local';
import { describeOnKmsLocal, openKmsTarget, type KmsTarget } from '@prisma-kms/kms-local/testing';
import { fieldEncryption } from '@prisma-kms/prisma';
import type { Provider, TestPrismaClient } from '../harness';
import { findPlaintextAtRest, openEncryptedDatabase, type EncryptedDatabase } from '../extension/encrypted-database';

/** The error a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** The messages of an error's `cause` chain, joined. */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let cause = (error as { cause?: unknown }).cause; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    messages.push(`${cause.name}: ${cause.message}`);
  }
  return messages.join(' <- ');
}

/**
 * Asserts `error` is field-crypto's KeyringError and carries no plaintext: with that AWS error name, or
 * (a RegExp, for failures KMS never answered) with a cause chain that names the network failure.
 */
function expectKeyringError(error: unknown, expected: string | RegExp, plaintexts: readonly string[] = []): KeyringError {
  expect(error).toBeInstanceOf(KeyringError);
  const keyringError = error as KeyringError;
  expect(keyringError.code).toBe(FieldCryptoErrorCode.KEYRING_FAILED);
  if (typeof expected === 'string') expect(keyringError.awsErrorName).toBe(expected);
  else expect(causeChain(keyringError)).toMatch(expected);
  for (const plaintext of plaintexts) expect(keyringError.message).not.toContain(plaintext);
  return keyringError;
}

describeOnKmsLocal(describe, 'the KMS fault drills through the extension').each<Provider>(['sqlite', 'postgresql'])(
  'KMS fault drills through the extension on %s',
  (provider) => {
    let target: KmsTarget;
    let faults: KmsLocalFaults;
    let keyArn: string;
    let t: EncryptedDatabase;
    const opened: TestPrismaClient[] = [];

    beforeAll(async () => {
      target = await openKmsTarget();
      faults = target.faults!;
      keyArn = (await target.createKey()).arn;
      t = await openEncryptedDatabase(provider, { keyring: kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig() }) });
    });

    afterEach(() => {
      faults.clear();
    });

    afterAll(async () => {
      try {
        await Promise.all(opened.map((client) => client.$disconnect()));
        await t?.close();
      } finally {
        await target?.close();
      }
    });

    function keyring(options: Partial<KmsKeyringOptions> = {}): KeyringNode {
      return kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), ...options });
    }

    /** An extended client with its own cipher, so its data-key cache is cold: every field needs KMS. */
    function coldClient(withKeyring: KeyringNode, cache?: DataKeyCacheOptions) {
      const cipher = createFieldCipher(cache ? { keyring: withKeyring, cache } : { keyring: withKeyring });
      const client = t.db.client();
      opened.push(client);
      return { cipher, prisma: client.$extends(fieldEncryption({ fields: t.fields, cipher, mode: 'strict', blindIndexer: t.blindIndexer })) };
    }

    /** Rows per table, counted on the raw connection (no Prisma, no extension). */
    async function rowCounts(): Promise<Record<'User' | 'Profile' | 'Post', number>> {
      const q = t.db.raw.quote;
      const count = async (model: 'User' | 'Profile' | 'Post') => {
        const [row] = await t.db.raw.query<{ n: unknown }>(`SELECT COUNT(*) AS ${q('n')} FROM ${q(t.fields.models[model]!.dbName)}`);
        return Number(row!.n);
      };
      return { User: await count('User'), Profile: await count('Profile'), Post: await count('Post') };
    }

    it('KMS down: create, nested create and createMany fail with a KeyringError and write nothing; the same writes succeed once KMS is back', async () => {
      const { prisma } = coldClient(keyring());
      const tag = `${provider}-down`;
      const writes = {
        create: () => prisma.user.create({ data: { name: 'Ada Down', email: `ada@${tag}.test` } }),
        nested: () =>
          prisma.user.create({
            data: {
              name: 'Grace Down',
              email: `grace@${tag}.test`,
              profile: { create: { bio: 'bio while down', ssn: '123-45-6789' } },
              posts: { create: [{ title: `${tag} post`, body: 'body while down', secretNote: 'note while down' }] },
            },
          }),
        createMany: () =>
          prisma.user.createMany({ data: [0, 1, 2].map((i) => ({ name: `Bulk ${i}`, email: `bulk${i}@${tag}.test` })) }),
      };
      const before = await rowCounts();

      faults.down(true);
      for (const write of Object.values(writes)) {
        const error = expectKeyringError(await rejection(write()), /ECONNRESET|socket hang up|ECONNREFUSED/, [
          'Ada Down',
          'Grace Down',
          'body while down',
          '123-45-6789',
        ]);
        expect(['User', 'Profile', 'Post']).toContain(error.model);
        // A failed connection is named as such, not as the SDK's TimeoutError.
        expect(error.awsErrorName).toBe('NetworkError');
        expect(error.message).toMatch(/could not be reached/);
      }
      expect(await rowCounts()).toEqual(before);

      faults.down(false);
      await writes.create();
      const nested = await writes.nested();
      expect(await writes.createMany()).toEqual({ count: 3 });
      expect(await rowCounts()).toEqual({ User: before.User + 5, Profile: before.Profile + 1, Post: before.Post + 1 });
      const grace = await prisma.user.findUniqueOrThrow({ where: { id: nested.id }, include: { profile: true, posts: true } });
      expect(grace).toMatchObject({ name: 'Grace Down', profile: { bio: 'bio while down', ssn: '123-45-6789' } });
      expect(grace.posts).toEqual([expect.objectContaining({ body: 'body while down', secretNote: 'note while down' })]);
      expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
    });

    describe('throttled during a bulk read through a cold cache', () => {
      const POSTS = 6; // x 2 encrypted fields, one data key per value: 12 distinct data keys to Decrypt
      let authorId: number;
      let expected: Map<string, { body: string; secretNote: string }>;

      beforeAll(async () => {
        // maxMessages: 1 gives every value its own data key, as rows written by many processes would have.
        const { prisma, cipher } = coldClient(keyring(), { maxMessages: 1 });
        const author = await prisma.user.create({ data: { name: 'Throttle Author', email: `author@${provider}-throttle.test` } });
        authorId = author.id;
        const rows = Array.from({ length: POSTS }, (_, i) => ({ title: `throttle ${i}`, body: `throttled body ${i}`, secretNote: `throttled note ${i}`, authorId }));
        await prisma.post.createMany({ data: rows });
        expect(cipher.stats.keyringGenerateCalls).toBe(2 + 2 * POSTS);
        expected = new Map(rows.map((row) => [row.title, { body: row.body, secretNote: row.secretNote }]));
      });

      const readAll = (prisma: ReturnType<typeof coldClient>['prisma']) =>
        prisma.post.findMany({ where: { authorId }, orderBy: { title: 'asc' }, select: { title: true, body: true, secretNote: true } });

      it('above 2 Decrypt/s with no SDK retries: the read fails with KeyringError(ThrottlingException) and returns nothing', async () => {
        const { prisma, cipher } = coldClient(keyring({ clientConfig: { maxAttempts: 1 } }));
        target.resetCalls();
        faults.throttleAbove(2);
        const error = expectKeyringError(await rejection(readAll(prisma)), 'ThrottlingException', ['throttled body', 'throttled note']);
        expect(error.model).toBe('Post');
        expect(target.calls()!['Decrypt']).toBeGreaterThan(2);
        expect(cipher.stats.decrypted).toBeLessThan(2 * POSTS);

        // The same read with KMS no longer throttled returns every value.
        faults.throttleAbove(undefined);
        const posts = await readAll(prisma);
        expect(new Map(posts.map((post) => [post.title, { body: post.body, secretNote: post.secretNote }]))).toEqual(expected);
      });

      it('above 5 Decrypt/s with the SDK retrying (10 attempts): the retries succeed and every value is correct', async () => {
        const { prisma, cipher } = coldClient(keyring({ clientConfig: { maxAttempts: 10 }, requestTimeoutMs: 45_000 }));
        target.resetCalls();
        faults.throttleAbove(5);
        const posts = await readAll(prisma);
        expect(posts).toHaveLength(POSTS);
        expect(new Map(posts.map((post) => [post.title, { body: post.body, secretNote: post.secretNote }]))).toEqual(expected);
        // 12 data keys, at most 5 admitted per second: some calls were throttled and retried.
        expect(cipher.stats.keyringDecryptCalls).toBe(2 * POSTS);
        expect(target.calls()!['Decrypt']).toBeGreaterThan(2 * POSTS);
      }, 60_000);
    });

    it('access denied: a principal with only Decrypt reads, but its write fails with AccessDeniedException and writes nothing', async () => {
      const { arn } = await target.createKey();
      await target.local!.setAccess(arn, { GenerateDataKey: ['AKIAWRITER'], Encrypt: ['AKIAWRITER'], Decrypt: ['AKIAWRITER', 'AKIAREADER'] });
      const principal = (accessKeyId: string) =>
        kmsKeyring({ generatorKeyId: arn, ...target.clientConfig(accessKeyId), clientConfig: { maxAttempts: 1 } });

      const writer = coldClient(principal('AKIAWRITER')).prisma;
      const written = await writer.user.create({ data: { name: 'Written By Writer', email: `writer@${provider}-access.test` } });

      const reader = coldClient(principal('AKIAREADER')).prisma;
      expect(await reader.user.findUniqueOrThrow({ where: { id: written.id } })).toMatchObject({ name: 'Written By Writer' });

      const before = await rowCounts();
      const error = expectKeyringError(
        await rejection(reader.user.create({ data: { name: 'Written By Reader', email: `reader@${provider}-access.test` } })),
        'AccessDeniedException',
        ['Written By Reader'],
      );
      expect(error.model).toBe('User');
      const updateError = await rejection(reader.user.update({ where: { id: written.id }, data: { name: 'Renamed By Reader' } }));
      expectKeyringError(updateError, 'AccessDeniedException', ['Renamed By Reader']);
      expect(await rowCounts()).toEqual(before);
      expect(await writer.user.findUniqueOrThrow({ where: { id: written.id } })).toMatchObject({ name: 'Written By Writer' });

      // A principal on no list at all can do neither.
      const stranger = coldClient(principal('AKIASTRANGER')).prisma;
      expectKeyringError(await rejection(stranger.user.findUniqueOrThrow({ where: { id: written.id } })), 'AccessDeniedException');
    });

    it('latency above requestTimeoutMs: the write fails with KeyringError(TimeoutError) in bounded time and writes nothing', async () => {
      const { prisma } = coldClient(keyring({ requestTimeoutMs: 300 }));
      const before = await rowCounts();
      faults.latency(2_000);
      const started = Date.now();
      const error = await rejection(prisma.user.create({ data: { name: 'Slow Ada', email: `slow@${provider}-timeout.test` } }));
      const elapsed = Date.now() - started;
      expectKeyringError(error, 'TimeoutError', ['Slow Ada']);
      expect((error as KeyringError).message).toContain('requestTimeoutMs');
      // The deadline covers the SDK's retries; well below the injected latency (margin for a loaded machine).
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(1_500);
      expect(await rowCounts()).toEqual(before);

      faults.clear();
      // Retried at once: a failed batch has no KMS call left in flight for the retry to join.
      expect(await prisma.user.create({ data: { name: 'Slow Ada', email: `slow@${provider}-timeout.test` } })).toMatchObject({ name: 'Slow Ada' });
    });
  },
);
