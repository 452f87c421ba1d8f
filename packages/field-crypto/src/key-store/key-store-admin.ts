/**
 * The control plane of the key store: the only code that creates, rotates, retires, exports and
 * imports key versions. Nothing in the request path calls it; `prisma-kms keys ...` and deployment
 * scripts do.
 */
import { KeyringNode } from '@aws-crypto/client-node';
import { KeyStoreError, KeyStoreErrorReason, isKeyStoreError } from './errors';
import { unwrapKey } from './key-material';
import { checkRow, DEFAULT_KEY_NAME, KEY_PURPOSES, type KeyPurpose, type KeyRow, type KeySelector, type KeyStatus } from './key-row';
import type { KeyStoreStorage } from './key-store-storage';
import { insertKeyVersion, keyVersionRows, nextVersion, scopeRowsOf, scopeWasShredded } from './key-version-rows';
import { checkScope, keyringOfScope } from './scope';

/** A key version as `list` shows it: everything but the key material. */
export type KeyVersionInfo = Omit<KeyRow, 'material'>;

/** The JSON of `exportKeys`: every row, still wrapped, for a backup kept outside the database. */
export interface KeyStoreExport {
  readonly format: typeof EXPORT_FORMAT;
  readonly keyStore: string;
  readonly rows: ReadonlyArray<Omit<KeyRow, 'createdAt'> & { readonly createdAt: string }>;
}

export const EXPORT_FORMAT = 'prisma-kms-key-store-export/1';

/** Options of {@link keyStoreAdmin}: the same name, storage, keyring and scopeKeyring as the data plane's. */
export interface KeyStoreAdminOptions {
  readonly name: string;
  readonly storage: KeyStoreStorage;
  readonly keyring: KeyringNode;
  /** The BYOK keyrings of scopes (see `KeyStoreOptions.scopeKeyring`): used to wrap their new versions and to verify imported rows. */
  readonly scopeKeyring?: (scope: string) => KeyringNode | undefined;
}

/** A key to create or rotate: a {@link KeySelector}, and for a BYOK scope the keyring that wraps its rows. */
export interface CreateKeyRequest extends KeySelector {
  /**
   * The keyring of this scope's new version (the customer's KMS key). Default: `scopeKeyring(scope)`,
   * else the store's keyring. The data plane must be configured with the same keyring for the scope
   * (`scopeKeyring`), or it refuses the row.
   */
  readonly keyring?: KeyringNode;
}

/** What `shred` destroyed (or, with `dryRun`, would destroy). */
export interface ShredResult {
  readonly scope: string;
  /** The rows, as they were before the shred (status active or retired): every key name, purpose and version of the scope. */
  readonly rows: KeyVersionInfo[];
}

/** What `importKeys` did. */
export interface ImportResult {
  readonly imported: number;
  /** Rows already present, identical. */
  readonly unchanged: number;
  /** Rows of the export whose id is a shredded tombstone in the store: never brought back. */
  readonly refusedShredded: number;
}

/** The control plane. See {@link keyStoreAdmin}. */
export interface KeyStoreAdmin {
  /**
   * Creates version 1 of a key; CONFLICT when the key already has a version; KEY_SCOPE_SHREDDED for a
   * shredded scope. `{ scope, keyring }` creates a scope's key wrapped by its own (BYOK) keyring.
   */
  createKeyVersion(request?: CreateKeyRequest): Promise<KeyVersionInfo>;
  /**
   * Creates the next version of an existing key: new values are written with it once caches expire (TTL).
   * KEY_SCOPE_SHREDDED when every version of the key is shredded.
   */
  rotate(request?: CreateKeyRequest): Promise<KeyVersionInfo>;
  /**
   * Marks a version retired: its values can no longer be read. Re-encrypt them first. Running processes
   * stop using it within the status interval for a scope's key (`cache.statusTtlMs`), the TTL for the application's.
   */
  retire(id: number): Promise<void>;
  /** Marks a retired version active again. A shredded version is refused (KEY_SCOPE_SHREDDED). */
  activate(id: number): Promise<void>;
  /**
   * Crypto-shreds a scope: every row of it (field and blind-index keys, every version) becomes a
   * tombstone in one atomic storage call. Its values can never be decrypted again, anywhere: running
   * processes stop using their cached keys of the scope within the key store's status interval
   * (`cache.statusTtlMs`, 30 s by default); other scopes are untouched. `dryRun` lists what would be destroyed
   * and changes nothing. INVALID_SCOPE for `''` (the application's key is never shredded).
   *
   * @example
   * ```ts
   * const { rows } = await admin.shred('tenant-42', { dryRun: true }); // review
   * await admin.shred('tenant-42');
   * ```
   */
  shred(scope: string, options?: { readonly dryRun?: boolean }): Promise<ShredResult>;
  /** Every version of the store, without key material, ordered by key, purpose, scope and version. */
  list(): Promise<KeyVersionInfo[]>;
  /** Every row, still wrapped, as JSON-ready data. */
  exportKeys(): Promise<KeyStoreExport>;
  /**
   * Restores rows from an export, all or nothing: every row is checked first (decrypted with its scope's
   * keyring, one Decrypt per new row, unless `verify: false`; a row whose id exists with other content is
   * a CONFLICT) and only then are the new rows inserted. A row whose id is shredded in the store is never
   * brought back (counted in `refusedShredded`).
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
 * await admin.createKeyVersion({ scope: 'acme', keyring: kmsKeyring({ generatorKeyId: acmeKeyArn }) }); // BYOK
 * await writeFile('keys.json', JSON.stringify(await admin.exportKeys()));
 * ```
 */
export function keyStoreAdmin(options: KeyStoreAdminOptions): KeyStoreAdmin {
  if (!options || typeof options.name !== 'string' || options.name === '' || !(options.keyring instanceof KeyringNode) || !options.storage) {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'keyStoreAdmin needs a name, a storage and a keyring');
  }
  if (options.scopeKeyring !== undefined && typeof options.scopeKeyring !== 'function') {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'scopeKeyring must be a function (scope) => KeyringNode | undefined');
  }
  const { name, storage, keyring, scopeKeyring } = options;
  const keyringOf = (scope: string) => keyringOfScope(keyring, scopeKeyring, scope);

  async function createNext(request: CreateKeyRequest, mustExist: boolean): Promise<KeyVersionInfo> {
    const keyName = request.keyName ?? DEFAULT_KEY_NAME;
    const purpose: KeyPurpose = request.purpose ?? 'field';
    if (!KEY_PURPOSES.includes(purpose)) throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, `purpose must be one of ${KEY_PURPOSES.join(', ')}`);
    const scope = checkScope(request.scope, { allowApplication: true });
    if (request.keyring !== undefined && !(request.keyring instanceof KeyringNode)) {
      throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'keyring must be an Encryption SDK KeyringNode', { scope });
    }
    const wrapWith = request.keyring ?? keyringOf(scope);
    const key = { keyStore: name, keyName, purpose, scope };
    const named = `key "${keyName}" (${purpose})`;
    for (let attempt = 0; attempt < INSERT_ATTEMPTS; attempt += 1) {
      const versions = await keyVersionRows(storage, key);
      // A shredded scope stays shredded: no new key of any purpose (a rotation would reopen it).
      if (!versions.some((r) => r.status === 'active' || r.status === 'retired') && scope !== '' && (await scopeWasShredded(storage, key, versions))) {
        throw new KeyStoreError(KeyStoreErrorReason.KEY_SCOPE_SHREDDED, `the scope of ${named} was shredded`, { scope });
      }
      if (mustExist && versions.length === 0) {
        throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, `${named} has no version to rotate: create it first`, { scope });
      }
      if (!mustExist && versions.length > 0) {
        throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, `${named} already exists: rotate it instead`, { scope });
      }
      const created = await insertKeyVersion(storage, wrapWith, key, nextVersion(versions));
      if (created) {
        created.bytes.fill(0);
        return info(created.row);
      }
    }
    throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, `could not insert a new version of ${named}: concurrent writers`, { scope });
  }

  async function setStatus(id: number, status: KeyStatus): Promise<void> {
    if (await storage.setStatus(name, id, status)) return;
    const row = await storage.get(name, id);
    if (row?.status === 'shredded') {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_SCOPE_SHREDDED, 'the key version was shredded with its scope: it never changes again', { keyVersionId: id, scope: row.scope });
    }
    throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, `the key store "${name}" has no such key version`, { keyVersionId: id });
  }

  async function shred(scopeArg: string, { dryRun = false }: { readonly dryRun?: boolean } = {}): Promise<ShredResult> {
    const scope = checkScope(scopeArg, { allowApplication: false });
    const rowsOfScope = () => scopeRowsOf(storage, name, scope);
    const before = await rowsOfScope();
    const live = before.filter((r) => r.status !== 'shredded').map(info).sort(byKeyThenVersion);
    if (dryRun) return { scope, rows: live };
    await storage.shred(name, scope);
    // Report what this call destroyed, including a version created between the listing and the shred.
    const statusBefore = new Map(before.map((r) => [r.id, r.status]));
    const destroyed = (await rowsOfScope())
      .filter((r) => r.status === 'shredded' && statusBefore.get(r.id) !== 'shredded')
      .map((r) => ({ ...info(r), status: statusBefore.get(r.id) ?? 'active' }))
      .sort(byKeyThenVersion);
    return { scope, rows: destroyed };
  }

  async function importKeys(data: unknown, { verify = true }: { readonly verify?: boolean } = {}): Promise<ImportResult> {
    const rows = parseExport(data, name);
    // Phase 1: judge every row; nothing is written until all of them pass.
    const fresh: KeyRow[] = [];
    let unchanged = 0;
    let refusedShredded = 0;
    for (const row of rows) {
      const existing = await storage.get(name, row.id);
      if (existing?.status === 'shredded') {
        refusedShredded += 1; // a backup taken before the shred must not undo it
        continue;
      }
      if (existing) {
        if (!sameRow(existing, row)) {
          throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, 'the store holds another row with this id; nothing was imported', { keyVersionId: row.id, scope: row.scope });
        }
        unchanged += 1;
        continue;
      }
      if (row.status === 'shredded') continue; // a tombstone in the export: nothing to restore
      fresh.push(row);
    }
    if (verify) {
      for (const row of fresh) (await unwrapKey(keyringOf(row.scope), row)).fill(0);
    }
    // Phase 2: insert. A conflict here means a concurrent writer took an id or version since phase 1.
    let imported = 0;
    for (const row of fresh) {
      if (!(await storage.insert(row))) {
        throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, `the store holds another row with this key name and version (${imported} rows were imported before it)`, {
          keyVersionId: row.id,
          scope: row.scope,
        });
      }
      imported += 1;
    }
    return { imported, unchanged, refusedShredded };
  }

  return {
    createKeyVersion: (request = {}) => createNext(request, false),
    rotate: (request = {}) => createNext(request, true),
    retire: (id) => setStatus(id, 'retired'),
    activate: (id) => setStatus(id, 'active'),
    shred,
    list: async () => (await storage.list(name)).map(info).sort(byKeyThenVersion),
    exportKeys: async () => ({
      format: EXPORT_FORMAT,
      keyStore: name,
      rows: (await storage.list(name)).sort(byKeyThenVersion).map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    }),
    importKeys,
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
  const checked = rows.map((raw: unknown) => {
    const row = raw as Record<string, unknown>;
    try {
      return checkRow({ ...(row as unknown as KeyRow), createdAt: new Date(String(row?.createdAt)) }, KeyStoreErrorReason.INVALID_INPUT);
    } catch (e) {
      if (isKeyStoreError(e)) throw e;
      return fail('a row is not an object');
    }
  });
  const ids = new Set<number>();
  for (const row of checked) {
    if (row.keyStore !== name) return fail(`a row is of key store "${row.keyStore}", not "${name}"`);
    if (ids.has(row.id)) return fail(`two rows have the id ${row.id}`);
    ids.add(row.id);
  }
  return checked;
}

function parseJson(text: string, fail: (what: string) => never): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail('not JSON');
  }
}
