/**
 * The key store's rows in the application's database, through Prisma's model API: works the same on
 * every provider (SQLite, PostgreSQL, MySQL/MariaDB). Pass the delegate of an unextended client, so
 * key-store queries never go through the field-encryption extension.
 */
import type { KeyPurpose, KeyRow, KeyStatus, KeyStoreStorage } from '@prisma-kms/field-crypto';

/**
 * A key-store row as the `PrismaKmsKey` model holds it (see the README for the model). The key-version
 * id is a `BigInt` column: ids are unsigned 32-bit, beyond a 32-bit signed `Int`.
 */
export interface PrismaKmsKeyRecord {
  keyStore: string;
  id: bigint;
  keyName: string;
  version: number;
  purpose: string;
  scope: string;
  status: string;
  material: string;
  createdAt: Date;
}

type KeyWhere = { keyStore: string; id: bigint };
/** Tombstones never change: every update excludes them. */
type NotShredded = { status: { not: 'shredded' } };

/** The part of a Prisma model delegate (`prisma.prismaKmsKey`) the storage uses. */
export interface PrismaKmsKeyDelegate {
  findUnique(args: { where: { keyStore_id: KeyWhere } }): PromiseLike<PrismaKmsKeyRecord | null>;
  findFirst(args: {
    where: { keyStore: string; keyName: string; purpose: string; scope: string; status: string };
    orderBy: { version: 'desc' };
  }): PromiseLike<PrismaKmsKeyRecord | null>;
  findMany(args: {
    where: { keyStore: string } | { keyStore: string; scope: string } | { keyStore: string; keyName: string; purpose: string; scope: string };
  }): PromiseLike<PrismaKmsKeyRecord[]>;
  create(args: { data: PrismaKmsKeyRecord }): PromiseLike<unknown>;
  updateMany(
    args:
      | { where: KeyWhere & NotShredded; data: { status: string } }
      | { where: KeyWhere & NotShredded & { material: string }; data: { material: string } }
      | { where: { keyStore: string; scope: string } & NotShredded; data: { status: 'shredded'; material: '' } },
  ): PromiseLike<{ count: number }>;
}

/** Prisma's code for a unique constraint violation. */
const UNIQUE_VIOLATION = 'P2002';

/**
 * A key-store storage on a Prisma model with the fields of {@link PrismaKmsKeyRecord}.
 *
 * @example
 * ```ts
 * const plain = new PrismaClient({ adapter });              // unextended
 * const keyStore = createKeyStore({ name: 'app', storage: prismaKeyStorage(plain.prismaKmsKey), keyring });
 * const prisma = plain.$extends(fieldEncryption({ fields, cipher: createFieldCipher({ keyStore }) }));
 * ```
 */
export function prismaKeyStorage(delegate: PrismaKmsKeyDelegate): KeyStoreStorage {
  return {
    get: async (keyStore, id) => toRow(await delegate.findUnique({ where: { keyStore_id: { keyStore, id: BigInt(id) } } })),
    latestActive: async (keyStore, keyName, purpose, scope) =>
      toRow(await delegate.findFirst({ where: { keyStore, keyName, purpose, scope, status: 'active' }, orderBy: { version: 'desc' } })),
    list: async (keyStore) => (await delegate.findMany({ where: { keyStore } })).map((record) => toRow(record) as KeyRow),
    insert: async (row) => {
      try {
        await delegate.create({ data: { ...row, id: BigInt(row.id) } });
        return true;
      } catch (e) {
        if ((e as { code?: unknown })?.code === UNIQUE_VIOLATION) return false;
        throw e;
      }
    },
    setStatus: async (keyStore, id, status) =>
      (await delegate.updateMany({ where: { keyStore, id: BigInt(id), status: { not: 'shredded' } }, data: { status } })).count > 0,
    // One UPDATE statement: atomic on every provider, so a crash leaves the scope either whole or shredded.
    shred: async (keyStore, scope) =>
      (await delegate.updateMany({ where: { keyStore, scope, status: { not: 'shredded' } }, data: { status: 'shredded', material: '' } })).count,
    // Filtered in the database: a shred reads its scope's rows, not the whole table's key material.
    scopeRows: async (keyStore, scope) => (await delegate.findMany({ where: { keyStore, scope } })).map((record) => toRow(record) as KeyRow),
    // Served by the unique index (key_store, key_name, purpose, scope, version).
    versions: async (keyStore, keyName, purpose, scope) =>
      (await delegate.findMany({ where: { keyStore, keyName, purpose, scope } })).map((record) => toRow(record) as KeyRow),
    // Compare-and-set in one UPDATE: a row changed (or shredded) since it was read is left alone.
    replaceMaterial: async (keyStore, id, expected, material) =>
      (await delegate.updateMany({ where: { keyStore, id: BigInt(id), material: expected, status: { not: 'shredded' } }, data: { material } })).count > 0,
  };
}

/** A record as a row; purpose and status are checked by the key store, which refuses unknown ones. */
function toRow(record: PrismaKmsKeyRecord | null): KeyRow | undefined {
  if (!record) return undefined;
  return {
    keyStore: record.keyStore,
    id: Number(record.id),
    keyName: record.keyName,
    version: record.version,
    purpose: record.purpose as KeyPurpose,
    scope: record.scope,
    status: record.status as KeyStatus,
    material: record.material,
    createdAt: record.createdAt,
  };
}
