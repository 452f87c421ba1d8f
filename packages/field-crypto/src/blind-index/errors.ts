/**
 * The errors of the blind-index module. They are {@link FieldCryptoError}s, so one `catch` and one
 * `isFieldCryptoError` cover the whole package; `reason` says which blind-index rule failed, and the
 * `code` is the package-wide code closest to it. Messages never carry a value, an index or key material.
 */
import { FieldCryptoError, FieldCryptoErrorCode } from '../errors';

/** Why a blind-index operation failed. Part of the public API: match on these, not on messages. */
export const BlindIndexErrorReason = {
  /** An index key message could not be decrypted with the keyring (wrong keyring, tampered, not a message). */
  INDEX_KEY_UNREADABLE: 'INDEX_KEY_UNREADABLE',
  /** An index key message decrypted, but its encryption context is not that of an index key of that version. */
  INDEX_KEY_CONTEXT: 'INDEX_KEY_CONTEXT',
  /** An index key message decrypted to something other than a 32-byte key. */
  INDEX_KEY_LENGTH: 'INDEX_KEY_LENGTH',
  /** No index key was given, two messages hold the same version, or a version number is invalid. */
  INDEX_KEY_VERSIONS: 'INDEX_KEY_VERSIONS',
  /** The options of an index (`bytes`, `normalize`) or a field reference are invalid. */
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  /** The value to index is not a string. */
  INVALID_VALUE: 'INVALID_VALUE',
  /**
   * `normalize: [identifier]`: the value holds a character NFKC or case folding would change, white space,
   * or an invisible character (a look-alike of another value). The message says which rule, never the character.
   */
  UNSAFE_IDENTIFIER: 'UNSAFE_IDENTIFIER',
  /**
   * A scope's indexer (`keyStore.blindIndexer(scope)`) was used after the key store's cache evicted it and
   * zeroed its keys: ask the key store again, and use the indexer at once instead of keeping it.
   */
  INDEX_KEY_EVICTED: 'INDEX_KEY_EVICTED',
} as const;

export type BlindIndexErrorReason = (typeof BlindIndexErrorReason)[keyof typeof BlindIndexErrorReason];

// Each reason maps to the package-wide code a caller already handles for that kind of failure.
const CODE_OF_REASON: Record<BlindIndexErrorReason, FieldCryptoErrorCode> = {
  INDEX_KEY_UNREADABLE: FieldCryptoErrorCode.DECRYPTION_FAILED,
  INDEX_KEY_CONTEXT: FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH,
  INDEX_KEY_LENGTH: FieldCryptoErrorCode.MALFORMED_CIPHERTEXT,
  INDEX_KEY_VERSIONS: FieldCryptoErrorCode.CONFIGURATION,
  INVALID_OPTIONS: FieldCryptoErrorCode.CONFIGURATION,
  INVALID_VALUE: FieldCryptoErrorCode.ENCRYPTION_FAILED,
  UNSAFE_IDENTIFIER: FieldCryptoErrorCode.ENCRYPTION_FAILED,
  INDEX_KEY_EVICTED: FieldCryptoErrorCode.CONFIGURATION,
};

/**
 * A blind index could not be computed, or its index key could not be created or loaded.
 *
 * @example
 * ```ts
 * try {
 *   keys = await loadIndexKeys(keyring, [process.env.PRISMA_KMS_INDEX_KEY!]);
 * } catch (e) {
 *   if (isBlindIndexError(e) && e.reason === BlindIndexErrorReason.INDEX_KEY_UNREADABLE) {
 *     // the keyring cannot unwrap this index key: wrong KMS key or missing permission
 *   }
 * }
 * ```
 */
export class BlindIndexError extends FieldCryptoError {
  readonly reason: BlindIndexErrorReason;

  constructor(reason: BlindIndexErrorReason, message: string, options: { model?: string; field?: string; cause?: unknown } = {}) {
    super(CODE_OF_REASON[reason], message, options);
    this.reason = reason;
  }
}

/**
 * True when `e` is a {@link BlindIndexError}.
 *
 * @example
 * ```ts
 * if (isBlindIndexError(e)) console.error(e.code, e.reason);
 * ```
 */
export function isBlindIndexError(e: unknown): e is BlindIndexError {
  return e instanceof BlindIndexError;
}
