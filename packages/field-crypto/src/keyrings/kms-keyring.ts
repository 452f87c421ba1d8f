import { KmsKeyringNode, type KmsNodeClientSupplier } from '@aws-crypto/client-node';
import { ConfigurationError } from '../errors';
import { kmsClientSupplier, kmsRequestTimeout, type KmsConnection } from './kms-client';
import { AliasResolvingKmsKeyring, isKmsKeyArn } from './kms-key-resolution';

/** Options of {@link kmsKeyring}. */
export interface KmsKeyringOptions extends KmsConnection {
  /**
   * The KMS key that generates every new data key. Needed to encrypt. A key ARN, or an alias
   * (`alias/app-data`, an alias ARN) or key id, which is resolved to its key ARN with DescribeKey once,
   * at the keyring's first use (so the caller needs `kms:DescribeKey` on it).
   */
  readonly generatorKeyId?: string;
  /** More KMS keys (same forms as `generatorKeyId`) that also wrap every new data key, and that may unwrap data keys on decrypt. */
  readonly keyIds?: readonly string[];
  /**
   * Decrypt-only keyring that asks KMS to unwrap with whichever key an EDK names. No generator/keyIds.
   * Needs `discoveryFilter`: without one, a value forged under any key the caller's credentials may
   * use (an attacker's own key, shared with the world) would decrypt.
   */
  readonly discovery?: boolean;
  /** Required with `discovery`: only accept keys of these accounts (at least one) in this partition (e.g. `aws`). */
  readonly discoveryFilter?: { readonly accountIDs: readonly string[]; readonly partition: string };
  readonly grantTokens?: readonly string[];
  /**
   * Replaces the KMS client we build (then `region`, `endpoint`, `credentials`, `clientConfig` and
   * `requestTimeoutMs` are ignored). It must return, per Region, an object with `generateDataKey`,
   * `encrypt` and `decrypt` methods that return promises: the aggregated `KMS` class of
   * `@aws-sdk/client-kms`, not the bare `KMSClient` (which only has `send`). Bound its time yourself,
   * e.g. `new KMS({ requestHandler: { requestTimeout: 5000, throwOnRequestTimeout: true } })`.
   */
  readonly clientProvider?: KmsNodeClientSupplier;
}

/**
 * A KMS keyring: data keys come from `GenerateDataKey` on `generatorKeyId` and are also wrapped by each of
 * `keyIds`; on decrypt, KMS unwraps them. Built on the SDK's `KmsKeyringNode` with a `KMSClient` per Region
 * that uses the given endpoint, Region and credentials (the AWS SDK's default chain when not given).
 *
 * Aliases work: the SDK matches data keys by key ARN, so an alias, alias ARN or bare key id is resolved
 * to its key ARN with one DescribeKey at first use (construction stays synchronous and offline); the
 * alias is not followed again until the process restarts.
 *
 * @example
 * ```ts
 * const keyring = kmsKeyring({
 *   generatorKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
 *   keyIds: ['arn:aws:kms:eu-central-1:111122223333:key/mrk-...'], // a second Region, for recovery
 * });
 * // against kms-local or LocalStack:
 * const local = kmsKeyring({ generatorKeyId: keyArn, endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' });
 * // decrypt-only, any key of one account:
 * const reader = kmsKeyring({ discovery: true, discoveryFilter: { accountIDs: ['111122223333'], partition: 'aws' } });
 * ```
 */
export function kmsKeyring(options: KmsKeyringOptions): KmsKeyringNode {
  const requestTimeoutMs = kmsRequestTimeout(options?.requestTimeoutMs);
  if (requestTimeoutMs === undefined) {
    throw new ConfigurationError('requestTimeoutMs must be a whole number of milliseconds from 1 to 2^31-1');
  }
  if (options.clientProvider !== undefined && typeof options.clientProvider !== 'function') {
    throw new ConfigurationError('clientProvider must be a function of the Region that returns a KMS client');
  }
  if (options.discovery) requireDiscoveryFilter(options.discoveryFilter);
  const clientProvider = options.clientProvider ?? kmsClientSupplier(options, requestTimeoutMs);
  try {
    const identifiers = [...(options.generatorKeyId === undefined ? [] : [options.generatorKeyId]), ...(options.keyIds ?? [])];
    if (!options.discovery && options.discoveryFilter === undefined && !identifiers.every(isKmsKeyArn)) {
      return new AliasResolvingKmsKeyring({
        clientProvider,
        generatorKeyId: options.generatorKeyId,
        keyIds: options.keyIds ? [...options.keyIds] : undefined,
        grantTokens: options.grantTokens ? [...options.grantTokens] : undefined,
      });
    }
    return new KmsKeyringNode({
      clientProvider,
      generatorKeyId: options.generatorKeyId,
      keyIds: options.keyIds ? [...options.keyIds] : undefined,
      grantTokens: options.grantTokens ? [...options.grantTokens] : undefined,
      discovery: options.discovery,
      discoveryFilter: options.discoveryFilter
        ? { accountIDs: [...options.discoveryFilter.accountIDs], partition: options.discoveryFilter.partition }
        : undefined,
    });
  } catch (e) {
    // The SDK's precondition messages name the problem (e.g. "Malformed arn.") and carry no secrets.
    throw new ConfigurationError('invalid KMS keyring options', { cause: e });
  }
}

/** Twelve digits, as AWS account ids are written in key ARNs. */
const ACCOUNT_ID = /^\d{12}$/;
/** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ...: what the partition field of an ARN holds. */
const PARTITION = /^aws(-[a-z]+)*$/;

/**
 * Precondition: a discovery keyring names the accounts and partition it trusts. The SDK accepts
 * discovery without a filter, which lets any key the caller may use (including an attacker's key
 * with a public key policy) unwrap a forged value's data key.
 */
function requireDiscoveryFilter(filter: KmsKeyringOptions['discoveryFilter']): void {
  if (filter === undefined || filter === null) {
    throw new ConfigurationError(
      "discovery: true needs a discoveryFilter ({ accountIDs: ['111122223333'], partition: 'aws' }): " +
        'without one, values forged under any KMS key the caller may use would decrypt',
    );
  }
  const { accountIDs, partition } = filter;
  if (!Array.isArray(accountIDs) || accountIDs.length === 0 || !accountIDs.every((id) => typeof id === 'string' && ACCOUNT_ID.test(id))) {
    throw new ConfigurationError('discoveryFilter.accountIDs must be a non-empty list of 12-digit AWS account ids');
  }
  if (typeof partition !== 'string' || !PARTITION.test(partition)) {
    throw new ConfigurationError("discoveryFilter.partition must be an AWS partition such as 'aws'");
  }
}
