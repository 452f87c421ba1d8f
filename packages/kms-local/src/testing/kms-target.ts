/**
 * One KMS test target for every KMS test in the repository: a fresh in-process kms-local by default, or an
 * external KMS when the environment says so — `PKMS_KMS_ENDPOINT=http://localhost:4566` (LocalStack or any
 * KMS-compatible endpoint) or `PKMS_KMS_TARGET=aws` (real AWS KMS, credentials and Region from the default
 * chain). On an external target there are no call counters and no fault injection: tests count KMS work
 * through the cipher's stats instead and select their fault drills with {@link describeOnKmsLocal}.
 *
 * Test code only. This module needs `@aws-sdk/client-kms`, which the main entry does not.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
  type CreateKeyCommandInput,
} from '@aws-sdk/client-kms';
import { KMS_LOCAL_ERROR_CODES, KmsLocalError } from '../errors';
import { startKmsLocal, type KmsLocal, type KmsLocalFaults } from '../kms-local';
import type { CreatedKey } from '../kms-service';

export type KmsTargetKind = 'kms-local' | 'endpoint' | 'aws';

/** What the environment asks for, decided synchronously (so a test file can pick its `describe`s). */
export interface KmsTargetSelection {
  readonly kind: KmsTargetKind;
  /** The external endpoint (`endpoint` kind only). */
  readonly endpoint: string | undefined;
  /** The Region asked for (`PKMS_KMS_REGION`, `AWS_REGION`, `AWS_DEFAULT_REGION`), if any. */
  readonly region: string | undefined;
  /** One line for logs: which KMS the tests run against. */
  readonly description: string;
}

/** `{ region, endpoint?, credentials? }`, ready to spread into `KMSClient`, `KMS` or field-crypto's `kmsKeyring`. */
export interface KmsTargetClientSettings {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface KmsTarget {
  readonly kind: KmsTargetKind;
  /** undefined for AWS (the SDK picks the Regional endpoint). */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** The running kms-local (allow lists, clock...), or undefined on an external target. */
  readonly local: KmsLocal | undefined;
  /**
   * Settings for an SDK client. `accessKeyId` picks a principal for kms-local's allow lists (and is
   * passed through to a custom endpoint); on AWS it is refused, since principals come from the default chain.
   */
  clientConfig(accessKeyId?: string): KmsTargetClientSettings;
  /** A `KMSClient` with `maxAttempts: 1` (so counted calls are not retries), destroyed by {@link close}. */
  client(accessKeyId?: string): KMSClient;
  /**
   * Creates a key through the KMS API (CreateKey, then CreateAlias when `alias` is given) and remembers it:
   * on an external target {@link close} schedules it for deletion. Use {@link uniqueAlias} on shared targets.
   */
  createKey(input?: CreateKeyCommandInput & { alias?: string }): Promise<CreatedKey>;
  /** Per-operation counts of requests kms-local received; undefined on an external target (count through `cipher.stats`). */
  calls(): Record<string, number> | undefined;
  /** Resets kms-local's counters; does nothing on an external target. */
  resetCalls(): void;
  /** kms-local's fault injection; undefined on an external target. */
  readonly faults: KmsLocalFaults | undefined;
  /** Schedules every key this target created on an external KMS for deletion (7-day window), destroys the clients, stops kms-local. */
  close(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

function invalidTarget(message: string): KmsLocalError {
  return new KmsLocalError(KMS_LOCAL_ERROR_CODES.INVALID_OPTION, message);
}

/**
 * Reads `PKMS_KMS_TARGET` (`kms-local` | `endpoint` | `aws`), `PKMS_KMS_ENDPOINT` and the Region variables.
 * An endpoint alone implies `endpoint`; anything contradictory throws, so a typo never silently tests kms-local.
 *
 * @example
 * selectKmsTarget({ PKMS_KMS_ENDPOINT: 'http://localhost:4566' }).kind; // 'endpoint'
 */
export function selectKmsTarget(env: Env = process.env): KmsTargetSelection {
  const asked = env['PKMS_KMS_TARGET'] || undefined;
  const endpoint = env['PKMS_KMS_ENDPOINT'] || undefined;
  const region = env['PKMS_KMS_REGION'] || env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined;
  if (asked !== undefined && asked !== 'kms-local' && asked !== 'endpoint' && asked !== 'aws') {
    throw invalidTarget(`PKMS_KMS_TARGET must be kms-local, endpoint or aws, not ${JSON.stringify(asked)}`);
  }
  const kind: KmsTargetKind = asked ?? (endpoint === undefined ? 'kms-local' : 'endpoint');
  if (kind === 'endpoint' && endpoint === undefined) throw invalidTarget('PKMS_KMS_TARGET=endpoint needs PKMS_KMS_ENDPOINT');
  if (kind !== 'endpoint' && endpoint !== undefined) {
    throw invalidTarget(`PKMS_KMS_ENDPOINT is set but PKMS_KMS_TARGET=${kind}: unset one of them`);
  }
  const description =
    kind === 'kms-local' ? 'an in-process kms-local' : kind === 'endpoint' ? `the KMS endpoint ${endpoint}` : `AWS KMS (${region ?? 'Region from the default chain'})`;
  return { kind, endpoint, region, description };
}

/**
 * The `describe` to use for tests that need kms-local's fault injection, call counters or allow lists:
 * `describe` itself on kms-local; on an external target `describe.skip`, after printing why, so the
 * skipped drills show up as skipped (never as passing) and the log says which target was used.
 *
 * @example
 * describeOnKmsLocal(describe, 'fault drills')('KMS down for a write', () => { ... });
 */
export function describeOnKmsLocal<D extends { readonly skip: unknown }>(describeFn: D, what: string, env: Env = process.env): D {
  const selection = selectKmsTarget(env);
  if (selection.kind === 'kms-local') return describeFn;
  process.stderr.write(`[kms target] skipping ${what}: they need kms-local's fault injection and counters; the tests run against ${selection.description}\n`);
  return describeFn.skip as D;
}

/**
 * Starts or connects to the KMS the environment selects (see {@link selectKmsTarget}).
 *
 * @example
 * const target = await openKmsTarget();
 * const { arn } = await target.createKey();
 * const keyring = kmsKeyring({ generatorKeyId: arn, ...target.clientConfig() });
 * target.faults?.down(true);          // kms-local only
 * await target.close();
 */
export async function openKmsTarget(env: Env = process.env): Promise<KmsTarget> {
  const selection = selectKmsTarget(env);
  const local = selection.kind === 'kms-local' ? await startKmsLocal({ quiet: true, ...(selection.region ? { region: selection.region } : {}) }) : undefined;
  const endpoint = local?.endpoint ?? selection.endpoint;
  // LocalStack's default Region is us-east-1; on AWS the default chain (AWS_PROFILE's config) decides.
  const region = local?.region ?? selection.region ?? (selection.kind === 'endpoint' ? 'us-east-1' : await regionFromDefaultChain());

  const clientConfig = (accessKeyId?: string): KmsTargetClientSettings => {
    if (local) return local.clientConfig(accessKeyId);
    if (selection.kind === 'endpoint') {
      // LocalStack accepts any credentials; use the caller's own when the environment has them.
      const credentials =
        accessKeyId === undefined && env['AWS_ACCESS_KEY_ID']
          ? { accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? 'test' }
          : { accessKeyId: accessKeyId ?? 'test', secretAccessKey: 'test' };
      return { region, endpoint: endpoint!, credentials };
    }
    if (accessKeyId !== undefined) throw invalidTarget('per-principal access key ids are a kms-local feature; on AWS the default credential chain decides');
    return { region };
  };

  const clients: KMSClient[] = [];
  const client = (accessKeyId?: string): KMSClient => {
    const made = new KMSClient({ ...clientConfig(accessKeyId), maxAttempts: 1 });
    clients.push(made);
    return made;
  };
  const admin = client();
  const created: string[] = [];

  return {
    kind: selection.kind,
    endpoint,
    region,
    local,
    clientConfig,
    client,
    async createKey(input = {}) {
      const { alias, ...createInput } = input;
      const { KeyMetadata } = await admin.send(new CreateKeyCommand({ Description: 'prisma-kms test key', ...createInput }));
      const arn = KeyMetadata?.Arn;
      const keyId = KeyMetadata?.KeyId;
      if (arn === undefined || keyId === undefined) throw invalidTarget('CreateKey answered without KeyMetadata.Arn/KeyId');
      created.push(arn);
      if (alias !== undefined) await admin.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
      return { keyId, arn };
    },
    calls: () => local?.calls(),
    resetCalls: () => local?.resetCalls(),
    faults: local?.faults,
    async close() {
      if (!local) {
        // Keys cost money on AWS while they exist; an alias goes with its key.
        for (const arn of created) {
          await admin.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 })).catch(() => undefined);
        }
      }
      for (const made of clients) made.destroy();
      await local?.close();
    },
  };
}

/** An alias no other test run uses, for shared targets (LocalStack, an AWS account). */
export function uniqueAlias(prefix: string): string {
  return `alias/${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

async function regionFromDefaultChain(): Promise<string> {
  const probe = new KMSClient({});
  try {
    return await probe.config.region();
  } catch (cause) {
    throw new KmsLocalError(KMS_LOCAL_ERROR_CODES.INVALID_OPTION, 'PKMS_KMS_TARGET=aws needs a Region: set AWS_REGION or PKMS_KMS_REGION', { cause });
  } finally {
    probe.destroy();
  }
}
