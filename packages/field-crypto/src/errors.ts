/**
 * The errors field-crypto throws. Every failure that crosses the package boundary is one of these:
 * lower-level failures (the Encryption SDK, KMS, the codec) become a typed error here, with the original
 * kept as `cause`. Messages name the model and field and what went wrong; they never carry a plaintext,
 * a ciphertext or key material.
 */

/** Every error code field-crypto uses. Codes are part of the public API: match on them, not on messages. */
export const FieldCryptoErrorCode = {
  /** The options given to a keyring or to `createFieldCipher` are invalid. */
  CONFIGURATION: 'PRISMA_KMS_CONFIGURATION',
  /** A stored value is not a well-formed Encryption SDK message (bad base64, truncated, unknown format). */
  MALFORMED_CIPHERTEXT: 'PRISMA_KMS_MALFORMED_CIPHERTEXT',
  /** The message was written for another model or field, or lacks the application's static context. */
  ENCRYPTION_CONTEXT_MISMATCH: 'PRISMA_KMS_ENCRYPTION_CONTEXT_MISMATCH',
  /** The message is well formed but does not authenticate (tampered, wrong commitment, wrong data key). */
  DECRYPTION_FAILED: 'PRISMA_KMS_DECRYPTION_FAILED',
  /** A value could not be encrypted (not a string, or the message could not be written). */
  ENCRYPTION_FAILED: 'PRISMA_KMS_ENCRYPTION_FAILED',
  /** The keyring could not produce or unwrap a data key (KMS refused, throttled or unreachable; no key matched). */
  KEYRING_FAILED: 'PRISMA_KMS_KEYRING_FAILED',
} as const;

export type FieldCryptoErrorCode = (typeof FieldCryptoErrorCode)[keyof typeof FieldCryptoErrorCode];

/** Where an error happened: the Prisma model and field, when known, and the underlying failure. */
export interface FieldCryptoErrorOptions {
  readonly model?: string;
  readonly field?: string;
  readonly cause?: unknown;
}

/**
 * Base class of every error field-crypto throws.
 *
 * @example
 * ```ts
 * try {
 *   await cipher.decrypt(stored, { model: 'User', field: 'email' });
 * } catch (e) {
 *   if (isFieldCryptoError(e) && e.code === FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH) {
 *     // a value copied from another column
 *   }
 * }
 * ```
 */
export class FieldCryptoError extends Error {
  readonly code: FieldCryptoErrorCode;
  readonly model: string | undefined;
  readonly field: string | undefined;

  constructor(code: FieldCryptoErrorCode, message: string, options: FieldCryptoErrorOptions = {}) {
    super(withLocation(message, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.model = options.model;
    this.field = options.field;
  }
}

/**
 * A stored value could not be decrypted: it does not authenticate, or the codec/SDK rejected it.
 *
 * @example
 * ```ts
 * try {
 *   await cipher.decrypt(stored, { model: 'User', field: 'email' });
 * } catch (e) {
 *   if (e instanceof DecryptionError) {
 *     // tampered or written under another data key: never fall back to the stored text
 *   }
 * }
 * ```
 */
export class DecryptionError extends FieldCryptoError {
  constructor(message: string, options: FieldCryptoErrorOptions = {}) {
    super(FieldCryptoErrorCode.DECRYPTION_FAILED, message, options);
  }
}

/** The commitment policies a {@link createFieldCipher} accepts. Writes always commit; the policy decides reads. */
export type FieldCommitmentPolicy = 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT' | 'REQUIRE_ENCRYPT_ALLOW_DECRYPT';

/**
 * The stored value is a message without key commitment (a v1 message, written by another Encryption SDK
 * or an older library) and the cipher's commitment policy refuses to read those. A `DecryptionError`
 * (same code), so code that handles decryption failures handles it; `policy` names the policy in force.
 *
 * @example
 * ```ts
 * if (e instanceof CommitmentPolicyError) {
 *   // re-create the cipher with commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' to read legacy values
 * }
 * ```
 */
export class CommitmentPolicyError extends DecryptionError {
  readonly policy: FieldCommitmentPolicy;

  constructor(message: string, policy: FieldCommitmentPolicy, options: FieldCryptoErrorOptions = {}) {
    super(message, options);
    this.policy = policy;
  }
}

/**
 * The stored message names more encrypted data keys than the cipher's `maxEncryptedDataKeys`: refused
 * before any keyring (KMS) call, since a forged value could name the application's own KMS key hundreds
 * of times and cost one KMS Decrypt each. A `DecryptionError` (same code).
 *
 * @example
 * ```ts
 * if (e instanceof EncryptedDataKeyLimitError) console.warn(e.model, e.field, e.count, e.limit);
 * ```
 */
export class EncryptedDataKeyLimitError extends DecryptionError {
  /** Encrypted data keys in the message, and the most the cipher accepts. */
  readonly count: number;
  readonly limit: number;

  constructor(count: number, limit: number, options: FieldCryptoErrorOptions = {}) {
    super(
      `the stored value names ${count} encrypted data keys, more than maxEncryptedDataKeys (${limit}): ` +
        'refused before asking the keyring (a forged value?)',
      options,
    );
    this.count = count;
    this.limit = limit;
  }
}

/**
 * A value could not be encrypted.
 *
 * @example
 * ```ts
 * await cipher.encrypt(42 as unknown as string, { model: 'User', field: 'email' }); // rejects with an EncryptionError
 * ```
 */
export class EncryptionError extends FieldCryptoError {
  constructor(message: string, options: FieldCryptoErrorOptions = {}) {
    super(FieldCryptoErrorCode.ENCRYPTION_FAILED, message, options);
  }
}

/**
 * The message's encryption context does not belong to the field being read: it was written for another
 * model or field (a value copied between columns), or a static context pair is missing or different.
 *
 * @example
 * ```ts
 * const stored = await cipher.encrypt('Ada', { model: 'User', field: 'name' });
 * await cipher.decrypt(stored, { model: 'User', field: 'email' }).catch((e) => {
 *   if (e instanceof EncryptionContextMismatchError) e.mismatchedKeys; // ['prisma-kms:field']
 * });
 * ```
 */
export class EncryptionContextMismatchError extends FieldCryptoError {
  /** The context keys whose values differ from what the field expects, or that are missing (never values). */
  readonly mismatchedKeys: readonly string[];

  constructor(message: string, mismatchedKeys: readonly string[], options: FieldCryptoErrorOptions = {}) {
    super(FieldCryptoErrorCode.ENCRYPTION_CONTEXT_MISMATCH, message, options);
    this.mismatchedKeys = mismatchedKeys;
  }
}

/** Extra facts about a keyring failure. */
export interface KeyringErrorOptions extends FieldCryptoErrorOptions {
  /** The AWS error name KMS answered with, e.g. `AccessDeniedException` or `ThrottlingException`. */
  readonly awsErrorName?: string;
}

/**
 * The keyring could not generate, wrap or unwrap a data key. When KMS answered with an error, its name is in
 * `awsErrorName` (e.g. `ThrottlingException` is worth a retry, `AccessDeniedException` is not).
 *
 * @example
 * ```ts
 * try {
 *   await cipher.encryptMany(items);
 * } catch (e) {
 *   if (e instanceof KeyringError && e.awsErrorName === 'ThrottlingException') {
 *     // back off and retry the batch
 *   }
 * }
 * ```
 */
export class KeyringError extends FieldCryptoError {
  readonly awsErrorName: string | undefined;

  constructor(message: string, options: KeyringErrorOptions = {}) {
    super(FieldCryptoErrorCode.KEYRING_FAILED, message, options);
    this.awsErrorName = options.awsErrorName;
  }
}

/**
 * A stored value claimed to be ciphertext is not a well-formed Encryption SDK message.
 *
 * @example
 * ```ts
 * if (cipher.inspect(stored).kind === 'malformed') {
 *   // cipher.decrypt(stored, field) would reject with a MalformedCiphertextError: a damaged value
 * }
 * ```
 */
export class MalformedCiphertextError extends FieldCryptoError {
  constructor(message: string, options: FieldCryptoErrorOptions = {}) {
    super(FieldCryptoErrorCode.MALFORMED_CIPHERTEXT, message, options);
  }
}

/**
 * Invalid options: thrown when a keyring or cipher is created, never on the hot path.
 *
 * @example
 * ```ts
 * kmsKeyring({}); // throws a ConfigurationError: neither a generator key nor discovery
 * ```
 */
export class ConfigurationError extends FieldCryptoError {
  constructor(message: string, options: FieldCryptoErrorOptions = {}) {
    super(FieldCryptoErrorCode.CONFIGURATION, message, options);
  }
}

/**
 * True when `e` is an error thrown by field-crypto (of any subclass).
 *
 * @example
 * ```ts
 * if (isFieldCryptoError(e)) console.error(e.code, e.model, e.field);
 * ```
 */
export function isFieldCryptoError(e: unknown): e is FieldCryptoError {
  return e instanceof FieldCryptoError;
}

function withLocation(message: string, { model, field }: FieldCryptoErrorOptions): string {
  if (model === undefined) return message;
  return `${model}${field === undefined ? '' : `.${field}`}: ${message}`;
}
