/**
 * What a cipher failure says, the same on every path (start-up, mid-run, in a crypto worker): the
 * cipher's own message (field-crypto's messages name model, field and cause, never values) and the
 * AWS error name KMS answered with; and whether it is an availability failure (KMS unreachable, slow,
 * throttled, failing, or the key disabled), which is operational (exit 3), not a verdict on the data.
 */
import { CliError } from '../errors';

/** What survives of a cipher error, also across a worker thread. */
export interface CipherFailureInfo {
  /** field-crypto's code (`PRISMA_KMS_KEYRING_FAILED`, ...) or the error's class name. */
  readonly code: string;
  /** field-crypto's message; absent for errors from elsewhere, whose text may quote values. */
  readonly message?: string;
  readonly awsErrorName?: string;
}

/**
 * AWS error names that say KMS (or the way to it) is not available right now, not that a value is bad.
 * `TimeoutError` and `NetworkError` are field-crypto's names for a request timeout and a failed
 * connection; `DisabledException` / `KMSInvalidStateException`: the key is disabled or pending deletion.
 */
const UNAVAILABLE = new Set([
  'TimeoutError',
  'NetworkError',
  'ThrottlingException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'KMSInternalException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'DependencyTimeoutException',
  'DisabledException',
  'KMSInvalidStateException',
]);

/** The code, message and AWS error name of `error`, keeping the message only where it is known to be value-free. */
export function cipherFailureInfo(error: unknown): CipherFailureInfo {
  const fields = (error ?? {}) as { code?: unknown; awsErrorName?: unknown; message?: unknown };
  const code = typeof fields.code === 'string' ? fields.code : error instanceof Error ? error.name : 'UNKNOWN';
  const fromFieldCrypto = code.startsWith('PRISMA_KMS_') && typeof fields.message === 'string';
  return {
    code,
    ...(fromFieldCrypto ? { message: fields.message as string } : {}),
    ...(typeof fields.awsErrorName === 'string' ? { awsErrorName: fields.awsErrorName } : {}),
  };
}

/**
 * True when the failure is KMS being unavailable (see {@link UNAVAILABLE}).
 *
 * @example
 * ```ts
 * isKmsUnavailable({ code: 'PRISMA_KMS_KEYRING_FAILED', awsErrorName: 'ThrottlingException' }); // true
 * ```
 */
export function isKmsUnavailable(info: Pick<CipherFailureInfo, 'awsErrorName'>): boolean {
  return info.awsErrorName !== undefined && UNAVAILABLE.has(info.awsErrorName);
}

/**
 * A {@link CliError} (`CIPHER_FAILED`, exit 3) that keeps the cipher's message and AWS error name.
 *
 * @example
 * ```ts
 * throw cipherFailure('Encryption failed', cipherFailureInfo(keyringError), keyringError);
 * // "Encryption failed: the keyring could not generate a data key (KMS answered ThrottlingException) [PRISMA_KMS_KEYRING_FAILED] ..."
 * ```
 */
export function cipherFailure(what: string, info: CipherFailureInfo, cause?: unknown): CliError {
  const detail = info.message ? `${info.message} (${info.code})` : info.code;
  const advice = isKmsUnavailable(info)
    ? ': KMS is unavailable; values already written are safe, nothing was half-written; run the command again when KMS answers'
    : '';
  return new CliError('CIPHER_FAILED', `${what}: ${detail}${advice}`, {
    cause,
    ...(info.awsErrorName !== undefined ? { awsErrorName: info.awsErrorName } : {}),
  });
}
