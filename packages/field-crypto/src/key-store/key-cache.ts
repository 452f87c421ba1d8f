/**
 * An in-memory cache of loaded things (key versions) with a TTL, a size bound, single-flight loads and
 * a negative cache: concurrent misses share one load, a failed lookup is remembered for a short while
 * (so an unknown key id does not cause a storm of database and KMS calls), and every evicted or
 * expired value is destroyed (its key bytes zeroed).
 */

/** What the cache holds: something that can wipe itself. */
export interface Destroyable {
  destroy(): void;
}

/** Cache limits. */
export interface KeyCacheLimits {
  /** How long a loaded key version is kept. */
  readonly ttlMs: number;
  /** How many key versions are kept; the oldest loaded is evicted first. */
  readonly maxEntries: number;
  /** How long a failed lookup (unknown, retired or unreadable key) is remembered. */
  readonly negativeTtlMs: number;
}

type Entry<V> =
  | { readonly state: 'loading'; readonly promise: Promise<V> }
  | { readonly state: 'ready'; readonly value: V; readonly expiresAt: number }
  | { readonly state: 'failed'; readonly error: unknown; readonly expiresAt: number };

export class KeyCache<K, V extends Destroyable> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #limits: KeyCacheLimits;
  readonly #now: () => number;
  /** Whether a load failure is worth remembering (not a transient one such as a database outage). */
  readonly #remember: (error: unknown) => boolean;
  /** Whether a failure is final (a shredded key): remembered for the full TTL instead of the negative TTL. */
  readonly #final: (error: unknown) => boolean;

  constructor(
    limits: KeyCacheLimits,
    options: { now?: () => number; rememberFailure?: (error: unknown) => boolean; finalFailure?: (error: unknown) => boolean } = {},
  ) {
    this.#limits = limits;
    this.#now = options.now ?? Date.now;
    this.#remember = options.rememberFailure ?? (() => true);
    this.#final = options.finalFailure ?? (() => false);
  }

  /** The cached value (synchronously), a remembered failure (thrown), or a promise of one load shared by all callers. */
  get(key: K, load: (key: K) => Promise<V>): V | Promise<V> {
    const entry = this.#entries.get(key);
    if (entry) {
      if (entry.state === 'loading') return entry.promise;
      if (entry.expiresAt > this.#now()) {
        if (entry.state === 'ready') return entry.value;
        throw entry.error;
      }
      this.#drop(key, entry);
    }
    const promise = load(key).then(
      (value) => {
        if (this.#entries.get(key)?.state === 'loading') this.#store(key, { state: 'ready', value, expiresAt: this.#now() + this.#limits.ttlMs });
        else value.destroy(); // cleared while loading
        return value;
      },
      (error: unknown) => {
        if (this.#entries.get(key)?.state === 'loading') {
          const ttl = this.#final(error) ? this.#limits.ttlMs : this.#limits.negativeTtlMs;
          if (this.#remember(error)) this.#store(key, { state: 'failed', error, expiresAt: this.#now() + ttl });
          else this.#entries.delete(key);
        }
        throw error;
      },
    );
    this.#entries.set(key, { state: 'loading', promise });
    return promise;
  }

  /**
   * Caches a value obtained another way (a key version just created, whose bytes are at hand), unless a
   * load of the key is in flight (that load wins). Returns whether it was stored; if not, the caller keeps
   * ownership of `value`.
   */
  set(key: K, value: V): boolean {
    const entry = this.#entries.get(key);
    if (entry?.state === 'loading') return false;
    if (entry) this.#drop(key, entry);
    this.#store(key, { state: 'ready', value, expiresAt: this.#now() + this.#limits.ttlMs });
    return true;
  }

  /** The value cached for `key` (expired or not), without loading or touching it; undefined when none is. */
  peek(key: K): V | undefined {
    const entry = this.#entries.get(key);
    return entry?.state === 'ready' ? entry.value : undefined;
  }

  /** Forgets `key` if it still holds exactly `value` (not a value loaded since), destroying it. */
  evict(key: K, value: V): void {
    const entry = this.#entries.get(key);
    if (entry?.state === 'ready' && entry.value === value) this.#drop(key, entry);
  }

  /** Forgets one key (e.g. after retire), destroying its value. */
  delete(key: K): void {
    const entry = this.#entries.get(key);
    if (entry) this.#drop(key, entry);
  }

  /** Destroys every cached value. */
  clear(): void {
    for (const [key, entry] of [...this.#entries]) this.#drop(key, entry);
  }

  get size(): number {
    return this.#entries.size;
  }

  #store(key: K, entry: Entry<V>): void {
    this.#entries.delete(key); // re-insert: the Map's order is load order, the eviction order
    this.#entries.set(key, entry);
    for (const [oldest, old] of this.#entries) {
      if (this.#entries.size <= this.#limits.maxEntries || oldest === key) break; // never the value just stored
      if (old.state === 'loading') continue; // a load in flight is not evicted; it settles into the bound
      this.#drop(oldest, old);
    }
  }

  #drop(key: K, entry: Entry<V>): void {
    this.#entries.delete(key);
    if (entry.state === 'ready') entry.value.destroy();
  }
}
