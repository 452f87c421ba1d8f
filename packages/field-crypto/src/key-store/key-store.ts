/**
 * The data plane of the key store: finds key versions for the cipher. A key version is loaded on first
 * use (one storage read, one keyring Decrypt) and kept in memory for the TTL, so KMS is called once per
 * key version per process per TTL, whatever the table's size or age.
 *
 * Keys are per scope (a tenant, a user; `''` is the application's key). Reads find the key from the value
 * (value -> key-version id -> row -> scope), so a query across scopes works. A scope's rows are wrapped and
 * unwrapped by `scopeKeyring(scope)` when it returns a keyring (BYOK), else by the store's keyring, and by
 * nothing else. The application's key is only ever created by the control plane (./key-store-admin.ts);
 * a scope's keys too, unless `scopes.createKeys` is `'on-first-write'`. A scope's cached keys are used for
 * at most `cache.statusTtlMs` after their rows were last read as active (./scope-status.ts): a shred or a
 * retire reaches every process within that interval, not the TTL.
 */
import { KeyringNode } from '@aws-crypto/client-node';
import { isKeyVersionId } from '../compact/compact-layout';
import { openBlindIndexer, type BlindIndexer } from '../blind-index/blind-indexer';
import { indexKeySetOf } from '../blind-index/index-key';
import { KeyCache, type KeyCacheLimits } from './key-cache';
import { unwrapKey } from './key-material';
import { checkRow, DEFAULT_KEY_NAME, type KeyRow } from './key-row';
import type { KeyStoreStorage } from './key-store-storage';
import { insertKeyVersion, keyVersionRows, latestActiveOf, nextVersion, scopeKeyView, scopeRowsOf, scopeWasShredded, type KeyIdentity } from './key-version-rows';
import { LoadedKeyVersion } from './key-version';
import { APPLICATION_SCOPE, checkScope, keyringOfScope } from './scope';
import { KeyStoreError, KeyStoreErrorReason, isKeyStoreError } from './errors';
import { KeyringCallLimiter } from './keyring-call-limiter';
import { ScopeStatusChecks, scopeStatusOf, type StatusStamped } from './scope-status';

/** The key store's cache limits: the key cache's, and how stale a scope key's status may be. */
export interface KeyStoreCacheLimits extends KeyCacheLimits {
  /**
   * The status interval of scope keys. A cached key version, write pointer or blind indexer of a scope
   * (not the application's key) whose rows were last read as active longer ago than this is not used
   * before one read of the scope's rows (`storage.scopeRows`; shared by every caller of the scope, never
   * a KMS call). If the rows are no longer active it is dropped (zeroed): a write then fails with
   * KEY_SCOPE_SHREDDED (or NO_ACTIVE_KEY, or uses the next active version, after a retire) and a read
   * meets the tombstone. So a shred reaches every process within this interval (plus one storage read),
   * at a cost of at most one storage read per scope in use per interval. `0` checks before every use.
   */
  readonly statusTtlMs: number;
}

/** Defaults: 10 minutes, 1,000 key versions, failed lookups remembered for 5 seconds, scope status re-read after 30 seconds. */
export const DEFAULT_KEY_CACHE_LIMITS: KeyStoreCacheLimits = Object.freeze({ ttlMs: 10 * 60_000, maxEntries: 1000, negativeTtlMs: 5_000, statusTtlMs: 30_000 });

/** How scope keys come to exist. */
export interface KeyScopeOptions {
  /**
   * `'never'` (default): every scope's key is created from the control plane (`admin.createKeyVersion({ scope })`);
   * a write to a scope without an active key fails with NO_ACTIVE_KEY naming the scope.
   * `'on-first-write'`: the first write to a scope creates version 1 of its field key (and the first use of
   * its blind indexer, of its index key), wrapped by `scopeKeyring(scope)` or the store's keyring. Per-user
   * scopes cannot be created ahead. Never for the application's key, never for a shredded scope.
   */
  readonly createKeys?: 'never' | 'on-first-write';
}

/** Options of {@link createKeyStore}. */
export interface KeyStoreOptions {
  /** The store's name, bound into every row's encryption context (e.g. `'app'`). */
  readonly name: string;
  /** Where rows live: `prismaKeyStorage(prisma)` from `@prisma-kms/prisma`, or {@link memoryKeyStorage}. */
  readonly storage: KeyStoreStorage;
  /** The keyring that wraps key material: {@link kmsKeyring}, {@link multiKeyring}, ... */
  readonly keyring: KeyringNode;
  /** The key written with (its newest active version). Default `'default'`. */
  readonly keyName?: string;
  /** Cache limits and the scope status interval; see {@link DEFAULT_KEY_CACHE_LIMITS}. */
  readonly cache?: Partial<KeyStoreCacheLimits>;
  /** Whether scope keys are created on first write. Default `{ createKeys: 'never' }`. */
  readonly scopes?: KeyScopeOptions;
  /**
   * Bring your own key: the keyring of a scope whose rows are wrapped by a KMS key of its own (the
   * customer's), or undefined for the store's keyring. A row of scope S is unwrapped ONLY with
   * `scopeKeyring(S)` when it returns one, else ONLY with `keyring`: which key belongs to which scope is
   * this configuration, never the database's say. Called on every key load (not per value).
   */
  readonly scopeKeyring?: (scope: string) => KeyringNode | undefined;
  /**
   * The most keyring calls (KMS Decrypt to load a key version, GenerateDataKey to create one) in flight
   * at once; more wait their turn. Default 16. A cold read across many scopes needs one call per scope.
   */
  readonly maxConcurrentKeyringCalls?: number;
  /** Clock, for tests of the TTL and the status interval. */
  readonly now?: () => number;
}

/** The default of {@link KeyStoreOptions.maxConcurrentKeyringCalls}. */
const DEFAULT_MAX_CONCURRENT_KEYRING_CALLS = 16;

/** Counters since the store was created. */
export interface KeyStoreStats {
  /** Storage reads (get by id, latest active, versions of a key, status reads). */
  readonly storageReads: number;
  /** Of those, reads of a scope's status (see `cache.statusTtlMs`): at most one per scope in use per interval. */
  readonly statusReads: number;
  /** Key versions unwrapped by the keyring (KMS Decrypt calls with a KMS keyring). */
  readonly keyUnwraps: number;
  /** Key versions this process created on first write (`scopes.createKeys: 'on-first-write'`). */
  readonly keysCreated: number;
}

/**
 * Loads key versions for a cipher. Create one per process and share it between ciphers.
 *
 * @example
 * ```ts
 * const keyStore = createKeyStore({ name: 'app', storage: prismaKeyStorage(prisma), keyring: kmsKeyring({ generatorKeyId }) });
 * const cipher = createFieldCipher({ keyring, format: 'compact', keyStore });
 * ```
 */
export interface KeyStore {
  readonly name: string;
  readonly keyring: KeyringNode;
  readonly storage: KeyStoreStorage;
  /**
   * The key version `id`, synchronously when cached (and, for a scope's key, its status read within
   * `cache.statusTtlMs`); rejects with a KeyStoreError when unknown, retired, shredded (KEY_SCOPE_SHREDDED,
   * remembered for the TTL) or unreadable (e.g. a revoked BYOK key).
   */
  keyVersion(id: number): LoadedKeyVersion | Promise<LoadedKeyVersion>;
  /**
   * The newest active version of the field key of `scope` (default `''`, the application's key), created
   * on first write when configured. NO_ACTIVE_KEY (naming the scope) when there is none, KEY_SCOPE_SHREDDED
   * for a shredded scope, INVALID_SCOPE for a bad scope string.
   *
   * @example
   * ```ts
   * const version = await keyStore.currentKeyVersion('tenant-42'); // version.scope === 'tenant-42'
   * ```
   */
  currentKeyVersion(scope?: string): LoadedKeyVersion | Promise<LoadedKeyVersion>;
  /**
   * The blind indexer of `scope` (`''`: the application's index key in the store), from the scope's
   * `blind-index` rows: writes use the newest active version, `computeAll` every active one. Created on
   * first use when configured; cached like key versions. Use it at once: once the cache evicts it, it
   * throws INDEX_KEY_EVICTED rather than compute with zeroed keys.
   *
   * @example
   * ```ts
   * const indexer = await keyStore.blindIndexer('tenant-42');
   * const emailHash = indexer.compute({ model: 'User', field: 'email' }, email, { normalize: ['lowercase'] });
   * ```
   */
  blindIndexer(scope: string): BlindIndexer | Promise<BlindIndexer>;
  /** Forgets every cached key version and indexer (zeroing them) and every remembered failure. */
  clear(): void;
  readonly stats: KeyStoreStats;
}

/**
 * Creates a {@link KeyStore}. Options are validated here.
 *
 * @example
 * ```ts
 * const keyStore = createKeyStore({
 *   name: 'app',
 *   storage: memoryKeyStorage(),
 *   keyring,
 *   cache: { ttlMs: 60_000 },
 *   scopes: { createKeys: 'on-first-write' },
 *   scopeKeyring: (scope) => (scope === 'acme' ? kmsKeyring({ generatorKeyId: acmeKeyArn }) : undefined),
 * });
 * ```
 */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  if (!options || typeof options.name !== 'string' || options.name === '') {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'createKeyStore needs a non-empty name');
  }
  if (!(options.keyring instanceof KeyringNode)) {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'createKeyStore needs a keyring (an Encryption SDK KeyringNode)');
  }
  if (!options.storage || typeof options.storage.get !== 'function' || typeof options.storage.latestActive !== 'function') {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'createKeyStore needs a storage (get, latestActive, list, insert, setStatus, shred)');
  }
  const createKeys = options.scopes?.createKeys ?? 'never';
  if (createKeys !== 'never' && createKeys !== 'on-first-write') {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, "scopes.createKeys must be 'never' or 'on-first-write'");
  }
  if (options.scopeKeyring !== undefined && typeof options.scopeKeyring !== 'function') {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'scopeKeyring must be a function (scope) => KeyringNode | undefined');
  }
  const { ttlMs, maxEntries, negativeTtlMs, statusTtlMs } = { ...DEFAULT_KEY_CACHE_LIMITS, ...options.cache };
  const limits: KeyStoreCacheLimits = { ttlMs, maxEntries, negativeTtlMs, statusTtlMs };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < (name === 'maxEntries' ? 1 : 0)) {
      throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, `cache.${name} must be a ${name === 'maxEntries' ? 'positive' : 'non-negative'} number`);
    }
  }
  const maxCalls = options.maxConcurrentKeyringCalls;
  if (maxCalls !== undefined && (!Number.isSafeInteger(maxCalls) || maxCalls < 1)) {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'maxConcurrentKeyringCalls must be a positive integer');
  }
  return new Store(options, limits, createKeys === 'on-first-write');
}

/** The pointer to the version written with: nothing to wipe. */
interface Current extends StatusStamped {
  readonly id: number;
  destroy(): void;
}

/** A cached per-scope indexer and the key bytes behind it, zeroed together on eviction. */
interface ScopeIndexer extends StatusStamped {
  readonly indexer: BlindIndexer;
  /** The ids of the index-key rows it was made from: all must still be active for it to be used. */
  readonly ids: readonly number[];
  destroy(): void;
}

const pointer = (id: number, seenActiveAt: number): Current => ({ id, seenActiveAt, destroy: () => undefined });

/** Attempts at creating a scope's first key version (another process may win each one, then we use its row). */
const CREATE_ATTEMPTS = 4;

const isShredded = (e: unknown) => isKeyStoreError(e) && e.reason === KeyStoreErrorReason.KEY_SCOPE_SHREDDED;

class Store implements KeyStore {
  readonly name: string;
  readonly keyring: KeyringNode;
  readonly storage: KeyStoreStorage;
  readonly #keyName: string;
  readonly #createKeys: boolean;
  readonly #scopeKeyring: ((scope: string) => KeyringNode | undefined) | undefined;
  readonly #versions: KeyCache<number, LoadedKeyVersion>;
  /** Current field-key version per scope. */
  readonly #current: KeyCache<string, Current>;
  readonly #indexers: KeyCache<string, ScopeIndexer>;
  readonly #stats = { storageReads: 0, statusReads: 0, keyUnwraps: 0, keysCreated: 0 };
  readonly #keyringCalls: KeyringCallLimiter;
  readonly #now: () => number;
  readonly #status: ScopeStatusChecks;
  // Loaders bound once: the cache is asked once per value, and a closure per call costs on that path.
  readonly #loadVersion = (id: number) => this.#load(id);
  readonly #findCurrentVersion = (scope: string) => this.#findCurrent(scope);
  readonly #loadScopeIndexer = (scope: string) => this.#loadIndexer(scope);

  constructor(options: KeyStoreOptions, limits: KeyStoreCacheLimits, createKeys: boolean) {
    this.name = options.name;
    this.keyring = options.keyring;
    this.storage = options.storage;
    this.#keyName = options.keyName ?? DEFAULT_KEY_NAME;
    this.#createKeys = createKeys;
    this.#scopeKeyring = options.scopeKeyring;
    this.#keyringCalls = new KeyringCallLimiter(options.maxConcurrentKeyringCalls ?? DEFAULT_MAX_CONCURRENT_KEYRING_CALLS);
    const now = options.now ?? Date.now;
    this.#now = now;
    this.#status = new ScopeStatusChecks(limits.statusTtlMs, now, (scope) => this.#readScopeStatus(scope));
    // A shredded key never comes back: remember that for the full TTL (a column of shredded values then
    // costs one storage read per key version per TTL, and no KMS call).
    this.#versions = new KeyCache(limits, { now, finalFailure: isShredded });
    this.#current = new KeyCache(limits, { now, finalFailure: isShredded });
    this.#indexers = new KeyCache(limits, { now, finalFailure: isShredded });
  }

  get stats(): KeyStoreStats {
    return { ...this.#stats };
  }

  // The hot path (once per value): a cache hit, and for a scope's key one clock read; the status read and
  // its closures only when the interval has passed.
  keyVersion(id: number): LoadedKeyVersion | Promise<LoadedKeyVersion> {
    const version = this.#versions.get(id, this.#loadVersion);
    if (version instanceof Promise || version.scope === APPLICATION_SCOPE || this.#status.isFresh(version)) return version;
    return this.#afterStatusRead(version.scope, version, () => this.#versions.evict(id, version), () => this.#versions.get(id, this.#loadVersion));
  }

  currentKeyVersion(scope: string = APPLICATION_SCOPE): LoadedKeyVersion | Promise<LoadedKeyVersion> {
    const current = this.#current.get(scope, this.#findCurrentVersion);
    if (current instanceof Promise || scope === APPLICATION_SCOPE || this.#status.isFresh(current)) return this.#versionOf(current);
    return this.#afterStatusRead(scope, current, () => this.#current.evict(scope, current), () => this.#versionOf(this.#current.get(scope, this.#findCurrentVersion)));
  }

  blindIndexer(scope: string): BlindIndexer | Promise<BlindIndexer> {
    const cached = this.#indexers.get(scope, this.#loadScopeIndexer);
    if (cached instanceof Promise || scope === APPLICATION_SCOPE || this.#status.isFresh(cached)) return indexerOf(cached);
    return this.#afterStatusRead(scope, cached, () => this.#indexers.evict(scope, cached), () => indexerOf(this.#indexers.get(scope, this.#loadScopeIndexer)));
  }

  clear(): void {
    this.#versions.clear();
    this.#current.clear();
    this.#indexers.clear();
  }

  /** The version a pointer names. Not status-checked again: the pointer's row is the version's row. */
  #versionOf(current: Current | Promise<Current>): LoadedKeyVersion | Promise<LoadedKeyVersion> {
    if (current instanceof Promise) return current.then((found) => this.#versions.get(found.id, this.#loadVersion));
    return this.#versions.get(current.id, this.#loadVersion);
  }

  /**
   * A cached entry of `scope` past the status interval: after the scope's status read (or the one in flight),
   * the entry is evicted unless that read found its rows active, and the cache is asked `again` (so a
   * dropped key version reloads into the row's own error: KEY_SCOPE_SHREDDED, retired, unknown).
   */
  #afterStatusRead<T>(scope: string, entry: StatusStamped, evict: () => void, again: () => T | Promise<T>): Promise<T> {
    return this.#status.check(scope).then((readAt) => {
      if (entry.seenActiveAt < readAt) evict();
      return again();
    });
  }

  /**
   * One read of a scope's rows; every cached entry of the scope whose rows are all active is stamped as seen
   * now, every other is dropped (its key bytes zeroed). Never a keyring call: it only takes keys away.
   */
  async #readScopeStatus(scope: string): Promise<number> {
    const readAt = this.#now();
    this.#stats.statusReads += 1;
    const { active, inactive } = scopeStatusOf(await this.#read(() => scopeRowsOf(this.storage, this.name, scope)), this.name, scope);
    const stamp = (entry: StatusStamped) => {
      entry.seenActiveAt = Math.max(entry.seenActiveAt, readAt);
    };
    for (const id of active) {
      const version = this.#versions.peek(id);
      if (version) stamp(version);
    }
    for (const id of inactive) {
      const version = this.#versions.peek(id);
      if (version) this.#versions.evict(id, version);
    }
    const current = this.#current.peek(scope);
    if (current) {
      if (active.has(current.id)) stamp(current);
      else this.#current.evict(scope, current);
    }
    const indexer = this.#indexers.peek(scope);
    if (indexer) {
      if (indexer.ids.every((id) => active.has(id))) stamp(indexer);
      else this.#indexers.evict(scope, indexer);
    }
    return readAt;
  }

  async #findCurrent(scope: string): Promise<Current> {
    checkScope(scope, { allowApplication: true });
    const key: KeyIdentity = { keyStore: this.name, keyName: this.#keyName, purpose: 'field', scope };
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt += 1) {
      const readAt = this.#now(); // every row found active below was active at least then
      // The common case, a scope with a key, costs one read served by the unique index.
      const latest = await this.#read(() => this.storage.latestActive(this.name, this.#keyName, 'field', scope));
      if (latest) return this.#pointerTo(latest, key, readAt);
      if (scope === APPLICATION_SCOPE) throw this.#noActiveKey(key);
      const { versions, shredded } = await this.#readScopeKey(key);
      // a version made active since the first read (another process created it) is used, not duplicated
      const row = latestActiveOf(versions.map((r) => checkRow(r)));
      if (row) return this.#pointerTo(row, key, readAt);
      await this.#refuseCreation(key, versions, shredded);
      const created = await this.#create(key, versions);
      if (created) {
        const loaded = new LoadedKeyVersion(created.row.id, created.bytes, scope, readAt);
        if (!this.#versions.set(created.row.id, loaded)) loaded.destroy();
        return pointer(created.row.id, readAt);
      }
      // Lost the race (another process inserted this version): the next round reads its row.
    }
    throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, 'could not create the first key version of this scope: concurrent writers', { scope });
  }

  #pointerTo(row: KeyRow, key: KeyIdentity, seenActiveAt: number): Current {
    // The version's own row (read again by id) is bound to its scope by its context; this binds the pointer.
    this.#checkIdentity(row, key);
    return pointer(row.id, seenActiveAt);
  }

  /**
   * The versions of a scope's key, and whether the scope was shredded: one read of the scope's rows when
   * the storage has `scopeRows` (a first write to a new scope then costs one read per key instead of
   * three), else the key's versions now and the other purposes' rows only when creation is considered.
   */
  async #readScopeKey(key: KeyIdentity): Promise<{ versions: KeyRow[]; shredded: () => Promise<boolean> }> {
    const { scopeRows } = this.storage;
    if (scopeRows) {
      const view = scopeKeyView(await this.#read(() => scopeRows.call(this.storage, key.keyStore, key.scope)), key);
      return { versions: view.versions, shredded: async () => view.shredded };
    }
    const versions = await this.#read(() => keyVersionRows(this.storage, key));
    return { versions, shredded: () => scopeWasShredded(this.storage, key, versions, (read) => this.#read(read)) };
  }

  async #loadIndexer(scope: string): Promise<ScopeIndexer> {
    checkScope(scope, { allowApplication: true });
    const key: KeyIdentity = { keyStore: this.name, keyName: this.#keyName, purpose: 'blind-index', scope };
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt += 1) {
      const readAt = this.#now();
      const { versions, shredded } = scope === APPLICATION_SCOPE ? { versions: await this.#read(() => keyVersionRows(this.storage, key)), shredded: async () => false } : await this.#readScopeKey(key);
      const active = versions.filter((r) => checkRow(r).status === 'active');
      if (active.length > 0) return this.#indexerOf(key, active, readAt);
      if (scope === APPLICATION_SCOPE) throw this.#noActiveKey(key);
      await this.#refuseCreation(key, versions, shredded);
      const created = await this.#create(key, versions);
      if (created) return this.#indexerFromBytes(new Map([[created.row.version, created.bytes]]), [created.row.id], readAt);
    }
    throw new KeyStoreError(KeyStoreErrorReason.CONFLICT, 'could not create the first index key of this scope: concurrent writers', { scope });
  }

  /** Unwraps every active index-key row of a scope (one keyring Decrypt each) into an indexer. */
  async #indexerOf(key: KeyIdentity, active: readonly KeyRow[], seenActiveAt: number): Promise<ScopeIndexer> {
    const keyring = keyringOfScope(this.keyring, this.#scopeKeyring, key.scope);
    const bytes = new Map<number, Buffer>();
    try {
      for (const row of active) {
        this.#checkIdentity(row, key);
        this.#stats.keyUnwraps += 1;
        bytes.set(row.version, await this.#keyringCalls.run(() => unwrapKey(keyring, row)));
      }
    } catch (e) {
      for (const b of bytes.values()) b.fill(0);
      throw e;
    }
    return this.#indexerFromBytes(
      bytes,
      active.map((row) => row.id),
      seenActiveAt,
    );
  }

  #indexerFromBytes(bytes: Map<number, Buffer>, ids: readonly number[], seenActiveAt: number): ScopeIndexer {
    const { indexer, wipe } = openBlindIndexer(indexKeySetOf(bytes));
    return {
      indexer,
      ids,
      seenActiveAt,
      destroy: () => {
        wipe();
        for (const b of bytes.values()) b.fill(0);
      },
    };
  }

  /** A storage answer must be about the key asked for: a storage that returns other rows is not trusted. */
  #checkIdentity(row: KeyRow, key: KeyIdentity): void {
    if (row.keyStore !== key.keyStore || row.keyName !== key.keyName || row.purpose !== key.purpose || row.scope !== key.scope) {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_ROW_MISMATCH, 'the storage returned a row of another key', { keyVersionId: row.id, scope: key.scope });
    }
  }

  /** Why no key version may be created for a scope without an active one: shredded, all retired, or not configured. */
  async #refuseCreation(key: KeyIdentity, rows: readonly KeyRow[], shredded: () => Promise<boolean>): Promise<void> {
    if (await shredded()) {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_SCOPE_SHREDDED, 'the key scope was shredded: it takes no new values', { scope: key.scope });
    }
    if (!this.#createKeys || rows.length > 0) throw this.#noActiveKey(key);
  }

  async #create(key: KeyIdentity, rows: readonly KeyRow[]) {
    const keyring = keyringOfScope(this.keyring, this.#scopeKeyring, key.scope);
    const created = await this.#keyringCalls.run(() => insertKeyVersion(this.storage, keyring, key, nextVersion(rows)));
    if (created) this.#stats.keysCreated += 1;
    return created;
  }

  #noActiveKey({ keyName, purpose, scope }: KeyIdentity): KeyStoreError {
    const what = purpose === 'field' ? `key "${keyName}"` : `${purpose} key "${keyName}"`;
    const create = scope === APPLICATION_SCOPE ? '`prisma-kms keys create`' : `\`prisma-kms keys create --scope\`, or scopes: { createKeys: 'on-first-write' }`;
    return new KeyStoreError(KeyStoreErrorReason.NO_ACTIVE_KEY, `the key store "${this.name}" has no active version of ${what}: create one with ${create}`, scope === APPLICATION_SCOPE ? {} : { scope });
  }

  async #load(id: number): Promise<LoadedKeyVersion> {
    if (!isKeyVersionId(id)) throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, 'not a key-version id');
    const readAt = this.#now();
    const row = await this.#read(() => this.storage.get(this.name, id));
    if (!row || row.id !== id || row.keyStore !== this.name) {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, `the key store "${this.name}" has no such key version (restore it from a key export)`, { keyVersionId: id });
    }
    checkRow(row);
    const where = { keyVersionId: id, scope: row.scope };
    if (row.purpose !== 'field') {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, `the key version is a ${row.purpose} key, not a field key`, where);
    }
    if (row.status === 'shredded') {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_SCOPE_SHREDDED, 'the key scope was shredded: values under this key version can never be decrypted', where);
    }
    if (row.status === 'retired') {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_RETIRED, 'the key version is retired; activate it again to read its values', where);
    }
    const keyring = keyringOfScope(this.keyring, this.#scopeKeyring, row.scope);
    this.#stats.keyUnwraps += 1;
    return new LoadedKeyVersion(id, await this.#keyringCalls.run(() => unwrapKey(keyring, row)), row.scope, readAt);
  }

  async #read<T>(read: () => Promise<T>): Promise<T> {
    this.#stats.storageReads += 1;
    try {
      return await read();
    } catch (e) {
      if (isKeyStoreError(e)) throw e;
      throw new KeyStoreError(KeyStoreErrorReason.STORAGE_FAILED, `the key store "${this.name}" could not be read`, { cause: e });
    }
  }
}

const indexerOf = (entry: ScopeIndexer | Promise<ScopeIndexer>): BlindIndexer | Promise<BlindIndexer> =>
  entry instanceof Promise ? entry.then((found) => found.indexer) : entry.indexer;
