/**
 * What a `prisma-kms.config.ts` module exports: the same field map, cipher and database the
 * application uses, so the CLI encrypts exactly what the extension will later decrypt.
 */
import type { BlindIndexer, FieldCipher, KeyringNode, KeyStoreStorage } from '@prisma-kms/field-crypto';

/** The raw SQL a client (or a transaction of it) runs. */
export interface RawSqlRunner {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** The slice of a Prisma client the CLI uses: raw SQL only, so every driver adapter works. */
export interface RawSqlClient extends RawSqlRunner {
  $disconnect(): Promise<void>;
  /** Prisma's interactive transaction: each batch UPDATE runs in one to bound its lock waits (`--lock-timeout`). */
  $transaction?<R>(run: (tx: RawSqlRunner) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

export type { FieldRef } from '@prisma-kms/field-crypto';

/**
 * The slice of `@prisma-kms/field-crypto`'s `FieldCipher` the CLI uses; a cipher from
 * `createFieldCipher` is one.
 */
export type MigrationCipher = Pick<FieldCipher, 'encryptMany' | 'decryptMany' | 'decrypt' | 'inspect' | 'currentWrappingKey' | 'configuredWrappingKey' | 'format'>;

/** The slice of field-crypto's `BlindIndexer` the CLI uses (`encrypt` computes; `reindex` also checks entries' versions). */
export type MigrationBlindIndexer = Pick<BlindIndexer, 'compute' | 'isCurrent' | 'currentVersion'>;

/** A value or a (possibly async) factory of it: factories run only when a command needs them. */
export type Provide<T> = T | (() => T | Promise<T>);

/**
 * The key store the `keys create | rotate | list | retire | export | import` commands manage: the same
 * name, storage and keyring as the application's `createKeyStore(...)`.
 */
export interface KeyStoreConfig {
  /** The key store's name (`createKeyStore({ name })`). */
  name: string;
  /**
   * Where its rows live. A function receives the client the config's `database` gives (the CLI
   * disconnects it when the command ends), e.g. `(db) => prismaKeyStorage(db.prismaKmsKey)`.
   */
  // The client is typed loosely so that the user's own Prisma client's delegates can be read without a cast.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  storage: KeyStoreStorage | ((database: RawSqlClient & Record<string, any>) => KeyStoreStorage);
  /** The keyring that wraps the rows; default: the config's `keyring`. */
  keyring?: Provide<KeyringNode>;
  /**
   * BYOK: the same function as the application's `createKeyStore({ scopeKeyring })`: the KMS keyring
   * that alone wraps a scope's rows, or undefined for the store's keyring. `keys create|rotate --scope`
   * wraps the scope's new rows with it, and `--kms-key-id` is checked against it.
   */
  scopeKeyring?: (scope: string) => KeyringNode | undefined;
  /**
   * Scoped models with a blind index: the application's per-scope indexer, `(scope) => keyStore.blindIndexer(scope)`,
   * with which `encrypt` and `rotate` write each row's index entry under its scope's index key.
   */
  blindIndexer?: (scope: string) => MigrationBlindIndexer | Promise<MigrationBlindIndexer>;
}

/** A column in the field map. */
export interface FieldMapColumn {
  readonly name: string;
  readonly dbName: string;
  readonly type: string;
}

/**
 * The parts of the generated field map (`@prisma-kms/prisma`'s `FieldMap`) the CLI reads; the
 * generated, deeply readonly `fieldMap` is assignable to it.
 */
export interface FieldMapInput {
  readonly provider: string;
  readonly models: Readonly<
    Record<
      string,
      {
        readonly dbName: string;
        readonly primaryKey: readonly FieldMapColumn[];
        readonly encrypted: Readonly<
          Record<string, FieldMapColumn & { readonly hash?: { readonly dbName: string; readonly normalize?: readonly string[]; readonly bytes?: number } }>
        >;
      }
    >
  >;
}

/** The providers the CLI has SQL for (the field map's `provider`). */
export type SqlProvider = 'postgresql' | 'sqlite' | 'mysql';

/**
 * The CLI configuration, default-exported by `prisma-kms.config.ts` (or `.js`, `.mjs`, `.cjs`).
 */
export interface PrismaKmsConfig {
  /** The field map the `prisma-kms` generator emitted (tables, primary keys, encrypted columns). */
  fields: FieldMapInput;
  /** The cipher the application uses (`createFieldCipher(...)`), or a factory of it. */
  cipher: Provide<MigrationCipher>;
  /** An unextended Prisma client on the database to migrate, or a factory of it. The CLI disconnects it. */
  database: Provide<RawSqlClient>;
  /** Overrides the field map's provider (e.g. `mysql` for MariaDB). */
  provider?: SqlProvider;
  /**
   * Computes blind indexes (`createBlindIndexer(await loadIndexKeys(...))`), needed by `encrypt` when a
   * selected field has `@encrypted(hash: ...)`: its index column is filled as the value is encrypted.
   */
  blindIndexer?: Provide<MigrationBlindIndexer>;
  /**
   * The application's keyring (the one its cipher uses), or a factory of it: `keys create-index-key`
   * encrypts new blind index keys with it, so they load with `loadIndexKeys(keyring, ...)`.
   */
  keyring?: Provide<KeyringNode>;
  /**
   * Extra encryption context of index key messages, if the application's `loadIndexKeys` passes one
   * (`{ encryptionContext }`); keys in the `prisma-kms:` and `aws-crypto-` namespaces are reserved.
   */
  indexKeyContext?: Readonly<Record<string, string>>;
  /**
   * The file the application loads its index keys from (relative to the working directory), as written
   * by `keys create-index-key --out`. `keys rewrap` re-wraps it in place and `status` lists the KMS
   * keys that wrap each of its keys.
   */
  indexKeyFile?: string;
  /**
   * The key store of compact values, for `keys create | rotate | list | retire | export | import`.
   *
   * @example
   * ```ts
   * keyStore: { name: 'app', storage: (db) => prismaKeyStorage(db.prismaKmsKey) }, // keyring: the config's
   * ```
   */
  keyStore?: KeyStoreConfig;
  /** Other ciphers `verify --keyring <name>` can use, e.g. one with only the recovery keyring. */
  keyrings?: Record<string, Provide<MigrationCipher>>;
  /** Directory for checkpoint files; default `.prisma-kms` in the working directory. */
  checkpointDir?: string;
  /** Rows per batch; default 1000. */
  batchSize?: number;
  /** Batches in flight at once; default 4. */
  concurrency?: number;
  /** Worker threads for the crypto (each loads this module and builds its own cipher); default 0. */
  cryptoWorkers?: number;
}

/**
 * Types a config module's default export. It returns its argument unchanged.
 *
 * @example
 * ```ts
 * // prisma-kms.config.ts
 * import { defineConfig } from '@prisma-kms/cli';
 * import { createFieldCipher, kmsKeyring } from '@prisma-kms/field-crypto';
 * import { fields } from './generated/fields';
 * import { PrismaClient } from './generated/client';
 * import { PrismaPg } from '@prisma/adapter-pg';
 *
 * export default defineConfig({
 *   fields,
 *   cipher: () => createFieldCipher({ keyring: kmsKeyring({ generatorKeyId: process.env.KMS_KEY_ARN! }) }),
 *   database: () => new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }) }),
 * });
 * ```
 */
export function defineConfig(config: PrismaKmsConfig): PrismaKmsConfig {
  return config;
}
