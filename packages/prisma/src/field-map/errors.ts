/**
 * Why a field map was refused at start-up or a lookup failed. A field map is generated, so these
 * mean a hand-edited, stale or foreign map, or a model name the schema does not have.
 */
export const FIELD_MAP_ERROR_CODES = {
  /** The object does not have the shape of a field map (a missing or mistyped property). */
  INVALID_SHAPE: 'INVALID_SHAPE',
  /** `version` is not one this package reads: regenerate with the installed generator. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** A property names a model or field the map does not define (relation target, hash field, key). */
  DANGLING_REFERENCE: 'DANGLING_REFERENCE',
  /** Options that the generator would have refused (a non-String encrypted field, a bad hash). */
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  /** A lookup asked for a model the map does not have. */
  UNKNOWN_MODEL: 'UNKNOWN_MODEL',
} as const;

export type FieldMapErrorCode = keyof typeof FIELD_MAP_ERROR_CODES;

/**
 * A field map that cannot be trusted, or a lookup outside it. The message names the path in the
 * map and the fix; it never carries field values (a map holds none).
 *
 * @example
 * ```ts
 * try { buildScheme(untrusted) } catch (e) {
 *   if (isFieldMapError(e) && e.code === 'UNSUPPORTED_VERSION') regenerate();
 * }
 * ```
 */
export class FieldMapError extends Error {
  override readonly name = 'FieldMapError';
  readonly code: FieldMapErrorCode;
  /** Where in the map the problem is, e.g. `['models', 'User', 'encrypted', 'email']`. */
  readonly path: readonly (string | number)[];

  constructor(code: FieldMapErrorCode, message: string, options: { path?: readonly (string | number)[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path ?? [];
  }
}

/**
 * Type guard that also works across duplicate copies of this package.
 *
 * @example
 * ```ts
 * if (isFieldMapError(e)) console.error(e.code, e.message); // e.g. a stale map: regenerate it
 * ```
 */
export function isFieldMapError(value: unknown): value is FieldMapError {
  return value instanceof FieldMapError || (value instanceof Error && value.name === 'FieldMapError' && 'code' in value);
}
