/**
 * Who is calling, and whether a key's allow list lets them. kms-local does not verify SigV4
 * signatures: the access key id in the `Authorization` header is taken at its word, which is enough
 * to test that one principal may encrypt and another only decrypt.
 */
import type { AccessPolicy } from './state';

const CREDENTIAL = /Credential=([^/,\s]+)\//;

/** The access key id from a SigV4 `Authorization` header, or undefined for an unsigned request. */
export function accessKeyIdFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return CREDENTIAL.exec(header)?.[1];
}

/** The access key ids allowed to call `action`, or undefined when the action is open to everyone. */
function allowedCallers(policy: AccessPolicy, action: string): readonly string[] | undefined {
  return policy[action] ?? policy['*'];
}

/**
 * @example
 * isAllowed({ Decrypt: ['AKIAREADER'] }, 'Decrypt', 'AKIAWRITER') === false
 */
export function isAllowed(policy: AccessPolicy | undefined, action: string, accessKeyId: string | undefined): boolean {
  if (!policy) return true;
  const allowed = allowedCallers(policy, action);
  if (!allowed) return true;
  return accessKeyId !== undefined && allowed.includes(accessKeyId);
}

/** Checks that a policy from an option, a control request or a state file has the right shape. */
export function isAccessPolicy(value: unknown): value is AccessPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((ids) => Array.isArray(ids) && ids.every((id) => typeof id === 'string'));
}
