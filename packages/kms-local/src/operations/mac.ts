/** GenerateMac and VerifyMac with HMAC_256 keys. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KmsException } from '../errors';
import { currentMaterial } from '../key-store';
import type { RequestFields } from '../request-fields';
import type { KeyRecord } from '../state';
import { arnOf, finishDryRun, usableKey, type OperationContext, type OperationHandler } from './context';

const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const;
const MAX_MESSAGE_BYTES = 4096;

function macFor(fields: RequestFields, context: OperationContext, action: string): { key: KeyRecord; algorithm: string; mac: Buffer } {
  const message = fields.requiredBlob('Message', MAX_MESSAGE_BYTES);
  const reference = fields.requiredString('KeyId');
  const algorithm = fields.optionalEnum('MacAlgorithm', MAC_ALGORITHMS);
  if (algorithm === undefined) {
    throw new KmsException('ValidationException', "1 validation error detected: Value at 'macAlgorithm' failed to satisfy constraint: Member must not be null");
  }
  const key = usableKey(context, reference, action, 'GENERATE_VERIFY_MAC');
  if (algorithm !== 'HMAC_SHA_256') {
    throw new KmsException('InvalidKeyUsageException', `${arnOf(context, key)} supports the MAC algorithm HMAC_SHA_256, not ${algorithm}.`);
  }
  const secret = Buffer.from(currentMaterial(key).secret, 'base64');
  return { key, algorithm, mac: createHmac('sha256', secret).update(message).digest() };
}

const generateMac: OperationHandler = (fields, context) => {
  const { key, algorithm, mac } = macFor(fields, context, 'GenerateMac');
  finishDryRun(fields);
  return { Mac: mac.toString('base64'), MacAlgorithm: algorithm, KeyId: arnOf(context, key) };
};

const verifyMac: OperationHandler = (fields, context) => {
  const claimed = fields.requiredBlob('Mac', 6144);
  const { key, algorithm, mac } = macFor(fields, context, 'VerifyMac');
  finishDryRun(fields);
  if (claimed.length !== mac.length || !timingSafeEqual(claimed, mac)) {
    throw new KmsException('KMSInvalidMacException', 'The MAC does not match the message, key and algorithm.');
  }
  return { KeyId: arnOf(context, key), MacValid: true, MacAlgorithm: algorithm };
};

export const macOperations: Readonly<Record<string, OperationHandler>> = {
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
};
