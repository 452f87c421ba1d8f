/**
 * What every operation handler gets, and the checks most of them share: finding the key a `KeyId`
 * names, the caller's allow list, the key's state and its usage. The checks run in the order AWS
 * runs them, so a caller learns nothing about a key it may not use.
 */
import { aliasArn, isSameLocation, keyArn, parseKeyReference } from '../arn';
import { isAllowed } from '../access-policy';
import { KmsException } from '../errors';
import type { KeyStore } from '../key-store';
import type { RequestFields } from '../request-fields';
import type { KeyRecord, KeyUsage } from '../state';

export interface OperationContext {
  readonly store: KeyStore;
  /** From the SigV4 Authorization header; undefined for an unsigned request. */
  readonly accessKeyId: string | undefined;
}

/** One KMS operation: request members in, response members out (blobs already base64). */
export type OperationHandler = (fields: RequestFields, context: OperationContext) => Record<string, unknown>;

/** Which forms of `KeyId` an operation accepts: AWS takes aliases only where it uses the key. */
export type KeyReferenceForms = 'keyOrAlias' | 'keyOnly';

/**
 * The key a `KeyId` parameter names: key id, key ARN, and for `keyOrAlias` also alias name or alias
 * ARN. ARNs of another account or Region name keys that do not exist here.
 */
export function resolveKey(store: KeyStore, reference: string, forms: KeyReferenceForms): KeyRecord {
  const parsed = parseKeyReference(reference);
  if (!parsed) throw new KmsException('NotFoundException', `Invalid arn '${reference}'`);
  const here = store.location;
  switch (parsed.kind) {
    case 'keyId':
    case 'keyArn': {
      const elsewhere = parsed.kind === 'keyArn' && !isSameLocation(parsed.location, here);
      const key = elsewhere ? undefined : store.findKey(parsed.keyId);
      if (!key) throw keyNotFound(parsed.kind === 'keyArn' ? reference : keyArn(here, parsed.keyId));
      return key;
    }
    case 'aliasName':
    case 'aliasArn': {
      const name = parsed.aliasName;
      if (forms === 'keyOnly') throw new KmsException('NotFoundException', `Invalid keyId '${reference}': this operation takes a key id or key ARN, not an alias`);
      const elsewhere = parsed.kind === 'aliasArn' && !isSameLocation(parsed.location, here);
      const alias = elsewhere ? undefined : store.findAlias(name);
      const key = alias && store.findKey(alias.targetKeyId);
      if (!key) throw new KmsException('NotFoundException', `Alias '${parsed.kind === 'aliasArn' ? reference : aliasArn(here, name)}' is not found.`);
      return key;
    }
  }
}

export function keyNotFound(arn: string): KmsException {
  return new KmsException('NotFoundException', `Key '${arn}' does not exist`);
}

/** AccessDeniedException unless the key's allow list lets the caller perform `action`. */
export function authorize(context: OperationContext, key: KeyRecord, action: string): void {
  if (isAllowed(key.access, action, context.accessKeyId)) return;
  const who = `arn:aws:iam::${context.store.location.accountId}:user/${context.accessKeyId ?? 'anonymous'}`;
  throw new KmsException(
    'AccessDeniedException',
    `User: ${who} is not authorized to perform: kms:${action} on resource: ${keyArn(context.store.location, key.keyId)} because no resource-based policy allows the kms:${action} action`,
  );
}

/** DisabledException or KMSInvalidStateException unless the key is enabled. */
export function requireEnabled(context: OperationContext, key: KeyRecord): void {
  requireNotPendingDeletion(context, key);
  if (key.state === 'Disabled') {
    throw new KmsException('DisabledException', `${keyArn(context.store.location, key.keyId)} is disabled.`);
  }
}

export function requireNotPendingDeletion(context: OperationContext, key: KeyRecord): void {
  if (key.state === 'PendingDeletion') {
    throw new KmsException('KMSInvalidStateException', `${keyArn(context.store.location, key.keyId)} is pending deletion.`);
  }
}

export function requireUsage(context: OperationContext, key: KeyRecord, usage: KeyUsage, operation: string): void {
  const actual = key.keySpec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT';
  if (actual !== usage) {
    throw new KmsException(
      'InvalidKeyUsageException',
      `${keyArn(context.store.location, key.keyId)} key usage is ${actual} which is not valid for ${operation}.`,
    );
  }
}

/**
 * Resolve, authorize, require enabled, require usage: the preamble of every cryptographic operation.
 */
export function usableKey(
  context: OperationContext,
  reference: string,
  action: string,
  usage: KeyUsage,
): KeyRecord {
  const key = resolveKey(context.store, reference, 'keyOrAlias');
  authorize(context, key, action);
  requireEnabled(context, key);
  requireUsage(context, key, usage, action);
  return key;
}

/** AWS answers a DryRun that would have succeeded with this exception. */
export function finishDryRun(fields: RequestFields): void {
  if (fields.optionalBoolean('DryRun')) {
    throw new KmsException('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  }
}

/** Wire timestamps are epoch seconds. */
export function epochSeconds(milliseconds: number): number {
  return milliseconds / 1000;
}

export function arnOf(context: OperationContext, key: KeyRecord): string {
  return keyArn(context.store.location, key.keyId);
}
