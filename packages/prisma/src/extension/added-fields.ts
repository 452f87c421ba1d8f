/**
 * Fields the extension must read that the caller's top-level `select` or `omit` leaves out (the
 * look-alike check of lossy-lookups.ts, the row scope check of row-scope-field.ts): selected, or taken
 * out of the `omit`, in the query sent, and deleted from the returned rows afterwards, so that the
 * caller gets the shape it asked for.
 */
import { isPlainObject } from '../walker';

/**
 * `args` with each of `fields` read: added to a `select` that leaves it out, or taken out of an `omit`
 * that names it; `added` lists the fields changed (empty when the selection already reads them all).
 *
 * @example
 * ```ts
 * withFieldsRead({ select: { name: true } }, ['email']);
 * // { args: { select: { name: true, email: true } }, added: ['email'] }
 * ```
 */
export function withFieldsRead(args: Record<string, unknown>, fields: readonly string[]): { args: Record<string, unknown>; added: string[] } {
  const added: string[] = [];
  const out = { ...args };
  if (isPlainObject(args['select'])) {
    const select = { ...args['select'] };
    for (const field of fields) {
      if (select[field] === true) continue;
      select[field] = true;
      added.push(field);
    }
    out['select'] = select;
  } else if (isPlainObject(args['omit'])) {
    const omit = { ...args['omit'] };
    for (const field of fields) {
      if (omit[field] !== true) continue;
      delete omit[field];
      added.push(field);
    }
    out['omit'] = omit;
  }
  return { args: out, added };
}

/** Deletes the fields {@link withFieldsRead} added from the returned row or rows. */
export function stripAddedFields(result: unknown, added: readonly string[]): void {
  for (const row of Array.isArray(result) ? result : [result]) if (isPlainObject(row)) for (const field of added) delete row[field];
}
