/**
 * Everything a command needs, set up once from the flags and the config: the validated targets,
 * the dialect, the database and the cipher. `close` disconnects the database.
 */
import { resolve } from 'node:path';
import { importModule, loadConfig, locateConfig, provide, type LoadedConfig } from '../config/load-config';
import type { MigrationBlindIndexer, MigrationCipher, Provide, RawSqlClient } from '../config/define-config';
import { fieldMapSchema } from '../config/config-schema';
import { CliError } from '../errors';
import { keyStoreStorage, keyVersionReader, storageNeedsDatabase } from '../config/key-store-storage';
import type { KeyVersionInfo } from '@prisma-kms/field-crypto';
import { CheckpointStore } from '../engine/checkpoint';
import { selectTargets, type TableTarget } from '../engine/table-target';
import { dialectFor, type Dialect } from '../sql/dialect';

/** Flags every command shares. */
export interface CommonFlags {
  readonly config?: string;
  readonly model?: string[];
  readonly field?: string[];
  readonly batchSize?: number;
  readonly concurrency?: number;
}

export interface Session {
  readonly loaded: LoadedConfig;
  readonly dialect: Dialect;
  readonly targets: readonly TableTarget[];
  readonly batchSize: number;
  readonly concurrency: number;
  database(): Promise<RawSqlClient>;
  cipher(): Promise<MigrationCipher>;
  /** The config's blind indexer, or undefined when it has none. */
  blindIndexer(): Promise<MigrationBlindIndexer | undefined>;
  /**
   * Reads the config's key store's versions (no material, no KMS call) on this session's database;
   * undefined when the config has no keyStore.
   */
  keyVersions(): Promise<(() => Promise<KeyVersionInfo[]>) | undefined>;
  checkpoints(flag: string | false | undefined): CheckpointStore | null;
  close(): Promise<void>;
}

/** Rows per batch: large enough to amortize a round trip, small enough for any driver's parameter limit. */
export const DEFAULT_BATCH_SIZE = 1000;
/** Batches in flight: overlaps reading, crypto and writing. */
export const DEFAULT_CONCURRENCY = 4;
/** SQLite's default limit is 32,766 parameters; a batch uses up to 2 per field plus the key columns. */
const MAX_BATCH_SIZE = 5000;

export async function openSession(flags: CommonFlags, cwd: string): Promise<Session> {
  const loaded = await loadConfig(locateConfig(cwd, flags.config));
  const { config } = loaded;
  const fieldMap = fieldMapSchema.parse(config.fields);
  const dialect = dialectFor(config.provider ?? fieldMap.provider);
  const targets = selectTargets(fieldMap, { models: flags.model ?? [], fields: flags.field ?? [] });
  const batchSize = flags.batchSize ?? config.batchSize ?? DEFAULT_BATCH_SIZE;
  if (batchSize > MAX_BATCH_SIZE) throw new CliError('USAGE', `--batch-size must be at most ${MAX_BATCH_SIZE}`);
  const concurrency = flags.concurrency ?? config.concurrency ?? DEFAULT_CONCURRENCY;
  let db: Promise<RawSqlClient> | undefined;
  let cipher: Promise<MigrationCipher> | undefined;
  return {
    loaded,
    dialect,
    targets,
    batchSize,
    concurrency,
    database: () => (db ??= provide(config.database, 'database')),
    cipher: () => (cipher ??= provide(config.cipher, 'cipher')),
    blindIndexer: async () => (config.blindIndexer ? provide(config.blindIndexer, 'blindIndexer') : undefined),
    keyVersions: async () => {
      const keyStore = config.keyStore;
      if (!keyStore) return undefined;
      const database = storageNeedsDatabase(keyStore) ? await (db ??= provide(config.database, 'database')) : undefined;
      return keyVersionReader(keyStore.name, keyStoreStorage(keyStore, () => database!));
    },
    checkpoints: (flag) => {
      if (flag === false) return null;
      const directory = typeof flag === 'string' ? flag : config.checkpointDir ?? '.prisma-kms';
      return new CheckpointStore(resolve(cwd, directory));
    },
    close: async () => {
      if (db) await (await db.catch(() => undefined))?.$disconnect();
    },
  };
}

/**
 * The cipher `verify --keyring <ref>` uses: `<name>` from the config's `keyrings` or a named export of
 * the config module; `<file>#<export>` from another module (`default` when `#export` is left out).
 * The export is a cipher or a function returning one.
 */
export async function resolveKeyringCipher(session: Session, ref: string, cwd: string): Promise<MigrationCipher> {
  const hash = ref.lastIndexOf('#');
  const looksLikePath = hash !== -1 || ref.startsWith('.') || ref.startsWith('/');
  let candidate: unknown;
  if (looksLikePath) {
    const path = resolve(cwd, hash === -1 ? ref : ref.slice(0, hash));
    const name = hash === -1 ? 'default' : ref.slice(hash + 1);
    candidate = (await importModule(path))[name];
    if (candidate === undefined) throw new CliError('USAGE', `--keyring: ${path} has no export "${name}"`);
  } else {
    candidate = session.loaded.config.keyrings?.[ref] ?? session.loaded.exports[ref];
    if (candidate === undefined) {
      const names = Object.keys(session.loaded.config.keyrings ?? {});
      throw new CliError('USAGE', `--keyring: no "${ref}" in the config's keyrings (${names.join(', ') || 'none'}) or exports`);
    }
  }
  const cipher = await provide(candidate as Provide<MigrationCipher>, 'cipher');
  if (typeof (cipher as Partial<MigrationCipher>).decryptMany !== 'function') {
    throw new CliError('CONFIG_INVALID', `--keyring "${ref}" must be a cipher (createFieldCipher(...)) or a function returning one`);
  }
  return cipher;
}
