/**
 * The two kinds of failure kms-local produces.
 *
 * - {@link KmsException}: an AWS KMS error answered over the wire as `{"__type", "message"}`, so the
 *   real `@aws-sdk/client-kms` raises its own typed exception (`NotFoundException`, ...).
 * - {@link KmsLocalError}: a problem with kms-local itself (options, state file), thrown to the
 *   program that starts the server.
 *
 * Messages name keys and operations, never plaintext or key material.
 */

/** The AWS KMS error types kms-local raises itself (fault drills may raise any other name). */
export const KMS_ERROR_TYPES = [
  'AccessDeniedException',
  'AlreadyExistsException',
  'DependencyTimeoutException',
  'DisabledException',
  'DryRunOperationException',
  'IncorrectKeyException',
  'InvalidAliasNameException',
  'InvalidArnException',
  'InvalidCiphertextException',
  'InvalidKeyUsageException',
  'InvalidMarkerException',
  'KMSInternalException',
  'KMSInvalidMacException',
  'KMSInvalidStateException',
  'KeyUnavailableException',
  'LimitExceededException',
  'NotFoundException',
  'ThrottlingException',
  'UnknownOperationException',
  'UnsupportedOperationException',
  'ValidationException',
] as const;
export type KmsErrorType = (typeof KMS_ERROR_TYPES)[number];

/**
 * HTTP status codes AWS KMS answers with. Client errors are 400 (the JSON 1.1 protocol carries the
 * type in the body); these are the exceptions.
 */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  KMSInternalException: 500,
  KeyUnavailableException: 500,
  InternalFailure: 500,
  DependencyTimeoutException: 503,
  ServiceUnavailableException: 503,
};

/** The HTTP status AWS uses for an error type; 400 unless it is a server-side fault. */
export function statusForErrorType(type: string): number {
  return STATUS_BY_TYPE[type] ?? 400;
}

/**
 * An AWS KMS error, serialized as `{"__type": type, "message": message}` with {@link statusCode}.
 *
 * @example
 * throw new KmsException('NotFoundException', `Key '${keyArn}' does not exist`);
 */
export class KmsException extends Error {
  /** The AWS error type, e.g. `NotFoundException`; the SDK's exception class has this name. */
  readonly code: string;
  readonly statusCode: number;

  constructor(code: KmsErrorType, message: string);
  /** Any error type name, for fault drills that imitate errors kms-local never raises itself. */
  constructor(code: string, message: string);
  constructor(code: string, message: string) {
    super(message);
    this.name = 'KmsException';
    this.code = code;
    this.statusCode = statusForErrorType(code);
  }
}

/** True when `value` is a {@link KmsException}. */
export function isKmsException(value: unknown): value is KmsException {
  return value instanceof KmsException;
}

export const KMS_LOCAL_ERROR_CODES = {
  INVALID_OPTION: 'INVALID_OPTION',
  STATE_FILE_UNREADABLE: 'STATE_FILE_UNREADABLE',
  STATE_FILE_MISMATCH: 'STATE_FILE_MISMATCH',
} as const;
export type KmsLocalErrorCode = (typeof KMS_LOCAL_ERROR_CODES)[keyof typeof KMS_LOCAL_ERROR_CODES];

/**
 * A problem with kms-local's own configuration or state file.
 *
 * @example
 * try { await startKmsLocal({ stateFile }); }
 * catch (e) { if (e instanceof KmsLocalError && e.code === 'STATE_FILE_MISMATCH') ... }
 */
export class KmsLocalError extends Error {
  readonly code: KmsLocalErrorCode;

  constructor(code: KmsLocalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmsLocalError';
    this.code = code;
  }
}
