/**
 * `@prisma-kms/kms-local/testing`: the KMS test target shared by every KMS test in the repository —
 * kms-local by default, LocalStack (`PKMS_KMS_ENDPOINT`) or AWS (`PKMS_KMS_TARGET=aws`) when asked.
 * For tests only; needs `@aws-sdk/client-kms`.
 *
 * @example
 * import { openKmsTarget, describeOnKmsLocal } from '@prisma-kms/kms-local/testing';
 * const target = await openKmsTarget();
 * const { arn } = await target.createKey();
 */
export { openKmsTarget, selectKmsTarget, describeOnKmsLocal, uniqueAlias } from './kms-target';
export type { KmsTarget, KmsTargetKind, KmsTargetSelection, KmsTargetClientSettings } from './kms-target';
