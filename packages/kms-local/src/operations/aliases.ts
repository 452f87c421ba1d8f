/** CreateAlias, UpdateAlias, DeleteAlias, ListAliases. */
import { aliasArn } from '../arn';
import { KmsException } from '../errors';
import { authorize, epochSeconds, requireNotPendingDeletion, resolveKey, type OperationContext, type OperationHandler } from './context';
import { pageMembers, paginate } from './pagination';
import type { RequestFields } from '../request-fields';
import type { KeyStore } from '../key-store';

const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]+$/;

function aliasNameFrom(fields: RequestFields): string {
  const aliasName = fields.requiredString('AliasName');
  if (aliasName.length > 256 || !ALIAS_NAME.test(aliasName)) {
    throw new KmsException(
      'ValidationException',
      "1 validation error detected: Value at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$",
    );
  }
  return aliasName;
}

function targetKeyFor(fields: RequestFields, context: OperationContext, action: string) {
  const key = resolveKey(context.store, fields.requiredString('TargetKeyId'), 'keyOnly');
  authorize(context, key, action);
  requireNotPendingDeletion(context, key);
  return key;
}

/** Throws the exception CreateAlias would raise for this name, before anything is created. */
export function assertAliasNameAvailable(store: KeyStore, aliasName: string): void {
  if (aliasName.length > 256 || !ALIAS_NAME.test(aliasName)) {
    throw new KmsException(
      'ValidationException',
      "1 validation error detected: Value at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$",
    );
  }
  if (aliasName.startsWith('alias/aws/')) {
    throw new KmsException('InvalidAliasNameException', 'Alias names that begin with alias/aws/ are reserved for AWS managed keys.');
  }
  if (store.findAlias(aliasName)) {
    throw new KmsException('AlreadyExistsException', `An alias with the name ${aliasArn(store.location, aliasName)} already exists`);
  }
}

const createAlias: OperationHandler = (fields, context) => {
  const aliasName = fields.requiredString('AliasName');
  assertAliasNameAvailable(context.store, aliasName);
  const key = targetKeyFor(fields, context, 'CreateAlias');
  context.store.putAlias(aliasName, key.keyId);
  return {};
};

const updateAlias: OperationHandler = (fields, context) => {
  const aliasName = aliasNameFrom(fields);
  if (!context.store.findAlias(aliasName)) {
    throw new KmsException('NotFoundException', `Alias ${aliasArn(context.store.location, aliasName)} is not found.`);
  }
  const key = targetKeyFor(fields, context, 'UpdateAlias');
  context.store.putAlias(aliasName, key.keyId);
  return {};
};

const deleteAlias: OperationHandler = (fields, context) => {
  const aliasName = aliasNameFrom(fields);
  const alias = context.store.findAlias(aliasName);
  if (!alias) throw new KmsException('NotFoundException', `Alias ${aliasArn(context.store.location, aliasName)} is not found.`);
  const key = resolveKey(context.store, alias.targetKeyId, 'keyOnly');
  authorize(context, key, 'DeleteAlias');
  context.store.deleteAlias(aliasName);
  return {};
};

const listAliases: OperationHandler = (fields, context) => {
  const reference = fields.optionalString('KeyId');
  const onlyKey = reference === undefined ? undefined : resolveKey(context.store, reference, 'keyOnly');
  const aliases = context.store.listAliases().filter((alias) => !onlyKey || alias.targetKeyId === onlyKey.keyId);
  const page = paginate(aliases, fields, { max: 100, default: 50 });
  return {
    Aliases: page.items.map((alias) => ({
      AliasName: alias.aliasName,
      AliasArn: aliasArn(context.store.location, alias.aliasName),
      TargetKeyId: alias.targetKeyId,
      CreationDate: epochSeconds(alias.createdAt),
      LastUpdatedDate: epochSeconds(alias.updatedAt),
    })),
    ...pageMembers(page),
  };
};

export const aliasOperations: Readonly<Record<string, OperationHandler>> = {
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
};
