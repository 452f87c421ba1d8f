import { ANNOTATION_PROBLEM_CODES } from './annotation';

/** Everything the generator can refuse in a schema, by code. */
export const SCHEMA_PROBLEM_CODES = {
  ...ANNOTATION_PROBLEM_CODES,
  /** `@encrypted` in a model's documentation instead of a field's. */
  ANNOTATION_ON_MODEL: 'ANNOTATION_ON_MODEL',
  /** The annotated field is not `String`/`String?` (lists, Json, Bytes, Int, enums, relations...). */
  UNSUPPORTED_FIELD_TYPE: 'UNSUPPORTED_FIELD_TYPE',
  /** The annotated field has a `@default`: the database or the engine would store it in plaintext. */
  ENCRYPTED_FIELD_DEFAULT: 'ENCRYPTED_FIELD_DEFAULT',
  /** The annotated field is (part of) the primary key. */
  ENCRYPTED_FIELD_IN_PRIMARY_KEY: 'ENCRYPTED_FIELD_IN_PRIMARY_KEY',
  /** The annotated field is in a `@unique`/`@@unique`. */
  ENCRYPTED_FIELD_UNIQUE: 'ENCRYPTED_FIELD_UNIQUE',
  /** The annotated field is in an `@@index`/`@@fulltext`. */
  ENCRYPTED_FIELD_INDEXED: 'ENCRYPTED_FIELD_INDEXED',
  /** The annotated field is a foreign key or is referenced by one. */
  ENCRYPTED_FIELD_IN_RELATION: 'ENCRYPTED_FIELD_IN_RELATION',
  /** `hash:` names a field the model does not have. */
  HASH_FIELD_MISSING: 'HASH_FIELD_MISSING',
  /** `hash:` names a field that is not a `String`/`String?` scalar. */
  HASH_FIELD_NOT_STRING: 'HASH_FIELD_NOT_STRING',
  /** `hash:` names the encrypted field itself. */
  HASH_FIELD_IS_SELF: 'HASH_FIELD_IS_SELF',
  /** `hash:` names a field that is itself `@encrypted`. */
  HASH_FIELD_ENCRYPTED: 'HASH_FIELD_ENCRYPTED',
  /** Two encrypted fields name the same `hash:` field. */
  HASH_FIELD_SHARED: 'HASH_FIELD_SHARED',
  /** The index field is required but the encrypted field is optional: a null value has no index. */
  HASH_FIELD_REQUIRED: 'HASH_FIELD_REQUIRED',
  /** The index field is `@unique` but `hashBytes` is below 16: colliding distinct values would be rejected. */
  HASH_BYTES_TOO_SHORT_FOR_UNIQUE: 'HASH_BYTES_TOO_SHORT_FOR_UNIQUE',
  /** The encrypted fields of a model name different scopes, or some name one and others none. */
  SCOPE_DISAGREES: 'SCOPE_DISAGREES',
  /** `scope:` names a field the model does not have. */
  SCOPE_FIELD_MISSING: 'SCOPE_FIELD_MISSING',
  /** `scope:` names a field that is not a `String`, `Int` or `BigInt` scalar (a list, a relation, an enum...). */
  SCOPE_FIELD_TYPE: 'SCOPE_FIELD_TYPE',
  /** `scope:` names an optional field: a row without a scope could not be written under any scope's key. */
  SCOPE_FIELD_OPTIONAL: 'SCOPE_FIELD_OPTIONAL',
  /** `scope:` names a field that is itself `@encrypted`: the scope must be readable to choose the key. */
  SCOPE_FIELD_ENCRYPTED: 'SCOPE_FIELD_ENCRYPTED',
  /** `scope:` names the blind index field of an encrypted field. */
  SCOPE_FIELD_IS_BLIND_INDEX: 'SCOPE_FIELD_IS_BLIND_INDEX',
  /** `scope: request` on a model that has a field named `request`: which one was meant cannot be told. */
  SCOPE_REQUEST_AMBIGUOUS: 'SCOPE_REQUEST_AMBIGUOUS',
} as const;

export type SchemaProblemCode = keyof typeof SCHEMA_PROBLEM_CODES;

/** One thing wrong in the schema, located at a model and usually a field. */
export interface SchemaProblem {
  readonly code: SchemaProblemCode;
  readonly model: string;
  readonly field?: string;
  readonly message: string;
  readonly fix: string;
}

/**
 * The schema's `/// @encrypted` annotations cannot be honoured. Thrown by `buildFieldMap` with every
 * problem found (not just the first), so one `prisma generate` shows them all; the generator passes
 * the message to Prisma, which prints it and fails.
 *
 * @example
 * ```ts
 * try { buildFieldMap(dmmf.datamodel, 'postgresql') } catch (e) {
 *   if (e instanceof EncryptedSchemaError) for (const p of e.problems) console.error(p.code, p.model, p.field);
 * }
 * ```
 */
export class EncryptedSchemaError extends Error {
  override readonly name = 'EncryptedSchemaError';
  readonly code = 'INVALID_ENCRYPTED_SCHEMA' as const;
  readonly problems: readonly SchemaProblem[];

  constructor(problems: readonly SchemaProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

/** Type guard that also works across duplicate copies of this package. */
export function isEncryptedSchemaError(value: unknown): value is EncryptedSchemaError {
  return value instanceof EncryptedSchemaError || (value instanceof Error && value.name === 'EncryptedSchemaError' && 'problems' in value);
}

function formatProblems(problems: readonly SchemaProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((p) => {
    const where = p.field === undefined ? `model ${p.model}` : `${p.model}.${p.field}`;
    return `  - ${where}: ${p.message}\n    Fix: ${p.fix} [${p.code}]`;
  });
  return `prisma-kms-generator: ${count} with /// @encrypted annotations:\n${lines.join('\n')}`;
}
