import { FieldMapError } from './errors';
import type { BlindIndexOptions, EncryptedFieldInfo, FieldMap, ModelInfo, ModelScope, RelationInfo } from './types';
import { parseFieldMap } from './validate';

/**
 * The validated, indexed form of a field map that the query extension's hot path trusts without
 * re-checking: sets and maps instead of records, blind-index pairs in both directions, and which
 * models can lead to encrypted data at all (so a walker can skip whole subtrees). The map and the
 * scheme objects are frozen; the collections are typed read-only.
 */
export interface EncryptionScheme {
  readonly provider: string;
  /** The validated map this scheme was built from. */
  readonly fieldMap: FieldMap;
  /** Every model, by Prisma model name. */
  readonly models: ReadonlyMap<string, ModelScheme>;
  /** The model's scheme; throws {@link FieldMapError} `UNKNOWN_MODEL` for a name the schema lacks. */
  model(name: string): ModelScheme;
}

export interface ModelScheme {
  /** Prisma model name. */
  readonly name: string;
  /** Table name. */
  readonly dbName: string;
  /** The model's entry in the field map, for everything not indexed here (primary key, uniques). */
  readonly info: ModelInfo;
  /** Names of the encrypted fields. */
  readonly encryptedFields: ReadonlySet<string>;
  /** The encrypted fields, by name. */
  readonly encrypted: ReadonlyMap<string, EncryptedFieldInfo>;
  /** Blind indexes, by the name of the encrypted field they index. */
  readonly blindIndexes: ReadonlyMap<string, BlindIndexScheme>;
  /** The other direction: by the name of the field holding the index. */
  readonly blindIndexesByIndexField: ReadonlyMap<string, BlindIndexScheme>;
  /** Relation fields, by name. */
  readonly relations: ReadonlyMap<string, RelationInfo>;
  /** Where the key scope of this model's values comes from; undefined for the application's key. */
  readonly scope: ModelScope | undefined;
  /** True when this model has at least one encrypted field. */
  readonly hasEncryptedFields: boolean;
  /**
   * True when this model, or any model reachable from it through relations, has encrypted fields.
   * When false, neither the arguments nor the results below this model need walking.
   */
  readonly reachesEncryptedFields: boolean;
  /**
   * True when this model, or any model reachable from it through relations, is unscoped and has a blind
   * index: an operation on it may need the application's blind indexer (loaded on demand, see
   * `fieldEncryption({ blindIndexer })`).
   */
  readonly reachesApplicationIndexes: boolean;
}

/** A blind index with both ends of the pair named. */
export interface BlindIndexScheme extends BlindIndexOptions {
  /** The encrypted field whose plaintext is hashed. */
  readonly encryptedField: string;
}

/**
 * Validates a field map (see {@link parseFieldMap}) and indexes it for the query extension. Call it
 * once when the extension is created; an invalid map throws {@link FieldMapError} there, not on the
 * first query.
 *
 * @example
 * ```ts
 * import { fieldMap } from './prisma/generated/field-map/index.js';
 * const scheme = buildScheme(fieldMap);
 * scheme.model('User').encryptedFields.has('email');       // true
 * scheme.model('User').blindIndexes.get('email')?.field;   // 'emailHash'
 * ```
 */
export function buildScheme(fieldMap: unknown): EncryptionScheme {
  const map = parseFieldMap(fieldMap);
  const reaching = modelsReaching(map, (info) => Object.keys(info.encrypted).length > 0);
  const reachingIndexes = modelsReaching(map, (info) => info.scope === undefined && Object.values(info.encrypted).some((field) => field.hash !== undefined));
  const models = new Map<string, ModelScheme>();
  for (const [name, info] of Object.entries(map.models)) {
    const encrypted = new Map(Object.entries(info.encrypted));
    const blindIndexes = new Map<string, BlindIndexScheme>();
    const byIndexField = new Map<string, BlindIndexScheme>();
    for (const [fieldName, field] of encrypted) {
      if (field.hash === undefined) continue;
      const index: BlindIndexScheme = Object.freeze({ ...field.hash, encryptedField: fieldName });
      blindIndexes.set(fieldName, index);
      byIndexField.set(field.hash.field, index);
    }
    models.set(
      name,
      Object.freeze({
        name,
        dbName: info.dbName,
        info,
        encryptedFields: new Set(encrypted.keys()),
        encrypted,
        blindIndexes,
        blindIndexesByIndexField: byIndexField,
        relations: new Map(Object.entries(info.relations)),
        scope: info.scope,
        hasEncryptedFields: encrypted.size > 0,
        reachesEncryptedFields: reaching.has(name),
        reachesApplicationIndexes: reachingIndexes.has(name),
      }),
    );
  }
  deepFreeze(map);
  return Object.freeze({
    provider: map.provider,
    fieldMap: map,
    models,
    model(name: string): ModelScheme {
      const model = models.get(name);
      if (model === undefined) {
        throw new FieldMapError('UNKNOWN_MODEL', `The field map has no model \`${name}\`. Fix: regenerate the field map from the schema this client was generated from.`, { path: ['models', name] });
      }
      return model;
    },
  });
}

/** Models from which some path of relations (possibly empty) leads to a model that is `wanted`. */
function modelsReaching(map: FieldMap, wanted: (info: FieldMap['models'][string]) => boolean): Set<string> {
  // Walk the relation graph backwards from the wanted models.
  const incoming = new Map<string, string[]>();
  for (const [name, info] of Object.entries(map.models)) {
    for (const relation of Object.values(info.relations)) {
      const sources = incoming.get(relation.model) ?? [];
      sources.push(name);
      incoming.set(relation.model, sources);
    }
  }
  const reached = new Set(Object.entries(map.models).filter(([, info]) => wanted(info)).map(([name]) => name));
  const queue = [...reached];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const source of incoming.get(next) ?? []) {
      if (!reached.has(source)) {
        reached.add(source);
        queue.push(source);
      }
    }
  }
  return reached;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
