import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  type KMSClientConfig,
} from '@aws-sdk/client-kms';
import type { KmsNodeClientSupplier } from '@aws-crypto/client-node';
import { recordKmsFailure, type KmsFailure } from './kms-error-trail';

/** How to reach KMS. Everything is optional: the AWS SDK's default chain fills the gaps. */
export interface KmsConnection {
  /** Used when a key identifier carries no Region (an alias or a bare key id). */
  readonly region?: string;
  /** A KMS-compatible endpoint, e.g. kms-local or LocalStack. */
  readonly endpoint?: string;
  readonly credentials?: KMSClientConfig['credentials'];
  /** Any other KMSClient setting (retries, timeouts, a logger). `region`, `endpoint`, `credentials` win over it. */
  readonly clientConfig?: KMSClientConfig;
  /**
   * The most one KMS call (GenerateDataKey, Encrypt, Decrypt) may take, the AWS SDK's retries
   * included, before it is abandoned and the encrypt/decrypt fails with a `KeyringError`
   * (`awsErrorName: 'TimeoutError'`). Default 5,000 ms. Without it a hung KMS (or a black-holed
   * endpoint) holds every query that needs a new data key: `@aws-sdk/client-kms`'s own
   * `requestTimeout` only logs a warning unless its request handler is told to throw.
   */
  readonly requestTimeoutMs?: number;
}

/** Long enough for KMS's tail latency and a retry or two; short enough that a hung KMS fails a query, not a service. */
export const DEFAULT_KMS_REQUEST_TIMEOUT_MS = 5_000;
/** setTimeout's limit. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The AWS error name given to a KMS call abandoned after `requestTimeoutMs`. */
export const KMS_TIMEOUT_ERROR_NAME = 'TimeoutError';

/**
 * The name given to a KMS call that never got an answer from KMS: connection refused or reset, name
 * resolution failed. The AWS SDK names a reset socket `TimeoutError`, which would send an operator
 * looking at KMS latency instead of at the network path.
 */
export const KMS_UNREACHABLE_ERROR_NAME = 'NetworkError';
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** True when `error` (or an error in its cause chain) is a failed connection rather than an answer. */
function isNetworkFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if ((code !== undefined && NETWORK_ERROR_CODES.has(code)) || /socket hang up/i.test(current.message)) return true;
  }
  return false;
}

/** Checks `requestTimeoutMs` when the keyring is built; returns the value to use. */
export function kmsRequestTimeout(value: number | undefined): number | undefined {
  if (value === undefined) return DEFAULT_KMS_REQUEST_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) return undefined;
  return value;
}

/** What the keyring calls on a KMS client; `describeKey` resolves an alias to its key ARN (see kms-key-resolution). */
type KmsClientPort = ReturnType<KmsNodeClientSupplier> & object & {
  describeKey(input: { KeyId: string; GrantTokens?: string[] }): Promise<{ KeyMetadata?: { Arn?: string } }>;
};

/**
 * A client supplier for the SDK's KMS keyring built on `@aws-sdk/client-kms`'s `KMSClient`: one client per
 * Region, created on first use. The Region comes from the key ARN when it has one, else from `region`, else
 * from the AWS SDK's default chain (AWS_REGION, the shared config file).
 */
export function kmsClientSupplier(connection: KmsConnection, requestTimeoutMs: number = DEFAULT_KMS_REQUEST_TIMEOUT_MS): KmsNodeClientSupplier {
  const clients = new Map<string, KmsClientPort>();
  return (regionOfKey: string) => {
    const region = regionOfKey || connection.region || '';
    let client = clients.get(region);
    if (!client) {
      client = kmsPort(new KMSClient(clientConfig(connection, region)), requestTimeoutMs);
      clients.set(region, client);
    }
    return client;
  };
}

function clientConfig(connection: KmsConnection, region: string): KMSClientConfig {
  const config: KMSClientConfig = { ...connection.clientConfig };
  if (region) config.region = region;
  if (connection.endpoint !== undefined) config.endpoint = connection.endpoint;
  if (connection.credentials !== undefined) config.credentials = connection.credentials;
  return config;
}

/**
 * The KMS operations the keyring needs (the shape of the aggregated `KMS` class, which is what
 * `KmsKeyringNode` calls, plus DescribeKey for alias resolution), each bounded by the deadline and recording its failures in the KMS error trail.
 */
function kmsPort(client: KMSClient, requestTimeoutMs: number): KmsClientPort {
  const send = <T>(operation: KmsFailure['operation'], call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> =>
    sendWithDeadline(operation, requestTimeoutMs, call);
  return {
    generateDataKey: (input) => send('GenerateDataKey', (abortSignal) => client.send(new GenerateDataKeyCommand(input), { abortSignal })),
    encrypt: (input) => send('Encrypt', (abortSignal) => client.send(new EncryptCommand(input), { abortSignal })),
    decrypt: (input) => send('Decrypt', (abortSignal) => client.send(new DecryptCommand(input), { abortSignal })),
    describeKey: (input) => send('DescribeKey', (abortSignal) => client.send(new DescribeKeyCommand(input), { abortSignal })),
  };
}

/**
 * One KMS call with a deadline over all its attempts: the abort signal cancels the request in
 * flight (or the next retry) when the time is up, and the failure is reported as a TimeoutError.
 */
async function sendWithDeadline<T>(
  operation: KmsFailure['operation'],
  timeoutMs: number,
  call: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await call(deadline);
  } catch (e) {
    if (deadline.aborted) {
      recordKmsFailure({ operation, awsErrorName: KMS_TIMEOUT_ERROR_NAME });
      throw new KmsTimeoutError(operation, timeoutMs, e);
    }
    const awsErrorName = isNetworkFailure(e) ? KMS_UNREACHABLE_ERROR_NAME : e instanceof Error ? e.name : 'UnknownError';
    recordKmsFailure({ operation, awsErrorName });
    throw e;
  }
}

/**
 * A KMS call abandoned at its deadline. Internal: the materials manager turns it into a KeyringError
 * whose `awsErrorName` is `TimeoutError` (the AWS SDK's name for its own timeouts).
 */
class KmsTimeoutError extends Error {
  constructor(
    readonly operation: KmsFailure['operation'],
    readonly timeoutMs: number,
    cause: unknown,
  ) {
    super('KMS did not answer before the deadline (requestTimeoutMs)', { cause });
    this.name = KMS_TIMEOUT_ERROR_NAME;
  }
}
