/**
 * AWS KMS's published request quotas and prices, and the arithmetic that turns the scopes benchmark's
 * per-scope figures into a bill and a quota share for a larger user base. kms-local's latency is not
 * AWS's; its call counts are, so the extrapolation multiplies counts, never times.
 */

/**
 * AWS KMS prices and quotas used for the extrapolation, as published when read on 2026-12-01:
 * https://aws.amazon.com/kms/pricing/ and
 * https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html and resource-limits.html.
 * Change them here (and in docs/keys.md) when AWS changes them.
 */
export const AWS_KMS = Object.freeze({
  /** Symmetric-key requests (Decrypt, Encrypt, GenerateDataKey, ...), USD per 10,000, after the free tier. */
  usdPer10kRequests: 0.03,
  /** Free requests per month, per account, across all Regions. */
  freeRequestsPerMonth: 20_000,
  /** A customer managed KMS key, USD per month (none while scheduled for deletion). */
  usdPerKeyMonth: 1,
  /** Shared per-second quota of symmetric cryptographic operations in most Regions... */
  symmetricRequestsPerSecond: 10_000,
  /** ...20,000 in us-east-2, ap-southeast-1/2, ap-northeast-1, eu-central-1, eu-west-2... */
  symmetricRequestsPerSecondLarger: 20_000,
  /** ...and 100,000 in us-east-1, us-west-2 and eu-west-1 (all adjustable). */
  symmetricRequestsPerSecondLargest: 100_000,
  /** CreateKey requests per second: why BYOK means a key per customer, never a KMS key per user. */
  createKeyRequestsPerSecond: 5,
  /** Customer managed KMS keys per account and Region (adjustable). */
  customerManagedKeysPerRegion: 100_000,
});

/** USD for `requests` symmetric KMS requests, ignoring the free tier (it is shared by the whole account). */
export function requestCostUsd(requests: number): number {
  return (requests / 10_000) * AWS_KMS.usdPer10kRequests;
}

/** What one key choice measured, per scope, that scales with the number of scopes. */
export interface PerScopeFigures {
  /** Key-store rows per scope (1: a field key; a model with blind indexes adds a row per scope). */
  readonly rowsPerScope: number;
  readonly materialBytesPerScope: number;
  readonly tableBytesPerScope: number;
  /** KMS requests made to create one scope's keys (GenerateDataKey, plus Encrypt per extra keyring). */
  readonly creationRequestsPerScope: number;
  /** Memory of one cached key version (heap + Buffers), for the "every user hot" figure. */
  readonly cacheBytesPerEntry: number;
}

/** The extrapolation of {@link PerScopeFigures} to `scopes` scopes. */
export interface Extrapolation {
  readonly scopes: number;
  readonly rows: number;
  readonly materialBytes: number;
  readonly tableBytes: number;
  readonly creationRequests: number;
  readonly creationUsd: number;
  /** Memory of a key cache holding every scope's key version at once. */
  readonly cacheBytesAllHot: number;
  /** KMS Decrypt calls of one process that reads every scope once per TTL: one per scope. */
  readonly decryptsPerProcessPerTtl: number;
  /** Those calls spread over the TTL, as a share of the smallest default symmetric quota. */
  readonly quotaShareOverTtl: number;
  /** USD per month for one such process (30 days of back-to-back TTL windows). */
  readonly usdPerProcessMonthAllHot: number;
}

/**
 * Scales per-scope figures to `scopes` scopes, with a key cache TTL of `ttlMs`.
 *
 * @example
 * extrapolate(perUser, 10_000_000, 10 * 60_000).creationUsd; // 30: one GenerateDataKey per user, once
 */
export function extrapolate(perScope: PerScopeFigures, scopes: number, ttlMs: number): Extrapolation {
  const windowsPerMonth = (30 * 24 * 60 * 60_000) / ttlMs;
  const decrypts = scopes; // one Decrypt per key version per process per TTL
  return {
    scopes,
    rows: perScope.rowsPerScope * scopes,
    materialBytes: perScope.materialBytesPerScope * scopes,
    tableBytes: perScope.tableBytesPerScope * scopes,
    creationRequests: perScope.creationRequestsPerScope * scopes,
    creationUsd: requestCostUsd(perScope.creationRequestsPerScope * scopes),
    cacheBytesAllHot: perScope.cacheBytesPerEntry * scopes,
    decryptsPerProcessPerTtl: decrypts,
    quotaShareOverTtl: decrypts / (ttlMs / 1000) / AWS_KMS.symmetricRequestsPerSecond,
    usdPerProcessMonthAllHot: requestCostUsd(decrypts * windowsPerMonth),
  };
}
