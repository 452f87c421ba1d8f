/**
 * Where key-store rows live. field-crypto never talks to a database itself: `@prisma-kms/prisma` gives
 * a Prisma implementation (`prismaKeyStorage`), and {@link memoryKeyStorage} keeps rows in memory.
 */
import type { KeyPurpose, KeyRow, KeyStatus } from './key-row';

/**
 * The operations the key store needs. Implementations return rows as stored (the key store
 * checks them) and never log or transform `material`.
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
  /** Sets a row's status; false when the row does not exist. */
  setStatus(keyStore: string, id: number, status: KeyStatus): Promise<boolean>;
  /**
   * Replaces a row's key material (the same key re-wrapped, see `rewrapKeyRows`) if it is still
   * `expected`: false, nothing written, when the row is gone or its material changed meanwhile.
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
  return {
    get: async (keyStore, id) => rows.get(slot(keyStore, id)),
    latestActive: async (keyStore, keyName, purpose, scope) => {
      let latest: KeyRow | undefined;
      for (const row of rows.values()) {
        const matches = row.keyStore === keyStore && row.keyName === keyName && row.purpose === purpose && row.scope === scope;
        if (matches && row.status === 'active' && (!latest || row.version > latest.version)) latest = row;
      }
      return latest;
    },
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
      if (!row) return false;
      rows.set(slot(keyStore, id), { ...row, status });
      return true;
    },
    replaceMaterial: async (keyStore, id, expected, material) => {
      const row = rows.get(slot(keyStore, id));
      if (!row || row.material !== expected) return false;
      rows.set(slot(keyStore, id), { ...row, material });
      return true;
    },
  };
}
