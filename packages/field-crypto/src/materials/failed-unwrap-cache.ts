/**
 * Remembers, briefly, that the keyring could not unwrap a message's data keys, so that a hot row holding
 * a forged or damaged value costs one round of KMS calls per `maxAgeMs`, not one per read. Only answers
 * that a retry would repeat are remembered (see {@link isLastingUnwrapFailure}): throttling, timeouts
 * and an unreachable KMS are not, so a passing fault never outlives itself.
 */
import { ConfigurationError } from '../errors';

/** Options of the failed-unwrap cache: how long a failure is remembered, and how many at most. */
export interface FailedUnwrapCacheOptions {
  /** Milliseconds a failure is remembered. Default 10,000. */
  readonly maxAgeMs?: number;
  /** Failures remembered at once, the oldest forgotten first. Default 1,000. */
  readonly capacity?: number;
}

export const DEFAULT_FAILED_UNWRAP_CACHE: Required<FailedUnwrapCacheOptions> = Object.freeze({ maxAgeMs: 10_000, capacity: 1000 });

/**
 * The AWS error names that mean "these data keys will not unwrap under this key", whatever the retry. A
 * failure with no AWS error name (no key of the keyring matched any EDK, or a raw key did not
 * authenticate) is lasting too. AccessDenied is not: a grant or a policy change can end it any moment.
 */
const LASTING_AWS_ERRORS: ReadonlySet<string> = new Set([
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'NotFoundException',
  'DisabledException',
  'InvalidKeyUsageException',
  'KMSInvalidStateException',
]);

/** True when a failed unwrap that KMS answered with `awsErrorName` (undefined: no KMS error) is worth remembering. */
export function isLastingUnwrapFailure(awsErrorName: string | undefined): boolean {
  return awsErrorName === undefined || LASTING_AWS_ERRORS.has(awsErrorName);
}

/**
 * A bounded map from a decryption cache key (a hash of the message's context and EDK bytes) to the
 * error its unwrap failed with, each entry expiring after `maxAgeMs`.
 *
 * @example
 * const failures = new FailedUnwrapCache({ maxAgeMs: 10_000, capacity: 1000 });
 * failures.remember(cacheKey, error);
 * failures.recall(cacheKey); // error, for 10 s
 */
export class FailedUnwrapCache {
  readonly #maxAgeMs: number;
  readonly #capacity: number;
  /** Insertion order is expiry order: every entry lives exactly maxAgeMs. */
  readonly #entries = new Map<string, { readonly error: Error; readonly expires: number }>();

  constructor(options: FailedUnwrapCacheOptions = {}) {
    this.#maxAgeMs = positiveInteger('failedUnwrapCache.maxAgeMs', options.maxAgeMs ?? DEFAULT_FAILED_UNWRAP_CACHE.maxAgeMs);
    this.#capacity = positiveInteger('failedUnwrapCache.capacity', options.capacity ?? DEFAULT_FAILED_UNWRAP_CACHE.capacity);
  }

  /** The remembered error for `cacheKey`, or undefined when there is none or it expired. */
  recall(cacheKey: string): Error | undefined {
    const entry = this.#entries.get(cacheKey);
    if (!entry) return undefined;
    if (entry.expires > Date.now()) return entry.error;
    this.#entries.delete(cacheKey);
    return undefined;
  }

  remember(cacheKey: string, error: Error): void {
    this.#entries.delete(cacheKey);
    this.#entries.set(cacheKey, { error, expires: Date.now() + this.#maxAgeMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#capacity) break;
      this.#entries.delete(oldest);
    }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`${name} must be a positive integer`);
  return value;
}
