/** Every KMS operation kms-local answers, by the name in `X-Amz-Target: TrentService.<name>`. */
import { aliasOperations } from './aliases';
import type { OperationHandler } from './context';
import { encryptionOperations } from './encryption';
import { keyLifecycleOperations } from './key-lifecycle';
import { macOperations } from './mac';
import { rotationOperations } from './rotation';

export type { OperationContext, OperationHandler } from './context';

export const OPERATIONS: Readonly<Record<string, OperationHandler>> = {
  ...keyLifecycleOperations,
  ...aliasOperations,
  ...encryptionOperations,
  ...macOperations,
  ...rotationOperations,
};
