/**
 * The control plane of the key store: the only code that creates, rotates, retires, exports and
 * imports key versions. Nothing in the request path calls it; `prisma-kms keys ...` and deployment
 * scripts do.
 */
import { randomInt } from 'node:crypto';
import { KeyringNode } from '@aws-crypto/client-node';
import { MAX_KEY_VERSION_ID } from '../compact/compact-layout';
import { KeyStoreError, KeyStoreErrorReason, isKeyStoreError } from './errors';
import { newWrappedKey, unwrapKey } from './key-material';
import { checkRow, DEFAULT_KEY_NAME, type KeyPurpose, type KeyRow, type KeySelector, type KeyStatus } from './key-row';
import type { KeyStoreStorage } from './key-store-storage';

/** A key version as `list` shows it: everything but the key material. */
export type KeyVersionInfo = Omit<KeyRow, 'material'>;

/** The JSON of `exportKeys`: every row, still wrapped, for a backup kept outside the database. */
export interface KeyStoreExport {
  readonly format: typeof EXPORT_FORMAT;
  readonly keyStore: string;
  readonly rows: ReadonlyArray<Omit<KeyRow, 'createdAt'> & { readonly createdAt: string }>;
}

export const EXPORT_FORMAT = 'prisma-kms-key-store-export/1';

/** Options of {@link keyStoreAdmin}: the same name, storage and keyring as the data plane's. */
export interface KeyStoreAdminOptions {
  readonly name: string;
  readonly storage: KeyStoreStorage;
  readonly keyring: KeyringNode;
}

/** What `importKeys` did. */
export interface ImportResult {
  readonly imported: number;
  /** Rows already present, identical. */
  readonly unchanged: number;
}

/** The control plane. See {@link keyStoreAdmin}. */
export interface KeyStoreAdmin {
  /** Creates version 1 of a key; CONFLICT when the key already has a version. */
  createKeyVersion(selector?: KeySelector): Promise<KeyVersionInfo>;
  /** Creates the next version of an existing key: new values are written with it once caches expire (TTL). */
  rotate(selector?: KeySelector): Promise<KeyVersionInfo>;
  /** Marks a version retired: its values can no longer be read. Re-encrypt them first. */
  retire(id: number): Promise<void>;
  /** Marks a retired version active again. */
  activate(id: number): Promise<void>;
  /** Every version of the store, without key material, ordered by key, purpose, scope and version. */
  list(): Promise<KeyVersionInfo[]>;
  /** Every row, still wrapped, as JSON-ready data. */
  exportKeys(): Promise<KeyStoreExport>;
  /**
   * Restores rows from an export. Each row is checked by decrypting it with the keyring (one Decrypt
   * per row) unless `verify: false`; a row whose id exists with other content is a CONFLICT.
   */
  importKeys(data: unknown, options?: { readonly verify?: boolean }): Promise<ImportResult>;
}

/** Attempts at a free random id or version before giving up (a collision needs a concurrent writer). */
const INSERT_ATTEMPTS = 8;

/**
 * Creates the key store's control plane.
 *
 * @example
 * ```ts
 * const admin = keyStoreAdmin({ name: 'app', storage: prismaKeyStorage(prisma), keyring });
 * await admin.createKeyVersion();           // version 1 of key 'default'
 * await admin.rotate();                      // version 2: new values use it
 * await writeFile('keys.json', JSON.stringify(await admin.exportKeys()));
 * ```
 */
export function keyStoreAdmin(options: KeyStoreAdminOptions): KeyStoreAdmin {
  if (!options || typeof options.name !== 'string' || options.name === '' || !(options.keyring instanceof KeyringNode) || !options.storage) {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'keyStoreAdmin needs a name, a storage and a keyring');
  }
  const { name, storage, keyring } = options;

  async function createNext(selector: KeySelector, mustExist: boolean): Promise<KeyVersionInfo> {
    const keyName = selector.keyName ?? DEFAULT_KEY_NAME;
    const purpose: KeyPurpose = selector.purpose ?? 'field';
    const scope = selector.scope ?? '';
    for (let attempt = 0; attempt < INSERT_ATTEMPTS; attempt += 1) {
      const versions = (await storage.list(name)).filter((r) => r.keyName === keyName && r.purpose === purpose && r.scope === scope);
      if (mustExist && versions.length === 0) {
        throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, `key "${keyName}" (${purpose}) has no version to rotate: create it first`);
      }
      if (!mustExist && versions.length > 0) {
        throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, `key "${keyName}" (${purpose}) already exists: rotate it instead`);
      }
      const version = Math.max(0, ...versions.map((r) => r.version)) + 1;
      // Random ids: they reveal nothing about how many keys exist, and need no counter row.
      const identity = { keyStore: name, id: randomInt(1, MAX_KEY_VERSION_ID + 1), keyName, version, purpose, scope };
      const row: KeyRow = checkRow({ ...identity, status: 'active', material: await newWrappedKey(keyring, identity), createdAt: new Date() }, KeyStoreErrorReason.INVALID_INPUT);
      if (await storage.insert(row)) return info(row);
    }
    throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, `could not insert a new version of key "${keyName}": concurrent writers`);
  }

  async function setStatus(id: number, status: KeyStatus): Promise<void> {
    if (!(await storage.setStatus(name, id, status))) {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, `the key store "${name}" has no such key version`, { keyVersionId: id });
    }
  }

  return {
    createKeyVersion: (selector = {}) => createNext(selector, false),
    rotate: (selector = {}) => createNext(selector, true),
    retire: (id) => setStatus(id, 'retired'),
    activate: (id) => setStatus(id, 'active'),
    list: async () => (await storage.list(name)).map(info).sort(byKeyThenVersion),
    exportKeys: async () => ({
      format: EXPORT_FORMAT,
      keyStore: name,
      rows: (await storage.list(name)).sort(byKeyThenVersion).map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    }),
    importKeys: async (data, { verify = true } = {}) => {
      const rows = parseExport(data, name);
      let imported = 0;
      let unchanged = 0;
      for (const row of rows) {
        const existing = await storage.get(name, row.id);
        if (existing) {
          if (!sameRow(existing, row)) {
            throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, 'the store holds another row with this id; nothing more was imported', { keyVersionId: row.id });
          }
          unchanged += 1;
          continue;
        }
        if (verify) (await unwrapKey(keyring, row)).fill(0);
        if (!(await storage.insert(row))) {
          throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, 'the store holds another row with this key name and version', { keyVersionId: row.id });
        }
        imported += 1;
      }
      return { imported, unchanged };
    },
  };
}

function info(row: KeyRow): KeyVersionInfo {
  const { material: _material, ...rest } = row;
  return rest;
}

function byKeyThenVersion(a: KeyVersionInfo, b: KeyVersionInfo): number {
  return a.keyName.localeCompare(b.keyName) || a.purpose.localeCompare(b.purpose) || a.scope.localeCompare(b.scope) || a.version - b.version;
}

function sameRow(a: KeyRow, b: KeyRow): boolean {
  return a.keyName === b.keyName && a.version === b.version && a.purpose === b.purpose && a.scope === b.scope && a.material === b.material;
}

function parseExport(data: unknown, name: string): KeyRow[] {
  const fail = (what: string): never => {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, `not a key-store export: ${what}`);
  };
  const parsed = typeof data === 'string' ? parseJson(data, fail) : data;
  if (!parsed || typeof parsed !== 'object') return fail('not an object');
  const { format, keyStore, rows } = parsed as Record<string, unknown>;
  if (format !== EXPORT_FORMAT) return fail(`format must be "${EXPORT_FORMAT}"`);
  if (keyStore !== name) return fail(`it is of key store "${String(keyStore)}", not "${name}"`);
  if (!Array.isArray(rows)) return fail('rows must be an array');
  return rows.map((raw: unknown) => {
    const row = raw as Record<string, unknown>;
    try {
      return checkRow({ ...(row as unknown as KeyRow), createdAt: new Date(String(row?.createdAt)) }, KeyStoreErrorReason.INVALID_INPUT);
    } catch (e) {
      if (isKeyStoreError(e)) throw e;
      return fail('a row is not an object');
    }
  });
}

function parseJson(text: string, fail: (what: string) => never): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail('not JSON');
  }
}
