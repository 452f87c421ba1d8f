/**
 * A digest of the configuration that decides what a run does to each value of a table: its columns,
 * blind index settings and the configured generator key. A checkpoint carries it, so a checkpoint
 * written under another configuration is not resumed.
 */
import { createHash } from 'node:crypto';
import type { WrappingKeyRef } from '@prisma-kms/field-crypto';
import type { TableTarget } from './table-target';
import { wrappingKeyLabel } from './value-state';

/**
 * A short hex digest of `target` and the configured generator key (no key material: names only).
 *
 * @example
 * ```ts
 * configDigest(target, cipher.configuredWrappingKey()); // '3f1c9a0e5b7d2e4f'
 * ```
 */
export function configDigest(target: TableTarget, generatorKey: WrappingKeyRef | undefined): string {
  const described = {
    table: target.table,
    primaryKey: target.primaryKey.map((k) => k.column),
    encrypted: target.encrypted.map((c) => [c.field, c.column, c.blindIndex ?? null]),
    generator: generatorKey ? wrappingKeyLabel(generatorKey) : null,
  };
  return createHash('sha256').update(JSON.stringify(described)).digest('hex').slice(0, 16);
}
