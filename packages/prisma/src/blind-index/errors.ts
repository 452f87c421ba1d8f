/**
 * Errors of the blind-index query rewrite beyond the extension's general ones (`../errors`): both are
 * {@link PrismaKmsError}s with the extension's codes, so callers match on `code` as everywhere else.
 * Messages name model, field and operator; never a value or an index.
 */
import { PrismaKmsError, PrismaKmsErrorCode } from '../errors';

/**
 * A negation (`not`, `notIn`, `NOT`, `none`, `isNot`) on a field whose blind index is truncated. A
 * truncated index can match values that are not equal (a collision); for equality that only adds rows,
 * which are filtered out after decryption, but under a negation it silently drops rows that should
 * match, and nothing can bring them back. Code: `UNSUPPORTED_QUERY`.
 *
 * @example
 * ```ts
 * // with /// @encrypted(hash: emailHash, hashBytes: 8)
 * await prisma.user.findMany({ where: { email: { not: 'a@b.c' } } }); // throws TruncatedIndexNegationError
 * ```
 */
export class TruncatedIndexNegationError extends PrismaKmsError {
  /** The comparison that ended up negated: `not`, `notIn`, or `equals`/`in` under `NOT`, `none` or `isNot`. */
  readonly operator: string;

  constructor(model: string, field: string, operator: string) {
    super(
      PrismaKmsErrorCode.UNSUPPORTED_QUERY,
      `${model}.${field} has a truncated blind index: \`${operator}\` under a negation (not, notIn, NOT, none, isNot) could silently ` +
        `leave out rows whose index collides with the value. ` +
        `Use a full-length index (hashBytes: 32) for negated queries, or negate in application code after reading.`,
      { model, field },
    );
    this.operator = operator;
  }
}

/**
 * A write sets the column that holds a blind index. The extension computes it from the encrypted
 * field; a value written by hand would make the row unfindable. Code: `INVALID_FIELD_VALUE`.
 *
 * @example
 * ```ts
 * await prisma.user.update({ where: { id: 1 }, data: { emailHash: 'x' } }); // throws IndexFieldWriteError
 * ```
 */
export class IndexFieldWriteError extends PrismaKmsError {
  constructor(model: string, indexField: string, encryptedField: string) {
    super(
      PrismaKmsErrorCode.INVALID_FIELD_VALUE,
      `${model}.${indexField} is the blind index of ${model}.${encryptedField} and is written by the extension: set ${encryptedField} instead.`,
      { model, field: indexField },
    );
  }
}

/**
 * A value comparison on a truncated blind index where the extension cannot remove false positives:
 * inside a relation filter, the `where` of an `include`/`select` relation or of a relation count, or
 * a nested write's filter (`updateMany`, `deleteMany`, to-one `update`/`delete`). There, a row whose
 * value only collides with the one asked for would be returned, counted, updated or deleted. Top-level
 * `where`s and unique lookups are checked after decryption instead. Code: `UNSUPPORTED_QUERY`.
 *
 * @example
 * ```ts
 * // Profile.ssn has hashBytes: 2
 * await prisma.user.findMany({ where: { profile: { ssn: '078-05-1120' } } }); // throws TruncatedIndexPositionError
 * await prisma.profile.findMany({ where: { ssn: '078-05-1120' }, include: { user: true } }); // works
 * ```
 */
export class TruncatedIndexPositionError extends PrismaKmsError {
  constructor(model: string, field: string) {
    super(
      PrismaKmsErrorCode.UNSUPPORTED_QUERY,
      `${model}.${field} has a truncated blind index, whose matches may include rows of other values; they can be removed only from ` +
        `the top-level where of a query on ${model} or a unique lookup, not inside a relation filter, an include/select where or a nested write. ` +
        `Query ${model} directly, or use a full-length index (hashBytes: 32).`,
      { model, field },
    );
  }
}

/** The blind-index version no key has: an index that matches nothing, for a unique lookup that found no row. */
export const NO_MATCH_INDEX = 'v0$';
