/**
 * Reading and adding the versions of one key (a key name, purpose and scope): shared by the control
 * plane (create, rotate) and the data plane (scope keys created on first write), so both number
 * versions, pick ids and wrap material the same way.
 */
import { randomInt } from 'node:crypto';
import type { KeyringNode } from '@aws-crypto/client-node';
import { MAX_KEY_VERSION_ID } from '../compact/compact-layout';
import { KeyStoreError, KeyStoreErrorReason } from './errors';
import { newKeyAndWrapping } from './key-material';
import { checkRow, KEY_PURPOSES, type KeyPurpose, type KeyRow } from './key-row';
import type { KeyStoreStorage } from './key-store-storage';

/** One logical key of a store. */
export interface KeyIdentity {
  readonly keyStore: string;
  readonly keyName: string;
  readonly purpose: KeyPurpose;
  readonly scope: string;
}

/** Every version of the key, any status: `storage.versions` when the storage has it, else a filtered `list`. */
export async function keyVersionRows(storage: KeyStoreStorage, key: KeyIdentity): Promise<KeyRow[]> {
  if (storage.versions) return storage.versions(key.keyStore, key.keyName, key.purpose, key.scope);
  const rows = await storage.list(key.keyStore);
  return rows.filter((r) => r.keyName === key.keyName && r.purpose === key.purpose && r.scope === key.scope);
}

/**
 * Every row of one scope (every key name, purpose, version and status): `storage.scopeRows` when the
 * storage has it (one filtered query), else a filtered `list` (the whole store, key material included).
 */
export async function scopeRowsOf(storage: KeyStoreStorage, keyStore: string, scope: string): Promise<KeyRow[]> {
  if (storage.scopeRows) return storage.scopeRows(keyStore, scope);
  return (await storage.list(keyStore)).filter((r) => r.scope === scope);
}

/**
 * Whether the scope of `key` was shredded: a tombstone among `rows` (the key's own versions) or among the
 * versions of the same key name's other purposes (one more read per purpose, served by the unique index).
 * A scope shredded before it had, say, a blind-index key must not get one afterwards.
 */
export async function scopeWasShredded(storage: KeyStoreStorage, key: KeyIdentity, rows: readonly KeyRow[], read = <T>(r: () => Promise<T>) => r()): Promise<boolean> {
  if (rows.some((r) => r.status === 'shredded')) return true;
  for (const purpose of KEY_PURPOSES) {
    if (purpose === key.purpose) continue;
    const other = await read(() => keyVersionRows(storage, { ...key, purpose }));
    if (other.some((r) => r.status === 'shredded')) return true;
  }
  return false;
}

/**
 * What one read of a scope's rows (`storage.scopeRows`: every key name, purpose, version and status)
 * says about one key of it: its versions, and whether the scope was shredded (a tombstone among the
 * versions of the key name, any purpose: as {@link scopeWasShredded}, without a read per purpose). Rows
 * of the scope's other key names are ignored; a row of another store or scope means the storage answers
 * for the wrong scope: KEY_ROW_MISMATCH, never used. Pure: the key store decides on creating a scope's
 * first key version from one read instead of two or three.
 *
 * @example
 * ```ts
 * const { versions, shredded } = scopeKeyView(await storage.scopeRows!('app', 'tenant-42'), key);
 * ```
 */
export function scopeKeyView(scopeRows: readonly KeyRow[], key: KeyIdentity): { versions: KeyRow[]; shredded: boolean } {
  const versions: KeyRow[] = [];
  let shredded = false;
  for (const row of scopeRows) {
    if (row.keyStore !== key.keyStore || row.scope !== key.scope) {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_ROW_MISMATCH, 'the storage returned a row of another scope', { keyVersionId: row.id, scope: key.scope });
    }
    if (row.keyName !== key.keyName) continue;
    if (row.status === 'shredded') shredded = true;
    if (row.purpose === key.purpose) versions.push(row);
  }
  return { versions, shredded };
}

/** The active row of the highest version among `rows` (what `storage.latestActive` answers), or undefined. */
export function latestActiveOf(rows: readonly KeyRow[]): KeyRow | undefined {
  let latest: KeyRow | undefined;
  for (const row of rows) if (row.status === 'active' && (!latest || row.version > latest.version)) latest = row;
  return latest;
}

/** The version after the highest in `rows` (shredded and retired versions count: a version number is never reused). */
export function nextVersion(rows: readonly KeyRow[]): number {
  return Math.max(0, ...rows.map((r) => r.version)) + 1;
}

/**
 * Wraps new key material under `keyring` and inserts version `version` of the key with a random id
 * (random ids reveal nothing about how many keys exist, and need no counter row). Returns the row and,
 * for the data plane, the key bytes (the caller zeroes them); undefined when the id or the version was
 * taken (a concurrent writer, or a rare id collision): the caller re-reads and decides.
 */
export async function insertKeyVersion(storage: KeyStoreStorage, keyring: KeyringNode, key: KeyIdentity, version: number): Promise<{ row: KeyRow; bytes: Buffer } | undefined> {
  const identity = { ...key, id: randomInt(1, MAX_KEY_VERSION_ID + 1), version };
  let wrapped: { material: string; key: Buffer };
  try {
    wrapped = await newKeyAndWrapping(keyring, identity);
  } catch (e) {
    throw new KeyStoreError(KeyStoreErrorReason.KEY_ROW_UNREADABLE, 'the keyring could not wrap a new key version', { scope: key.scope, cause: e });
  }
  const row = checkRow({ ...identity, status: 'active', material: wrapped.material, createdAt: new Date() }, KeyStoreErrorReason.INVALID_INPUT);
  let inserted: boolean;
  try {
    inserted = await storage.insert(row);
  } catch (e) {
    wrapped.key.fill(0);
    throw new KeyStoreError(KeyStoreErrorReason.STORAGE_FAILED, `the key store "${key.keyStore}" could not insert a key version`, { scope: key.scope, cause: e });
  }
  if (!inserted) {
    wrapped.key.fill(0);
    return undefined;
  }
  return { row, bytes: wrapped.key };
}
