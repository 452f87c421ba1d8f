import { Maximum } from '@aws-crypto/serialize';
import { ConfigurationError } from '../errors';

/**
 * How long and how much one cached data key may be used. The same four limits as the SDK's
 * `NodeCachingMaterialsManager`; a data key is replaced by a new one (one more KMS GenerateDataKey)
 * as soon as any limit is reached.
 */
export interface DataKeyCacheOptions {
  /** Milliseconds a data key stays usable after it was generated or decrypted. Default 300,000 (5 minutes). */
  readonly maxAgeMs?: number;
  /** Messages (values) one data key may encrypt. Default and maximum 2^32. */
  readonly maxMessages?: number;
  /** Plaintext bytes one data key may encrypt. Default and maximum 2^53 - 1. */
  readonly maxBytes?: number;
  /** Data keys kept at once (encrypt and decrypt entries together), least recently used evicted. Default 1,000. */
  readonly capacity?: number;
}

/** Validated limits, every field set. */
export interface DataKeyCacheLimits {
  readonly maxAgeMs: number;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly capacity: number;
}

/** The limits a cipher uses when `cache` leaves them out: 5 minutes, 1,000 keys, and the SDK's maximum messages and bytes per key. */
export const DEFAULT_CACHE_LIMITS: DataKeyCacheLimits = Object.freeze({
  maxAgeMs: 5 * 60 * 1000,
  maxMessages: Maximum.MESSAGES_PER_CACHED_KEY_LIMIT,
  maxBytes: Maximum.BYTES_PER_CACHED_KEY_LIMIT,
  capacity: 1000,
});

/** Fills defaults and checks bounds once, when the cipher is created. */
export function dataKeyCacheLimits(options: DataKeyCacheOptions = {}): DataKeyCacheLimits {
  const limits: DataKeyCacheLimits = {
    maxAgeMs: options.maxAgeMs ?? DEFAULT_CACHE_LIMITS.maxAgeMs,
    maxMessages: options.maxMessages ?? DEFAULT_CACHE_LIMITS.maxMessages,
    maxBytes: options.maxBytes ?? DEFAULT_CACHE_LIMITS.maxBytes,
    capacity: options.capacity ?? DEFAULT_CACHE_LIMITS.capacity,
  };
  /* Precondition: a data key cannot be cached forever. */
  requireInteger('maxAgeMs', limits.maxAgeMs, 1, Number.MAX_SAFE_INTEGER);
  requireInteger('maxMessages', limits.maxMessages, 1, Maximum.MESSAGES_PER_CACHED_KEY_LIMIT);
  requireInteger('maxBytes', limits.maxBytes, 1, Maximum.BYTES_PER_CACHED_KEY_LIMIT);
  requireInteger('capacity', limits.capacity, 1, Number.MAX_SAFE_INTEGER);
  return Object.freeze(limits);
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`cache.${name} must be an integer from ${min} to ${max}`);
  }
}
