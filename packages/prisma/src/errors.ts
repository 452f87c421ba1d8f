/**
 * The errors the query extension throws itself. Crypto failures (a tampered value, a value copied from
 * another column, KMS refusing) are field-crypto's typed errors and pass through unchanged.
 * Messages name the model, the field and what is wrong; they never carry a field's value.
 */

/** Every code the extension uses. Codes are public API: match on them, not on messages. */
export const PrismaKmsErrorCode = {
  /** A query asks the database to compare, sort, group or aggregate an encrypted column. */
  UNSUPPORTED_QUERY: 'PRISMA_KMS_UNSUPPORTED_QUERY',
  /** A value written to an encrypted field is not a string (a number, a Date, an object...). */
  INVALID_FIELD_VALUE: 'PRISMA_KMS_INVALID_FIELD_VALUE',
  /** `strict` mode read a value that is still plaintext (a table not yet migrated). */
  PLAINTEXT_VALUE: 'PRISMA_KMS_PLAINTEXT_VALUE',
  /** The options given to `fieldEncryption` are invalid. */
  INVALID_CONFIGURATION: 'PRISMA_KMS_INVALID_CONFIGURATION',
  /** A query writes or compares a field with a blind index, and the extension was given no `blindIndexer`. */
  MISSING_BLIND_INDEXER: 'PRISMA_KMS_MISSING_BLIND_INDEXER',
  /** The arguments hold a node Prisma's grammar reads two ways (a field named `data`, `is`...), or a result the fluent API returns is. */
  AMBIGUOUS_QUERY: 'PRISMA_KMS_AMBIGUOUS_QUERY',
  /** The arguments hold a `__proto__`, `constructor` or `prototype` key (often from `JSON.parse` of a request body). */
  FORBIDDEN_KEY: 'PRISMA_KMS_FORBIDDEN_KEY',
  /** A write (or a blind-index comparison) on a scoped model whose key scope cannot be determined. */
  SCOPE_REQUIRED: 'PRISMA_KMS_SCOPE_REQUIRED',
  /** The data, the where and the request name different key scopes for one write or comparison. */
  SCOPE_MISMATCH: 'PRISMA_KMS_SCOPE_MISMATCH',
  /** A key scope that is not a non-empty string of at most 255 characters without control characters. */
  INVALID_SCOPE: 'PRISMA_KMS_INVALID_SCOPE',
} as const;

export type PrismaKmsErrorCode = (typeof PrismaKmsErrorCode)[keyof typeof PrismaKmsErrorCode];

/**
 * Base class of the extension's own errors.
 *
 * @example
 * ```ts
 * try {
 *   await prisma.user.findMany({ where: { email: { contains: '@' } } });
 * } catch (e) {
 *   if (isPrismaKmsError(e) && e.code === PrismaKmsErrorCode.UNSUPPORTED_QUERY) console.log(e.model, e.field, e.operator);
 * }
 * ```
 */
export class PrismaKmsError extends Error {
  readonly code: PrismaKmsErrorCode;
  /** Prisma model name, when the error is about one. */
  readonly model: string | undefined;
  /** Prisma field name, when the error is about one. */
  readonly field: string | undefined;

  constructor(code: PrismaKmsErrorCode, message: string, location: { model?: string; field?: string; cause?: unknown } = {}) {
    super(message, location.cause === undefined ? undefined : { cause: location.cause });
    this.name = new.target.name;
    this.code = code;
    this.model = location.model;
    this.field = location.field;
  }
}

/**
 * The query cannot work on ciphertext: a filter, sort, cursor, distinct, group or aggregate on an
 * encrypted field. Thrown before anything reaches the database.
 *
 * @example
 * ```ts
 * await prisma.user.findMany({ orderBy: { name: 'asc' } }); // throws: User.name is encrypted (operator 'orderBy')
 * ```
 */
export class UnsupportedQueryError extends PrismaKmsError {
  /** What was asked of the field: a filter operator (`equals`, `contains`, ...), `orderBy`, `cursor`, `_max`, `increment`... */
  readonly operator: string;

  constructor(model: string, field: string, operator: string) {
    super(
      PrismaKmsErrorCode.UNSUPPORTED_QUERY,
      `${model}.${field} is encrypted: \`${operator}\` cannot be computed by the database on ciphertext. ` +
        `Filter, sort or aggregate on another field, or do it in application code after reading.`,
      { model, field },
    );
    this.operator = operator;
  }
}

/**
 * A value given for an encrypted field is not a string (encrypted fields are `String`/`String?`).
 *
 * @example
 * ```ts
 * await prisma.user.update({ where: { id: 1 }, data: { name: { set: 42 as never } } }); // throws, received 'number'
 * ```
 */
export class InvalidFieldValueError extends PrismaKmsError {
  /** The JavaScript type that was received (`number`, `Date`, `object`...), never the value. */
  readonly received: string;

  constructor(model: string, field: string, received: string) {
    super(
      PrismaKmsErrorCode.INVALID_FIELD_VALUE,
      `${model}.${field} is encrypted and takes a string or null, but received a value of type ${received}. Nothing was written.`,
      { model, field },
    );
    this.received = received;
  }
}

/**
 * `strict` mode found a plaintext value in an encrypted column. Run `prisma-kms encrypt` to finish
 * the migration, or use the default `lenient` mode while it runs.
 *
 * @example
 * ```ts
 * const strict = prisma.$extends(fieldEncryption({ fields: fieldMap, cipher, mode: 'strict' }));
 * await strict.user.findMany(); // throws PlaintextValueError if a row's name is still plaintext
 * ```
 */
export class PlaintextValueError extends PrismaKmsError {
  constructor(model: string, field: string) {
    super(
      PrismaKmsErrorCode.PLAINTEXT_VALUE,
      `${model}.${field} holds a value that is not encrypted (strict mode). Run \`prisma-kms encrypt\` to encrypt the remaining rows, ` +
        `or use mode 'lenient' while the migration runs.`,
      { model, field },
    );
  }
}

/**
 * `fieldEncryption(...)` was given options it cannot work with. Thrown when the extension is
 * created, before any query.
 *
 * @example
 * ```ts
 * fieldEncryption({ fields: fieldMap, cipher, mode: 'lax' as never }); // throws: mode must be 'lenient' or 'strict'
 * ```
 */
export class InvalidConfigurationError extends PrismaKmsError {
  constructor(message: string, cause?: unknown) {
    super(PrismaKmsErrorCode.INVALID_CONFIGURATION, message, cause === undefined ? {} : { cause });
  }
}

/**
 * A query writes a field that has a blind index (`/// @encrypted(hash: ...)`), or compares it with a
 * value, but `fieldEncryption` was given no `blindIndexer`. Writing would leave the index column empty
 * (the row could never be found by that field) and a lookup could not be computed, so both are refused
 * before anything is sent. Queries that do not touch such a field, and null checks, work as before.
 *
 * @example
 * ```ts
 * const prisma = client.$extends(fieldEncryption({ fields: fieldMap, cipher })); // no blindIndexer
 * await prisma.user.findUnique({ where: { email: 'ada@example.com' } }); // throws BlindIndexerMissingError
 * ```
 */
export class BlindIndexerMissingError extends PrismaKmsError {
  constructor(model: string, field: string) {
    super(
      PrismaKmsErrorCode.MISSING_BLIND_INDEXER,
      `${model}.${field} has a blind index, and fieldEncryption was given no blindIndexer to compute it. ` +
        `Pass blindIndexer: createBlindIndexer(await loadIndexKeys(keyring, messages)) (see docs/blind-indexes.md).`,
      { model, field },
    );
  }
}

/**
 * A node of the arguments fits two readings of Prisma's grammar, and the walker cannot know which one
 * Prisma will take: a to-one nested `update` that is both `{ where?, data }` and update data of a model
 * with a field named `data`, a to-one relation filter that is both `{ is, isNot }` and a where of a model
 * with a field named `is`, or a fluent call's result that is both the parent row and the related row.
 * Walking one reading while Prisma takes the other could store a plaintext, so it is refused.
 *
 * @example
 * ```ts
 * // Settings has a field named `data`:
 * await prisma.account.update({ where: { id }, data: { settings: { update: { data: { set: 'x' } } } } }); // throws
 * await prisma.account.update({ where: { id }, data: { settings: { update: { data: { data: 'x' } } } } }); // fine: the envelope
 * ```
 */
export class AmbiguousQueryError extends PrismaKmsError {
  /** Where the node sits: `update`, `relation filter`, `fluent result`. */
  readonly position: string;

  constructor(model: string, position: string, readings: readonly [string, string]) {
    super(
      PrismaKmsErrorCode.AMBIGUOUS_QUERY,
      `A ${position} on ${model} can be read as ${readings[0]} or as ${readings[1]}, because ${model} has fields named like ` +
        `Prisma's own keys. ${position === 'fluent result' ? 'The result is not returned: select fields explicitly.' : 'Nothing was sent: write the explicit envelope or wrapper.'}`,
      { model },
    );
    this.position = position;
  }
}

/**
 * The arguments hold a `__proto__`, `constructor` or `prototype` key. An own `__proto__` key (what
 * `JSON.parse` makes of a request body) would give a copy of the arguments a prototype whose fields
 * Prisma reads but no walker sees; no Prisma input uses these keys, so they are refused anywhere.
 *
 * @example
 * ```ts
 * await prisma.user.create(JSON.parse('{"data":{"__proto__":{"name":"x"},"email":"a@b.c"}}')); // throws, path ['data', '__proto__']
 * ```
 */
export class ForbiddenKeyError extends PrismaKmsError {
  /** Where the key sits in the arguments (keys and indexes, never a value). */
  readonly path: readonly (string | number)[];

  constructor(model: string, path: readonly (string | number)[]) {
    super(
      PrismaKmsErrorCode.FORBIDDEN_KEY,
      `The arguments of a query on ${model} hold the key \`${String(path[path.length - 1])}\` at ${path.join('.')}: ` +
        `__proto__, constructor and prototype are refused anywhere in query arguments. Nothing was sent.`,
      { model },
    );
    this.path = path;
  }
}

/**
 * A write to a scoped model (`/// @encrypted(scope: ...)`), or a blind-index comparison on one, whose key
 * scope cannot be determined: the data does not set the scope field, the where does not pin it and no
 * request scope is set (`prisma.$forScope(id)` or the `scope` resolver). Nothing is written: a value is
 * never encrypted under a wrong or default key.
 *
 * @example
 * ```ts
 * await prisma.tenantMember.create({ data: { name: 'Ada' } }); // throws: TenantMember.name needs a scope from tenantId
 * await prisma.tenantMember.create({ data: { tenantId: 'acme', name: 'Ada' } }); // encrypted under acme's key
 * ```
 */
export class ScopeRequiredError extends PrismaKmsError {
  /** The field that sets the scope, or `request` for a model scoped by the request. */
  readonly scopeField: string;

  constructor(model: string, field: string, scopeField: string) {
    const from = scopeField === 'request' ? 'the request' : `\`${scopeField}\``;
    const fix = scopeField === 'request'
      ? 'Run the query through `prisma.$forScope(id)` or set the `scope` resolver of fieldEncryption.'
      : `Set \`${scopeField}\` in the data, pin it in the where (\`${scopeField}: id\`), or run the query through \`prisma.$forScope(id)\` (a create must set it in the data).`;
    super(PrismaKmsErrorCode.SCOPE_REQUIRED, `${model}.${field} is encrypted under the key of a scope taken from ${from}, and this query does not determine it. ${fix} Nothing was written.`, { model, field });
    this.scopeField = scopeField;
  }
}

/**
 * The sources of one write's key scope disagree: the data sets the scope field to one scope while the
 * where pins another, or the request's scope (`$forScope`) is another. The scopes themselves are not in
 * the message (they may be user ids); `sources` names where they came from.
 *
 * @example
 * ```ts
 * await prisma.$forScope('acme').tenantMember.create({ data: { tenantId: 'globex', name: 'Ada' } }); // throws
 * ```
 */
export class ScopeMismatchError extends PrismaKmsError {
  /** The field that sets the scope, or `request`. */
  readonly scopeField: string;
  /** The two sources that disagree, e.g. `['data', 'request']`. */
  readonly sources: readonly [string, string];

  constructor(model: string, field: string, scopeField: string, sources: readonly [string, string]) {
    super(
      PrismaKmsErrorCode.SCOPE_MISMATCH,
      `${model}.${field}: the ${sources[0]} and the ${sources[1]} name different key scopes for \`${scopeField}\`; a value is written under one scope's key. Make them agree. Nothing was written.`,
      { model, field },
    );
    this.scopeField = scopeField;
    this.sources = sources;
  }
}

/**
 * A key scope that cannot name a key: empty (the application's own key is not a scope a row or a request
 * can choose), longer than 255 characters, with a control character, or of a type other than a string,
 * an integer or a bigint. `where` says where it came from (`$forScope`, `the scope resolver`, a field).
 *
 * @example
 * ```ts
 * prisma.$forScope(''); // throws InvalidScopeError
 * ```
 */
export class InvalidScopeError extends PrismaKmsError {
  constructor(source: string, problem: string, location: { model?: string; field?: string } = {}) {
    super(PrismaKmsErrorCode.INVALID_SCOPE, `The key scope from ${source} ${problem}; a scope is a non-empty string of at most 255 characters without control characters (or an integer).`, location);
  }
}

/**
 * Type guard that also works across duplicate copies of this package (it falls back to the `code`).
 *
 * @example
 * ```ts
 * if (isPrismaKmsError(e)) console.error(e.code, e.model, e.field);
 * ```
 */
export function isPrismaKmsError(value: unknown): value is PrismaKmsError {
  if (value instanceof PrismaKmsError) return true;
  const code: unknown = value instanceof Error ? (value as Error & { code?: unknown }).code : undefined;
  return (Object.values(PrismaKmsErrorCode) as unknown[]).includes(code);
}
