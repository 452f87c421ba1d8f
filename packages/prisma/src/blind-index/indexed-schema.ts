/**
 * The part of the schema the blind-index rewrite reads. The field map's `EncryptionScheme`
 * (`buildScheme`), which the extension builds once, has this shape; so can a test's hand-made schema.
 */
import type { BlindIndexOptions, EncryptedFieldInfo, RelationInfo } from '../field-map/types';
import { HASH_BYTES } from '../field-map/types';

export interface IndexedModel {
  readonly name: string;
  /** Encrypted fields by Prisma name; `hash` set when the field has a blind index. */
  readonly encrypted: ReadonlyMap<string, EncryptedFieldInfo>;
  /** Relation fields by Prisma name. */
  readonly relations: ReadonlyMap<string, RelationInfo>;
}

export interface IndexedSchema {
  model(name: string): IndexedModel;
}

/** True when the index keeps fewer bytes than a full HMAC-SHA-256, so unequal values may share it. */
export function isTruncated(hash: BlindIndexOptions): boolean {
  return hash.bytes < HASH_BYTES.max;
}

/** A `where` (or `data`) node: a plain object. */
export type Where = Record<string, unknown>;
