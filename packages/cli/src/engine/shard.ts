/**
 * `--shard i/n`: n processes share a table, each taking the rows whose primary key falls in its
 * shard, so together they cover every row exactly once whatever rows are inserted meanwhile.
 *
 * A single integer key is split in SQL by modulo (each process reads only its rows). Any other key
 * (strings, composite keys) is split by a hash of the key computed here: each process reads every
 * row but transforms only its own, which still divides the crypto, the expensive part.
 */
import { CliError } from '../errors';
import type { ColumnTarget } from './table-target';

/** Shard `index` (0-based) of `count`. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/**
 * Parses `i/n` (1-based, as written on the command line) into a 0-based {@link ShardSpec}.
 *
 * @example
 * ```ts
 * parseShard('2/4'); // { index: 1, count: 4 }
 * ```
 */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const position = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(count) || count < 1 || position < 1 || position > count) {
    throw new CliError('USAGE', `--shard expects i/n with 1 <= i <= n (e.g. 1/4), got "${text}"`);
  }
  return { index: position - 1, count };
}

/** `i/n` as the user wrote it. */
export function formatShard(shard: ShardSpec): string {
  return `${shard.index + 1}/${shard.count}`;
}

const INTEGER_TYPES = new Set(['Int', 'BigInt']);

/** True when the shard can be taken in SQL: a single Int or BigInt primary key column. */
export function shardsInSql(primaryKey: readonly ColumnTarget[]): boolean {
  return primaryKey.length === 1 && INTEGER_TYPES.has(primaryKey[0]!.type);
}

/**
 * The shard (0-based) of a primary key, by FNV-1a over a canonical text of the key. Stable across
 * processes and machines, so every process agrees which rows are whose.
 */
export function shardOfKey(key: readonly unknown[], count: number): number {
  const text = key.map(canonicalKeyPart).join('\u0000');
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

function canonicalKeyPart(part: unknown): string {
  if (part instanceof Date) return part.toISOString();
  if (part instanceof Uint8Array) return Buffer.from(part).toString('hex');
  return String(part);
}
