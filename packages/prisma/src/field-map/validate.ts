import { z } from 'zod';
import { FieldMapError } from './errors';
import { FIELD_MAP_VERSION, HASH_BYTES, NORMALIZATIONS, REQUEST_SCOPE, SCOPE_FIELD_TYPES } from './types';
import type { FieldMap, Normalization } from './types';

const scalarRefShape = {
  name: z.string().min(1),
  dbName: z.string().min(1),
  type: z.string().min(1),
  isRequired: z.boolean(),
  isUnique: z.boolean().optional(),
};

const blindIndexSchema = z.object({
  field: z.string().min(1),
  dbName: z.string().min(1),
  normalize: z.array(z.enum(NORMALIZATIONS)),
  bytes: z.int().min(HASH_BYTES.min).max(HASH_BYTES.max),
  unique: z.boolean(),
});

const modelInfoSchema = z.object({
  dbName: z.string().min(1),
  primaryKey: z.array(z.object(scalarRefShape)),
  fields: z.record(z.string(), z.object(scalarRefShape)),
  encrypted: z.record(z.string(), z.object({ ...scalarRefShape, hash: blindIndexSchema.optional() })),
  relations: z.record(z.string(), z.object({ model: z.string().min(1), isList: z.boolean() })),
  uniques: z.record(z.string(), z.array(z.string().min(1)).min(1)),
  scope: z
    .discriminatedUnion('source', [
      z.object({ source: z.literal('field'), field: z.string().min(1), dbName: z.string().min(1), type: z.enum(SCOPE_FIELD_TYPES) }),
      z.object({ source: z.literal('request') }),
    ])
    .optional(),
});

const fieldMapSchema = z.object({
  version: z.literal(FIELD_MAP_VERSION),
  provider: z.string().min(1),
  models: z.record(z.string(), modelInfoSchema),
});

/**
 * Checks that `input` is a field map this package can trust and returns a validated copy (unknown
 * properties dropped, normalizations in canonical order). Throws {@link FieldMapError}.
 *
 * Beyond the shape, it checks what the generator guarantees: every reference points at something the
 * map defines, encrypted fields are `String`, and blind indexes are `String` fields that are neither
 * encrypted nor shared.
 *
 * @example
 * ```ts
 * const map = parseFieldMap(JSON.parse(readFileSync('field-map.json', 'utf8')));
 * ```
 */
export function parseFieldMap(input: unknown): FieldMap {
  const version = (input as { version?: unknown } | null)?.version;
  if (input !== null && typeof input === 'object' && version !== FIELD_MAP_VERSION) {
    throw new FieldMapError(
      'UNSUPPORTED_VERSION',
      `Field map version ${JSON.stringify(version) ?? 'undefined'} is not supported (this package reads version ${FIELD_MAP_VERSION}). Fix: run \`prisma generate\` with the installed @prisma-kms/prisma.`,
      { path: ['version'] },
    );
  }
  const parsed = fieldMapSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p));
    throw new FieldMapError(
      'INVALID_SHAPE',
      `Not a valid field map at ${formatPath(path)}: ${issue?.message ?? 'invalid'}. Fix: pass the \`fieldMap\` emitted by prisma-kms-generator, unedited.`,
      { path, cause: parsed.error },
    );
  }
  const map = parsed.data;
  for (const [modelName, model] of Object.entries(map.models)) {
    checkModel(map, modelName, model);
  }
  return map;
}

type ParsedModel = z.infer<typeof modelInfoSchema>;
type ParsedFieldMap = z.infer<typeof fieldMapSchema>;

function checkModel(map: ParsedFieldMap, modelName: string, model: ParsedModel): void {
  const at = (...rest: (string | number)[]) => ['models', modelName, ...rest];
  const needField = (name: string, path: (string | number)[]) => {
    const ref = model.fields[name];
    if (ref === undefined) {
      throw new FieldMapError('DANGLING_REFERENCE', `${formatPath(path)} names field \`${name}\`, which ${modelName}.fields does not define. Fix: regenerate the field map from the current schema.`, { path });
    }
    return ref;
  };

  for (const [key, ref] of Object.entries(model.fields)) {
    if (ref.name !== key) {
      throw new FieldMapError('INVALID_SHAPE', `${formatPath(at('fields', key))} has name \`${ref.name}\`; the key and the name must match.`, { path: at('fields', key) });
    }
  }
  model.primaryKey.forEach((ref, i) => needField(ref.name, at('primaryKey', i)));
  for (const [uniqueName, fields] of Object.entries(model.uniques)) {
    fields.forEach((f, i) => needField(f, at('uniques', uniqueName, i)));
  }
  for (const [fieldName, relation] of Object.entries(model.relations)) {
    if (map.models[relation.model] === undefined) {
      throw new FieldMapError('DANGLING_REFERENCE', `${formatPath(at('relations', fieldName))} leads to model \`${relation.model}\`, which the map does not define. Fix: regenerate the field map from the current schema.`, { path: at('relations', fieldName, 'model') });
    }
  }

  const indexOwners = new Map<string, string>();
  for (const [fieldName, info] of Object.entries(model.encrypted)) {
    const path = at('encrypted', fieldName);
    const column = needField(fieldName, path);
    if (info.name !== fieldName || info.dbName !== column.dbName) {
      throw new FieldMapError('INVALID_SHAPE', `${formatPath(path)} disagrees with ${modelName}.fields.${fieldName} on its name or column.`, { path });
    }
    if (info.type !== 'String' || column.type !== 'String') {
      throw new FieldMapError('INVALID_OPTIONS', `${formatPath(path)} is of type ${info.type}; only String fields can be encrypted.`, { path });
    }
    const key = model.primaryKey.some((ref) => ref.name === fieldName) ? 'the primary key' : Object.entries(model.uniques).find(([, fields]) => fields.includes(fieldName))?.[0];
    if (key !== undefined) {
      throw new FieldMapError('INVALID_OPTIONS', `${formatPath(path)} is encrypted but part of ${key === 'the primary key' ? key : `unique input \`${key}\``}; ciphertext is random and cannot identify a row.`, { path });
    }
    if (info.hash === undefined) continue;
    const hashPath = [...path, 'hash'];
    const hashField = needField(info.hash.field, [...hashPath, 'field']);
    const problem =
      hashField.type !== 'String' ? `is of type ${hashField.type}, not String`
      : info.hash.field === fieldName ? 'is the encrypted field itself'
      : model.encrypted[info.hash.field] !== undefined ? 'is itself encrypted'
      : indexOwners.has(info.hash.field) ? `is already the index of \`${indexOwners.get(info.hash.field) ?? ''}\``
      : hashField.dbName !== info.hash.dbName ? `is stored in column \`${hashField.dbName}\`, not \`${info.hash.dbName}\``
      : hashField.isRequired && !info.isRequired ? `is required while \`${fieldName}\` is optional`
      : new Set(info.hash.normalize).size !== info.hash.normalize.length ? 'lists a normalization twice'
      : info.hash.normalize.includes('identifier') && info.hash.normalize.length > 1 ? 'combines `identifier` with other normalizations (it is used alone)'
      : info.hash.unique && info.hash.bytes < HASH_BYTES.uniqueMin ? `is unique but keeps ${info.hash.bytes} bytes (at least ${HASH_BYTES.uniqueMin} for a unique index)`
      : undefined;
    if (problem !== undefined) {
      throw new FieldMapError('INVALID_OPTIONS', `${formatPath(hashPath)}: the blind index field \`${info.hash.field}\` ${problem}.`, { path: hashPath });
    }
    indexOwners.set(info.hash.field, fieldName);
    info.hash.normalize = canonicalNormalizations(info.hash.normalize);
  }
  checkScope(model, at, needField, indexOwners);
}

/** What the generator guarantees of a model's key scope (see `ModelScope`). */
function checkScope(
  model: ParsedModel,
  at: (...rest: (string | number)[]) => (string | number)[],
  needField: (name: string, path: (string | number)[]) => ParsedModel['fields'][string],
  indexOwners: ReadonlyMap<string, string>,
): void {
  const scope = model.scope;
  if (scope === undefined) return;
  const path = at('scope');
  const refuse = (problem: string) => {
    throw new FieldMapError('INVALID_OPTIONS', `${formatPath(path)}: ${problem}. Fix: regenerate the field map from the current schema.`, { path });
  };
  if (Object.keys(model.encrypted).length === 0) refuse('a model without encrypted fields has no key scope');
  if (scope.source === 'request') {
    if (model.fields[REQUEST_SCOPE] !== undefined) refuse(`the scope comes from the request but the model has a field named \`${REQUEST_SCOPE}\` (ambiguous)`);
    return;
  }
  const field = needField(scope.field, [...path, 'field']);
  const problem =
    field.dbName !== scope.dbName ? `the scope field \`${scope.field}\` is stored in column \`${field.dbName}\`, not \`${scope.dbName}\``
    : field.type !== scope.type ? `the scope field \`${scope.field}\` is of type ${field.type}, not ${scope.type}`
    : !field.isRequired ? `the scope field \`${scope.field}\` is optional; every row needs a scope`
    : model.encrypted[scope.field] !== undefined ? `the scope field \`${scope.field}\` is encrypted; the scope must be readable to find the key`
    : indexOwners.has(scope.field) ? `the scope field \`${scope.field}\` is the blind index of \`${indexOwners.get(scope.field) ?? ''}\``
    : undefined;
  if (problem !== undefined) refuse(problem);
}

/** Returns the normalizations in the order they are applied (see {@link NORMALIZATIONS}). */
export function canonicalNormalizations(steps: readonly Normalization[]): Normalization[] {
  return NORMALIZATIONS.filter((step) => steps.includes(step));
}

function formatPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the top level' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.');
}
