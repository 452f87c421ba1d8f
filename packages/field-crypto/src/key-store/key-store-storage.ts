/**
 * Where key-store rows live. field-crypto never talks to a database itself: `@prisma-kms/prisma` gives
 * a Prisma implementation (`prismaKeyStorage`), and {@link memoryKeyStorage} keeps rows in memory.
 */
import type { KeyPurpose, KeyRow, KeyStatus } from './key-row';
import { latestActiveOf } from './key-version-rows';

/**
 * The operations the key store needs. Implementations return rows as stored (the key store checks
 * them) and never log or transform `material`.
 */
export interface KeyStoreStorage {
  /** The row with this key-version id in this store, or undefined. */
  get(keyStore: string, id: number): Promise<KeyRow | undefined>;
  /** The active row of the highest version for this key name, purpose and scope, or undefined. */
  latestActive(keyStore: string, keyName: string, purpose: KeyPurpose, scope: string): Promise<KeyRow | undefined>;
  /** Every row of the store (control plane: list and export). */
  list(keyStore: string): Promise<KeyRow[]>;
  /** Inserts a row; false (nothing written) when its id or its (key name, purpose, scope, version) is taken. */
  insert(row: KeyRow): Promise<boolean>;
  /** Sets a row's status; false when the row does not exist or is shredded (a tombstone never changes). */
  setStatus(keyStore: string, id: number, status: KeyStatus): Promise<boolean>;
  /**
   * Crypto-shreds a scope: in ONE atomic storage call, every row of the scope that is not yet shredded
   * (every key name, purpose and version) becomes a tombstone, `status = 'shredded'` and `material = ''`,
   * keeping its id, scope, purpose and version. Returns how many rows changed. Never called with `''`.
   */
  shred(keyStore: string, scope: string): Promise<number>;
  /**
   * Every version (any status) of one key name, purpose and scope. Optional: without it the key store
   * filters `list`, which reads the whole store (fine for a few scopes, slow for thousands).
   */
  versions?(keyStore: string, keyName: string, purpose: KeyPurpose, scope: string): Promise<KeyRow[]>;
  /**
   * Every row of one scope (every key name, purpose, version and status), for `shred` and its dry run.
   * Optional: without it the control plane filters `list` (the whole store, key material included).
   */
  scopeRows?(keyStore: string, scope: string): Promise<KeyRow[]>;
  /**
   * Replaces a row's key material (the same key re-wrapped, see `rewrapKeyRows`) if it is still
   * `expected`: false, nothing written, when the row is gone, shredded, or its material changed meanwhile.
   */
  replaceMaterial(keyStore: string, id: number, expected: string, material: string): Promise<boolean>;
}

/**
 * A {@link KeyStoreStorage} in process memory: for tests and for tools that hold rows read from an
 * export file. Rows vanish with the process, so it is no place to keep keys.
 *
 * @example
 * ```ts
 * const store = createKeyStore({ name: 'app', keyring, storage: memoryKeyStorage() });
 * ```
 */
export function memoryKeyStorage(initial: readonly KeyRow[] = []): KeyStoreStorage {
  const rows = new Map<string, KeyRow>();
  const slot = (keyStore: string, id: number) => `${keyStore}\u0000${id}`;
  for (const row of initial) rows.set(slot(row.keyStore, row.id), row);
  const versionsOf = (keyStore: string, keyName: string, purpose: KeyPurpose, scope: string) =>
    [...rows.values()].filter((r) => r.keyStore === keyStore && r.keyName === keyName && r.purpose === purpose && r.scope === scope);
  return {
    get: async (keyStore, id) => rows.get(slot(keyStore, id)),
    latestActive: async (keyStore, keyName, purpose, scope) => latestActiveOf(versionsOf(keyStore, keyName, purpose, scope)),
    list: async (keyStore) => [...rows.values()].filter((row) => row.keyStore === keyStore),
    insert: async (row) => {
      const taken = [...rows.values()].some(
        (r) =>
          r.keyStore === row.keyStore &&
          (r.id === row.id || (r.keyName === row.keyName && r.purpose === row.purpose && r.scope === row.scope && r.version === row.version)),
      );
      if (taken) return false;
      rows.set(slot(row.keyStore, row.id), row);
      return true;
    },
    setStatus: async (keyStore, id, status) => {
      const row = rows.get(slot(keyStore, id));
      if (!row || row.status === 'shredded') return false;
      rows.set(slot(keyStore, id), { ...row, status });
      return true;
    },
    shred: async (keyStore, scope) => {
      let changed = 0;
      for (const [key, row] of rows) {
        if (row.keyStore === keyStore && row.scope === scope && row.status !== 'shredded') {
          rows.set(key, { ...row, status: 'shredded', material: '' });
          changed += 1;
        }
      }
      return changed;
    },
    scopeRows: async (keyStore, scope) => [...rows.values()].filter((r) => r.keyStore === keyStore && r.scope === scope),
    versions: async (keyStore, keyName, purpose, scope) => versionsOf(keyStore, keyName, purpose, scope),
    replaceMaterial: async (keyStore, id, expected, material) => {
      const row = rows.get(slot(keyStore, id));
      if (!row || row.status === 'shredded' || row.material !== expected) return false;
      rows.set(slot(keyStore, id), { ...row, material });
      return true;
    },
  };
}
