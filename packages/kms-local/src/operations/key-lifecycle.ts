/** CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion. */
import { keyArn } from '../arn';
import { KmsException } from '../errors';
import { DAY_MS } from '../key-store';
import { keyMetadata } from '../key-metadata';
import { keyUsageOf, type KeySpec } from '../state';
import {
  arnOf,
  authorize,
  epochSeconds,
  requireNotPendingDeletion,
  resolveKey,
  type OperationHandler,
} from './context';
import { pageMembers, paginate } from './pagination';

/** Every key spec in the AWS model; kms-local implements the first two. */
const AWS_KEY_SPECS = [
  'SYMMETRIC_DEFAULT', 'HMAC_256', 'HMAC_224', 'HMAC_384', 'HMAC_512',
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519', 'SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87',
] as const;
const KEY_USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] as const;
const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;

const createKey: OperationHandler = (fields, context) => {
  const keySpec = fields.optionalEnum('KeySpec', AWS_KEY_SPECS) ?? fields.optionalEnum('CustomerMasterKeySpec', AWS_KEY_SPECS) ?? 'SYMMETRIC_DEFAULT';
  const keyUsage = fields.optionalEnum('KeyUsage', KEY_USAGES);
  const origin = fields.optionalEnum('Origin', ORIGINS) ?? 'AWS_KMS';
  const description = fields.optionalString('Description') ?? '';
  const multiRegion = fields.optionalBoolean('MultiRegion') ?? false;
  if (keySpec !== 'SYMMETRIC_DEFAULT' && keySpec !== 'HMAC_256') {
    throw new KmsException('UnsupportedOperationException', `kms-local supports the key specs SYMMETRIC_DEFAULT and HMAC_256, not ${keySpec}.`);
  }
  if (origin !== 'AWS_KMS' || fields.has('CustomKeyStoreId') || fields.has('XksKeyId')) {
    throw new KmsException('UnsupportedOperationException', 'kms-local supports only keys with origin AWS_KMS in its own store.');
  }
  const expectedUsage = keyUsageOf(keySpec as KeySpec);
  // AWS defaults KeyUsage to ENCRYPT_DECRYPT, so an HMAC key must say GENERATE_VERIFY_MAC explicitly.
  if ((keyUsage ?? 'ENCRYPT_DECRYPT') !== expectedUsage) {
    throw new KmsException('ValidationException', `KeyUsage ${keyUsage ?? 'ENCRYPT_DECRYPT'} is not compatible with KeySpec ${keySpec}`);
  }
  const key = context.store.createKey({ keySpec: keySpec as KeySpec, multiRegion, description });
  return { KeyMetadata: keyMetadata(key, context.store.location) };
};

const describeKey: OperationHandler = (fields, context) => {
  const key = resolveKey(context.store, fields.requiredString('KeyId'), 'keyOrAlias');
  authorize(context, key, 'DescribeKey');
  return { KeyMetadata: keyMetadata(key, context.store.location) };
};

const listKeys: OperationHandler = (fields, context) => {
  const page = paginate(context.store.listKeys(), fields, { max: 1000, default: 100 });
  return {
    Keys: page.items.map((key) => ({ KeyId: key.keyId, KeyArn: keyArn(context.store.location, key.keyId) })),
    ...pageMembers(page),
  };
};

/** EnableKey and DisableKey: the same checks, a different target state. */
function setKeyState(operation: 'EnableKey' | 'DisableKey', state: 'Enabled' | 'Disabled'): OperationHandler {
  return (fields, context) => {
    const key = resolveKey(context.store, fields.requiredString('KeyId'), 'keyOnly');
    authorize(context, key, operation);
    requireNotPendingDeletion(context, key);
    key.state = state;
    context.store.changed();
    return {};
  };
}

const enableKey = setKeyState('EnableKey', 'Enabled');
const disableKey = setKeyState('DisableKey', 'Disabled');

const scheduleKeyDeletion: OperationHandler = (fields, context) => {
  const key = resolveKey(context.store, fields.requiredString('KeyId'), 'keyOnly');
  const pendingWindowInDays = fields.optionalInteger('PendingWindowInDays', 7, 30) ?? 30;
  authorize(context, key, 'ScheduleKeyDeletion');
  requireNotPendingDeletion(context, key);
  key.state = 'PendingDeletion';
  key.deletionDate = context.store.now() + pendingWindowInDays * DAY_MS;
  key.pendingWindowInDays = pendingWindowInDays;
  context.store.changed();
  return {
    KeyId: arnOf(context, key),
    DeletionDate: epochSeconds(key.deletionDate),
    KeyState: key.state,
    PendingWindowInDays: pendingWindowInDays,
  };
};

const cancelKeyDeletion: OperationHandler = (fields, context) => {
  const key = resolveKey(context.store, fields.requiredString('KeyId'), 'keyOnly');
  authorize(context, key, 'CancelKeyDeletion');
  if (key.state !== 'PendingDeletion') {
    throw new KmsException('KMSInvalidStateException', `${arnOf(context, key)} is not pending deletion.`);
  }
  // AWS leaves a key whose deletion was cancelled disabled, whatever it was before.
  key.state = 'Disabled';
  delete key.deletionDate;
  delete key.pendingWindowInDays;
  context.store.changed();
  return { KeyId: arnOf(context, key) };
};

export const keyLifecycleOperations: Readonly<Record<string, OperationHandler>> = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
};
