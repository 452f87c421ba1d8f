/**
 * The scope field a read needs to check its values against (`/// @encrypted(scope: tenantId)`): the
 * result walker compares each value's key scope with its row's `tenantId` (a tenant's value copied into
 * another tenant's row is refused), which it can only do when the row holds `tenantId`. A top-level
 * `select` that reads an encrypted field of the model but not its scope field gets it added (an `omit`
 * that drops it loses that entry), and it is removed from the rows afterwards. Nested selections are
 * left as they are (documented: their values are checked when they select the field).
 */
import type { EncryptionScheme } from '../field-map';
import { isPlainObject } from '../walker';
import { withFieldsRead } from './added-fields';

/** Operations whose `select`/`omit` shape the returned rows (not `count`, whose `select` counts). */
const ROW_OPERATIONS: ReadonlySet<string> = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'create',
  'createManyAndReturn',
  'update',
  'updateManyAndReturn',
  'upsert',
  'delete',
]);

/**
 * `args` with the model's scope field selected when its selection reads an encrypted field without it,
 * and the field added (to strip from the result with `stripAddedFields`), else undefined.
 *
 * @example
 * ```ts
 * withRowScopeField(scheme, 'TenantMember', 'findMany', { select: { name: true } });
 * // { args: { select: { name: true, tenantId: true } }, added: ['tenantId'] }
 * ```
 */
export function withRowScopeField(scheme: EncryptionScheme, model: string, operation: string, args: unknown): { args: Record<string, unknown>; added: string[] } | undefined {
  const scope = scheme.model(model).scope;
  if (scope?.source !== 'field' || !ROW_OPERATIONS.has(operation) || !isPlainObject(args)) return undefined;
  const encrypted = scheme.model(model).encryptedFields;
  const select = args['select'];
  const omit = args['omit'];
  const readsEncrypted = isPlainObject(select)
    ? Object.keys(select).some((key) => encrypted.has(key) && select[key] === true)
    : !isPlainObject(omit) || [...encrypted].some((key) => omit[key] !== true);
  if (!readsEncrypted) return undefined;
  const withField = withFieldsRead(args, [scope.field]);
  return withField.added.length > 0 ? withField : undefined;
}
