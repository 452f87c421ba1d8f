/**
 * A test database with the extension and a blind indexer: index keys created and loaded through a
 * local AES keyring (the path a real deployment takes with KMS), the extended client, an unextended one
 * and the raw connection, plus helpers to read the index columns as stored.
 */
import { createBlindIndexer, createFieldCipher, createIndexKey, generateLocalKey, loadIndexKeys, localAesKeyring, type BlindIndexer, type FieldCipher, type KeyringNode } from '@prisma-kms/field-crypto';
import { fieldEncryption, type FieldMap } from '@prisma-kms/prisma';
import { clientPool, createTestDatabase, type Provider, type TestDatabase, type TestPrismaClient } from '../harness';
import { fieldMapFor } from '../extension/encrypted-database';

function extend(client: TestPrismaClient, fields: FieldMap, cipher: FieldCipher, blindIndexer: BlindIndexer | undefined) {
  return client.$extends(fieldEncryption({ fields, cipher, mode: 'strict', ...(blindIndexer === undefined ? {} : { blindIndexer }) }));
}

export type IndexedClient = ReturnType<typeof extend>;

export interface IndexedDatabase {
  readonly db: TestDatabase;
  readonly fields: FieldMap;
  readonly keyring: KeyringNode;
  readonly cipher: FieldCipher;
  /** Index key messages by version (base64 Encryption SDK messages), as a key file would hold them. */
  readonly indexKeyMessages: Map<number, string>;
  /** The indexer the client under test uses. */
  readonly indexer: BlindIndexer;
  /** The client under test. */
  readonly prisma: IndexedClient;
  readonly plain: TestPrismaClient;
  /** Another extended client on the same database with the indexer given (or none). */
  withIndexer(indexer: BlindIndexer | undefined): IndexedClient;
  /** Creates index key `version` through the keyring and returns an indexer over `versions` (current first). */
  indexerFor(versions: readonly number[], current?: number): Promise<BlindIndexer>;
  close(): Promise<void>;
}

export async function openIndexedDatabase(provider: Provider): Promise<IndexedDatabase> {
  const db = await createTestDatabase(provider);
  const fields = fieldMapFor(provider);
  const keyring = localAesKeyring({ key: generateLocalKey() });
  const cipher = createFieldCipher({ keyring });
  const indexKeyMessages = new Map<number, string>();
  const indexerFor = async (versions: readonly number[], current?: number) => {
    for (const version of versions) {
      if (!indexKeyMessages.has(version)) indexKeyMessages.set(version, await createIndexKey(keyring, { version }));
    }
    const keys = await loadIndexKeys(keyring, versions.map((v) => indexKeyMessages.get(v)!), current === undefined ? {} : { current });
    return createBlindIndexer(keys);
  };
  const indexer = await indexerFor([1]);
  const { open, closeAndDrop } = clientPool(db);
  return {
    db,
    fields,
    keyring,
    cipher,
    indexKeyMessages,
    indexer,
    prisma: extend(open(), fields, cipher, indexer),
    plain: open(),
    withIndexer: (other) => extend(open(), fields, cipher, other),
    indexerFor,
    close: closeAndDrop,
  };
}

/** The stored `email_hash` of every user, by id. */
export async function storedEmailHashes(t: IndexedDatabase): Promise<Map<number, string | null>> {
  const q = t.db.raw.quote;
  const rows = await t.db.raw.query<{ id: number; h: string | null }>(`SELECT ${q('id')} AS ${q('id')}, ${q('email_hash')} AS ${q('h')} FROM ${q('users')}`);
  return new Map(rows.map((row) => [Number(row.id), row.h]));
}
