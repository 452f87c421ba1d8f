/**
 * The blind indexes a write must store: for every encrypted field with an index that the write sets,
 * the index of its new plaintext (or null). Computed from the plaintext, so the extension calls it
 * before encrypting `data`.
 */
import { InvalidFieldValueError } from '../errors';
import { writtenValue } from '../walker/query-grammar';
import { IndexFieldWriteError } from './errors';
import type { IndexedSchema, Where } from './indexed-schema';
import type { QueryIndexer } from './query-indexer';
import { typeOf } from './where-rewrite';

/**
 * Returns the index-column values to add to one `data` object of `model` (a `create`, `update`,
 * `upsert` create/update, `createMany` item or nested write): `{ emailHash: 'v1$...' }` when `email`
 * is set to a string, `{ emailHash: null }` when it is set to null, nothing for fields the write leaves
 * alone. Accepts the update form `{ email: { set: value } }`. Throws `IndexFieldWriteError` when `data`
 * sets an index column itself, `InvalidFieldValueError` when a value is not a string or null.
 *
 * @example
 * ```ts
 * const data = { email: 'a@b.c', name: 'Ann' };
 * const withIndexes = { ...data, ...hashesForWrite(scheme, 'User', data, indexer) }; // then encrypt
 * ```
 */
export function hashesForWrite(schema: IndexedSchema, model: string, data: Where, indexer: QueryIndexer): Record<string, string | null> {
  const modelView = schema.model(model);
  const indexes: Record<string, string | null> = {};
  for (const [field, info] of modelView.encrypted) {
    const hash = info.hash;
    if (hash === undefined) continue;
    if (Object.hasOwn(data, hash.field) && data[hash.field] !== undefined) throw new IndexFieldWriteError(model, hash.field, field);
    const value = writtenValue(data[field]);
    if (value === undefined) continue;
    if (value === null) indexes[hash.field] = null;
    else if (typeof value === 'string') indexes[hash.field] = indexer.compute({ model, field }, value, hash);
    else throw new InvalidFieldValueError(model, field, typeOf(value));
  }
  return indexes;
}
