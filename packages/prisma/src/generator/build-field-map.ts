import type { DMMF } from '@prisma/generator-helper';
import { canonicalNormalizations } from '../field-map/validate';
import { FIELD_MAP_VERSION, HASH_BYTES, REQUEST_SCOPE, SCOPE_FIELD_TYPES } from '../field-map/types';
import type { BlindIndexOptions, EncryptedFieldInfo, FieldMap, ModelInfo, ModelScope, RelationInfo, ScalarRef, ScopeFieldType } from '../field-map/types';
import { parseAnnotation } from './annotation';
import type { EncryptedAnnotation } from './annotation';
import { EncryptedSchemaError } from './errors';
import type { SchemaProblem, SchemaProblemCode } from './errors';

type Model = DMMF.Model;
type Field = DMMF.Field;

/**
 * Builds the field map from the DMMF that Prisma hands to generators (`options.dmmf.datamodel`),
 * checking every `/// @encrypted` annotation against the schema. Pure: no I/O.
 *
 * Throws {@link EncryptedSchemaError} listing every problem found, each naming the model, the field,
 * what is wrong and the fix.
 *
 * @example
 * ```ts
 * const fieldMap = buildFieldMap(options.dmmf.datamodel, options.datasources[0]?.activeProvider ?? 'unknown');
 * fieldMap.models.User?.encrypted.email?.hash?.field; // 'emailHash'
 * ```
 */
export function buildFieldMap(datamodel: DMMF.Datamodel, provider: string): FieldMap {
  const problems: SchemaProblem[] = [];
  const models: Record<string, ModelInfo> = {};
  for (const model of datamodel.models) {
    models[model.name] = buildModelInfo(model, datamodel, problems);
  }
  if (problems.length > 0) throw new EncryptedSchemaError(problems);
  return { version: FIELD_MAP_VERSION, provider, models };
}

function buildModelInfo(model: Model, datamodel: DMMF.Datamodel, problems: SchemaProblem[]): ModelInfo {
  const report = (code: SchemaProblemCode, field: string | undefined, message: string, fix: string) =>
    problems.push({ code, model: model.name, ...(field === undefined ? {} : { field }), message, fix });

  const modelAnnotation = parseAnnotation(model.documentation);
  if (!modelAnnotation.ok || modelAnnotation.annotation !== null) {
    report('ANNOTATION_ON_MODEL', undefined, 'the model\'s documentation carries `@encrypted`; it applies to fields, not models.', 'Move `/// @encrypted` onto each String field to encrypt.');
  }

  const byName = new Map(model.fields.map((f) => [f.name, f]));
  const keys = describeKeys(model, datamodel);
  const fields: Record<string, ScalarRef> = {};
  const relations: Record<string, RelationInfo> = {};
  for (const field of model.fields) {
    if (field.kind === 'object') relations[field.name] = { model: field.type, isList: field.isList };
    else if (field.kind === 'scalar' || field.kind === 'enum') fields[field.name] = scalarRef(field, keys);
  }

  const annotations = new Map<string, EncryptedAnnotation>();
  for (const field of model.fields) {
    const parsed = parseAnnotation(field.documentation);
    if (!parsed.ok) {
      report(parsed.problem.code, field.name, parsed.problem.message, parsed.problem.fix);
      continue;
    }
    if (parsed.annotation === null) continue;
    if (checkEncryptable(field, keys, report)) annotations.set(field.name, parsed.annotation);
  }

  const encrypted: Record<string, EncryptedFieldInfo> = {};
  const indexOwners = new Map<string, string>();
  for (const [name, annotation] of annotations) {
    const field = byName.get(name);
    const ref = fields[name];
    if (field === undefined || ref === undefined) continue;
    if (annotation.hash === undefined) {
      encrypted[name] = ref;
      continue;
    }
    const hash = blindIndex(field, annotation.hash, annotation, { byName, annotations, indexOwners, keys, fields }, report);
    if (hash !== undefined) {
      indexOwners.set(hash.field, name);
      encrypted[name] = { ...ref, hash };
    }
  }

  const scope = modelScope(annotations, { byName, annotations, indexOwners, keys, fields }, report);
  return {
    dbName: model.dbName ?? model.name,
    primaryKey: keys.primaryKey.flatMap((name) => fields[name] ?? []),
    fields,
    encrypted,
    relations,
    uniques: keys.uniqueInputs,
    ...(scope === undefined ? {} : { scope }),
  };
}

/**
 * The model's key scope from the `scope:` options of its encrypted fields, which must all name the same
 * source (a model's values are under one scope's keys, so a row's fields can be shredded together).
 */
function modelScope(annotations: ReadonlyMap<string, EncryptedAnnotation>, model: ModelContext, report: Report): ModelScope | undefined {
  const entries = [...annotations];
  const scoped = entries.find(([, a]) => a.scope !== undefined);
  if (scoped === undefined) return undefined;
  const [firstField, { scope: name = '' }] = scoped;
  const disagreeing = entries.find(([, a]) => a.scope !== name);
  if (disagreeing !== undefined) {
    const [field, annotation] = disagreeing;
    report(
      'SCOPE_DISAGREES',
      field,
      annotation.scope === undefined
        ? `\`${firstField}\` is encrypted under \`scope: ${name}\` but \`${field}\` names no scope; every encrypted field of a model is under the same scope.`
        : `\`${firstField}\` names \`scope: ${name}\` but \`${field}\` names \`scope: ${annotation.scope}\`; every encrypted field of a model is under the same scope.`,
      `Write \`scope: ${name}\` in every \`@encrypted\` of the model (or in none).`,
    );
    return undefined;
  }
  if (name === REQUEST_SCOPE) {
    if (model.byName.has(REQUEST_SCOPE)) {
      report('SCOPE_REQUEST_AMBIGUOUS', firstField, `\`scope: ${REQUEST_SCOPE}\` means the request's scope, but the model also has a field named \`${REQUEST_SCOPE}\`.`, `Rename the field \`${REQUEST_SCOPE}\` (\`@map\` keeps its column) to scope by it, or to scope by the request.`);
      return undefined;
    }
    return { source: 'request' };
  }
  const target = model.byName.get(name);
  const fix = `Name a required String, Int or BigInt field that is neither encrypted nor a blind index, e.g. \`tenantId String\`, or write \`scope: ${REQUEST_SCOPE}\`.`;
  if (target === undefined) {
    report('SCOPE_FIELD_MISSING', firstField, `\`scope: ${name}\` names a field the model does not have.`, fix);
    return undefined;
  }
  if (target.kind !== 'scalar' || target.isList || !isScopeFieldType(target.type)) {
    report('SCOPE_FIELD_TYPE', firstField, `\`scope: ${name}\` names a field of type ${describeType(target)}; a scope is a String, Int or BigInt.`, fix);
    return undefined;
  }
  if (model.annotations.has(name)) {
    report('SCOPE_FIELD_ENCRYPTED', firstField, `\`scope: ${name}\` names a field that is itself @encrypted; the scope must be readable to choose the key.`, fix);
    return undefined;
  }
  const owner = model.indexOwners.get(name);
  if (owner !== undefined) {
    report('SCOPE_FIELD_IS_BLIND_INDEX', firstField, `\`scope: ${name}\` names the blind index of \`${owner}\`.`, fix);
    return undefined;
  }
  if (!target.isRequired) {
    report('SCOPE_FIELD_OPTIONAL', firstField, `\`scope: ${name}\` names an optional field; a row without a scope has no key to be encrypted under.`, `Make it required: \`${name} ${target.type}\`.`);
    return undefined;
  }
  return { source: 'field', field: name, dbName: model.fields[name]?.dbName ?? name, type: target.type };
}

function isScopeFieldType(type: string): type is ScopeFieldType {
  return (SCOPE_FIELD_TYPES as readonly string[]).includes(type);
}

/** The model's keys and indexes, as sets of field names. */
interface Keys {
  readonly primaryKey: readonly string[];
  /** `WhereUniqueInput` key -> fields. */
  readonly uniqueInputs: Record<string, string[]>;
  /** Fields unique on their own. */
  readonly uniqueAlone: ReadonlySet<string>;
  /** Fields in some unique constraint (alone or compound), primary key excluded. */
  readonly inUnique: ReadonlySet<string>;
  /** Fields in a non-unique `@@index` or `@@fulltext`. */
  readonly inIndex: ReadonlySet<string>;
  /** Fields that are foreign keys, or that a foreign key elsewhere references. */
  readonly inRelation: ReadonlySet<string>;
}

function describeKeys(model: Model, datamodel: DMMF.Datamodel): Keys {
  const primaryKey = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
  const uniqueInputs: Record<string, string[]> = {};
  const uniqueAlone = new Set<string>();
  const inUnique = new Set<string>();
  const addUnique = (fields: readonly string[], name: string | null | undefined) => {
    const [only] = fields;
    if (fields.length === 1 && only !== undefined) {
      uniqueInputs[only] = [only];
      uniqueAlone.add(only);
    } else if (fields.length > 1) {
      uniqueInputs[name ?? fields.join('_')] = [...fields];
    }
  };

  addUnique(primaryKey, model.primaryKey?.name);
  for (const field of model.fields) {
    if (field.isUnique) {
      addUnique([field.name], undefined);
      inUnique.add(field.name);
    }
  }
  for (const index of model.uniqueIndexes) {
    addUnique(index.fields, index.name);
    for (const f of index.fields) inUnique.add(f);
  }

  const inIndex = new Set<string>();
  for (const index of datamodel.indexes ?? []) {
    if (index.model !== model.name) continue;
    if (index.type === 'normal' || index.type === 'fulltext') for (const f of index.fields) inIndex.add(f.name);
    if (index.type === 'unique') for (const f of index.fields) inUnique.add(f.name);
  }

  const inRelation = new Set<string>();
  for (const field of model.fields) for (const f of field.relationFromFields ?? []) inRelation.add(f);
  for (const other of datamodel.models) {
    for (const field of other.fields) {
      if (field.kind === 'object' && field.type === model.name) for (const f of field.relationToFields ?? []) inRelation.add(f);
    }
  }
  return { primaryKey, uniqueInputs, uniqueAlone, inUnique, inIndex, inRelation };
}

function scalarRef(field: Field, keys: Keys): ScalarRef {
  return {
    name: field.name,
    dbName: field.dbName ?? field.name,
    type: field.type,
    isRequired: field.isRequired,
    isUnique: field.isId || keys.uniqueAlone.has(field.name),
  };
}

type Report = (code: SchemaProblemCode, field: string | undefined, message: string, fix: string) => void;

/** Reports why `field` cannot hold ciphertext; true when it can. */
function checkEncryptable(field: Field, keys: Keys, report: Report): boolean {
  if (!isStringScalar(field)) {
    report(
      'UNSUPPORTED_FIELD_TYPE',
      field.name,
      `\`@encrypted\` is on a field of type ${describeType(field)}; only String and String? fields can hold ciphertext.`,
      'Remove `@encrypted`, or store the value in a String field (e.g. serialized with JSON.stringify) and encrypt that.',
    );
    return false;
  }
  const before = { ok: true };
  const refuse: Report = (...args) => {
    before.ok = false;
    report(...args);
  };
  const blindIndexFix = `Remove it from the key or index, and make the field searchable through a blind index instead: \`/// @encrypted(hash: ${field.name}Hash)\` with \`${field.name}Hash String? @unique\`.`;
  if (field.hasDefaultValue) {
    refuse('ENCRYPTED_FIELD_DEFAULT', field.name, 'the field has a @default; a default is filled in by the database or the query engine, after encryption, so it would be stored in plaintext.', 'Remove the @default and set the value in application code.');
  }
  if (keys.primaryKey.includes(field.name)) {
    refuse('ENCRYPTED_FIELD_IN_PRIMARY_KEY', field.name, 'the field is part of the primary key; ciphertext is random, so the same value never encrypts to the same key.', `Use another field as the key. ${blindIndexFix}`);
  }
  if (keys.inUnique.has(field.name)) {
    refuse('ENCRYPTED_FIELD_UNIQUE', field.name, 'the field is in a @unique or @@unique; ciphertext is random, so equal values never collide and the constraint checks nothing.', blindIndexFix);
  }
  if (keys.inIndex.has(field.name)) {
    refuse('ENCRYPTED_FIELD_INDEXED', field.name, 'the field is in an @@index or @@fulltext; an index on random ciphertext cannot serve any lookup.', blindIndexFix);
  }
  if (keys.inRelation.has(field.name)) {
    refuse('ENCRYPTED_FIELD_IN_RELATION', field.name, 'the field is a foreign key or is referenced by one; ciphertext is random, so the two sides would never match.', 'Remove `@encrypted`, or relate the models through another field.');
  }
  return before.ok;
}

interface ModelContext {
  readonly byName: ReadonlyMap<string, Field>;
  readonly annotations: ReadonlyMap<string, EncryptedAnnotation>;
  readonly indexOwners: ReadonlyMap<string, string>;
  readonly keys: Keys;
  readonly fields: Readonly<Record<string, ScalarRef>>;
}

function blindIndex(field: Field, name: string, annotation: EncryptedAnnotation, model: ModelContext, report: Report): BlindIndexOptions | undefined {
  const target = model.byName.get(name);
  const declare = `\`${name} String? @unique\` (or without @unique when equal values may repeat)`;
  if (name === field.name) {
    report('HASH_FIELD_IS_SELF', field.name, `\`hash: ${name}\` names the encrypted field itself; the index must live in its own column.`, `Add \`${field.name}Hash String? @unique\` and write \`hash: ${field.name}Hash\`.`);
    return undefined;
  }
  if (target === undefined) {
    report('HASH_FIELD_MISSING', field.name, `\`hash: ${name}\` names a field the model does not have.`, `Add ${declare} to the model, or correct the name.`);
    return undefined;
  }
  if (!isStringScalar(target)) {
    report('HASH_FIELD_NOT_STRING', field.name, `\`hash: ${name}\` names a field of type ${describeType(target)}; the index is stored as a String.`, `Declare it as ${declare}.`);
    return undefined;
  }
  if (model.annotations.has(name)) {
    report('HASH_FIELD_ENCRYPTED', field.name, `\`hash: ${name}\` names a field that is itself @encrypted; the index must be stored as it is to be searchable.`, `Remove \`@encrypted\` from \`${name}\`, or give \`${field.name}\` its own index field.`);
    return undefined;
  }
  const owner = model.indexOwners.get(name);
  if (owner !== undefined) {
    report('HASH_FIELD_SHARED', field.name, `\`hash: ${name}\` is already the index of \`${owner}\`; one column cannot hold two indexes.`, `Add a separate field for \`${field.name}\`'s index, e.g. \`${field.name}Hash String?\`.`);
    return undefined;
  }
  if (target.isRequired && !field.isRequired) {
    report('HASH_FIELD_REQUIRED', field.name, `\`${name}\` is required but \`${field.name}\` is optional; a null value has no index to store.`, `Make it optional: \`${name} String?\`.`);
    return undefined;
  }
  const unique = target.isId || model.keys.uniqueAlone.has(name);
  const bytes = annotation.hashBytes ?? HASH_BYTES.default;
  if (unique && bytes < HASH_BYTES.uniqueMin) {
    report(
      'HASH_BYTES_TOO_SHORT_FOR_UNIQUE',
      field.name,
      `\`${name}\` is @unique but \`hashBytes: ${bytes}\` keeps too few bytes: two distinct values whose indexes collide could not both be stored.`,
      `Use \`hashBytes: ${HASH_BYTES.uniqueMin}\` or more for a unique index, or remove @unique from \`${name}\` (short indexes suit non-unique lookups).`,
    );
    return undefined;
  }
  return {
    field: name,
    dbName: model.fields[name]?.dbName ?? name,
    normalize: canonicalNormalizations(annotation.normalize ?? []),
    bytes,
    unique,
  };
}

function isStringScalar(field: Field): boolean {
  return field.kind === 'scalar' && field.type === 'String' && !field.isList;
}

function describeType(field: Field): string {
  if (field.kind === 'object') return `${field.type}${field.isList ? '[]' : ''} (a relation)`;
  const suffix = field.isList ? '[]' : field.isRequired ? '' : '?';
  return `${field.type}${suffix}${field.kind === 'enum' ? ' (an enum)' : ''}`;
}
