/**
 * A key version loaded into memory: its 32 bytes and the per-field keys derived from them (one HKDF per
 * field, then reused by every value of that field). Destroyed (zeroed) when the cache evicts it.
 */
import { deriveCompactFieldKey } from '../compact/field-key';
import type { Destroyable } from './key-cache';
import type { StatusStamped } from './scope-status';

export class LoadedKeyVersion implements Destroyable, StatusStamped {
  readonly id: number;
  /** The key scope of the version (`''`: the application's key). */
  readonly scope: string;
  /** When its row was last read as active (see ./scope-status.ts); a scope's status read moves it on. */
  seenActiveAt: number;
  readonly #key: Buffer;
  /** Keyed by the identity of the caller's HKDF info buffer (one per field scheme): no hashing per value. */
  readonly #fieldKeys = new Map<Uint8Array, Buffer>();
  #destroyed = false;

  constructor(id: number, key: Buffer, scope = '', seenActiveAt = 0) {
    this.id = id;
    this.scope = scope;
    this.seenActiveAt = seenActiveAt;
    this.#key = key;
  }

  /** True once the cache has evicted this version: its bytes are zero and it must not be used. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** The per-field key for `info` (from `fieldKeyInfo`), derived on first use. Pass the same buffer every time. */
  fieldKey(info: Uint8Array): Buffer {
    let key = this.#fieldKeys.get(info);
    if (!key) {
      key = deriveCompactFieldKey(this.#key, info);
      this.#fieldKeys.set(info, key);
    }
    return key;
  }

  destroy(): void {
    this.#destroyed = true;
    this.#key.fill(0);
    for (const key of this.#fieldKeys.values()) key.fill(0);
    this.#fieldKeys.clear();
  }
}
