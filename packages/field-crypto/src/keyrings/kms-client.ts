import {
  DecryptCommand,
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
}

type KmsClientPort = ReturnType<KmsNodeClientSupplier> & object;

/**
 * A client supplier for the SDK's KMS keyring built on `@aws-sdk/client-kms`'s `KMSClient`: one client per
 * Region, created on first use. The Region comes from the key ARN when it has one, else from `region`, else
 * from the AWS SDK's default chain (AWS_REGION, the shared config file).
 */
export function kmsClientSupplier(connection: KmsConnection): KmsNodeClientSupplier {
  const clients = new Map<string, KmsClientPort>();
  return (regionOfKey: string) => {
    const region = regionOfKey || connection.region || '';
    let client = clients.get(region);
    if (!client) {
      client = kmsPort(new KMSClient(clientConfig(connection, region)));
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

/** The three KMS operations the keyring needs, each recording its failures in the KMS error trail. */
function kmsPort(client: KMSClient): KmsClientPort {
  return {
    generateDataKey: (input) => sendRecordingFailure('GenerateDataKey', () => client.send(new GenerateDataKeyCommand(input))),
    encrypt: (input) => sendRecordingFailure('Encrypt', () => client.send(new EncryptCommand(input))),
    decrypt: (input) => sendRecordingFailure('Decrypt', () => client.send(new DecryptCommand(input))),
  };
}

async function sendRecordingFailure<T>(operation: KmsFailure['operation'], send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    recordKmsFailure({ operation, awsErrorName: e instanceof Error ? e.name : 'UnknownError' });
    throw e;
  }
}
