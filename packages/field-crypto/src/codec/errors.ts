/**
 * The codec's typed errors. Each carries a stable `code` (what kind of failure) and a `reason`
 * (which check failed, from a closed list), never bytes of the message, the plaintext or a key.
 * The cipher layer wraps them into the package's errors that name the model and field.
 */

export const CODEC_ERROR_CODES = {
  /** The bytes are not a well-formed Encryption SDK message (or are truncated, or have trailing bytes). */
  MALFORMED_MESSAGE: 'MALFORMED_MESSAGE',
  /** A key commitment or an authentication tag did not verify: tampered message or wrong data key. */
  MESSAGE_AUTHENTICATION_FAILED: 'MESSAGE_AUTHENTICATION_FAILED',
  /** The caller broke the codec's contract (wrong key length, unsupported suite, oversized input...). */
  INVALID_CODEC_INPUT: 'INVALID_CODEC_INPUT',
} as const;

export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[keyof typeof CODEC_ERROR_CODES];

/** Which structural check a malformed message failed. */
export type MalformedReason =
  | 'truncated'
  | 'trailing-bytes'
  | 'unknown-version'
  | 'unknown-object-type'
  | 'unsupported-suite'
  | 'suite-version-mismatch'
  | 'encryption-context'
  | 'duplicate-encryption-context-key'
  | 'no-encrypted-data-keys'
  | 'unknown-content-type'
  | 'reserved-bytes'
  | 'header-iv-length'
  | 'sequence-number'
  | 'final-frame-too-long'
  | 'content-length'
  | 'header-mismatch';

/** Which cryptographic check failed. */
export type AuthenticationReason = 'commitment-mismatch' | 'header-auth-tag' | 'body-auth-tag';

/** Which part of the codec's contract the caller broke. */
export type CodecInputReason =
  | 'unsupported-encrypt-suite'
  | 'data-key-length'
  | 'frame-length'
  | 'plaintext-too-long'
  | 'encryption-context-value'
  | 'encryption-context-too-large'
  | 'encrypted-data-key-count'
  | 'encrypted-data-key-field-too-large'
  | 'not-fast-decodable';

const MALFORMED_TEXT = 'The value is not a well-formed AWS Encryption SDK message';
const AUTHENTICATION_TEXT = 'The AWS Encryption SDK message failed authentication';
const INPUT_TEXT = 'The message codec was called with input it does not accept';

/**
 * The bytes are not a well-formed message of a kind the codec understands.
 *
 * @example
 * try { parseMessageHeader(bytes) } catch (e) { if (e instanceof MalformedMessageError) console.log(e.reason) }
 */
export class MalformedMessageError extends Error {
  readonly code = CODEC_ERROR_CODES.MALFORMED_MESSAGE;
  constructor(readonly reason: MalformedReason) {
    super(`${MALFORMED_TEXT} (${reason})`);
    this.name = 'MalformedMessageError';
  }
}

/**
 * The key commitment, the header authentication tag or the body authentication tag did not verify.
 * Either the message was changed or the data key is not the one the message was written with.
 *
 * @example
 * try { decodeMessage(bytes, header, dataKey) } catch (e) { if (isCodecError(e) && e.code === 'MESSAGE_AUTHENTICATION_FAILED') reject() }
 */
export class MessageAuthenticationError extends Error {
  readonly code = CODEC_ERROR_CODES.MESSAGE_AUTHENTICATION_FAILED;
  constructor(
    readonly reason: AuthenticationReason,
    options?: { cause?: unknown },
  ) {
    super(`${AUTHENTICATION_TEXT} (${reason})`, options);
    this.name = 'MessageAuthenticationError';
  }
}

/**
 * A programming error in the caller: the codec refuses rather than writing a message other SDKs reject.
 *
 * @example
 * encodeMessage({ suiteId: 0x0178, ... }) // throws CodecInputError, reason 'unsupported-encrypt-suite'
 */
export class CodecInputError extends Error {
  readonly code = CODEC_ERROR_CODES.INVALID_CODEC_INPUT;
  constructor(readonly reason: CodecInputReason) {
    super(`${INPUT_TEXT} (${reason})`);
    this.name = 'CodecInputError';
  }
}

export type CodecError = MalformedMessageError | MessageAuthenticationError | CodecInputError;

/**
 * Type guard for any of the codec's errors.
 *
 * @example
 * if (isCodecError(e)) metrics.count(e.code)
 */
export function isCodecError(value: unknown): value is CodecError {
  return (
    value instanceof MalformedMessageError ||
    value instanceof MessageAuthenticationError ||
    value instanceof CodecInputError
  );
}
