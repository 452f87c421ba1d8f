/**
 * `startKmsLocal()`: a running kms-local server and the handles tests use to drive it.
 */
import type { AddressInfo } from 'node:net';
import { startupBanner } from './banner';
import { CallCounters } from './call-counters';
import { KMS_LOCAL_ERROR_CODES, KmsLocalError } from './errors';
import { FaultInjector } from './faults';
import { createKmsHttpServer } from './http-server';
import { KeyStore, type Clock } from './key-store';
import { KmsService, type CreateKeyOptions, type CreatedKey } from './kms-service';
import { emptyState, type AccessPolicy, type KmsState } from './state';
import { loadStateFile, saveStateFile } from './state-file';

export const DEFAULT_ACCOUNT_ID = '111122223333';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_HOST = '127.0.0.1';

export interface KmsLocalOptions {
  /** 0 (the default here) picks a free port; read it from {@link KmsLocal.endpoint}. */
  port?: number;
  /** Default 127.0.0.1. Anything else exposes unauthenticated keys to the network. */
  host?: string;
  /** JSON file holding keys across restarts (written atomically). Without it, keys live in memory. */
  stateFile?: string;
  /** Default '111122223333', or the state file's. */
  accountId?: string;
  /** Default 'us-east-1', or the state file's. */
  region?: string;
  /** No startup banner. */
  quiet?: boolean;
  /** Where the banner and internal errors go; default stderr. */
  log?: (line: string) => void;
  /** Milliseconds since the epoch; tests move it forward to reach rotation and deletion dates. */
  clock?: Clock;
}

/** Client settings for `@aws-sdk/client-kms`, pointed at kms-local with dummy credentials. */
export interface KmsClientSettings {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface KmsLocalFaults {
  /** Milliseconds added to every KMS call (0 to stop). */
  latency(ms: number): void;
  /** The next `n` calls (of `operation`, or of any operation) fail with `errorType`, e.g. 'ThrottlingException'. */
  failNext(n: number, errorType: string, operation?: string): void;
  /** ThrottlingException for calls above this many per second (sliding one-second window); undefined stops it. */
  throttleAbove(callsPerSecond: number | undefined): void;
  /** While down, KMS requests get their connection destroyed (the SDK sees a socket error). The control path stays up. */
  down(isDown: boolean): void;
  clear(): void;
}

export interface KmsLocal {
  /** e.g. http://127.0.0.1:53811 */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Client settings for @aws-sdk/client-kms: { endpoint, region, credentials } with dummy credentials. */
  clientConfig(accessKeyId?: string): KmsClientSettings;
  /** Creates a key directly (with an alias and allow lists if asked), without counting a call. */
  createKey(opts?: CreateKeyOptions): Promise<CreatedKey>;
  /** Replaces the allow lists of a key (id, ARN or alias); undefined opens it to every caller. */
  setAccess(keyId: string, access: AccessPolicy | undefined): Promise<void>;
  /** Per-operation call counters since start or the last {@link resetCalls}. */
  calls(): Record<string, number>;
  resetCalls(): void;
  readonly faults: KmsLocalFaults;
  close(): Promise<void>;
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function invalidOption(message: string): KmsLocalError {
  return new KmsLocalError(KMS_LOCAL_ERROR_CODES.INVALID_OPTION, message);
}

/** Loads the state file (if any) and reconciles it with the account and Region asked for. */
function initialState(options: KmsLocalOptions): KmsState {
  const loaded = options.stateFile === undefined ? undefined : loadStateFile(options.stateFile);
  for (const [name, asked, stored] of [
    ['account', options.accountId, loaded?.accountId],
    ['region', options.region, loaded?.region],
  ] as const) {
    // Key ARNs are stored inside every Encryption SDK message: serving the same keys under another
    // account or Region would make those messages undecryptable.
    if (asked !== undefined && stored !== undefined && asked !== stored) {
      throw new KmsLocalError(
        KMS_LOCAL_ERROR_CODES.STATE_FILE_MISMATCH,
        `State file ${options.stateFile} belongs to ${name} ${stored}, not ${asked}`,
      );
    }
  }
  if (loaded) return loaded;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const region = options.region ?? DEFAULT_REGION;
  if (!ACCOUNT_ID.test(accountId)) throw invalidOption('accountId must be 12 digits');
  if (!REGION.test(region)) throw invalidOption(`region ${region} does not look like an AWS Region (e.g. us-east-1)`);
  return emptyState(accountId, region);
}

/**
 * Starts a KMS-compatible server for development and tests.
 *
 * @example
 * const kms = await startKmsLocal({ quiet: true });
 * const { keyId } = await kms.createKey({ alias: 'alias/app' });
 * const client = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1 });
 * await client.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('hi') }));
 * expect(kms.calls().Encrypt).toBe(1);
 * await kms.close();
 */
export async function startKmsLocal(options: KmsLocalOptions = {}): Promise<KmsLocal> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidOption('port must be an integer from 0 to 65535');
  const host = options.host ?? DEFAULT_HOST;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const stateFile = options.stateFile;

  const state = initialState(options);
  const persist = stateFile === undefined ? () => undefined : (next: KmsState) => saveStateFile(stateFile, next);
  const store = new KeyStore(state, clock, persist);
  persist(store.snapshot());
  const service = new KmsService(store, new FaultInjector(clock), new CallCounters());

  let endpoint = '';
  const server = createKmsHttpServer(service, () => endpoint, (error) => log(`kms-local: internal error: ${String(error)}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  endpoint = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const { accountId, region } = store.location;
  if (!options.quiet) for (const line of startupBanner({ endpoint, region, accountId, stateFile, host })) log(line);

  let closed: Promise<void> | undefined;
  return {
    endpoint,
    region,
    accountId,
    clientConfig: (accessKeyId = 'AKIAKMSLOCALTEST') => ({
      endpoint,
      region,
      credentials: { accessKeyId, secretAccessKey: 'kms-local-does-not-check-signatures' },
    }),
    createKey: async (opts) => service.createKey(opts),
    setAccess: async (keyId, access) => {
      service.setAccess(keyId, access);
    },
    calls: () => service.counters.snapshot(),
    resetCalls: () => service.counters.reset(),
    faults: {
      latency: (ms) => service.faults.latency(ms),
      failNext: (n, errorType, operation) => service.faults.failNext(n, errorType, operation),
      throttleAbove: (callsPerSecond) => service.faults.throttleAbove(callsPerSecond),
      down: (isDown) => {
        service.faults.down(isDown);
        // Idle keep-alive sockets would otherwise carry the next request past the outage check.
        if (isDown) server.closeIdleConnections();
      },
      clear: () => service.faults.clear(),
    },
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
