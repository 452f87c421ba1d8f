/**
 * The data plane of the key store: finds key versions for the cipher. A key version is loaded on first
 * use (one storage read, one keyring Decrypt) and kept in memory for the TTL, so KMS is called once per
 * key version per process per TTL, whatever the table's size or age. It never creates keys: that is the
 * control plane's job (./key-store-admin.ts).
 */
import { KeyringNode } from '@aws-crypto/client-node';
import { isKeyVersionId } from '../compact/compact-layout';
import { KeyCache, type KeyCacheLimits } from './key-cache';
import { unwrapKey } from './key-material';
import { checkRow, DEFAULT_KEY_NAME, type KeyPurpose } from './key-row';
import type { KeyStoreStorage } from './key-store-storage';
import { LoadedKeyVersion } from './key-version';
import { KeyStoreError, KeyStoreErrorReason, isKeyStoreError } from './errors';

/** Defaults: 10 minutes, 1,000 key versions, failed lookups remembered for 5 seconds. */
export const DEFAULT_KEY_CACHE_LIMITS: KeyCacheLimits = Object.freeze({ ttlMs: 10 * 60_000, maxEntries: 1000, negativeTtlMs: 5_000 });

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
  /** Cache limits; see {@link DEFAULT_KEY_CACHE_LIMITS}. */
  readonly cache?: Partial<KeyCacheLimits>;
  /** Clock, for tests of the TTL. */
  readonly now?: () => number;
}

/** Counters since the store was created. */
export interface KeyStoreStats {
  /** Storage reads (get by id, latest active). */
  readonly storageReads: number;
  /** Key versions unwrapped by the keyring (KMS Decrypt calls with a KMS keyring). */
  readonly keyUnwraps: number;
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
  /** The key version `id`, synchronously when cached; rejects with a KeyStoreError when unknown, retired or unreadable. */
  keyVersion(id: number): LoadedKeyVersion | Promise<LoadedKeyVersion>;
  /** The newest active version of the key written with; NO_ACTIVE_KEY when there is none. */
  currentKeyVersion(): LoadedKeyVersion | Promise<LoadedKeyVersion>;
  /** Forgets every cached key version (zeroing it) and every remembered failure. */
  clear(): void;
  readonly stats: KeyStoreStats;
}

/**
 * Creates a {@link KeyStore}. Options are validated here.
 *
 * @example
 * ```ts
 * const keyStore = createKeyStore({ name: 'app', storage: memoryKeyStorage(), keyring, cache: { ttlMs: 60_000 } });
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
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'createKeyStore needs a storage (get, latestActive, list, insert, setStatus)');
  }
  const { ttlMs, maxEntries, negativeTtlMs } = { ...DEFAULT_KEY_CACHE_LIMITS, ...options.cache };
  const limits: KeyCacheLimits = { ttlMs, maxEntries, negativeTtlMs };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < (name === 'maxEntries' ? 1 : 0)) {
      throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, `cache.${name} must be a ${name === 'maxEntries' ? 'positive' : 'non-negative'} number`);
    }
  }
  return new Store(options, limits);
}

/** The pointer to the version written with: nothing to wipe. */
interface Current {
  readonly id: number;
  destroy(): void;
}

class Store implements KeyStore {
  readonly name: string;
  readonly keyring: KeyringNode;
  readonly storage: KeyStoreStorage;
  readonly #keyName: string;
  readonly #versions: KeyCache<number, LoadedKeyVersion>;
  readonly #current: KeyCache<KeyPurpose, Current>;
  readonly #stats = { storageReads: 0, keyUnwraps: 0 };
  // Loaders bound once: the cache is asked once per value, and a closure per call costs on that path.
  readonly #loadVersion = (id: number) => this.#load(id);
  readonly #findCurrentVersion = () => this.#findCurrent();

  constructor(options: KeyStoreOptions, limits: KeyCacheLimits) {
    this.name = options.name;
    this.keyring = options.keyring;
    this.storage = options.storage;
    this.#keyName = options.keyName ?? DEFAULT_KEY_NAME;
    const now = options.now ?? Date.now;
    this.#versions = new KeyCache(limits, { now });
    this.#current = new KeyCache(limits, { now });
  }

  get stats(): KeyStoreStats {
    return { ...this.#stats };
  }

  keyVersion(id: number): LoadedKeyVersion | Promise<LoadedKeyVersion> {
    return this.#versions.get(id, this.#loadVersion);
  }

  currentKeyVersion(): LoadedKeyVersion | Promise<LoadedKeyVersion> {
    const current = this.#current.get('field', this.#findCurrentVersion);
    if (current instanceof Promise) return current.then((pointer) => this.keyVersion(pointer.id));
    return this.keyVersion(current.id);
  }

  clear(): void {
    this.#versions.clear();
    this.#current.clear();
  }

  async #findCurrent(): Promise<Current> {
    const row = await this.#read(() => this.storage.latestActive(this.name, this.#keyName, 'field', ''));
    if (!row) {
      throw new KeyStoreError(
        KeyStoreErrorReason.NO_ACTIVE_KEY,
        `the key store "${this.name}" has no active version of key "${this.#keyName}": create one with \`prisma-kms keys create\``,
      );
    }
    return { id: row.id, destroy: () => undefined };
  }

  async #load(id: number): Promise<LoadedKeyVersion> {
    if (!isKeyVersionId(id)) throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, 'not a key-version id');
    const row = await this.#read(() => this.storage.get(this.name, id));
    const where = { keyVersionId: id };
    if (!row || row.id !== id || row.keyStore !== this.name) {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, `the key store "${this.name}" has no such key version (restore it from a key export)`, where);
    }
    checkRow(row);
    if (row.purpose !== 'field') {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_UNKNOWN, `the key version is a ${row.purpose} key, not a field key`, where);
    }
    if (row.status === 'retired') {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_VERSION_RETIRED, 'the key version is retired; activate it again to read its values', where);
    }
    this.#stats.keyUnwraps += 1;
    return new LoadedKeyVersion(id, await unwrapKey(this.keyring, row));
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
