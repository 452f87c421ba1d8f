/**
 * EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations.
 * Rotation appends key material; nothing is ever re-encrypted or removed.
 */
import { KmsException } from '../errors';
import { DAY_MS, currentMaterial } from '../key-store';
import type { KeyRecord } from '../state';
import {
  arnOf,
  authorize,
  epochSeconds,
  requireEnabled,
  resolveKey,
  type OperationContext,
  type OperationHandler,
} from './context';
import { pageMembers, paginate } from './pagination';
import type { RequestFields } from '../request-fields';

const DEFAULT_ROTATION_PERIOD_DAYS = 365;
/** AWS allows ten on-demand rotations in a key's lifetime. */
const MAX_ON_DEMAND_ROTATIONS = 10;

function rotatableKey(fields: RequestFields, context: OperationContext, action: string): KeyRecord {
  const key = resolveKey(context.store, fields.requiredString('KeyId'), 'keyOnly');
  authorize(context, key, action);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new KmsException('UnsupportedOperationException', `${arnOf(context, key)} key spec ${key.keySpec} does not support key rotation.`);
  }
  return key;
}

const enableKeyRotation: OperationHandler = (fields, context) => {
  const periodInDays = fields.optionalInteger('RotationPeriodInDays', 90, 2560) ?? DEFAULT_ROTATION_PERIOD_DAYS;
  const key = rotatableKey(fields, context, 'EnableKeyRotation');
  requireEnabled(context, key);
  // Changing the period of an enabled rotation moves the next date by the difference, as AWS does.
  const nextRotationAt = key.rotation
    ? key.rotation.nextRotationAt + (periodInDays - key.rotation.periodInDays) * DAY_MS
    : context.store.now() + periodInDays * DAY_MS;
  key.rotation = { periodInDays, nextRotationAt };
  context.store.changed();
  return {};
};

const disableKeyRotation: OperationHandler = (fields, context) => {
  const key = rotatableKey(fields, context, 'DisableKeyRotation');
  requireEnabled(context, key);
  delete key.rotation;
  context.store.changed();
  return {};
};

const getKeyRotationStatus: OperationHandler = (fields, context) => {
  const key = rotatableKey(fields, context, 'GetKeyRotationStatus');
  return {
    KeyRotationEnabled: key.rotation !== undefined,
    KeyId: arnOf(context, key),
    ...(key.rotation
      ? { RotationPeriodInDays: key.rotation.periodInDays, NextRotationDate: epochSeconds(key.rotation.nextRotationAt) }
      : {}),
  };
};

const rotateKeyOnDemand: OperationHandler = (fields, context) => {
  const key = rotatableKey(fields, context, 'RotateKeyOnDemand');
  requireEnabled(context, key);
  const onDemand = key.materials.filter((material) => material.rotationType === 'ON_DEMAND').length;
  if (onDemand >= MAX_ON_DEMAND_ROTATIONS) {
    throw new KmsException('LimitExceededException', `${arnOf(context, key)} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`);
  }
  context.store.rotate(key, 'ON_DEMAND');
  return { KeyId: key.keyId };
};

const listKeyRotations: OperationHandler = (fields, context) => {
  const includeAll = fields.optionalEnum('IncludeKeyMaterial', ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] as const) === 'ALL_KEY_MATERIAL';
  const key = rotatableKey(fields, context, 'ListKeyRotations');
  const current = currentMaterial(key);
  const materials = includeAll ? key.materials : key.materials.filter((material) => material.rotationType !== undefined);
  const page = paginate(materials, fields, { max: 1000, default: 100 });
  return {
    Rotations: page.items.map((material) => ({
      KeyId: key.keyId,
      KeyMaterialId: material.id,
      KeyMaterialState: material === current ? 'CURRENT' : 'NON_CURRENT',
      ...(material.rotationType ? { RotationDate: epochSeconds(material.createdAt), RotationType: material.rotationType } : {}),
    })),
    ...pageMembers(page),
  };
};

export const rotationOperations: Readonly<Record<string, OperationHandler>> = {
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetKeyRotationStatus: getKeyRotationStatus,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
};
