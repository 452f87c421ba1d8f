/**
 * The field map: what `prisma-kms-generator` emits at `prisma generate` time and what the query
 * extension and the CLI read at start-up. It is plain data (JSON-compatible) so it can also be read
 * by non-JS tooling from `field-map.json`. Every property is `readonly` so that the generated,
 * literal-typed `fieldMap` (readonly tuples) is assignable to these types.
 *
 * @example
 * ```ts
 * import { fieldMap } from './prisma/generated/field-map/index.js';
 * import type { FieldMap } from '@prisma-kms/prisma';
 * const map: FieldMap = fieldMap;
 * map.models.User?.encrypted.email?.hash?.field; // 'emailHash'
 * ```
 */
export interface FieldMap {
  /** Format version of this map. Bumped only for changes old readers cannot ignore. */
  readonly version: typeof FIELD_MAP_VERSION;
  /** The datasource's active provider: `sqlite`, `postgresql`, `mysql`, ... */
  readonly provider: string;
  /** Every model of the schema, by Prisma model name, including those without encrypted fields. */
  readonly models: Readonly<Record<string, ModelInfo>>;
}

/** One model of the schema, as far as encryption, raw SQL and the query walker need it. */
export interface ModelInfo {
  /** Table name (`@@map` honoured). */
  readonly dbName: string;
  /** The `@id` field or the `@@id` fields, in key order; `[]` when the model has none. */
  readonly primaryKey: readonly ScalarRef[];
  /** Every scalar (and enum) field, by Prisma field name, with its column name. */
  readonly fields: Readonly<Record<string, ScalarRef>>;
  /** The encrypted fields, by Prisma field name. */
  readonly encrypted: Readonly<Record<string, EncryptedFieldInfo>>;
  /** Relation fields, by Prisma field name: the model they lead to and whether they are lists. */
  readonly relations: Readonly<Record<string, RelationInfo>>;
  /**
   * Every key of the model's `WhereUniqueInput` and the fields behind it: the single-field `@id`
   * and `@unique` fields (`{ email: ['email'] }`) and the compound `@@id`/`@@unique` inputs under
   * their Prisma name (`{ tenant_seq: ['tenant', 'seq'] }`, or the `name:` given in the schema).
   */
  readonly uniques: Readonly<Record<string, readonly string[]>>;
  /**
   * Where the key scope of the model's encrypted values comes from, when the schema scopes them
   * (`/// @encrypted(scope: tenantId)` or `(scope: request)`); absent for models whose values are
   * encrypted under the application's key (the empty scope).
   */
  readonly scope?: ModelScope;
}

/**
 * The source of a model's key scope: the row's own scalar field (`String`, `Int` or `BigInt`,
 * required, neither encrypted nor a blind index; an integer becomes its decimal string), or the
 * request (`prisma.$forScope(id)` or the `scope` resolver of `fieldEncryption`).
 */
export type ModelScope =
  | { readonly source: 'field'; readonly field: string; readonly dbName: string; readonly type: ScopeFieldType }
  | { readonly source: 'request' };

/** The scalar types a scope field may have. */
export const SCOPE_FIELD_TYPES = ['String', 'Int', 'BigInt'] as const;
export type ScopeFieldType = (typeof SCOPE_FIELD_TYPES)[number];

/** The word of `/// @encrypted(scope: request)`: the scope comes from the request, not from a field. */
export const REQUEST_SCOPE = 'request';

/** A scalar column. */
export interface ScalarRef {
  /** Prisma field name. */
  readonly name: string;
  /** Column name (`@map` honoured). */
  readonly dbName: string;
  /** Prisma scalar type (`String`, `Int`, `DateTime`, ...) or the enum's name. */
  readonly type: string;
  readonly isRequired: boolean;
  /** True when the field alone is unique (`@unique`, `@id`, or a one-field `@@unique`). */
  readonly isUnique?: boolean;
}

/** An encrypted field: always a `String`/`String?` column holding one Encryption SDK message. */
export interface EncryptedFieldInfo extends ScalarRef {
  /** The blind index that makes this field searchable by equality, when the schema asks for one. */
  readonly hash?: BlindIndexOptions;
}

/** Where and how the blind index (keyed HMAC) of an encrypted field is kept. */
export interface BlindIndexOptions {
  /** Prisma name of the `String` field that holds the index. */
  readonly field: string;
  /** Column name of that field. */
  readonly dbName: string;
  /**
   * Normalizations applied to the plaintext before hashing, always in the canonical order of
   * {@link NORMALIZATIONS} whatever the order written in the schema (so reordering the annotation
   * cannot silently change every hash).
   */
  readonly normalize: readonly Normalization[];
  /** Length of the stored index in bytes, from {@link HASH_BYTES}.min (`uniqueMin` when `unique`) to .max; shorter leaks less. */
  readonly bytes: number;
  /** True when the index column alone is unique, so `findUnique` can go through it. */
  readonly unique: boolean;
}

export interface RelationInfo {
  /** Prisma name of the model at the other end. */
  readonly model: string;
  readonly isList: boolean;
}

/** A normalization step applied before a value is hashed into its blind index. */
export type Normalization = (typeof NORMALIZATIONS)[number];

/**
 * The known normalizations, in the order they are applied: NFKC first (it can turn compatibility
 * characters into spaces or ASCII), then stripping diacritics, lowercasing, and trimming last so
 * that spaces produced by the earlier steps are trimmed too. `identifier` (for emails and user names)
 * stands alone: ASCII case folding only, and refusal of values that NFKC or case folding would change.
 * Must match `NORMALIZATION_STEPS` of `@prisma-kms/field-crypto`.
 */
export const NORMALIZATIONS = ['nfkc', 'diacritics', 'lowercase', 'trim', 'identifier'] as const;

/**
 * Blind index length bounds in bytes. 32 is a full HMAC-SHA-256. A non-unique index may keep as little
 * as one byte: short indexes make many values share each index (k-anonymity), and the extension filters
 * the false positives out after decryption. An index column that is `@unique` needs at least
 * `uniqueMin` bytes, because there a collision makes the database reject a distinct value: at 16 bytes
 * (128 bits) that takes about 2^64 values.
 */
export const HASH_BYTES = { min: 1, uniqueMin: 16, max: 32, default: 32 } as const;

/** The only field map version this package reads and writes. */
export const FIELD_MAP_VERSION = 1;
