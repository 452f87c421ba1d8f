/**
 * Builders for hand-written field maps in tests, so a fixture reads as a list of fields rather
 * than of `{ name, dbName, type, isRequired }` records. Test-only (excluded from the build).
 */
import type { ScalarRef } from '../types';

export interface ScalarOptions {
  /** Default true. */
  readonly isRequired?: boolean;
  /** Left out of the ref when not given, as in a map written before the generator set it. */
  readonly isUnique?: boolean;
  /** The column; default the field name. */
  readonly dbName?: string;
}

/**
 * One scalar field: `scalar('phone', 'String', { isRequired: false, dbName: 'phone_number' })`.
 */
export function scalar(name: string, type = 'String', options: ScalarOptions = {}): ScalarRef {
  return {
    name,
    dbName: options.dbName ?? name,
    type,
    isRequired: options.isRequired ?? true,
    ...(options.isUnique === undefined ? {} : { isUnique: options.isUnique }),
  };
}

/** Refs keyed by field name, the shape of `ModelInfo.fields` and `ModelInfo.encrypted`. */
export function fieldsByName(...refs: ScalarRef[]): Record<string, ScalarRef> {
  return Object.fromEntries(refs.map((ref) => [ref.name, ref]));
}
