/**
 * A test database with key scopes: a key store in the database (prismaKeyStorage) on a kms-local
 * keyring, scope keys created on first write, an optional BYOK key per scope, and "processes" (a
 * client, a key store and the extension) opened on it, as a server would at start-up.
 */
import type { KeyringNode } from '@aws-crypto/client-node';
import { createFieldCipher, createKeyStore, keyStoreAdmin, kmsKeyring, type KeyStoreAdmin, type KeyStoreStorage } from '@prisma-kms/field-crypto';
import { fieldEncryption, prismaKeyStorage, type FieldMap, type PlaintextMode, type ShreddedMode } from '@prisma-kms/prisma';
import { fieldMap as sqliteFields } from '@prisma-kms/schema/sqlite/fields';
import { fieldMap as postgresFields } from '@prisma-kms/schema/postgresql/fields';
import { fieldMap as mysqlFields } from '@prisma-kms/schema/mysql/fields';
import type { KmsTarget } from '@prisma-kms/kms-local/testing';
import { clientPool, createTestDatabase, type ClientPool, type Provider, type TestDatabase } from '../harness';

export const SCOPED_FIELDS: Record<Provider, FieldMap> = { sqlite: sqliteFields, postgresql: postgresFields, mysql: mysqlFields };

/** The name of the key store every process of a scoped database uses. */
const STORE = 'app';

export interface ScopedDatabase {
  readonly db: TestDatabase;
  readonly pool: ClientPool;
  /** The control plane (shred, list), with the same BYOK configuration as the processes. */
  readonly admin: KeyStoreAdmin;
  /** A new process: its own client, key store (empty cache) and extension. */
  open(options?: ProcessOptions): ScopedProcess;
  /** The scope of every key version in the store, by key-version id. */
  scopesById(): Promise<Map<number, string>>;
  close(): Promise<void>;
}

export interface ProcessOptions {
  readonly onShredded?: ShreddedMode;
  /** The extension's mode (default lenient). */
  readonly mode?: PlaintextMode;
  /** The key store's clock (to pass its cache TTL). */
  readonly now?: () => number;
  /** The key store's scope status interval (`cache.statusTtlMs`). */
  readonly statusTtlMs?: number;
  /** The application's request-scope resolver. */
  readonly scope?: () => string | undefined;
}

export type ScopedProcess = ReturnType<typeof openProcess>;

export async function createScopedDatabase(provider: Provider, target: KmsTarget, storeKeyArn: string, byok: Readonly<Record<string, string>> = {}): Promise<ScopedDatabase> {
  const db = await createTestDatabase(provider);
  const pool = clientPool(db);
  const keyringOf = (arn: string): KeyringNode => kmsKeyring({ generatorKeyId: arn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });
  const keyring = keyringOf(storeKeyArn);
  const scopeKeyring = (scope: string): KeyringNode | undefined => (byok[scope] === undefined ? undefined : keyringOf(byok[scope]));
  const plain = pool.open();
  const admin = keyStoreAdmin({ name: STORE, storage: prismaKeyStorage(plain.prismaKmsKey), keyring, scopeKeyring });
  return {
    db,
    pool,
    admin,
    open: (options = {}) => openProcess(pool, provider, keyring, scopeKeyring, options),
    scopesById: async () => new Map((await admin.list()).map((row) => [row.id, row.scope])),
    close: () => pool.closeAndDrop(),
  };
}

function openProcess(pool: ClientPool, provider: Provider, keyring: KeyringNode, scopeKeyring: (scope: string) => KeyringNode | undefined, options: ProcessOptions) {
  const client = pool.open();
  const { storage, queries } = countQueries(prismaKeyStorage(client.prismaKmsKey));
  const keyStore = createKeyStore({
    name: STORE,
    storage,
    keyring,
    scopes: { createKeys: 'on-first-write' },
    scopeKeyring,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.statusTtlMs === undefined ? {} : { cache: { statusTtlMs: options.statusTtlMs } }),
  });
  const cipher = createFieldCipher({ keyStore });
  const prisma = client.$extends(
    fieldEncryption({
      fields: SCOPED_FIELDS[provider],
      cipher,
      scopeBlindIndexer: (scope) => keyStore.blindIndexer(scope),
      ...(options.onShredded === undefined ? {} : { onShredded: options.onShredded }),
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.scope === undefined ? {} : { scope: options.scope }),
    }),
  );
  return { client, keyStore, cipher, prisma, keyStoreQueries: queries };
}

/** The storage, counting its calls per method: each is one database query with prismaKeyStorage. */
function countQueries(inner: KeyStoreStorage): { storage: KeyStoreStorage; queries: Record<string, number> } {
  const queries: Record<string, number> = {};
  const storage = Object.fromEntries(
    Object.entries(inner).map(([name, method]) => [
      name,
      (...args: unknown[]) => {
        queries[name] = (queries[name] ?? 0) + 1;
        return (method as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as KeyStoreStorage;
  return { storage, queries };
}
