/**
 * `prisma-kms keys create | rotate | list | retire | export | import`: the key store's control plane
 * (`keyStoreAdmin` from field-crypto) on the store the config's `keyStore` names. Key material never
 * leaves field-crypto: `list` shows no material, and `export` writes rows still wrapped by the keyring.
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  isKeyStoreError,
  keyStoreAdmin,
  KeyStoreErrorReason,
  memoryKeyStorage,
  rewrapKeyRows,
  type KeyPurpose,
  type KeyringNode,
  type KeyStoreAdmin,
  type KeyStoreStorage,
  type KeyVersionInfo,
  type RewrapKeyRowsResult,
} from '@prisma-kms/field-crypto';
import type { RawSqlClient } from '../config/define-config';
import { loadConfig, locateConfig, provide } from '../config/load-config';
import { CliError, describeCause, isCliError } from '../errors';
import { configKeyring } from './config-keyring';
import { planCreate, versionsOf, versionToRetire, type KeySelection } from './key-version-rules';

/** Flags every key-store command takes. */
export interface KeyStoreFlags {
  readonly config?: string;
  readonly key?: string;
  readonly purpose?: KeyPurpose;
  readonly scope?: string;
}

/** The admin of the config's key store, and the selected key; `close` disconnects the database it opened. */
interface KeyStoreSession {
  readonly admin: KeyStoreAdmin;
  /** The admin of a copy of the store in memory, for checking an import before anything is written. */
  inMemoryCopy(): Promise<KeyStoreAdmin>;
  readonly name: string;
  readonly key: KeySelection;
  /** The store's rows and keyring, for operations beyond the admin's (`keys rewrap`). */
  readonly storage: KeyStoreStorage;
  readonly keyring: KeyringNode;
  close(): Promise<void>;
}

async function openKeyStore(flags: KeyStoreFlags, cwd: string, command: string): Promise<KeyStoreSession> {
  const { config } = await loadConfig(locateConfig(cwd, flags.config));
  const keyStore = config.keyStore;
  if (!keyStore) {
    throw new CliError('CONFIG_INVALID', `${command} needs the config's keyStore ({ name, storage }, as the application's createKeyStore): add \`keyStore\` to defineConfig`);
  }
  const keyring = keyStore.keyring ? await provide(keyStore.keyring, 'keyring') : await configKeyring(config, command);
  let database: RawSqlClient | undefined;
  let storage: KeyStoreStorage;
  if (typeof keyStore.storage === 'function') {
    database = await provide(config.database, 'database');
    try {
      storage = keyStore.storage(database);
    } catch (error) {
      await database.$disconnect();
      throw new CliError('CONFIG_INVALID', `The config's keyStore.storage factory threw: ${describeCause(error)}`, { cause: error });
    }
  } else {
    storage = keyStore.storage;
  }
  return {
    admin: keyStoreAdmin({ name: keyStore.name, storage, keyring }),
    inMemoryCopy: async () => keyStoreAdmin({ name: keyStore.name, storage: memoryKeyStorage(await storage.list(keyStore.name)), keyring }),
    name: keyStore.name,
    storage,
    keyring,
    key: { keyName: flags.key ?? 'default', purpose: flags.purpose ?? 'field', scope: flags.scope ?? '' },
    close: async () => {
      await database?.$disconnect();
    },
  };
}

/** Runs `body` on the config's key store, turning key-store and storage failures into CLI errors. */
async function withKeyStore<T>(flags: KeyStoreFlags, cwd: string, command: string, body: (session: KeyStoreSession) => Promise<T>): Promise<T> {
  const session = await openKeyStore(flags, cwd, command);
  try {
    return await body(session);
  } catch (error) {
    throw asCliError(error);
  } finally {
    await session.close();
  }
}

function asCliError(error: unknown): unknown {
  if (isCliError(error)) return error;
  if (isKeyStoreError(error)) {
    // Key-store messages name ids, versions and keys, never material: safe to show.
    const code = error.reason === KeyStoreErrorReason.INVALID_INPUT ? 'USAGE' : 'KEY_STORE_FAILED';
    return new CliError(code, `${error.message} (${error.reason})`, { cause: error });
  }
  return new CliError('DATABASE_FAILED', `The key store's storage failed: ${describeCause(error)}`, { cause: error });
}

/**
 * `keys create`: version 1 of the selected key. When the key has versions already, a new one is made only
 * if none is active (all retired) or with `force`.
 *
 * @example
 * ```ts
 * const created = await createKeyCommand({ force: false }, process.cwd());
 * ```
 */
export async function createKeyCommand(flags: KeyStoreFlags & { readonly force?: boolean }, cwd: string): Promise<KeyVersionInfo> {
  return withKeyStore(flags, cwd, 'keys create', async ({ admin, key }) => {
    const plan = planCreate(versionsOf(await admin.list(), key), key, flags.force ?? false);
    return plan === 'first' ? admin.createKeyVersion(key) : admin.rotate(key);
  });
}

/** `keys rotate`: the next version of the selected key; the older versions stay readable. */
export async function rotateKeyCommand(flags: KeyStoreFlags, cwd: string): Promise<KeyVersionInfo> {
  return withKeyStore(flags, cwd, 'keys rotate', async ({ admin, key }) => {
    if (versionsOf(await admin.list(), key).length === 0) {
      throw new CliError('KEY_STORE_REFUSED', `key "${key.keyName}" (${key.purpose}) has no version to rotate: \`keys create\` it first`);
    }
    return admin.rotate(key);
  });
}

/**
 * `keys rewrap` on the key store: every row re-wrapped under the keyring's current wrapping key, same
 * ids, versions and key bytes (see field-crypto's `rewrapKeyRows`), e.g. before a KMS key is retired.
 *
 * @example
 * ```ts
 * const { rewrapped, changedMeanwhile } = await rewrapKeyStoreCommand({}, process.cwd());
 * ```
 */
export async function rewrapKeyStoreCommand(flags: KeyStoreFlags, cwd: string): Promise<{ keyStore: string } & RewrapKeyRowsResult> {
  return withKeyStore(flags, cwd, 'keys rewrap', async ({ name, storage, keyring }) => ({ keyStore: name, ...(await rewrapKeyRows({ name, storage, keyring })) }));
}

/** `keys list`: every version of the store, without key material. */
export async function listKeysCommand(flags: KeyStoreFlags, cwd: string): Promise<{ keyStore: string; versions: KeyVersionInfo[] }> {
  return withKeyStore(flags, cwd, 'keys list', async ({ admin, name }) => ({ keyStore: name, versions: await admin.list() }));
}

/** `keys retire <version>`: marks a version of the selected key retired; refuses the current one. */
export async function retireKeyCommand(flags: KeyStoreFlags, version: number, cwd: string): Promise<KeyVersionInfo> {
  return withKeyStore(flags, cwd, 'keys retire', async ({ admin, key }) => {
    const target = versionToRetire(versionsOf(await admin.list(), key), key, version);
    if (target.status !== 'retired') await admin.retire(target.id);
    return { ...target, status: 'retired' };
  });
}

/**
 * `keys export --out <file>`: every row, still wrapped, as JSON in a file of mode 0600. An existing file
 * is refused unless `force` (then replaced atomically).
 */
export async function exportKeysCommand(flags: KeyStoreFlags & { readonly out: string; readonly force?: boolean }, cwd: string): Promise<{ path: string; rows: number }> {
  const path = resolve(cwd, flags.out);
  return withKeyStore(flags, cwd, 'keys export', async ({ admin }) => {
    const data = await admin.exportKeys();
    writePrivateFile(path, `${JSON.stringify(data, null, 2)}\n`, flags.force ?? false);
    return { path, rows: data.rows.length };
  });
}

/**
 * `keys import --file <file>`: restores the rows the store is missing; rows already there (identical) are
 * counted, so a rerun changes nothing. All or nothing as far as the file goes: every missing row is
 * first imported into an in-memory copy of the store, which decrypts it with the keyring (one Decrypt
 * per row) and checks it against the rows there, and only then are the rows written to the store.
 */
export async function importKeysCommand(flags: KeyStoreFlags & { readonly file: string }, cwd: string): Promise<{ imported: number; unchanged: number }> {
  const path = resolve(cwd, flags.file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError('USAGE', `Could not read the key-store export ${path}: ${describeCause(error)}`, { cause: error });
  }
  return withKeyStore(flags, cwd, 'keys import', async ({ admin, inMemoryCopy }) => {
    await (await inMemoryCopy()).importKeys(text);
    // Checked above; the store still refuses a row whose id or version was taken since.
    return admin.importKeys(text, { verify: false });
  });
}

/** Writes `text` to `path` with mode 0600: exclusively, or (`force`) through a temporary file renamed over it. */
function writePrivateFile(path: string, text: string, force: boolean): void {
  const target = force ? `${path}.${process.pid}.tmp` : path;
  try {
    writeFileSync(target, text, { mode: 0o600, flag: 'wx' });
    chmodSync(target, 0o600);
    if (force) renameSync(target, path);
  } catch (error) {
    if (force) rmSync(target, { force: true });
    if ((error as { code?: unknown }).code === 'EEXIST' && !force) {
      throw new CliError('KEY_STORE_REFUSED', `${path} exists: choose another --out, or --force to replace it`, { cause: error });
    }
    throw new CliError('OUTPUT_FAILED', `Could not write the key-store export to ${path}: ${describeCause(error)}`, { cause: error });
  }
}
