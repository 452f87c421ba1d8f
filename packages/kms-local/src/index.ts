/**
 * `@prisma-kms/kms-local`: a KMS-compatible HTTP server (AWS JSON 1.1) for development, tests and
 * fault drills. Not a key management service: keys sit unencrypted in a local file or in memory.
 *
 * @example
 * import { startKmsLocal } from '@prisma-kms/kms-local';
 * const kms = await startKmsLocal({ quiet: true });
 * const { arn } = await kms.createKey();
 * const client = new KMSClient(kms.clientConfig());
 */
export { startKmsLocal, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DEFAULT_HOST } from './kms-local';
export type { KmsLocal, KmsLocalOptions, KmsLocalFaults, KmsClientSettings } from './kms-local';
export type { CreateKeyOptions, CreatedKey } from './kms-service';
export type { AccessPolicy, KeySpec } from './state';
export type { FaultSettings } from './faults';
export { KmsException, KmsLocalError, KMS_ERROR_TYPES, KMS_LOCAL_ERROR_CODES, statusForErrorType } from './errors';
export type { KmsErrorType, KmsLocalErrorCode } from './errors';
export { CONTROL_PREFIX } from './control-api';
