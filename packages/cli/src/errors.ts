/**
 * The CLI's typed errors. Every failure the user can act on carries a `code` from {@link CliErrorCode};
 * the bin maps codes to exit statuses. Messages name models, fields, tables and files, never values.
 */

/** Every code a {@link CliError} can carry, with the exit status it ends the process with. */
export const CLI_ERROR_CODES = {
  /** Bad flags or arguments on the command line. */
  USAGE: 2,
  /** No config file where one was expected. */
  CONFIG_NOT_FOUND: 2,
  /** The config module failed to load (syntax error, missing import, throwing factory). */
  CONFIG_LOAD_FAILED: 2,
  /** The config module loaded but its shape is wrong. */
  CONFIG_INVALID: 2,
  /** `--model` / `--field` name something the field map does not have. */
  UNKNOWN_SELECTION: 2,
  /** A model with encrypted fields has no primary key: batches cannot be addressed. */
  NO_PRIMARY_KEY: 2,
  /** The database provider has no SQL dialect here. */
  UNSUPPORTED_PROVIDER: 2,
  /** A `keys` command on the key store was refused (a key exists, the version is current, a file exists): change the flags. */
  KEY_STORE_REFUSED: 2,
  /** The key store failed: a row does not decrypt with the keyring, an import conflicts, the storage failed. */
  KEY_STORE_FAILED: 3,
  /** A database statement failed. */
  DATABASE_FAILED: 3,
  /** The cipher failed in a way that is not about one value (keyring unreachable, bad config). */
  CIPHER_FAILED: 3,
  /** The checkpoint file exists but cannot be read or written. */
  CHECKPOINT_FAILED: 3,
  /** A file the command was asked to write (`--out`) cannot be written. */
  OUTPUT_FAILED: 3,
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

/**
 * A failure of the CLI, with a code scripts can match and an exit status.
 *
 * @example
 * ```ts
 * throw new CliError('NO_PRIMARY_KEY', 'Model "Log" has encrypted fields but no primary key');
 * ```
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;
  /** For `CIPHER_FAILED` from KMS: the AWS error name it answered with (`ThrottlingException`, ...). */
  readonly awsErrorName: string | undefined;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown; awsErrorName?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    this.awsErrorName = options?.awsErrorName;
  }

  /** The process exit status for this error. */
  get exitCode(): number {
    return CLI_ERROR_CODES[this.code];
  }
}

/** True when `error` is a {@link CliError} (across module copies too). */
export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError || (error instanceof Error && error.name === 'CliError' && 'code' in error);
}

/**
 * A short, value-free description of a lower-level failure, for wrapping it in a {@link CliError}.
 * Driver messages may quote SQL parameters (values); only the error's name and code survive.
 */
export function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' || typeof code === 'number' ? `${error.name} (${String(code)})` : error.name;
  }
  return typeof error;
}
