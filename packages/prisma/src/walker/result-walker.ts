/**
 * The result side of a query: which strings in what the database returned are encrypted values.
 * The walk is driven by the schema, not by the query's select: in a row of model M, the keys that
 * are M's encrypted fields are values to decrypt and the keys that are M's relations lead to rows
 * of the related model. Relations that cannot reach an encrypted field are never entered.
 */
import { AmbiguousQueryError } from '../errors';
import { isPlainObject, type Path } from './plain-data';
import { fluentResultReadings } from './query-grammar';
import { scopeOf } from './scope-rules';
import type { EncryptionScheme, ModelScheme } from '../field-map';

/** A stored value to decrypt and where its plaintext goes in the result. */
export interface ReadTarget {
  /** From the root of the result, e.g. `[3, 'posts', 0, 'body']`. */
  readonly path: Path;
  readonly model: string;
  readonly field: string;
  readonly stored: string;
  /**
   * The scope of the row the value is in, from its scope field (`/// @encrypted(scope: tenantId)`) when
   * the result holds it (`scopeOf`: the scope, or why the field's value names none); undefined when the
   * model is not scoped by a field or the field was not selected. The value must be under that scope's key.
   */
  readonly rowScope?: ReturnType<typeof scopeOf> | undefined;
}

/**
 * Operations that return one record and therefore may carry the fluent API
 * (`prisma.user.findUnique(...).posts()`): Prisma sends them with `select: { posts: true }` and
 * resolves `query(args)` to the posts themselves, not to a User.
 */
const FLUENT_OPERATIONS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'create',
  'update',
  'upsert',
  'delete',
]);

/**
 * Lists every encrypted value in `result` of `operation` on `model` (called with the arguments that
 * were sent, to see through the fluent API).
 *
 * @example
 * ```ts
 * collectReadTargets(scheme, 'User', 'findMany', {}, [{ id: 1, email: 'AYAA...' }]);
 * // [{ path: [0, 'email'], model: 'User', field: 'email', stored: 'AYAA...' }]
 * ```
 */
export function collectReadTargets(scheme: EncryptionScheme, model: string, operation: string, args: unknown, result: unknown): ReadTarget[] {
  const targets: ReadTarget[] = [];
  if (result === null || typeof result !== 'object') return targets;
  const resultModel = FLUENT_OPERATIONS.has(operation) ? resolveFluentModel(scheme, scheme.model(model), isPlainObject(args) ? args.select : undefined, result) : scheme.model(model);
  if (resultModel.reachesEncryptedFields) visitValue(scheme, resultModel, result, [], targets);
  return targets;
}

/**
 * The encrypted values of `rows[from]` to `rows[to - 1]`, a stretch of a list of `model`'s rows (a
 * findMany's result), appended to `targets` with paths from the root of the whole list: the targets
 * {@link collectReadTargets} finds in those rows, without copying them into a list of their own. The
 * sliced walk of a long result (extension/sliced-result.ts) calls it one stretch at a time.
 *
 * @example
 * ```ts
 * const targets: ReadTarget[] = [];
 * collectRowTargets(scheme, 'User', rows, 64, 128, targets); // paths [64, 'email'] ... [127, 'phone']
 * ```
 */
export function collectRowTargets(scheme: EncryptionScheme, model: string, rows: readonly unknown[], from: number, to: number, targets: ReadTarget[]): void {
  const rowModel = scheme.model(model);
  if (!rowModel.reachesEncryptedFields) return;
  const end = Math.min(to, rows.length);
  for (let index = from; index < end; index++) visitRow(scheme, rowModel, rows[index], [index], targets);
}

/**
 * The model whose rows `result` holds. A fluent call selects exactly one relation and may get that
 * relation's value back unwrapped: while the selection is a single relation, the shape of `result`
 * decides (see `fluentResultReadings`) whether it is the parent row or the related one
 * (`.profile().user()` is `select: { profile: { select: { user: true } } }`). When it fits both, the
 * two readings must read the same encrypted values, else {@link AmbiguousQueryError}: an encrypted
 * value is never returned undecrypted because of a guess.
 */
function resolveFluentModel(scheme: EncryptionScheme, model: ModelScheme, selection: unknown, result: object): ModelScheme {
  if (!isPlainObject(selection)) return model;
  const key = singleSelectedKey(selection);
  const relation = key === undefined ? undefined : model.relations.get(key);
  if (key === undefined || relation === undefined) return model;
  const related = scheme.model(relation.model);
  const reading = fluentResultReadings(model, key, related, result);
  if (reading === 'parent') return model;
  const inner = selection[key];
  const deeper = resolveFluentModel(scheme, related, isPlainObject(inner) ? inner.select : undefined, result);
  if (reading === 'both' && !sameTargets(targetsOf(scheme, model, result), targetsOf(scheme, deeper, result))) {
    throw new AmbiguousQueryError(model.name, 'fluent result', [`a ${model.name} row`, `the ${key} relation's ${related.name} row`]);
  }
  return deeper;
}

function targetsOf(scheme: EncryptionScheme, model: ModelScheme, result: unknown): ReadTarget[] {
  const targets: ReadTarget[] = [];
  if (model.reachesEncryptedFields) visitValue(scheme, model, result, [], targets);
  return targets;
}

function sameTargets(a: readonly ReadTarget[], b: readonly ReadTarget[]): boolean {
  const key = (t: ReadTarget) => JSON.stringify([t.path, t.model, t.field]);
  return a.length === b.length && a.every((target, i) => key(target) === key(b[i]!));
}

/** The key of a selection that selects exactly one thing, else undefined. */
function singleSelectedKey(selection: Record<string, unknown>): string | undefined {
  let found: string | undefined;
  for (const key of Object.keys(selection)) {
    const value = selection[key];
    if (value === false || value === undefined || value === null) continue;
    if (found !== undefined) return undefined;
    found = key;
  }
  return found;
}

function visitValue(scheme: EncryptionScheme, model: ModelScheme, value: unknown, path: Path, targets: ReadTarget[]): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) visitRow(scheme, model, value[index], [...path, index], targets);
  } else {
    visitRow(scheme, model, value, path, targets);
  }
}

function visitRow(scheme: EncryptionScheme, model: ModelScheme, row: unknown, path: Path, targets: ReadTarget[]): void {
  if (!isPlainObject(row)) return;
  const scopeField = model.scope?.source === 'field' ? model.scope.field : undefined;
  const rowScope = scopeField === undefined || row[scopeField] === undefined ? undefined : scopeOf(row[scopeField]);
  for (const field of model.encrypted.keys()) {
    const stored = row[field];
    if (typeof stored !== 'string') continue;
    // Two literals rather than a conditional spread, which builds and copies an object per value read.
    targets.push(rowScope === undefined ? { path: [...path, field], model: model.name, field, stored } : { path: [...path, field], model: model.name, field, stored, rowScope });
  }
  for (const [name, relation] of model.relations) {
    const related = row[name];
    if (related === null || typeof related !== 'object') continue;
    const target = scheme.model(relation.model);
    if (target.reachesEncryptedFields) visitValue(scheme, target, related, [...path, name], targets);
  }
}
