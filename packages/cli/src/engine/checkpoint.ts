/**
 * Checkpoints: the last primary key up to which a command has finished a table, so a rerun after a
 * kill resumes there instead of rescanning. They only save time: a checkpoint is bound to the database,
 * the configuration and the command (direction), any other command on the same fields deletes it, and
 * every run ends with a final check of the whole table (see run-migration), so a stale one can cost a
 * rescan but never leave a value in the wrong state behind an exit status 0. A run that reaches the end
 * of the table deletes its checkpoint.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, describeCause } from '../errors';

/** What a checkpoint belongs to; a checkpoint whose identity differs from the run's is ignored. */
export interface CheckpointIdentity {
  readonly command: string;
  readonly model: string;
  readonly table: string;
  readonly fields: readonly string[];
  /** `i/n`, or null when not sharded. */
  readonly shard: string | null;
  /** For `rotate`: the generator key rotated to; a checkpoint toward another key does not apply. */
  readonly targetKey?: string;
  /** The database, server and table, as read through SQL (database-identity). */
  readonly database: string;
  /** A digest of the configuration that decides what each value needs (config-digest). */
  readonly configDigest: string;
}

/** The checkpoint format; files of other versions (older ones knew no database or configuration) are ignored. */
const CHECKPOINT_VERSION = 2;

interface CheckpointFile extends CheckpointIdentity {
  readonly version: typeof CHECKPOINT_VERSION;
  readonly after: readonly EncodedKeyPart[];
  readonly rowsScanned: number;
  readonly updatedAt: string;
}

/** A primary-key value in JSON: bigints and dates tagged so they come back with their type. */
export type EncodedKeyPart = string | number | boolean | null | { readonly $bigint: string } | { readonly $date: string };

/** Reads, writes and deletes checkpoint files in one directory. */
export class CheckpointStore {
  constructor(readonly directory: string) {}

  /** The file a run with `identity` uses. */
  pathFor(identity: CheckpointIdentity): string {
    const shard = identity.shard ? `-shard-${identity.shard.replace('/', '-of-')}` : '';
    const name = `checkpoint-${identity.command}-${identity.model}${shard}.json`.replace(/[^A-Za-z0-9._-]/g, '_');
    return join(this.directory, name);
  }

  /** The key to resume after, or null when there is no checkpoint for exactly this run. */
  load(identity: CheckpointIdentity): { after: unknown[]; rowsScanned: number } | null {
    let text: string;
    try {
      text = readFileSync(this.pathFor(identity), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CliError('CHECKPOINT_FAILED', `Cannot read checkpoint ${this.pathFor(identity)}: ${describeCause(error)}`);
    }
    let file: CheckpointFile;
    try {
      file = JSON.parse(text) as CheckpointFile;
    } catch {
      return null; // a torn or foreign file: rescanning is always safe
    }
    if (file.version !== CHECKPOINT_VERSION || !sameIdentity(file, identity) || !Array.isArray(file.after)) return null;
    return { after: file.after.map(decodeKeyPart), rowsScanned: file.rowsScanned ?? 0 };
  }

  /** Records that everything up to and including `after` is done. Atomic: write then rename. */
  save(identity: CheckpointIdentity, after: readonly unknown[], rowsScanned: number): void {
    const path = this.pathFor(identity);
    const file: CheckpointFile = {
      version: CHECKPOINT_VERSION,
      ...identity,
      after: after.map(encodeKeyPart),
      rowsScanned,
      updatedAt: new Date().toISOString(),
    };
    try {
      mkdirSync(this.directory, { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(file, null, 2));
      renameSync(temporary, path);
    } catch (error) {
      throw new CliError('CHECKPOINT_FAILED', `Cannot write checkpoint ${path}: ${describeCause(error)}`);
    }
  }

  clear(identity: CheckpointIdentity): void {
    rmSync(this.pathFor(identity), { force: true });
  }

  /**
   * Deletes every checkpoint of the same model that shares a field with `identity` but belongs to
   * another run (another command, database, configuration or target key): once this run starts
   * changing those fields, the rows such a checkpoint counts as done may no longer be. Checkpoints of
   * other shards of the very same run are kept. Files that do not parse are left alone.
   */
  invalidateOthers(identity: CheckpointIdentity): string[] {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CliError('CHECKPOINT_FAILED', `Cannot list checkpoints in ${this.directory}: ${describeCause(error)}`);
    }
    const removed: string[] = [];
    for (const name of names) {
      if (!name.startsWith('checkpoint-') || !name.endsWith('.json')) continue;
      const path = join(this.directory, name);
      let file: Partial<CheckpointFile>;
      try {
        file = JSON.parse(readFileSync(path, 'utf8')) as Partial<CheckpointFile>;
      } catch {
        continue;
      }
      if (file.model !== identity.model || !Array.isArray(file.fields)) continue;
      if (!file.fields.some((field) => identity.fields.includes(field))) continue;
      const sameRun = file.version === CHECKPOINT_VERSION && sameIdentity({ ...(file as CheckpointFile), shard: identity.shard }, identity);
      if (sameRun) continue;
      rmSync(path, { force: true });
      removed.push(path);
    }
    return removed;
  }
}

function sameIdentity(a: CheckpointIdentity, b: CheckpointIdentity): boolean {
  return (
    a.command === b.command &&
    a.model === b.model &&
    a.table === b.table &&
    a.shard === b.shard &&
    a.database === b.database &&
    a.configDigest === b.configDigest &&
    (a.targetKey ?? null) === (b.targetKey ?? null) &&
    a.fields.length === b.fields.length &&
    a.fields.every((field, i) => field === b.fields[i])
  );
}

export function encodeKeyPart(part: unknown): EncodedKeyPart {
  if (typeof part === 'bigint') return { $bigint: part.toString() };
  if (part instanceof Date) return { $date: part.toISOString() };
  if (typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean' || part === null) return part;
  return String(part);
}

export function decodeKeyPart(part: EncodedKeyPart): unknown {
  if (part !== null && typeof part === 'object') {
    if ('$bigint' in part) return BigInt(part.$bigint);
    if ('$date' in part) return new Date(part.$date);
  }
  return part;
}
