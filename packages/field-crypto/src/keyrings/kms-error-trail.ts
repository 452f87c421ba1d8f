import { AsyncLocalStorage } from 'node:async_hooks';

/** One failed KMS request, as seen by the client our KMS keyring uses. Names only, never payloads. */
export interface KmsFailure {
  readonly operation: 'GenerateDataKey' | 'Encrypt' | 'Decrypt' | 'DescribeKey';
  /** The AWS error name, e.g. `AccessDeniedException`, `ThrottlingException`, `NotFoundException`. */
  readonly awsErrorName: string;
}

/**
 * Why this exists: the SDK's KMS keyring folds every Decrypt failure into one plain `Error` whose message
 * is a list of stack traces, so the AWS error name (the one fact a caller needs to decide whether to retry)
 * is lost. Our KMS client records each failure here, in the async context of the materials request that
 * caused it, and the materials manager reads the trail when it turns the failure into a `KeyringError`.
 */
const trail = new AsyncLocalStorage<KmsFailure[]>();

/** Runs `request` with a fresh trail; `failures` receives every KMS failure the request causes. */
export function withKmsErrorTrail<T>(failures: KmsFailure[], request: () => Promise<T>): Promise<T> {
  return trail.run(failures, request);
}

/** Records a KMS failure in the current trail, if there is one. */
export function recordKmsFailure(failure: KmsFailure): void {
  trail.getStore()?.push(failure);
}
