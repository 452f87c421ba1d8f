/**
 * A test database with the field-encryption extension on top: the extended client, an unextended
 * client and a raw connection on the same database (to see and tamper with what is really stored),
 * the cipher and its keyring, and the field map. Plus the at-rest scan every test file ends with.
 */
import {
  createBlindIndexer,
  createFieldCipher,
  createIndexKey,
  generateLocalKey,
  loadIndexKeys,
  localAesKeyring,
  type BlindIndexer,
  type FieldCipher,
  type KeyringNode,
} from '@prisma-kms/field-crypto';
import { fieldEncryption, type FieldMap, type PlaintextMode } from '@prisma-kms/prisma';
import { fieldMap as sqliteFieldMap } from '@prisma-kms/schema/sqlite/fields';
import { fieldMap as postgresFieldMap } from '@prisma-kms/schema/postgresql/fields';
import { clientPool, createTestDatabase, type Provider, type TestDatabase, type TestPrismaClient } from '../harness';

export function fieldMapFor(provider: Provider): FieldMap {
  switch (provider) {
    case 'sqlite':
      return sqliteFieldMap;
    case 'postgresql':
      return postgresFieldMap;
    default:
      throw new Error(`no field map for ${provider} in these tests`);
  }
}

function extend(client: TestPrismaClient, fields: FieldMap, cipher: FieldCipher, blindIndexer: BlindIndexer, mode: PlaintextMode) {
  return client.$extends(fieldEncryption({ fields, cipher, mode, blindIndexer }));
}

/** A blind indexer over one new index key (version 1) encrypted with `keyring`, as an application would load it. */
export async function newBlindIndexer(keyring: KeyringNode): Promise<BlindIndexer> {
  return createBlindIndexer(await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]));
}

export type EncryptedClient = ReturnType<typeof extend>;

export interface EncryptedDatabase {
  readonly db: TestDatabase;
  readonly fields: FieldMap;
  readonly keyring: KeyringNode;
  readonly cipher: FieldCipher;
  /** Computes the blind indexes (`User.emailHash`, `Profile.ssnHash`); its index key is encrypted with `keyring`. */
  readonly blindIndexer: BlindIndexer;
  /** The client under test: `db.client()` with `fieldEncryption`. */
  readonly prisma: EncryptedClient;
  /** The same database without the extension. */
  readonly plain: TestPrismaClient;
  /** Another extended client on the same database, with the other plaintext mode. */
  withMode(mode: PlaintextMode): EncryptedClient;
  close(): Promise<void>;
}

/** A fresh database on `provider` with the extension and a new local AES key (or the given keyring). */
export async function openEncryptedDatabase(
  provider: Provider,
  options: { mode?: PlaintextMode; keyring?: KeyringNode } = {},
): Promise<EncryptedDatabase> {
  const fields = fieldMapFor(provider);
  const keyring = options.keyring ?? localAesKeyring({ key: generateLocalKey() });
  const cipher = createFieldCipher({ keyring });
  // Before the database exists, so a keyring that fails leaves no database behind.
  const blindIndexer = await newBlindIndexer(keyring);
  const db = await createTestDatabase(provider);
  const { open, closeAndDrop } = clientPool(db);
  const prisma = extend(open(), fields, cipher, blindIndexer, options.mode ?? 'lenient');
  const plain = open();
  return {
    db,
    fields,
    keyring,
    cipher,
    blindIndexer,
    prisma,
    plain,
    withMode: (mode) => extend(open(), fields, cipher, blindIndexer, mode),
    close: closeAndDrop,
  };
}

/** One encrypted column of the schema. */
export interface EncryptedColumn {
  readonly model: string;
  readonly field: string;
  readonly table: string;
  readonly column: string;
}

export function encryptedColumns(fields: FieldMap): EncryptedColumn[] {
  return Object.entries(fields.models).flatMap(([model, info]) =>
    Object.values(info.encrypted).map((field) => ({ model, field: field.name, table: info.dbName, column: field.dbName })),
  );
}

/** Every non-null value of an encrypted column, as stored. */
export async function storedValues(db: TestDatabase, column: EncryptedColumn): Promise<string[]> {
  const q = db.raw.quote;
  const rows = await db.raw.query<{ value: string }>(
    `SELECT ${q(column.column)} AS ${q('value')} FROM ${q(column.table)} WHERE ${q(column.column)} IS NOT NULL`,
  );
  return rows.map((row) => row.value);
}

/**
 * Scans every encrypted column of the database and returns the values that are not Encryption SDK
 * messages bound to their own column (empty when everything at rest is encrypted).
 */
export async function findPlaintextAtRest(db: TestDatabase, fields: FieldMap, cipher: FieldCipher): Promise<string[]> {
  const problems: string[] = [];
  for (const column of encryptedColumns(fields)) {
    for (const value of await storedValues(db, column)) {
      const stored = cipher.inspect(value);
      if (stored.kind !== 'ciphertext') {
        problems.push(`${column.model}.${column.field}: plaintext`);
      } else if (stored.encryptionContext['prisma-kms:model'] !== column.model || stored.encryptionContext['prisma-kms:field'] !== column.field) {
        problems.push(`${column.model}.${column.field}: context of another column`);
      }
    }
  }
  return problems;
}

/** How many stored values the scan looked at (so a test can prove the scan saw something). */
export async function countStoredValues(db: TestDatabase, fields: FieldMap): Promise<number> {
  let count = 0;
  for (const column of encryptedColumns(fields)) count += (await storedValues(db, column)).length;
  return count;
}
