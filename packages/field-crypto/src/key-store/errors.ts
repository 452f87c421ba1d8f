/**
 * The errors of the key store. They are {@link FieldCryptoError}s with the package-wide code closest to
 * their kind (so a caller handling decryption failures handles an unknown key version too), plus a
 * `reason` from a closed list and, when known, the key-version id and the key scope. Never key material
 * or a row's bytes.
 */
import { FieldCryptoError, FieldCryptoErrorCode } from '../errors';

/** Why a key-store operation failed. Part of the public API: match on these, not on messages. */
export const KeyStoreErrorReason = {
  /** A value names a key version the store does not have (deleted, another store, or never created). */
  KEY_VERSION_UNKNOWN: 'KEY_VERSION_UNKNOWN',
  /** A value names a key version that was retired: re-encrypt its values before retiring it. */
  KEY_VERSION_RETIRED: 'KEY_VERSION_RETIRED',
  /** No active key version to write with: create one from the control plane (`prisma-kms keys create`). */
  NO_ACTIVE_KEY: 'NO_ACTIVE_KEY',
  /** The key scope was crypto-shredded: its values can never be decrypted again, and it takes no new ones. */
  KEY_SCOPE_SHREDDED: 'KEY_SCOPE_SHREDDED',
  /**
   * A value is under a key version of another scope than the one its reader accepts (`FieldValue.acceptScopes`):
   * copied from another tenant's row, or a row whose scope field changed without re-encrypting its values.
   */
  KEY_SCOPE_MISMATCH: 'KEY_SCOPE_MISMATCH',
  /** A key scope is not a valid scope string (empty where a scope is needed, too long, control characters). */
  INVALID_SCOPE: 'INVALID_SCOPE',
  /**
   * A row's key material does not decrypt with the keyring (wrong keyring, no permission, tampered, KMS
   * failed, a BYOK key disabled or revoked), or the keyring could not wrap a new key version.
   */
  KEY_ROW_UNREADABLE: 'KEY_ROW_UNREADABLE',
  /** A row decrypted, but its encryption context or length is not that of the row (moved, swapped or forged). */
  KEY_ROW_MISMATCH: 'KEY_ROW_MISMATCH',
  /** The storage (the database) failed. */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** A control-plane request conflicts with the store (key exists, version taken, import differs). */
  CONFLICT: 'CONFLICT',
  /** Invalid options, names or export file. */
  INVALID_INPUT: 'INVALID_INPUT',
} as const;

export type KeyStoreErrorReason = (typeof KeyStoreErrorReason)[keyof typeof KeyStoreErrorReason];

const CODE_OF_REASON: Record<KeyStoreErrorReason, FieldCryptoErrorCode> = {
  KEY_VERSION_UNKNOWN: FieldCryptoErrorCode.DECRYPTION_FAILED,
  KEY_VERSION_RETIRED: FieldCryptoErrorCode.DECRYPTION_FAILED,
  NO_ACTIVE_KEY: FieldCryptoErrorCode.ENCRYPTION_FAILED,
  KEY_SCOPE_SHREDDED: FieldCryptoErrorCode.DECRYPTION_FAILED,
  KEY_SCOPE_MISMATCH: FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH,
  INVALID_SCOPE: FieldCryptoErrorCode.CONFIGURATION,
  KEY_ROW_UNREADABLE: FieldCryptoErrorCode.KEYRING_FAILED,
  KEY_ROW_MISMATCH: FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH,
  STORAGE_FAILED: FieldCryptoErrorCode.KEYRING_FAILED,
  CONFLICT: FieldCryptoErrorCode.CONFIGURATION,
  INVALID_INPUT: FieldCryptoErrorCode.CONFIGURATION,
};

/** Where a key-store error happened. */
export interface KeyStoreErrorOptions {
  readonly model?: string;
  readonly field?: string;
  readonly keyVersionId?: number;
  /** The key scope (`''` is the application's key). */
  readonly scope?: string;
  readonly cause?: unknown;
}

/**
 * A key version could not be found, loaded or changed.
 *
 * @example
 * ```ts
 * try {
 *   await cipher.decrypt(stored, { model: 'User', field: 'email' });
 * } catch (e) {
 *   if (isKeyStoreError(e) && e.reason === KeyStoreErrorReason.KEY_VERSION_UNKNOWN) {
 *     // restore the key store from `prisma-kms keys export` output
 *   }
 * }
 * ```
 */
export class KeyStoreError extends FieldCryptoError {
  readonly reason: KeyStoreErrorReason;
  readonly keyVersionId: number | undefined;
  /** The key scope the failure is about, when known (`''` is the application's key). */
  readonly scope: string | undefined;
  /** The message without its location prefix, to re-locate the error (`at`). */
  readonly #detail: string;

  constructor(reason: KeyStoreErrorReason, message: string, options: KeyStoreErrorOptions = {}) {
    super(CODE_OF_REASON[reason], `${keyPrefix(options)}${message}`, options);
    this.reason = reason;
    this.keyVersionId = options.keyVersionId;
    this.scope = options.scope;
    this.#detail = message;
  }

  /** The same failure, naming the field whose value needed the key (errors are cached without one). */
  at(model: string, field: string): KeyStoreError {
    return new KeyStoreError(this.reason, this.#detail, { model, field, keyVersionId: this.keyVersionId, scope: this.scope, cause: this.cause });
  }
}

/** `key version 7 (scope "t1"): `, `scope "t1": `, or nothing. JSON quoting: a scope has no control characters, but may have quotes. */
function keyPrefix({ keyVersionId, scope }: KeyStoreErrorOptions): string {
  const scoped = scope === undefined || scope === '' ? '' : `scope ${JSON.stringify(scope)}`;
  if (keyVersionId === undefined) return scoped === '' ? '' : `${scoped}: `;
  return scoped === '' ? `key version ${keyVersionId}: ` : `key version ${keyVersionId} (${scoped}): `;
}

/**
 * True when `e` is a {@link KeyStoreError}.
 *
 * @example
 * ```ts
 * if (isKeyStoreError(e)) console.error(e.code, e.reason, e.keyVersionId);
 * ```
 */
export function isKeyStoreError(e: unknown): e is KeyStoreError {
  return e instanceof KeyStoreError;
}
