/**
 * The `status` section about index keys: which KMS keys wrap each blind index key message of the
 * index key file, and, with the value counts, every wrapping key still in use. A key that appears
 * nowhere here wraps nothing prisma-kms keeps and can be retired. Reads the file's message headers
 * only: no KMS call.
 */
import { indexKeyWrappingKeys, splitIndexKeyMessages } from '@prisma-kms/field-crypto';
import { readIndexKeyFile } from '../config/index-key-file';
import type { FieldStatus } from './collect-status';
import { wrappingKeyLabel } from './value-state';

/** One message of the index key file. */
export interface IndexKeyWrapping {
  /** The version in the message's encryption context (undefined if it has none: not an index key). */
  readonly version: number | undefined;
  /** Labels (`provider:key`) of the keys that can unwrap it. */
  readonly wrappingKeys: readonly string[];
}

export interface IndexKeyStatus {
  readonly file: string;
  readonly keys: readonly IndexKeyWrapping[];
}

/** What one wrapping key still wraps. */
export interface WrappingKeyUse {
  readonly key: string;
  readonly values: number;
  readonly indexKeys: number;
}

/**
 * Reads the index key file (`file`, relative to `cwd`) and lists the wrapping keys of each message.
 *
 * @example
 * ```ts
 * readIndexKeyStatus('.prisma-kms/index-keys', process.cwd()).keys; // [{ version: 1, wrappingKeys: ['aws-kms:arn:...'] }]
 * ```
 */
export function readIndexKeyStatus(file: string, cwd: string): IndexKeyStatus {
  const { path, text } = readIndexKeyFile(file, cwd);
  const keys = splitIndexKeyMessages(text).map((message) => {
    const { version, wrappingKeys } = indexKeyWrappingKeys(message);
    return { version, wrappingKeys: wrappingKeys.map(wrappingKeyLabel) };
  });
  return { file: path, keys };
}

/**
 * Every wrapping key that still wraps a value or an index key, with how many of each. Pure.
 *
 * @example
 * ```ts
 * wrappingKeysInUse({ currentKey: 'aws-kms:new', fields }, indexKeys); // [{ key: 'aws-kms:old', values: 0, indexKeys: 1 }, ...]
 * ```
 */
export function wrappingKeysInUse(
  report: { readonly currentKey: string; readonly fields: readonly FieldStatus[] },
  indexKeys: IndexKeyStatus | undefined,
): WrappingKeyUse[] {
  const uses = new Map<string, { values: number; indexKeys: number }>();
  const use = (key: string) => uses.get(key) ?? uses.set(key, { values: 0, indexKeys: 0 }).get(key)!;
  for (const field of report.fields) {
    if (field.current > 0) use(report.currentKey).values += field.current;
    for (const [label, count] of Object.entries(field.byWrappingKey)) {
      // A value under several keys is counted under each: any one of them still unwraps it.
      for (const key of label.split(' + ')) use(key).values += count;
    }
  }
  for (const message of indexKeys?.keys ?? []) for (const key of message.wrappingKeys) use(key).indexKeys += 1;
  return [...uses.entries()].map(([key, counts]) => ({ key, ...counts })).sort((a, b) => a.key.localeCompare(b.key));
}

/** The text of the section, printed after the value counts. Pure. */
export function formatIndexKeyStatus(indexKeys: IndexKeyStatus | undefined, inUse: readonly WrappingKeyUse[]): string {
  const out: string[] = [];
  if (indexKeys) {
    out.push(`index keys (${indexKeys.file}):`);
    for (const message of indexKeys.keys) {
      out.push(`  version ${message.version ?? '?'} under ${message.wrappingKeys.join(' + ') || '(none)'}`);
    }
  }
  out.push('wrapping keys in use:');
  for (const use of inUse) out.push(`  ${use.key}: ${use.values} values, ${use.indexKeys} index keys`);
  return out.join('\n') + '\n';
}
