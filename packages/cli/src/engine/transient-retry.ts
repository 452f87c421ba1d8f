/**
 * Runs one batch's statement again after a transient database error (see transient-errors), with
 * bounded exponential backoff, and reports each wait so the progress output shows it.
 */
import { transientReason } from './transient-errors';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/** About 20 s of waiting in all before a batch gives up: a deadlock or a failover is over by then. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 8, firstDelayMs: 100, maxDelayMs: 5_000 });

/** One retry about to happen. */
export interface RetryNotice {
  readonly what: string;
  /** The database code that made it transient (`40P01`, `1213`, `SQLITE_BUSY`, ...). */
  readonly reason: string;
  readonly attempt: number;
  readonly delayMs: number;
}

/** A statement runner that retries transient failures (a {@link withRetry} with its policy and notices bound). */
export type Retrying = <T>(run: () => Promise<T>, what: string) => Promise<T>;

/**
 * `run()`, retried while it fails transiently and attempts are left; the last error otherwise.
 *
 * @example
 * ```ts
 * const rows = await withRetry(() => queryRows(db, statement, 'reading table "users"'), 'reading table "users"', DEFAULT_RETRY_POLICY, console.warn);
 * ```
 */
export async function withRetry<T>(run: () => Promise<T>, what: string, policy: RetryPolicy, onRetry: (notice: RetryNotice) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const reason = transientReason(error);
      if (reason === undefined || attempt >= policy.attempts) throw error;
      const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
      onRetry({ what, reason, attempt, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
