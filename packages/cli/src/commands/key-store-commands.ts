/**
 * `prisma-kms keys create | rotate | list | retire | export | import`: the key store's control plane
 * (`keyStoreAdmin` from field-crypto) on the store the config's `keyStore` names. Key material never
 * leaves field-crypto: `list` shows no material, and `export` writes rows still wrapped by the keyring.
 */
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  isKeyStoreError,
  keyStoreAdmin,
  KeyStoreErrorReason,
  memoryKeyStorage,
  rewrapKeyRows,
  type KeyPurpose,
  type KeyringNode,
  type ImportResult,
  type KeyStoreAdmin,
  type KeyStoreStorage,
  type KeyVersionInfo,
  type RewrapKeyRowsResult,
} from '@prisma-kms/field-crypto';
import { byokKeyring } from './byok-keyring';
import { shredAuditLine, shredAuditRecord, type ShredAuditRecord } from './shred-audit';
import type { PrismaKmsConfig, RawSqlClient } from '../config/define-config';
import { loadConfig, locateConfig, provide } from '../config/load-config';
import { keyStoreStorage, storageNeedsDatabase } from '../config/key-store-storage';
import { CliError, describeCause, isCliError } from '../errors';
import { writeFileAtomically } from '../output/write-file-atomically';
import { configKeyring } from './config-keyring';
import { planCreate, versionsOf, versionToRetire, type KeySelection } from './key-version-rules';

/** Flags every key-store command takes. */
export interface KeyStoreFlags {
  readonly config?: string;
  readonly key?: string;
  readonly purpose?: KeyPurpose;
  readonly scope?: string;
  /** create, rotate: the KMS key that alone wraps the scope's rows (BYOK), checked against the config's keyStore.scopeKeyring. */
  readonly kmsKeyId?: string;
}

/** The admin of the config's key store, and the selected key; `close` disconnects the database it opened. */
interface KeyStoreSession {
  readonly admin: KeyStoreAdmin;
  /** The admin of a copy of the store in memory, for checking an import before anything is written. */
  inMemoryCopy(): Promise<KeyStoreAdmin>;
  readonly name: string;
  readonly key: KeySelection;
  /** The keyring that alone wraps the selected scope's new rows (BYOK), or undefined for the store's keyring. */
  readonly scopeKeyring: KeyringNode | undefined;
  /** The store's rows and keyring, for operations beyond the admin's (`keys rewrap`). */
  readonly storage: KeyStoreStorage;
  readonly keyring: KeyringNode;
  /** The config's `keyStore.scopeKeyring` (BYOK scopes' keyrings), as the application's. */
  readonly storeScopeKeyring: ((scope: string) => KeyringNode | undefined) | undefined;
  close(): Promise<void>;
}

async function openKeyStore(config: PrismaKmsConfig, flags: KeyStoreFlags, command: string): Promise<KeyStoreSession> {
  const keyStore = config.keyStore;
  if (!keyStore) {
    throw new CliError('CONFIG_INVALID', `${command} needs the config's keyStore ({ name, storage }, as the application's createKeyStore): add \`keyStore\` to defineConfig`);
  }
  const keyring = keyStore.keyring ? await provide(keyStore.keyring, 'keyring') : await configKeyring(config, command);
  const database: RawSqlClient | undefined = storageNeedsDatabase(keyStore) ? await provide(config.database, 'database') : undefined;
  let storage: KeyStoreStorage;
  try {
    storage = keyStoreStorage(keyStore, () => database!);
  } catch (error) {
    await database?.$disconnect();
    throw error;
  }
  const scope = flags.scope ?? '';
  let scopeKeyring: KeyringNode | undefined;
  try {
    scopeKeyring = byokKeyring(scope, keyStore.scopeKeyring, flags.kmsKeyId);
  } catch (error) {
    await database?.$disconnect();
    throw error;
  }
  return {
    // the application's scopeKeyring: BYOK scopes' rows are wrapped (and imports verified) with their own keyring
    admin: keyStoreAdmin({ name: keyStore.name, storage, keyring, ...(keyStore.scopeKeyring ? { scopeKeyring: keyStore.scopeKeyring } : {}) }),
    scopeKeyring,
    inMemoryCopy: async () =>
      keyStoreAdmin({
        name: keyStore.name,
        storage: memoryKeyStorage(await storage.list(keyStore.name)),
        keyring,
        ...(keyStore.scopeKeyring ? { scopeKeyring: keyStore.scopeKeyring } : {}),
      }),
    name: keyStore.name,
    storage,
    keyring,
    storeScopeKeyring: keyStore.scopeKeyring,
    key: { keyName: flags.key ?? 'default', purpose: flags.purpose ?? 'field', scope: flags.scope ?? '' },
    close: async () => {
      await database?.$disconnect();
    },
  };
}

/** Runs `body` on the key store of the config `flags` name (see {@link withConfigKeyStore}). */
async function withKeyStore<T>(flags: KeyStoreFlags, cwd: string, command: string, body: (session: KeyStoreSession) => Promise<T>): Promise<T> {
  const { config } = await loadConfig(locateConfig(cwd, flags.config));
  return withConfigKeyStore(config, flags, command, body);
}

/** Runs `body` on the loaded config's key store, turning key-store and storage failures into CLI errors. */
async function withConfigKeyStore<T>(config: PrismaKmsConfig, flags: KeyStoreFlags, command: string, body: (session: KeyStoreSession) => Promise<T>): Promise<T> {
  const session = await openKeyStore(config, flags, command);
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
  return withKeyStore(flags, cwd, 'keys create', async ({ admin, key, scopeKeyring }) => {
    const plan = planCreate(versionsOf(await admin.list(), key), key, flags.force ?? false);
    const selector = withKeyring(key, scopeKeyring);
    return plan === 'first' ? admin.createKeyVersion(selector) : admin.rotate(selector);
  });
}

/** `keys rotate`: the next version of the selected key; the older versions stay readable. */
export async function rotateKeyCommand(flags: KeyStoreFlags, cwd: string): Promise<KeyVersionInfo> {
  return withKeyStore(flags, cwd, 'keys rotate', async ({ admin, key, scopeKeyring }) => {
    if (versionsOf(await admin.list(), key).length === 0) {
      throw new CliError('KEY_STORE_REFUSED', `key "${key.keyName}" (${key.purpose}) has no version to rotate: \`keys create\` it first`);
    }
    return admin.rotate(withKeyring(key, scopeKeyring));
  });
}

/** The selector with the scope's own keyring (BYOK), when it has one. */
function withKeyring(key: KeySelection, keyring: KeyringNode | undefined): KeySelection & { readonly keyring?: KeyringNode } {
  return keyring ? { ...key, keyring } : key;
}

/** What `keys shred` did (or, `dryRun`, would do). */
export interface ShredOutcome {
  readonly keyStore: string;
  readonly scope: string;
  readonly dryRun: boolean;
  /** The rows destroyed (or that would be): every version of every key and purpose of the scope not yet shredded. */
  readonly rows: KeyVersionInfo[];
  /** The audit record written (not for a dry run, nor when nothing was left to destroy). */
  readonly audit?: ShredAuditRecord;
  /** Set when the shred was done but appending its record to the audit log failed: print the record, then fail with it. */
  readonly auditLogError?: CliError;
}

/** Flags of `keys shred`. */
export interface ShredFlags extends KeyStoreFlags {
  readonly scope: string;
  readonly dryRun?: boolean;
  readonly auditLog?: string;
}

/**
 * `keys shred --scope <id>`: replaces every row of the scope (field and blind-index keys, every version)
 * with a tombstone in one storage call, after `confirm` accepted the rows a dry run lists. The audit log
 * is opened for appending BEFORE anything is destroyed (a path that cannot be written refuses the shred),
 * and the record appended after. A scope the store has no rows of is refused (a mistyped id).
 *
 * @example
 * ```ts
 * const done = await shredScopeCommand({ scope: 'tenant-a', auditLog: 'shred.log' }, cwd, async () => undefined);
 * done.rows.length; // key versions destroyed
 * ```
 */
export async function shredScopeCommand(flags: ShredFlags, cwd: string, confirm: (rows: readonly KeyVersionInfo[]) => Promise<void>): Promise<ShredOutcome> {
  const { scope } = flags;
  return withKeyStore(flags, cwd, 'keys shred', async ({ admin, name }) => {
    const planned = await admin.shred(scope, { dryRun: true });
    // Nothing live to destroy: already shredded (tombstones), or a mistyped id. Only then is the whole store read.
    if (planned.rows.length === 0 && !(await admin.list()).some((v) => v.scope === scope)) {
      throw new CliError('KEY_STORE_REFUSED', `the key store "${name}" has no key versions of scope ${JSON.stringify(scope)}: nothing to shred (check the id with \`keys list\`)`);
    }
    if (flags.dryRun || planned.rows.length === 0) return { keyStore: name, scope, dryRun: flags.dryRun ?? false, rows: planned.rows };
    await confirm(planned.rows);
    const audit = flags.auditLog === undefined ? undefined : openAuditLog(resolve(cwd, flags.auditLog));
    try {
      const done = await admin.shred(scope);
      const record = shredAuditRecord(name, scope, done.rows, new Date(), process.env.USER);
      const auditLogError = audit?.append(shredAuditLine(record));
      return { keyStore: name, scope, dryRun: false, rows: done.rows, audit: record, ...(auditLogError ? { auditLogError } : {}) };
    } finally {
      audit?.close();
    }
  });
}

/** An audit log opened for appending (created with mode 0600). */
function openAuditLog(path: string): { append(line: string): CliError | undefined; close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (error) {
    throw new CliError('OUTPUT_FAILED', `Could not open the audit log ${path} (nothing was shredded): ${describeCause(error)}`, { cause: error });
  }
  return {
    append: (line) => {
      try {
        writeSync(fd, line);
        fsyncSync(fd);
        return undefined;
      } catch (error) {
        return new CliError('OUTPUT_FAILED', `The scope was shredded, but appending to the audit log ${path} failed (the line is on stdout): ${describeCause(error)}`, { cause: error });
      }
    },
    close: () => closeSync(fd),
  };
}

/**
 * `keys rewrap` on the key store of a loaded config: every row re-wrapped under the keyring's current
 * wrapping key, same ids, versions and key bytes (see field-crypto's `rewrapKeyRows`), e.g. before a KMS
 * key is retired.
 *
 * @example
 * ```ts
 * const { config } = await loadConfig(locateConfig(process.cwd()));
 * const { rewrapped, changedMeanwhile } = await rewrapKeyStoreCommand(config);
 * ```
 */
export async function rewrapKeyStoreCommand(config: PrismaKmsConfig): Promise<{ keyStore: string } & RewrapKeyRowsResult> {
  return withConfigKeyStore(config, {}, 'keys rewrap', async ({ name, storage, keyring, storeScopeKeyring }) => ({
    keyStore: name,
    ...(await rewrapKeyRows({ name, storage, keyring, ...(storeScopeKeyring ? { scopeKeyring: storeScopeKeyring } : {}) })),
  }));
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
export async function importKeysCommand(flags: KeyStoreFlags & { readonly file: string }, cwd: string): Promise<ImportResult> {
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

/** Writes `text` to `path` with mode 0600: exclusively, or (`force`) replacing it atomically. */
function writePrivateFile(path: string, text: string, force: boolean): void {
  try {
    if (force) {
      writeFileAtomically(path, text, 0o600);
    } else {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST' && !force) {
      throw new CliError('KEY_STORE_REFUSED', `${path} exists: choose another --out, or --force to replace it`, { cause: error });
    }
    throw new CliError('OUTPUT_FAILED', `Could not write the key-store export to ${path}: ${describeCause(error)}`, { cause: error });
  }
}
