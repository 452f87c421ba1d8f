/**
 * Which key scope each key version of the key store belongs to, and which version is current in each
 * scope, from the store's rows as `keys list` reads them (a storage read: no key material, no KMS
 * call). `encrypt`/`rotate` of scoped models and `status` judge compact values with it: a value names
 * its key-version id, the row names its scope, this index says whether the two agree.
 */
import { DEFAULT_KEY_NAME, type KeyVersionInfo } from '@prisma-kms/field-crypto';
import { currentVersion } from '../commands/key-version-rules';

/** What a key-version id is, as far as judging a value goes. */
export interface KeyVersionFacts {
  readonly scope: string;
  readonly status: KeyVersionInfo['status'];
  readonly version: number;
}

/** The key store's field keys by id, and the current field key version of each scope. */
export interface ScopeKeyIndex {
  /** The key version with this id (any purpose), or undefined when the store has no such row. */
  keyVersion(id: number): KeyVersionFacts | undefined;
  /** The id new values of `scope` are written with (`''`: the application's key), or undefined when the scope has no active field key yet. */
  currentId(scope: string): number | undefined;
}

/**
 * Builds the index from the store's listing, in one pass (a store of per-user scopes holds hundreds of
 * thousands of rows).
 *
 * @example
 * ```ts
 * const keys = scopeKeyIndex(await admin.list());
 * keys.currentId('tenant-a'); // 1234: the key-version id tenant-a's new values carry
 * ```
 */
export function scopeKeyIndex(versions: readonly KeyVersionInfo[], keyName: string = DEFAULT_KEY_NAME): ScopeKeyIndex {
  const byId = new Map<number, KeyVersionFacts>();
  const fieldKeysByScope = new Map<string, KeyVersionInfo[]>();
  for (const v of versions) {
    byId.set(v.id, { scope: v.scope, status: v.status, version: v.version });
    if (v.keyName !== keyName || v.purpose !== 'field') continue;
    let scoped = fieldKeysByScope.get(v.scope);
    if (!scoped) fieldKeysByScope.set(v.scope, (scoped = []));
    scoped.push(v);
  }
  const current = new Map<string, number>();
  for (const [scope, scoped] of fieldKeysByScope) {
    const id = currentVersion(scoped)?.id;
    if (id !== undefined) current.set(scope, id);
  }
  return {
    keyVersion: (id) => byId.get(id),
    currentId: (scope) => current.get(scope),
  };
}
