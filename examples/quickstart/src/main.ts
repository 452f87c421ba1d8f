/**
 * prisma-kms quickstart: SQLite and a local AES key, no AWS account and no setup.
 *
 * `pnpm start` runs `prisma migrate deploy` (this folder's own migrations create `.data/quickstart.db`),
 * then this file, which:
 * 1. creates `.data/local-key.txt` (a 256-bit key, mode 0600) on first run;
 * 2. on first run, creates version 1 of the key store's two keys (rows of the `prisma_kms_keys` table,
 *    wrapped by the local key): the field key and the blind-index key. A control-plane step, what
 *    `prisma-kms keys create` and `keys create --purpose blind-index` do; an app never does it per request;
 * 3. extends a Prisma client with `fieldEncryption`, writing compact values under the key store and
 *    computing the email's blind index with the store's index key;
 * 4. writes users with posts through the extended client, then prints what the database holds
 *    (read with plain SQL, bypassing Prisma) beside what the client returns.
 *
 * In production the keyring is `kmsKeyring({ generatorKeyId: 'arn:aws:kms:...' })`: nothing else changes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import {
  APPLICATION_SCOPE,
  createFieldCipher,
  createKeyStore,
  ensureLocalKeyFile,
  keyStoreAdmin,
  localAesKeyring,
  type KeyringNode,
  type KeyStoreStorage,
} from '@prisma-kms/field-crypto';
import { fieldEncryption, prismaKeyStorage } from '@prisma-kms/prisma';
// What `prisma generate` wrote from prisma/schema.prisma (the build step; `pnpm build`).
import { PrismaClient } from '../prisma/generated/client/client.js';
import { fieldMap } from '../prisma/generated/field-map/index.js';

const dataDir = join(__dirname, '..', '.data');
const databaseFile = join(dataDir, 'quickstart.db');

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });

  // A development key kept in a file. Never use a local key for real data: use kmsKeyring().
  const key = ensureLocalKeyFile(join(dataDir, 'local-key.txt'));
  const keyring = localAesKeyring({ key }, { keyName: 'quickstart', keyNamespace: 'prisma-kms-quickstart' });
  const base = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${databaseFile}` }) });

  // The key store: key versions in this database, each wrapped by the keyring. Pass the unextended
  // client's delegate, so key-store queries never go through the extension.
  const storage = prismaKeyStorage(base.prismaKmsKey);
  await ensureFirstKeyVersions(storage, keyring);
  const keyStore = createKeyStore({ name: KEY_STORE, storage, keyring });
  // Compact values under the key store (the default with a key store); the keyring still reads
  // Encryption SDK messages written by earlier versions of this quickstart.
  const cipher = createFieldCipher({ keyring, keyStore, format: 'compact', encryptionContext: { app: 'quickstart' } });
  // The blind-index key (for `where: { email }`) is a row of the same store. A function, not an indexer:
  // each operation that may need it asks the store, which caches it and picks up a rotated index key.
  const blindIndexer = () => keyStore.blindIndexer(APPLICATION_SCOPE);
  const prisma = base.$extends(fieldEncryption({ fields: fieldMap, cipher, blindIndexer }));

  const run = Date.now().toString(36);
  const ada = await prisma.user.create({
    data: {
      name: 'Ada Lovelace',
      email: `ada+${run}@example.com`,
      phone: '+44 20 7946 0001',
      posts: {
        create: [
          { title: 'Notes on the Analytical Engine', body: 'The engine weaves algebraic patterns.' },
          { title: 'Draft', body: 'Not for publication yet.', secretNote: 'Send to Babbage first' },
        ],
      },
    },
    include: { posts: true },
  });

  // What the application sees: plaintext, with no change to its queries.
  const fromClient = await prisma.user.findUniqueOrThrow({
    where: { id: ada.id },
    include: { posts: { orderBy: { title: 'asc' } } },
  });

  // Equality on an encrypted field works through its blind index (normalised: trim + lowercase).
  const found = await prisma.user.findFirst({ where: { email: `ADA+${run}@Example.COM` }, select: { id: true, email: true } });

  // What the database holds: compact values (base64: format byte, key-version id, IV, ciphertext, tag),
  // each under a key derived for its model and field.
  const db = new Database(databaseFile, { readonly: true });
  const stored = db.prepare('SELECT name, email, email_hash, phone_number FROM users WHERE id = ?').get(ada.id) as Record<string, string>;
  const storedPosts = db.prepare('SELECT title, body FROM posts WHERE author_id = ? ORDER BY title').all(ada.id) as Record<string, string>[];
  db.close();

  const clip = (value: string | null | undefined) => (value == null ? 'null' : value.length > 80 ? `${value.slice(0, 77)}...` : value);
  console.log('\nUser', ada.id);
  console.table({
    name: { database: clip(stored.name), client: fromClient.name },
    email: { database: clip(stored.email), client: fromClient.email },
    phone: { database: clip(stored.phone_number), client: fromClient.phone },
    emailHash: { database: clip(stored.email_hash), client: '(blind index, HMAC-SHA-256)' },
  });
  console.log('Posts');
  console.table(
    storedPosts.map((row, index) => ({
      title: row.title,
      'body in database': clip(row.body),
      'body from client': fromClient.posts[index]?.body,
    })),
  );
  console.log(`findFirst({ where: { email: 'ADA+${run}@Example.COM' } }) ->`, found);
  console.log(`Stored value size: ${stored.email?.length} characters for a ${fromClient.email.length}-character email.`);
  console.log(`Key store: ${JSON.stringify(keyStore.stats)} (one keyring unwrap per key version per process, whatever the row count)`);
  console.log(`\nDatabase: ${databaseFile}\nLocal key: ${join(dataDir, 'local-key.txt')} (development only; the one key file: the field and blind-index keys are rows of prisma_kms_keys)`);
  console.log('Run it again: the same key reads the earlier rows; delete .data/ to start over.');

  await base.$disconnect();
}

/** The key store's name, bound into every key row's encryption context. */
const KEY_STORE = 'quickstart';

/**
 * Control plane, not data plane: makes version 1 of the field key and of the blind-index key when the
 * store has none, as `prisma-kms keys create` and `prisma-kms keys create --purpose blind-index` would.
 * An application creates and rotates keys from the CLI, never per request.
 */
async function ensureFirstKeyVersions(storage: KeyStoreStorage, keyring: KeyringNode): Promise<void> {
  const admin = keyStoreAdmin({ name: KEY_STORE, storage, keyring });
  const existing = new Set((await admin.list()).map((v) => v.purpose));
  for (const purpose of ['field', 'blind-index'] as const) {
    if (existing.has(purpose)) continue;
    const created = await admin.createKeyVersion({ purpose });
    console.log(`Control plane (first run only): created ${purpose} key '${created.keyName}' version ${created.version} (id ${created.id}) in prisma_kms_keys, wrapped by the local key.`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
