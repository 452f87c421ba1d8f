/**
 * A key-store row: one key version. Its key material is 32 random bytes stored as a standard AWS
 * Encryption SDK message under the user's keyring; the message's encryption context names the row
 * (store, key name, version, key-version id, purpose, scope), so a row copied to another id, store or
 * purpose fails to load even though it decrypts.
 */
import { KeyStoreError, KeyStoreErrorReason } from './errors';
import { isKeyVersionId } from '../compact/compact-layout';
import { scopeProblem } from './scope';

/** What a key version is for. Field keys encrypt compact values; blind-index keys are the HMAC keys of a scope's blind indexes. */
export type KeyPurpose = 'field' | 'blind-index';
/**
 * `active` versions are readable (the newest is written with); `retired` ones are refused; `shredded`
 * ones are tombstones of a crypto-shredded scope: id, scope, purpose and version kept, key material gone
 * for good (`material` is empty), so a value under them gets a typed error naming the scope.
 */
export type KeyStatus = 'active' | 'retired' | 'shredded';

export const KEY_PURPOSES: readonly KeyPurpose[] = ['field', 'blind-index'];
export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'retired', 'shredded'];

/** One stored key version, as storage keeps it. */
export interface KeyRow {
  /** Name of the key store (several stores can share a table). */
  readonly keyStore: string;
  /** The key-version id every compact value carries: uint32, not 0, unique per store. */
  readonly id: number;
  /** The logical key: `default` for the application's key (scopes add more). */
  readonly keyName: string;
  /** 1, 2, ... per key name, purpose and scope. */
  readonly version: number;
  readonly purpose: KeyPurpose;
  /** Empty for the application's key; else a scope (a tenant or user id, see `scopeProblem`). */
  readonly scope: string;
  readonly status: KeyStatus;
  /** Base64 Encryption SDK message of the 32 key bytes; empty once the row is shredded. */
  readonly material: string;
  readonly createdAt: Date;
}

/** Which key a control-plane request is about. */
export interface KeySelector {
  readonly keyName?: string;
  readonly purpose?: KeyPurpose;
  readonly scope?: string;
}

export const DEFAULT_KEY_NAME = 'default';

/** Encryption context keys of a row's message. Renaming one makes every stored row unreadable. */
export const ROW_CONTEXT_KEYS = {
  keyStore: 'prisma-kms:key-store',
  keyName: 'prisma-kms:key-name',
  version: 'prisma-kms:key-version',
  id: 'prisma-kms:key-version-id',
  purpose: 'prisma-kms:key-purpose',
  scope: 'prisma-kms:key-scope',
} as const;

/** The encryption context of a row's key message: everything that identifies the row, as decimal strings. */
export function rowContext(row: Pick<KeyRow, 'keyStore' | 'id' | 'keyName' | 'version' | 'purpose' | 'scope'>): Record<string, string> {
  return {
    [ROW_CONTEXT_KEYS.keyStore]: row.keyStore,
    [ROW_CONTEXT_KEYS.keyName]: row.keyName,
    [ROW_CONTEXT_KEYS.version]: String(row.version),
    [ROW_CONTEXT_KEYS.id]: String(row.id),
    [ROW_CONTEXT_KEYS.purpose]: row.purpose,
    [ROW_CONTEXT_KEYS.scope]: row.scope,
  };
}

/** Checks a row's shape (from storage or an import file); throws a KeyStoreError naming what is wrong. */
export function checkRow(row: KeyRow, reason: KeyStoreErrorReason = KeyStoreErrorReason.KEY_ROW_MISMATCH): KeyRow {
  const problem = rowProblem(row);
  if (problem) throw new KeyStoreError(reason, `invalid key-store row: ${problem}`, { keyVersionId: isKeyVersionId(row?.id) ? row.id : undefined });
  return row;
}

function rowProblem(row: KeyRow): string | undefined {
  if (!row || typeof row !== 'object') return 'not an object';
  if (!isKeyVersionId(row.id)) return 'id must be an integer from 1 to 2^32-1';
  if (typeof row.keyStore !== 'string' || row.keyStore === '') return 'keyStore must be a non-empty string';
  if (typeof row.keyName !== 'string' || row.keyName === '') return 'keyName must be a non-empty string';
  if (!Number.isSafeInteger(row.version) || row.version < 1) return 'version must be a positive integer';
  if (!KEY_PURPOSES.includes(row.purpose)) return `purpose must be one of ${KEY_PURPOSES.join(', ')}`;
  if (typeof row.scope !== 'string') return 'scope must be a string';
  const badScope = row.scope === '' ? undefined : scopeProblem(row.scope);
  if (badScope) return `scope ${badScope}`;
  if (!KEY_STATUSES.includes(row.status)) return `status must be one of ${KEY_STATUSES.join(', ')}`;
  if (typeof row.material !== 'string') return 'material must be a string';
  // A tombstone holds nothing; a live row always holds a message (an empty one would be a row shredded by hand).
  if (row.status === 'shredded' ? row.material !== '' : row.material === '') {
    return row.status === 'shredded' ? 'a shredded row holds no material' : 'material must be a base64 message';
  }
  if (!(row.createdAt instanceof Date) || Number.isNaN(row.createdAt.getTime())) return 'createdAt must be a date';
  return undefined;
}
