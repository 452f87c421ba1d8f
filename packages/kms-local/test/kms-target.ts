/**
 * Where the protocol tests send their requests. By default a fresh kms-local; set
 * `PKMS_KMS_ENDPOINT=http://localhost:4566` for LocalStack, or `PKMS_KMS_TARGET=aws` for real AWS KMS
 * (credentials and Region from the default chain). Only tests that use plain KMS operations go
 * through here; fault drills, call counters and allow lists are kms-local features.
 */
import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand, type CreateKeyCommandInput } from '@aws-sdk/client-kms';
import { startKmsLocal, type KmsLocal } from '../src';

export interface KmsTarget {
  readonly name: 'kms-local' | 'endpoint' | 'aws';
  /** The running kms-local, when the target is one. */
  readonly local: KmsLocal | undefined;
  client(accessKeyId?: string): KMSClient;
  /** Creates a key through CreateKey and remembers it for {@link close}. Returns the key ARN. */
  createKey(input?: CreateKeyCommandInput): Promise<string>;
  /** Schedules every key this target created for deletion (shortest window), then stops kms-local. */
  close(): Promise<void>;
}

export async function openKmsTarget(): Promise<KmsTarget> {
  const endpoint = process.env['PKMS_KMS_ENDPOINT'];
  const useAws = process.env['PKMS_KMS_TARGET'] === 'aws';
  const local = endpoint || useAws ? undefined : await startKmsLocal({ quiet: true });
  const region = process.env['PKMS_KMS_REGION'] ?? process.env['AWS_REGION'] ?? 'us-east-1';
  const clients: KMSClient[] = [];
  const created: string[] = [];
  const client = (accessKeyId?: string): KMSClient => {
    const settings = local
      ? local.clientConfig(accessKeyId)
      : endpoint
        ? { endpoint, region, credentials: { accessKeyId: accessKeyId ?? 'test', secretAccessKey: 'test' } }
        : { region };
    const made = new KMSClient({ ...settings, maxAttempts: 1 });
    clients.push(made);
    return made;
  };
  const admin = client();
  return {
    name: local ? 'kms-local' : endpoint ? 'endpoint' : 'aws',
    local,
    client,
    async createKey(input = {}) {
      const { KeyMetadata } = await admin.send(new CreateKeyCommand({ Description: 'prisma-kms test key', ...input }));
      created.push(KeyMetadata!.Arn!);
      return KeyMetadata!.Arn!;
    },
    async close() {
      if (!local) {
        for (const arn of created) {
          await admin.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 })).catch(() => undefined);
        }
      }
      for (const made of clients) made.destroy();
      await local?.close();
    },
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { name: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A name no other test run uses, for aliases on shared targets. */
export function uniqueAlias(prefix: string): string {
  return `alias/${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
